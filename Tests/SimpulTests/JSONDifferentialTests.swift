import Foundation
import SimpulConnectors
import SimpulJSON
import SimpulTestSupport
import Testing

/// Simpul's JSON parser and its streaming document reader against CPython's `json` module on random texts, valid
/// and broken (`scripts/differential.sh json` writes them with `scripts/json_differential.py` and points at the
/// file with `JSON_DIFFERENTIAL_CORPUS`). Not part of a plain `swift test`.
///
/// For every text: the parser accepts it exactly when CPython (made strict) does, and reads the same value; the
/// same text as the one record of a SiCantik-shaped page, streamed through `JSONDocumentReader` in a small window,
/// gives what parsing the whole page gives.
@Suite struct JSONDifferentialTests {
    static let corpus = ProcessInfo.processInfo.environment["JSON_DIFFERENTIAL_CORPUS"]

    @Test(.enabled(if: corpus != nil, "set JSON_DIFFERENTIAL_CORPUS (scripts/differential.sh json)"))
    func againstCPython() throws {
        let lines = try String(contentsOfFile: Self.corpus!, encoding: .utf8).split(separator: "\n")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simpul-json-diff-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var accepted = 0, failures: [String] = []
        for (n, line) in lines.enumerated() {
            let t = try JSONParser.parse(String(line))
            guard let b64 = t["doc"]?.stringValue, let data = Data(base64Encoded: b64), case .bool(let ok)? = t["ok"] else {
                Issue.record("corpus line \(n + 1) is not {doc, ok, canon}")
                continue
            }
            let doc = [UInt8](data)
            let shown = String(decoding: doc.prefix(120), as: UTF8.self).debugDescription
            let ours = try? JSONParser.parse(doc)
            if (ours != nil) != ok {
                failures.append("text \(n + 1) \(shown): CPython \(ok ? "accepts" : "refuses") it, Simpul \(ours != nil ? "accepts" : "refuses")")
                continue
            }
            if let ours, let canon = t["canon"]?.stringValue {
                accepted += 1
                let want = try JSONWriter.bytes(JSONParser.parse(canon))
                if JSONWriter.bytes(ours) != want {
                    failures.append("text \(n + 1) \(shown): read as \(ours.jsonText), CPython reads \(canon)")
                }
            }
            // The text as the one record of a page, streamed in a 5-byte window, against the whole page parsed.
            let page = Array(#"{"status":"success","page":1,"data":["#.utf8) + doc + Array("]}".utf8)
            let file = dir.appendingPathComponent("\(n % 64).json").path
            try writeTestFile(page, to: file)
            let whole = JSONDocumentReaderTests.whole(page, path: ["data"])
            let streamed = JSONDocumentReaderTests.streamed(try ByteInput(path: file, window: 5), path: ["data"])
            if whole.items.first?.hasPrefix("rejected") == true {
                if streamed.items.first?.hasPrefix("rejected") != true {
                    failures.append("text \(n + 1) \(shown) as a page: whole parse rejects it, streaming gives \(streamed.items)")
                }
            } else if streamed.items != whole.items || streamed.root != whole.root {
                failures.append("text \(n + 1) \(shown) as a page: streaming gives \(streamed.items), whole parse \(whole.items)")
            }
        }
        print("JSON differential: \(lines.count) texts, \(accepted) valid JSON, \(failures.count) differ from CPython or the whole parse")
        for f in failures.prefix(50) { Issue.record(Comment(rawValue: f)) }
        #expect(lines.count > 0 && accepted > 0)
    }
}
