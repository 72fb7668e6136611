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
    var rows: [SourceRow] = []
    let n: Double
    /// Each stage runs `rounds` times; the fastest round is reported (the machine's noise only ever adds time), with
    /// the slowest beside it.
    let rounds = 5
    func line(_ name: String, _ perRow: Double, _ note: String) {
        print("\(name.padding(toLength: 28, withPad: " ", startingAt: 0)) \(String(format: "%6.2f", perRow)) µs/row  (\(note))")
    }
    func stage(_ name: String, _ body: () -> Void) {
        var times: [Double] = []
        for _ in 0..<rounds {
            let t = Date()
            body()
            times.append(Date().timeIntervalSince(t) * 1e6 / n)
        }
        line(name, times.min()!, "slowest round \(String(format: "%.2f", times.max()!))")
    }
    let r = c.reader(try ByteInput(path: file))
    let t0 = Date()
    while let item = try r.next() { if case .row(let row) = item { rows.append(row) } }
    n = Double(rows.count)
    line("read + split CSV", Date().timeIntervalSince(t0) * 1e6 / n, "once")
    // Each row with its own key, as the normaliser gives it: a made-up key is refused by SIAK's key transform (the NIK),
    // and every row would then time the path of a dead letter.
    let contexts = rows.map {
        RowContext(rowKey: c.rowKey(fields: $0.fields, root: [:], seq: nil, line: $0.line), seq: nil, line: $0.line, root: [:])
    }
    var mapped: [MappedRow] = []
    var failed = 0
    for (row, context) in zip(rows, contexts) {
        switch c.map(fields: row.fields, context: context) {
        case .success(let m): mapped.append(m)
        case .failure: failed += 1
        }
    }
    if failed > 0 { print("(\(failed) of \(rows.count) rows fail to map: the stages below time them as dead letters)") }
    stage("map (transforms)") { for (row, context) in zip(rows, contexts) { _ = c.map(fields: row.fields, context: context) } }
    let schema = hub.schemas["citizen"]!
    // Validated as stored: with the provenance the normaliser adds, so a valid row yields no violations.
    let records = mapped.map {
        var f = $0.records[0].fields
        f["source_system"] = .string(c.sourceSystem)
        f["source_key"] = .string($0.records[0].sourceKey)
        return JSONValue.object(f)
    }
    var violations = 0
    stage("validate") { violations = 0; for v in records { violations += schema.validate(v).count } }
    // Per stage, what one round wrote (printed, so no stage's work can be left out as unused).
    var recordBytes = 0, payloadBytes = 0
    stage("serialise record") { recordBytes = 0; for v in records { recordBytes += JSONWriter.bytes(v).count } }
    stage("serialise payload") { payloadBytes = 0; for row in rows { payloadBytes += JSONWriter.bytes(.object(row.fields)).count } }
    stage("sha256 of raw") { for row in rows { _ = SHA256.hash(row.raw) } }
    // What replay and dead-letter retry do first with each stored row.
    let payloads = rows.map { JSONWriter.bytes(.object($0.fields)) }
    var parsed = 0
    stage("parse payload (replay)") { parsed = 0; for p in payloads { if case .object? = try? JSONParser.parse(p) { parsed += 1 } } }
    stage("whole normaliser") {
        for row in rows { _ = norm.row(fields: row.fields, root: [:], seq: nil, line: row.line, raw: row.raw) }
    }
    print("(\(violations) violations, \(recordBytes) bytes of records, \(payloadBytes) bytes of payloads, \(parsed) payloads parsed)")
}
