import Foundation
import SimpulJSON
import SimpulSchema
import Testing

/// The schema validator's pattern engine against V8's RegExp (the `u` flag, a search: what JSON Schema's `pattern`
/// means), on random patterns in the supported ECMA-262 subset and random texts (`scripts/differential.sh regex`
/// writes them with node and points at the file with `REGEX_DIFFERENTIAL_CORPUS`). Not part of a plain `swift test`.
///
/// Every pattern Simpul accepts must be one V8 accepts, and match exactly the texts V8 matches. A pattern beyond the
/// subset may be refused at load (docs/schemas.md), never matched differently.
@Suite struct RegexDifferentialTests {
    static let corpus = ProcessInfo.processInfo.environment["REGEX_DIFFERENTIAL_CORPUS"]

    @Test(.enabled(if: corpus != nil, "set REGEX_DIFFERENTIAL_CORPUS (scripts/differential.sh regex)"))
    func againstV8() throws {
        let lines = try String(contentsOfFile: Self.corpus!, encoding: .utf8).split(separator: "\n")
        var compiled: [String: SchemaRegex?] = [:]
        var cases = 0, refused = Set<String>(), failures: [String: String] = [:]
        for line in lines {
            let c = try JSONParser.parse(String(line))
            guard let p = c["pattern"]?.stringValue else { continue }
            if compiled[p] == nil { compiled[p] = .some(try? SchemaRegex(p)) }
            let ours = compiled[p]!
            if c["invalid"] == .bool(true) {
                if ours != nil { failures[p] = "V8 refuses the pattern, Simpul accepts it" }
                continue
            }
            guard let re = ours else { refused.insert(p); continue }
            guard let text = c["text"]?.stringValue, case .bool(let want)? = c["match"] else { continue }
            cases += 1
            if re.matches(text) != want {
                failures[p] = "text \(text.debugDescription): V8 \(want ? "matches" : "does not match"), Simpul \(want ? "does not" : "does")"
            }
        }
        print("regex differential: \(compiled.count) patterns, \(cases) cases compared, \(refused.count) patterns refused by Simpul "
              + "(outside the subset), \(failures.count) patterns differ")
        for (p, f) in failures.sorted(by: { $0.key < $1.key }).prefix(40) { Issue.record(Comment(rawValue: "\(p.debugDescription): \(f)")) }
    }
}
