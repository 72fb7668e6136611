import Foundation
import SimpulJSON
import Testing
@testable import SimpulConnectors

/// Simpul's CSV reader against CPython's `csv` module on random exports (`scripts/differential.sh csv` writes them
/// with `scripts/csv_differential.py`, and CPython's reading of each, and points at the folder with
/// `CSV_DIFFERENTIAL_DIR`). Not part of a plain `swift test`.
///
/// Every file must give exactly CPython's records, in order, with no row malformed, both from memory and through a
/// small window (so records cross the window's edges), on the one-pass and the byte-by-byte path alike.
@Suite struct CSVDifferentialTests {
    static let dir = ProcessInfo.processInfo.environment["CSV_DIFFERENTIAL_DIR"]

    @Test(.enabled(if: dir != nil, "set CSV_DIFFERENTIAL_DIR (scripts/differential.sh csv)"))
    func againstCPython() throws {
        let folder = URL(fileURLWithPath: Self.dir!)
        let cases = try String(contentsOf: folder.appendingPathComponent("cases.ndjson"), encoding: .utf8).split(separator: "\n")
        var records = 0, failures: [String] = []
        for (n, line) in cases.enumerated() {
            let c = try JSONParser.parse(String(line))
            guard let file = c["file"]?.stringValue, let delimiter = c["delimiter"]?.stringValue?.utf8.first,
                  let header = c["header"]?.arrayValue?.compactMap(\.stringValue), let rows = c["rows"]?.arrayValue else {
                Issue.record("case \(n + 1) is not {file, delimiter, header, rows}")
                continue
            }
            let want = rows.map { r in Dictionary(uniqueKeysWithValues: zip(header, r.arrayValue!.map { $0 })) }
            records += want.count
            var opt = CSVReader.Options()
            opt.delimiter = delimiter
            let path = folder.appendingPathComponent(file).path
            for (how, onePass) in [("memory", true), ("window 7", true), ("window 7, byte by byte", false)] {
                let input = how == "memory" ? ByteInput(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
                                            : try ByteInput(path: path, window: 7)
                let reader = CSVReader(input: input, options: opt)
                reader.splitsPlainLines = onePass
                var got: [[String: JSONValue]] = []
                do {
                    while let item = try reader.next() {
                        switch item {
                        case .row(let r): got.append(r.fields)
                        case .malformed(let l, _, let reason, _): failures.append("\(file) (\(how)): line \(l) malformed: \(reason)")
                        }
                    }
                } catch {
                    failures.append("\(file) (\(how)): rejected: \(error.reason)")
                }
                if reader.header != header { failures.append("\(file) (\(how)): header \(reader.header), CPython \(header)") }
                if got != want {
                    let k = (0..<Swift.min(got.count, want.count)).first { got[$0] != want[$0] } ?? Swift.min(got.count, want.count)
                    failures.append("\(file) (\(how)): \(got.count) records, CPython \(want.count); record \(k + 1) differs: "
                                    + "\(k < got.count ? JSONValue.object(got[k]).jsonText : "-") vs \(k < want.count ? JSONValue.object(want[k]).jsonText : "-")")
                }
            }
        }
        print("CSV differential: \(cases.count) files, \(records) records, \(failures.count) differences from CPython")
        for f in failures.prefix(50) { Issue.record(Comment(rawValue: f)) }
        #expect(records > 0)
    }
}
