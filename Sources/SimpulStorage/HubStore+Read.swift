import Foundation
import SimpulJSON

/// A raw log entry, as replay reads it.
public struct RawEntry: Sendable {
    public var seq: Int64
    public var id: Int64
    public var sourceKey: String
    public var payload: String
    public var line: Int
    public var file: String?
}

/// One event of a topic, as `topics read` and the change feeds show it.
public struct TopicEvent: Sendable {
    public var seq: Int64
    public var key: String
    public var payload: JSONValue
    public var at: Int64
}

public struct DeadLetterEntry: Sendable {
    public var id: Int64
    public var connector: String
    public var file: String?
    public var line: Int
    public var field: String?
    public var reason: String
    public var raw: [UInt8]
    public var rawTruncated: Bool
    public var rawID: Int64?
    public var status: String
    public var seen: Int
    public var firstAt: Int64
    public var lastAt: Int64
}

extension DeadLetterEntry {
    /// As `simpul dlq list|show --json` and `GET /v1/dlq` show it. `raw: false` leaves out the row as it came
    /// (which may hold personal data); reasons never quote personal values.
    public func json(raw: Bool) -> JSONValue {
        var o: [String: JSONValue] = [
            "id": .int(Int(id)), "connector": .string(connector), "file": file.map { .string($0) } ?? .null,
            "line": .int(line), "field": field.map { .string($0) } ?? .null, "reason": .string(reason),
            "status": .string(status), "seen": .int(seen), "first_at": .string(HubStore.isoTime(firstAt)),
            "last_at": .string(HubStore.isoTime(lastAt)), "retryable": .bool(rawID != nil),
        ]
        if raw {
            if let s = String(validating: self.raw, as: UTF8.self) { o["raw"] = .string(s) } else {
                o["raw_hex"] = .string(self.raw.map { String(format: "%02x", $0) }.joined())
            }
            o["raw_truncated"] = .bool(rawTruncated)
        }
        return .object(o)
    }
}

public struct TopicInfo: Sendable {
    public var name: String
    public var lastSeq: Int64
}

/// The current version of a record with its provenance.
public struct StoredRecord: Sendable {
    public var schema: String
    public var sourceKey: String
    public var version: Int64
    public var data: JSONValue
    public var connector: String
    public var rawSeq: Int64
    public var at: Int64
    public var current: Bool
}

extension HubStore {
    public func topics() throws -> [TopicInfo] {
        try db.rows("SELECT name, next_seq - 1 FROM topics ORDER BY name").map {
            TopicInfo(name: $0[0].text ?? "", lastSeq: $0[1].int ?? 0)
        }
    }

    /// The names after `prefix` of the topics that have one: `raw.`/`dlq.` → the connectors that stored rows,
    /// `records.` → the schemas that have records (kept when a connector's folder or schema file is removed since).
    public func topicNames(_ prefix: String) throws -> Set<String> {
        Set(try topics().compactMap { $0.name.hasPrefix(prefix) ? String($0.name.dropFirst(prefix.count)) : nil })
    }

    /// The connectors the hub knows: `folders` (the home's `connectors/`), and those that stored rows here.
    public func knownConnectors(folders: [String]) throws -> Set<String> {
        try Set(folders).union(topicNames("raw.")).union(topicNames("dlq."))
    }

    /// The sequence number of a topic's last event (0 when it has none or does not exist).
    public func lastSeq(topic: String) throws -> Int64 {
        try db.rows("SELECT next_seq - 1 FROM topics WHERE name = ?", [.text(topic)]).first?[0].int ?? 0
    }

    /// Events of a topic with sequence number ≥ `from`, oldest first.
    public func readTopic(_ name: String, from: Int64, limit: Int) throws -> [TopicEvent] {
        guard let tid = try db.rows("SELECT id FROM topics WHERE name=?", [.text(name)]).first?[0].int else {
            throw StoreOpenError(message: "no topic '\(name)'")
        }
        let lo = HubStore.eventID(tid, max(from, 1)), hi = HubStore.eventID(tid + 1, 0)
        if name.hasPrefix("records.") {
            let s = try db.prepare("""
                SELECT id, source_key, data, version_no, connector, raw_id, at, current FROM record_versions
                WHERE id >= ? AND id < ? ORDER BY id LIMIT ?
                """)
            try s.bind([.int(lo), .int(hi), .int(Int64(limit))])
            var out: [TopicEvent] = []
            while try s.step() {
                var data = (try? JSONParser.parse(s.text(2))) ?? .null
                if case .object(var o) = data {
                    o["version"] = .int(Int(s.int(3)))
                    o["connector"] = .string(s.text(4))
                    o["raw_seq"] = .int(Int(HubStore.seq(ofEventID: s.int(5))))
                    o["ingested_at"] = .string(Self.isoTime(s.int(6)))
                    data = .object(o)
                }
                out.append(TopicEvent(seq: HubStore.seq(ofEventID: s.int(0)), key: s.text(1), payload: data, at: s.int(6)))
            }
            return out
        }
        let s = try db.prepare("SELECT id, source_key, payload, at FROM log WHERE id >= ? AND id < ? ORDER BY id LIMIT ?")
        try s.bind([.int(lo), .int(hi), .int(Int64(limit))])
        var out: [TopicEvent] = []
        while try s.step() {
            out.append(TopicEvent(seq: HubStore.seq(ofEventID: s.int(0)), key: s.text(1),
                                  payload: (try? JSONParser.parse(s.text(2))) ?? .null, at: s.int(3)))
        }
        return out
    }

    /// Raw log entries of a connector with sequence number ≥ `from`, for replay.
    public func rawEntries(connector: String, from: Int64, limit: Int) throws -> [RawEntry] {
        let tid = try topicID("raw.\(connector)")
        let s = try db.prepare("""
            SELECT l.id, l.source_key, l.payload, l.line, f.path FROM log l LEFT JOIN run_files f ON f.id = l.file_id
            WHERE l.id >= ? AND l.id < ? ORDER BY l.id LIMIT ?
            """)
        try s.bind([.int(HubStore.eventID(tid, max(from, 1))), .int(HubStore.eventID(tid + 1, 0)), .int(Int64(limit))])
        var out: [RawEntry] = []
        while try s.step() {
            out.append(RawEntry(seq: HubStore.seq(ofEventID: s.int(0)), id: s.int(0), sourceKey: s.text(1), payload: s.text(2),
                                line: Int(s.int(3)), file: s.optionalText(4)))
        }
        return out
    }

    public func rawEntry(id: Int64) throws -> RawEntry? {
        let s = try db.prepare("""
            SELECT l.id, l.source_key, l.payload, l.line, f.path FROM log l LEFT JOIN run_files f ON f.id = l.file_id WHERE l.id=?
            """)
        try s.bind(1, id)
        defer { s.reset() }
        guard try s.step() else { return nil }
        return RawEntry(seq: HubStore.seq(ofEventID: s.int(0)), id: s.int(0), sourceKey: s.text(1), payload: s.text(2),
                        line: Int(s.int(3)), file: s.optionalText(4))
    }

    static let dlqColumns = "id, connector, file, line, field, reason, raw, raw_truncated, raw_id, status, seen, first_at, last_at"

    func dlqRow(_ s: Statement) -> DeadLetterEntry {
        DeadLetterEntry(id: s.int(0), connector: s.text(1), file: s.optionalText(2), line: Int(s.int(3)), field: s.optionalText(4),
                        reason: s.text(5), raw: s.blob(6), rawTruncated: s.int(7) != 0, rawID: s.isNull(8) ? nil : s.int(8),
                        status: s.text(9), seen: Int(s.int(10)), firstAt: s.int(11), lastAt: s.int(12))
    }

    public func deadLetters(connector: String?, status: String?, limit: Int) throws -> [DeadLetterEntry] {
        var sql = "SELECT \(Self.dlqColumns) FROM dlq WHERE 1=1"
        var args: [SQLValue] = []
        if let connector { sql += " AND connector=?"; args.append(.text(connector)) }
        if let status { sql += " AND status=?"; args.append(.text(status)) }
        sql += " ORDER BY id LIMIT ?"
        args.append(.int(Int64(limit)))
        let s = try db.prepare(sql)
        try s.bind(args)
        var out: [DeadLetterEntry] = []
        while try s.step() { out.append(dlqRow(s)) }
        return out
    }

    public func deadLetter(id: Int64) throws -> DeadLetterEntry? {
        let s = try db.prepare("SELECT \(Self.dlqColumns) FROM dlq WHERE id=?")
        try s.bind(1, id)
        defer { s.reset() }
        return try s.step() ? dlqRow(s) : nil
    }

    public func record(schema: String, sourceKey: String) throws -> StoredRecord? {
        let s = try db.prepare("""
            SELECT v.id, v.version_no, v.data, v.connector, v.raw_id, v.at, v.current FROM records r
            JOIN record_versions v ON v.id = r.version_id WHERE r.schema=? AND r.source_key=?
            """)
        try s.bind([.text(schema), .text(sourceKey)])
        defer { s.reset() }
        guard try s.step() else { return nil }
        return StoredRecord(schema: schema, sourceKey: sourceKey, version: s.int(1), data: (try? JSONParser.parse(s.text(2))) ?? .null,
                            connector: s.text(3), rawSeq: HubStore.seq(ofEventID: s.int(4)), at: s.int(5), current: s.int(6) != 0)
    }

    /// The current version of a record as its stored JSON bytes (not parsed), with its connector and version
    /// number: for answers that pass records on as they are stored.
    public func recordJSON(schema: String, sourceKey: String) throws -> (data: [UInt8], connector: String, version: Int64)? {
        let s = try db.prepare("""
            SELECT v.data, v.connector, v.version_no FROM records r
            JOIN record_versions v ON v.id = r.version_id WHERE r.schema=? AND r.source_key=?
            """)
        try s.bind([.text(schema), .text(sourceKey)])
        defer { s.reset() }
        guard try s.step() else { return nil }
        return (s.withTextBytes(0) { Array($0) }, s.text(1), s.int(2))
    }

    /// The versions that are not current through their index (`record_versions_past`), the current one through
    /// `records` (public so a test can check the plan).
    public static let recordHistorySQL = """
        SELECT id, version_no, data, connector, raw_id, at, current FROM record_versions
        WHERE schema=?1 AND source_key=?2 AND current=0
        UNION ALL
        SELECT v.id, v.version_no, v.data, v.connector, v.raw_id, v.at, v.current FROM records r
        JOIN record_versions v ON v.id = r.version_id WHERE r.schema=?1 AND r.source_key=?2
        ORDER BY 2 DESC
        """

    /// Every stored version of a record, newest first.
    public func recordHistory(schema: String, sourceKey: String) throws -> [StoredRecord] {
        let s = try db.prepare(Self.recordHistorySQL)
        try s.bind([.text(schema), .text(sourceKey)])
        var out: [StoredRecord] = []
        while try s.step() {
            out.append(StoredRecord(schema: schema, sourceKey: sourceKey, version: s.int(1), data: (try? JSONParser.parse(s.text(2))) ?? .null,
                                    connector: s.text(3), rawSeq: HubStore.seq(ofEventID: s.int(4)), at: s.int(5), current: s.int(6) != 0))
        }
        return out
    }

    /// Current records per schema.
    public func recordCounts() throws -> [(String, Int64)] {
        try db.rows("SELECT schema, count(*) FROM records GROUP BY schema ORDER BY schema").map { ($0[0].text ?? "", $0[1].int ?? 0) }
    }

    /// All current records of a schema as (source key, canonical data text), in key order — for comparisons and exports.
    public func currentRecords(schema: String) throws -> [(String, String)] {
        try db.rows("""
            SELECT r.source_key, v.data FROM records r JOIN record_versions v ON v.id = r.version_id
            WHERE r.schema=? ORDER BY r.source_key
            """, [.text(schema)]).map { ($0[0].text ?? "", $0[1].text ?? "") }
    }

    public func mentionCount() throws -> Int64 { try db.scalarInt("SELECT count(*) FROM mentions") }

    public func mentions(limit: Int = Int.max) throws -> [(key: String, data: String)] {
        try db.rows("SELECT key, data FROM mentions ORDER BY key LIMIT ?", [.int(Int64(min(limit, Int(Int32.max))))]).map {
            ($0[0].text ?? "", $0[1].text ?? "")
        }
    }

    public func setOffset(consumer: String, topic: String, seq: Int64) throws {
        try db.run("INSERT INTO offsets(consumer, topic, seq) VALUES(?,?,?) ON CONFLICT DO UPDATE SET seq=excluded.seq",
                   [.text(consumer), .text(topic), .int(seq)])
    }

    public func offset(consumer: String, topic: String) throws -> Int64 {
        try db.scalarInt("SELECT seq FROM offsets WHERE consumer=? AND topic=?", [.text(consumer), .text(topic)])
    }

    public static func isoTime(_ t: Int64) -> String {
        var tt = time_t(t)
        var tmv = tm()
        gmtime_r(&tt, &tmv)
        func p(_ v: Int32, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return "\(p(tmv.tm_year + 1900, 4))-\(p(tmv.tm_mon + 1, 2))-\(p(tmv.tm_mday, 2))T\(p(tmv.tm_hour, 2)):\(p(tmv.tm_min, 2)):\(p(tmv.tm_sec, 2))Z"
    }
}

extension HubStore {
    /// Streams the current records of `schema` as raw bytes: the source key and the record's JSON text. The buffers
    /// are valid only inside `body`. For bulk readers (reconciliation) that extract a few fields themselves.
    public func scanCurrentBytes(schema: String,
                                 _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) throws -> Void) throws
    {
        let s = try db.prepare("SELECT r.source_key, v.data FROM records r JOIN record_versions v ON v.id = r.version_id WHERE r.schema = ?")
        try s.bind(1, schema)
        defer { s.reset() }
        while try s.step() {
            try s.withTextBytes(0) { key in try s.withTextBytes(1) { data in try body(key, data) } }
        }
    }
}

extension HubStore {
    /// The records other than citizen records that mention a NIK (through the mentions index): schema and source
    /// key, in key order. The registry's citizen record of a NIK is read by its key (``recordJSON(schema:sourceKey:)``).
    public func mentionedRecords(nik: String) throws -> [(schema: String, sourceKey: String)] {
        try db.rows(Self.mentionedRecordsSQL, [.text(nik)]).map { ($0[0].text ?? "", $0[1].text ?? "") }
    }

    /// Public so a test can check that its plan uses `mentions_nik_other` (a partial index serves only queries that
    /// name its condition).
    public static let mentionedRecordsSQL =
        "SELECT DISTINCT schema, source_key FROM mentions WHERE nik = ? AND schema != 'citizen' ORDER BY schema, source_key"

    public func openDeadLetterCount() throws -> Int64 { try db.scalarInt("SELECT count(*) FROM dlq WHERE status = 'open'") }
}
