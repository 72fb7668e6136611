import Foundation
import SimpulConnectors
import SimpulCrypto
import SimpulIngest
import SimpulJSON
import SimpulSchema

/// Times each stage of the ingest pipeline alone over one file (no database): where does a row's time go?
func benchPhases(file: String) throws {
    let hub = try Hub(home: try HubHome.locate(), dbPath: NSTemporaryDirectory() + "phases-\(UUID().uuidString).db")
    let c = try hub.connector("dukcapil-siak")
    let norm = try RowNormaliser(connector: c, schemas: hub.schemas)
    var t = Date()
    var rows: [SourceRow] = []
    let r = c.reader(try ByteInput(path: file))
    while let item = try r.next() { if case .row(let row) = item { rows.append(row) } }
    let n = Double(rows.count)
    func report(_ name: String) {
        print("\(name.padding(toLength: 28, withPad: " ", startingAt: 0)) \(String(format: "%6.2f", Date().timeIntervalSince(t) * 1e6 / n)) µs/row")
        t = Date()
    }
    report("read + split CSV")
    var mapped: [MappedRow] = []
    for row in rows {
        if case .success(let m) = c.map(fields: row.fields, context: RowContext(rowKey: "k", seq: nil, line: 1, root: [:])) { mapped.append(m) }
    }
    report("map (transforms)")
    let schema = hub.schemas["citizen"]!
    var violations = 0
    for m in mapped { violations += schema.validate(.object(m.records[0].fields)).count }
    report("validate")
    var bytes = 0
    for m in mapped { bytes += JSONWriter.bytes(.object(m.records[0].fields)).count }
    report("serialise record")
    for row in rows { bytes += JSONWriter.bytes(.object(row.fields)).count }
    report("serialise payload")
    for row in rows { _ = SHA256.hash(row.raw) }
    report("sha256 of raw")
    for row in rows { _ = norm.row(fields: row.fields, root: [:], seq: nil, line: row.line, raw: row.raw) }
    report("whole normaliser")
    print("(\(violations) violations, \(bytes) bytes)")
}
