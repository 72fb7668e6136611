import SimpulConnectors
import SimpulCrypto
import SimpulJSON
import SimpulSchema
import SimpulStorage

/// Turns a parsed source row into what the store writes: the raw log entry (key, payload, idempotency key)
/// and the outcome of normalisation (valid records and mentions, or a dead letter). Pure: no I/O.
public struct RowNormaliser: Sendable {
    public let connector: Connector
    public let schemas: SchemaRegistry

    public init(connector: Connector, schemas: SchemaRegistry) throws {
        for s in connector.schemas where schemas[s] == nil {
            throw HubError.invalid("connector \(connector.name) writes schema '\(s)', which is not in schemas/")
        }
        self.connector = connector
        self.schemas = schemas
        var text: [String: Set<String>] = [:]
        for s in connector.schemas { text[s] = schemas[s]?.textFields }
        textFields = text
    }

    /// The same normaliser compiled again from its definitions: for a worker thread, so the reference counts of
    /// the compiled mapping and schemas it touches on every row are its own (shared objects' counts bounce between
    /// the cores that change them).
    public func ownCopy() throws -> RowNormaliser {
        try RowNormaliser(connector: connector.compiledAgain(), schemas: SchemaRegistry(compiling: schemas.sources))
    }

    /// Per schema, the fields declared as text only (``Schema/textFields``).
    let textFields: [String: Set<String>]

    /// The raw log payload: the row's fields, plus the `$root` fields the mapping reads and the `$seq`.
    public func payload(fields: [String: JSONValue], root: [String: JSONValue], seq: Int?) -> [String: JSONValue] {
        var p = fields
        if !connector.rootKeys.isEmpty {
            var r: [String: JSONValue] = [:]
            for k in connector.rootKeys { r[k] = root[k] }
            p["$root"] = .object(r)
        }
        if let seq { p["$seq"] = .int(seq) }
        return p
    }

    /// Builds the write for one row read from a file. A row `settled` already holds (same idempotency key, no open
    /// dead letter) is normalised only if the store asks for it: re-ingesting a snapshot skips the mapping work.
    public func row(fields: [String: JSONValue], root: [String: JSONValue], seq: Int?, line: Int, raw: [UInt8],
                    settled: SettledRows? = nil) -> RowWrite {
        let payloadObj = payload(fields: fields, root: root, seq: seq)
        let payloadBytes = JSONWriter.bytes(.object(payloadObj))
        let key = connector.rowKey(fields: fields, root: root, seq: seq, line: line)
        var h = SHA256()
        h.update(connector.name)
        h.update([0])
        h.update(key)
        h.update([0])
        h.update(payloadBytes)
        let idem = Self.idempotencyKey(sourceKey: key, hash: h.finalize())
        let context = RowContext(rowKey: key, seq: seq, line: line, root: root)
        let outcome: RowOutcome
        if let settled, settled.contains(idem) {
            outcome = .deferred { [self] in normalise(fields: fields, context: context, raw: raw) }
        } else {
            outcome = normalise(fields: fields, context: context, raw: raw)
        }
        return RowWrite(sourceKey: key, idem: idem, payload: String(decoding: payloadBytes, as: UTF8.self), line: line,
                        outcome: outcome)
    }

    /// The raw log's permanent idempotency key: the first 8 bytes of the source key (zero-padded), then 16 bytes of
    /// SHA-256(connector, source key, payload). The hash alone would do, but its order is random: every batch would
    /// then rewrite pages all over the key index, which at a million rows cost a fifth of the ingest. With the key in
    /// front, an export in key order (as databases export) fills the index from one end. Migration 9 gave keys
    /// stored before this their prefix.
    static func idempotencyKey(sourceKey: String, hash: [UInt8]) -> [UInt8] {
        var idem = [UInt8](repeating: 0, count: 24)
        for (k, b) in sourceKey.utf8.prefix(8).enumerated() { idem[k] = b }
        for k in 0..<16 { idem[8 + k] = hash[k] }
        return idem
    }

    /// Re-normalises a raw log payload (replay, dead-letter retry).
    public func outcome(payload: String, rowKey: String, line: Int) -> RowOutcome {
        guard case .object(var fields)? = try? JSONParser.parse(payload) else {
            return .dead(DeadLetter(line: line, field: nil, reason: "raw log payload is not a JSON object", raw: Array(payload.utf8)))
        }
        let root = fields.removeValue(forKey: "$root")?.objectValue ?? [:]
        let seq = fields.removeValue(forKey: "$seq")?.scalarText.flatMap { Int($0) }
        return normalise(fields: fields, context: RowContext(rowKey: rowKey, seq: seq, line: line, root: root),
                         raw: Array(payload.utf8))
    }

    public func normalise(fields: [String: JSONValue], context: RowContext, raw: [UInt8]) -> RowOutcome {
        switch connector.map(fields: fields, context: context) {
        case .failure(let f):
            return .dead(Self.deadLetter(line: context.line, f.problems, raw: raw))
        case .success(var mapped):
            var recs: [RecordWrite] = []
            var problems: [MappingProblem] = []
            for i in mapped.records.indices {
                // Provenance added in place: the mapped row is this function's alone, so its fields are not copied.
                mapped.records[i].fields["source_system"] = .string(connector.sourceSystem)
                mapped.records[i].fields["source_key"] = .string(mapped.records[i].sourceKey)
                // A number where the schema wants text (a permit number sent as 12345): its literal is the text.
                if let text = textFields[mapped.records[i].schema] {
                    for (k, v) in mapped.records[i].fields {
                        if case .number(let literal) = v, text.contains(k) { mapped.records[i].fields[k] = .string(literal) }
                    }
                }
                let r = mapped.records[i]
                let value = JSONValue.object(r.fields)
                for v in schemas[r.schema]!.validate(value) {
                    let field = String(v.path.dropFirst().split(separator: "/").first ?? "")
                    problems.append(MappingProblem(field: field.isEmpty ? nil : "\(r.schema).\(field)",
                                                   reason: "\(r.schema)\(v.path) \(v.message)"))
                }
                let data = JSONWriter.bytes(value)
                recs.append(RecordWrite(schema: r.schema, sourceKey: r.sourceKey, data: String(decoding: data, as: UTF8.self),
                                        dataHash: FastHash.hash128(data), sourceVersion: r.version, nama: r.fields["nama"]?.stringValue))
            }
            if !problems.isEmpty { return .dead(Self.deadLetter(line: context.line, problems, raw: raw)) }
            let mentions = mapped.mentions.map {
                MentionWrite(key: $0.key, schema: $0.schema, sourceKey: $0.sourceKey, data: JSONValue.object($0.fields).jsonText,
                             nik: $0.fields["nik"]?.stringValue)
            }
            return .records(recs, mentions)
        }
    }

    static func deadLetter(line: Int, _ problems: [MappingProblem], raw: [UInt8]) -> DeadLetter {
        var seen: Set<String> = []
        let unique = problems.map(\.description).filter { seen.insert($0).inserted }
        return DeadLetter(line: line, field: problems.first?.field, reason: unique.joined(separator: "; "), raw: raw)
    }
}
