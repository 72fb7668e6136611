import Foundation
import SimpulJSON
import SimpulSchema
import Testing

/// The validator against the official JSON Schema Test Suite (json-schema-org, draft 2020-12), which
/// `scripts/json-schema-suite.sh` fetches from PyPI (the `jsonschema` source package carries it) and points at
/// with `JSON_SCHEMA_TEST_SUITE`. Not part of a plain `swift test`: the suite is not committed here.
///
/// Every test group whose schema loads must give the suite's answer for every case. A group whose schema uses a
/// keyword outside Simpul's subset must be refused when it loads (docs/schemas.md), never validated with less.
@Suite struct JSONSchemaSuiteTests {
    static let dir = ProcessInfo.processInfo.environment["JSON_SCHEMA_TEST_SUITE"]

    /// Files of keywords Simpul supports: each must have groups that load, so the run cannot pass by skipping.
    static let supported = ["type", "properties", "required", "additionalProperties", "items", "enum", "const",
                            "pattern", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems", "anyOf",
                            "ref", "optional/format/date"]

    /// Where Simpul means something else than the suite, on purpose (docs/schemas.md). Key: file, group
    /// description; value: why.
    static let deviations: [String: String] = [
        "format: date format": "Simpul asserts formats (the format-assertion vocabulary), so an invalid date is invalid",
        "format: date-time format": "Simpul asserts formats, so an invalid date-time is invalid",
    ]

    @Test(.enabled(if: dir != nil, "set JSON_SCHEMA_TEST_SUITE (scripts/json-schema-suite.sh)"))
    func theOfficialSuite() throws {
        let root = URL(fileURLWithPath: Self.dir!)
        var files: [String] = []
        let walker = FileManager.default.enumerator(atPath: root.path)
        while let f = walker?.nextObject() as? String {
            if f.hasSuffix(".json") { files.append(String(f.dropLast(5))) }
        }
        files.sort()
        #expect(files.contains("type") && files.contains("optional/format/date"), "not the draft 2020-12 tests folder")
        var loaded: [String: Int] = [:], skipped = 0, cases = 0, failures: [String] = []
        for file in files {
            let text = try String(contentsOf: root.appendingPathComponent(file + ".json"), encoding: .utf8)
            guard case .array(let groups) = try JSONParser.parse(text) else { Issue.record("\(file): not an array"); continue }
            for g in groups {
                let about = g["description"]?.stringValue ?? "?"
                guard let schemaJSON = g["schema"], let tests = g["tests"]?.arrayValue else { continue }
                let schema: Schema
                do { schema = try Schema(name: file, json: schemaJSON) } catch { skipped += 1; continue }
                loaded[file, default: 0] += 1
                for t in tests {
                    guard let data = t["data"], case .bool(let valid)? = t["valid"] else { continue }
                    cases += 1
                    let violations = schema.validate(data)
                    if violations.isEmpty != valid && Self.deviations["\(file): \(about)"] == nil {
                        failures.append("\(file): \(about): \(t["description"]?.stringValue ?? "?"): expected "
                                        + (valid ? "valid, got \(violations.map(\.description))" : "invalid, got valid"))
                    }
                }
            }
        }
        print("JSON Schema Test Suite (draft 2020-12): \(loaded.values.reduce(0, +)) groups loaded in \(loaded.count) files, "
              + "\(cases) cases, \(failures.count) failed; \(skipped) groups refused at load (keywords outside the subset)")
        for f in failures { Issue.record(Comment(rawValue: f)) }
        for f in Self.supported { #expect(loaded[f, default: 0] > 0, "no group of \(f).json loaded") }
    }
}
