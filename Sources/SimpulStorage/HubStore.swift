import CSQLite
import Foundation
import SimpulCrypto
import SimpulJSON

/// Simpul's storage: the raw log, the record store, person mentions, the dead-letter queue, topics and offsets,
/// behind one narrow interface. SQLite (WAL) is the embedded engine; nothing above this type writes SQL.
///
/// A `HubStore` wraps one connection and belongs to one thread. Many readers may open the same file while one
/// writer writes: WAL readers never block the writer. Every `write` is one transaction (group commit), and
/// returns only after the commit is durable (`synchronous=FULL`).
public final class HubStore {
    public let db: Database
    var topicIDs: [String: Int64] = [:]
    /// The record topic of each schema written so far (a handful: searched in order, no hashing per row).
    var recordTopics: [(schema: String, topic: Int64)] = []
    /// Sequence counters of the topics written in the current transaction (a handful, searched in order).
    var seqs: [(topic: Int64, next: Int64, dirty: Bool)] = []

    /// The statements run once or more per row, prepared once (not looked up by SQL text on every call).
    final class Hot {
        let insertIdem, findIdem, insertLog, claimRecord, findRecord, insertVersion, upsertRecord, upsertMention, markPending, openDLQ: Statement

        init(_ db: Database) throws {
            insertIdem = try db.prepare("INSERT OR IGNORE INTO raw_idem(idem, log_id) VALUES(?, ?)")
            findIdem = try db.prepare("SELECT log_id FROM raw_idem WHERE idem=?")
            insertLog = try db.prepare("INSERT INTO log(id, source_key, payload, file_id, line, at) VALUES(?,?,?,?,?,?)")
            claimRecord = try db.prepare(
                "INSERT OR IGNORE INTO records(schema, source_key, version_id, version_no, data_hash, src_version) VALUES(?,?,?,1,?,?)")
            // The connector of the current version too: a record belongs to the connector that stored it first.
            findRecord = try db.prepare("""
                SELECT r.version_id, r.version_no, r.data_hash, r.src_version, v.connector
                FROM records r LEFT JOIN record_versions v ON v.id = r.version_id WHERE r.schema=? AND r.source_key=?
                """)
            insertVersion = try db.prepare("""
                INSERT INTO record_versions(id, schema, source_key, version_no, data, connector, raw_id, prev_id, current, at, nama)
                VALUES(?,?,?,?,?,?,?,?,?,?,?)
                """)
            upsertRecord = try db.prepare("""
                INSERT INTO records(schema, source_key, version_id, version_no, data_hash, src_version) VALUES(?,?,?,?,?,?)
                ON CONFLICT(schema, source_key) DO UPDATE SET version_id=excluded.version_id,
                  version_no=excluded.version_no, data_hash=excluded.data_hash, src_version=excluded.src_version
                """)
            upsertMention = try db.prepare("""
                INSERT INTO mentions(key, connector, schema, source_key, data, version_id, at, nik, src_at, version_no)
                VALUES(?1,?2,?3,?4,?5,?6,?7,?8,CAST(strftime('%s', ?9) AS INTEGER),?10)
                ON CONFLICT(key) DO UPDATE SET schema=excluded.schema, source_key=excluded.source_key, data=excluded.data,
                  version_id=excluded.version_id, version_no=excluded.version_no, at=excluded.at, nik=excluded.nik, src_at=excluded.src_at
                """)
            markPending = try db.prepare("INSERT OR IGNORE INTO person_pending(key) VALUES(?)")
            openDLQ = try db.prepare("SELECT id FROM dlq WHERE raw_id=? AND status='open'")
        }
    }
    var hotStatements: Hot? = nil
    /// Citizen versions this store wrote since the name index was last filled (HubStore+CitizenNames).
    var citizenVersionsSinceFill = 0
    /// A batch that brings ``citizenVersionsSinceFill`` to this fills the name index, so the part searches read
    /// without it stays short during a long ingest.
    public var citizenNamesFillEvery = 100_000
    /// While a rebuild decides again the mentions of one past update: the newest mention that update saw. The person
    /// index's reads of mentions (pending, sampled, counted) then see none after it, as that update did.
    public var mentionHorizon: Int64?
    var hot: Hot {
        get throws {
            if let h = hotStatements { return h }
            let h = try Hot(db)
            hotStatements = h
            return h
        }
    }

    public static let schemaVersion = Migrations.all.count

    /// A database as a simpul of schema `version` created it, for tests that open it with this one (migration).
    public static func createOld(path: String, version: Int) throws {
        precondition(version >= 1 && version < schemaVersion)
        try Migrations.create(path: path, version: version)
    }
    static let seqBits: Int64 = 40

    /// The page size of a new hub file.
    public static let newPageSize = 16_384

    /// Opens (and creates or migrates) the hub database at `path`.
    /// A database written by a newer Simpul is refused with a message saying so.
    ///
    /// The audit log beside it (``auditLogPath(hubPath:)``) must be the hub's own: a hub that has had one refuses to
    /// open when it is missing or another hub's (``attachAuditLog(hubPath:readOnly:hubVersion:newLogReason:)``).
    /// `newAuditLog`: the operator's reason to start a new log in that case (`simpul audit new-log`); a file in the
    /// way is kept under another name, never deleted.
    public init(path: String, readOnly: Bool = false, newAuditLog: String? = nil) throws {
        if readOnly && !FileManager.default.fileExists(atPath: path) {
            throw StoreOpenError(message: "no Simpul database at \(path): run 'simpul init --db \(path)' or ingest first")
        }
        db = try Database(path: path, readOnly: readOnly)
        // A new hub file gets 16 KiB pages (SQLite's default is 4 KiB; the size is fixed once the file has a table):
        // its tables grow at their ends, in key order, and larger pages mean shallower B-trees and less per-page
        // overhead. Measured on 1,000,000 SIAK rows: ingest 32,575 → 34,359 rows/s, re-ingest 153,195 → 166,004,
        // the file 1,774 → 1,680 MiB; the person index's update 8 % faster; citizen lookups the same. The audit
        // log (a file of its own, small commits) keeps 4 KiB pages.
        if !readOnly, try db.scalarInt("PRAGMA main.page_count") == 0 { try db.execute("PRAGMA main.page_size=\(Self.newPageSize)") }
        try db.execute("PRAGMA busy_timeout=10000")
        if !readOnly {
            try db.execute("PRAGMA journal_mode=WAL")
            try db.execute("PRAGMA synchronous=FULL")
            // Checkpoint every ~32 MiB of WAL instead of SQLite's 1,000 pages: fewer, larger copies during bulk
            // ingest (counted in pages, so in bytes whatever the file's page size: 128 MiB or 32 MiB measured the same).
            let pageSize = max(512, try db.scalarInt("PRAGMA main.page_size"))
            try db.execute("PRAGMA wal_autocheckpoint=\((32 << 20) / pageSize)")
            // After a checkpoint the log file is cut back to 64 MiB: a long-running server's WAL does not stay at its
            // high-water mark, and the next process to open the database does not scan a huge log.
            try db.execute("PRAGMA journal_size_limit=67108864")
        }
        try db.execute("PRAGMA cache_size=-65536")
        try db.execute("PRAGMA temp_store=MEMORY")
        let version = Int(try db.scalarInt("PRAGMA user_version"))
        if version > HubStore.schemaVersion {
            throw StoreOpenError(
                message: "\(path) has database schema version \(version), but this simpul knows only up to "
                    + "\(HubStore.schemaVersion): upgrade simpul to open it")
        }
        if version < HubStore.schemaVersion {
            if readOnly { throw StoreOpenError(message: "\(path) needs migration: open it once without --read-only") }
            let tables = try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE type='table'")
            if version == 0 && tables > 0 {
                throw StoreOpenError(message: "\(path) is an SQLite file but not a Simpul database")
            }
        }
        try attachAuditLog(hubPath: path, readOnly: readOnly, hubVersion: version, newLogReason: newAuditLog)
        if version < HubStore.schemaVersion {
            try db.transaction {
                for m in Migrations.all[version...] { try db.execute(m) }
                try db.execute("PRAGMA user_version=\(HubStore.schemaVersion)")
            }
        }
        if !readOnly { try pairAuditLog(newLogReason: newAuditLog) }
    }

    // MARK: topics

    /// The id of a topic, created on first use.
    public func topicID(_ name: String) throws -> Int64 {
        if let id = topicIDs[name] { return id }
        let sel = try db.prepare("SELECT id FROM topics WHERE name=?")
        try sel.bind(1, name)
        if try sel.step() {
            let id = sel.int(0)
            sel.reset()
            topicIDs[name] = id
            return id
        }
        sel.reset()
        let ins = try db.prepare("INSERT INTO topics(name) VALUES(?)")
        try ins.bind(1, name)
        try ins.run()
        let id = db.lastInsertRowID
        topicIDs[name] = id
        return id
    }

    /// The topic `records.<schema>`.
    func recordTopic(_ schema: String) throws -> Int64 {
        for t in recordTopics where t.schema == schema { return t.topic }
        let id = try topicID("records.\(schema)")
        recordTopics.append((schema, id))
        return id
    }

    /// Where `topic`'s counter sits in `seqs`, read from the database on first use in a transaction.
    func seqSlot(_ topic: Int64) throws -> Int {
        for k in seqs.indices where seqs[k].topic == topic { return k }
        let s = try db.scalarInt("SELECT next_seq FROM topics WHERE id=?", [.int(topic)])
        seqs.append((topic, s, false))
        return seqs.count - 1
    }

    /// The next sequence number of a topic, without taking it.
    func peekSeq(_ topic: Int64) throws -> Int64 {
        seqs[try seqSlot(topic)].next
    }

    func takeSeq(_ topic: Int64) throws -> Int64 {
        let k = try seqSlot(topic)
        let seq = seqs[k].next
        seqs[k].next = seq + 1
        seqs[k].dirty = true
        return seq
    }

    func flushSeqs() throws {
        let up = try db.prepare("UPDATE topics SET next_seq=? WHERE id=?")
        for s in seqs where s.dirty {
            try up.bind(1, s.next)
            try up.bind(2, s.topic)
            try up.run()
        }
        seqs.removeAll(keepingCapacity: true)
    }

    /// Runs `body` in one durable transaction. Sequence counters are re-read inside it, so several
    /// processes writing the same file (serialized by SQLite's write lock) never reuse a sequence number.
    public func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        seqs.removeAll(keepingCapacity: true)
        // The hub file's write lock only: the audit log (its own file) keeps committing meanwhile.
        return try db.transaction(lockingWrite: "UPDATE main.meta SET value = value WHERE 0") {
            let v = try body()
            try flushSeqs()
            return v
        }
    }

    static func eventID(_ topic: Int64, _ seq: Int64) -> Int64 { topic << seqBits | seq }
    static func seq(ofEventID id: Int64) -> Int64 { id & ((1 << seqBits) - 1) }

    /// A value the hub keeps in `meta` (marks, versions, saved state), or nil.
    public func metaValue(_ key: String) throws -> String? {
        try db.rows("SELECT value FROM meta WHERE key = ?", [.text(key)]).first?[0].text
    }

    /// Sets (or, with nil, removes) a value kept in `meta`.
    public func setMetaValue(_ key: String, _ value: String?) throws {
        if let value {
            try db.run("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", [.text(key), .text(value)])
        } else {
            try db.run("DELETE FROM meta WHERE key = ?", [.text(key)])
        }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    // MARK: ingest writes

    /// One item of a write batch, in file order.
    public enum BatchItem: Sendable {
        case row(RowWrite)
        /// A row that could not even be split into fields: dead-lettered without a raw log entry.
        case unparsed(DeadLetter)
    }

    /// Writes one batch for `connector` from `file` in one transaction; returns what happened to each item.
    /// `then` runs inside the same transaction after the batch (a sync connector saves its state there, so records
    /// and the state that follows them become durable together).
    public func write(connector: String, file: String, fileID: Int64?, items: [BatchItem], then: (() throws -> Void)? = nil) throws -> [RowResult] {
        try write(connector: connector, segments: [(file, { fileID }, items)], then: then)[0]
    }

    /// A batch's rows from one file: its name, its run file id (asked inside the transaction, so a file can be
    /// registered with its first rows), its items in file order.
    public typealias Segment = (file: String, fileID: () throws -> Int64?, items: [BatchItem])

    /// Writes a batch whose rows come from several files, in order, in one transaction: one commit for a folder of
    /// small files (API pages) instead of one per file. Returns each segment's results.
    public func write(connector: String, segments: [Segment], then: (() throws -> Void)? = nil) throws -> [[RowResult]] {
        let at = Self.now()
        return try writeTransaction {
            let rawTopic = try topicID("raw.\(connector)")
            let h = try hot
            var all: [[RowResult]] = []
            for (file, fileIDOf, items) in segments {
                let fileID = try fileIDOf()
                var results: [RowResult] = []
                results.reserveCapacity(items.count)
                for item in items {
                    switch item {
                    case .unparsed(let dl):
                        try deadLetter(connector: connector, file: file, rawID: nil, dl, at: at)
                        results.append(.deadLettered)
                    case .row(let row):
                        // Claim the idempotency key with the id the row would get; only a hit costs a lookup.
                        let seq = try peekSeq(rawTopic)
                        let id = Self.eventID(rawTopic, seq)
                        try h.insertIdem.bind(1, blob: row.idem)
                        try h.insertIdem.bind(2, id)
                        try h.insertIdem.run()
                        if db.changes == 0 {
                            try h.findIdem.bind(1, blob: row.idem)
                            _ = try h.findIdem.step()
                            let logID = h.findIdem.int(0)
                            h.findIdem.reset()
                            if try openDeadLetter(rawID: logID) == nil {
                                results.append(.unchanged)
                            } else {
                                results.append(try apply(connector: connector, file: file, rawID: logID, row.outcome, at: at))
                            }
                            continue
                        }
                        _ = try takeSeq(rawTopic)
                        try h.insertLog.bind(1, id)
                        try h.insertLog.bind(2, row.sourceKey)
                        try h.insertLog.bind(3, row.payload)
                        if let fileID { try h.insertLog.bind(4, fileID) } else { try h.insertLog.bindNull(4) }
                        try h.insertLog.bind(5, row.line)
                        try h.insertLog.bind(6, at)
                        try h.insertLog.run()
                        results.append(try apply(connector: connector, file: file, rawID: id, row.outcome, at: at, newRow: true))
                    }
                }
                all.append(results)
            }
            if citizenVersionsSinceFill >= citizenNamesFillEvery { try fillCitizenNames() }
            try then?()
            return all
        }
    }

    /// Applies the normalisation outcome of the raw log entry `rawID`: new record versions, or a dead letter.
    /// Used by ingest, replay and dead-letter retry alike. Call inside ``writeTransaction(_:)``.
    public func apply(connector: String, file: String?, rawID: Int64, _ outcome: RowOutcome, at: Int64? = nil,
                      newRow: Bool = false) throws -> RowResult
    {
        let at = at ?? Self.now()
        switch outcome {
        case .deferred(let normalise):
            return try apply(connector: connector, file: file, rawID: rawID, normalise(), at: at, newRow: newRow)
        case .dead(let dl):
            try deadLetter(connector: connector, file: file, rawID: rawID, dl, at: at)
            return .deadLettered
        case .records(let recs, let mentions):
            // A record belongs to the connector that stored it first: another connector's row with the same schema and
            // source key is dead-lettered, never made a version of that record. The first record is checked by its
            // own write, before that writes anything; the others of a row of several are checked before the first is
            // written, so the row is refused whole.
            if recs.count > 1 {
                for r in recs.dropFirst() {
                    if let owner = try recordOwner(schema: r.schema, sourceKey: r.sourceKey), owner != connector {
                        return try deadLetterHeldKey(connector: connector, file: file, rawID: rawID, schema: r.schema, owner: owner, at: at)
                    }
                }
            }
            // The records that got a new current version; a row yields a few, so a list searched in order.
            var changed: [(record: Int, version: (id: Int64, no: Int64))] = []
            for (k, r) in recs.enumerated() {
                do {
                    if let vid = try upsertRecord(connector: connector, rawID: rawID, r, at: at) { changed.append((k, vid)) }
                } catch let held as RecordHeld {
                    return try deadLetterHeldKey(connector: connector, file: file, rawID: rawID, schema: r.schema, owner: held.owner, at: at)
                }
            }
            for m in mentions {
                if let c = changed.first(where: { recs[$0.record].sourceKey == m.sourceKey && recs[$0.record].schema == m.schema }) {
                    try upsertMention(connector: connector, m, version: c.version, at: at, sourceVersion: recs[c.record].sourceVersion)
                }
            }
            if !newRow, let open = try openDeadLetter(rawID: rawID) {
                try db.run("UPDATE dlq SET status='resolved', last_at=? WHERE id=?", [.int(at), .int(open)])
            }
            return .accepted
        }
    }

    /// Thrown by ``upsertRecord(connector:rawID:_:at:)`` before it writes anything: the record is another connector's.
    struct RecordHeld: Error { let owner: String }

    /// The connector whose record holds `schema` and `sourceKey`, if one does.
    func recordOwner(schema: String, sourceKey: String) throws -> String? {
        let cur = try hot.findRecord
        defer { cur.reset() }
        try cur.bind(1, schema)
        try cur.bind(2, sourceKey)
        return try cur.step() ? cur.optionalText(4) : nil
    }

    /// Dead-letters the row of raw log entry `rawID` because one of its records has a source key another connector's
    /// record of the same schema holds. The row stays in the raw log; after the mapping keys it apart, `dlq retry`
    /// or a replay stores it. The reason names the connectors and the schema, never the key (it may be a NIK).
    func deadLetterHeldKey(connector: String, file: String?, rawID: Int64, schema: String, owner: String, at: Int64) throws -> RowResult {
        let entry = try db.rows("SELECT line, payload FROM log WHERE id=?", [.int(rawID)]).first
        let reason = "a \(schema) record with this source key belongs to connector \(owner): a source key names a record "
            + "in its own system, so \(connector) must key its \(schema) records apart (its own identifier, e.g. an "
            + "employee number, or a prefix such as \"\(connector):{…}\"), then retry"
        let dl = DeadLetter(line: Int(entry?[0].int ?? 0), field: "source_key", reason: reason,
                            raw: Array((entry?[1].text ?? "").utf8))
        try deadLetter(connector: connector, file: file, rawID: rawID, dl, at: at)
        return .deadLettered
    }

    /// Stores a new version when the record's content changed. Returns the new current version's id and number, or
    /// nil when nothing changed (or the version was older than the current one and went into the history).
    func upsertRecord(connector: String, rawID: Int64, _ r: RecordWrite, at: Int64) throws -> (id: Int64, no: Int64)? {
        let h = try hot
        let topic = try recordTopic(r.schema)
        // A record seen for the first time (most rows of a first load): its current-record row is claimed with the id
        // its first version gets, in one statement instead of a lookup and an insert.
        let firstID = Self.eventID(topic, try peekSeq(topic))
        let claim = h.claimRecord
        try claim.bind(1, r.schema)
        try claim.bind(2, r.sourceKey)
        try claim.bind(3, firstID)
        try claim.bind(4, blob: r.dataHash)
        try claim.bind(5, r.sourceVersion)
        try claim.run()
        if db.changes == 1 {
            _ = try takeSeq(topic)
            try insertVersion(id: firstID, connector: connector, rawID: rawID, r, versionNo: 1, prevID: nil, current: true, at: at)
            return (firstID, 1)
        }
        let cur = h.findRecord
        try cur.bind(1, r.schema)
        try cur.bind(2, r.sourceKey)
        var prevID: Int64? = nil
        var prevNo: Int64 = 0
        var prevVersion: String? = nil
        if try cur.step() {
            if let owner = cur.optionalText(4), owner != connector {
                cur.reset()
                throw RecordHeld(owner: owner)
            }
            if cur.blob(2) == r.dataHash {
                cur.reset()
                return nil
            }
            prevID = cur.int(0)
            prevNo = cur.int(1)
            prevVersion = cur.optionalText(3)
        }
        cur.reset()
        // An older source version arriving late is kept as history, never made current.
        var isCurrent = true
        if let pv = prevVersion, let nv = r.sourceVersion, nv < pv {
            isCurrent = false
            if try historyContains(schema: r.schema, sourceKey: r.sourceKey, data: r.data) { return nil }
        }
        let id = Self.eventID(topic, try takeSeq(topic))
        try insertVersion(id: id, connector: connector, rawID: rawID, r, versionNo: prevNo + 1, prevID: prevID, current: isCurrent, at: at)
        if isCurrent {
            let up = h.upsertRecord
            try up.bind(1, r.schema)
            try up.bind(2, r.sourceKey)
            try up.bind(3, id)
            try up.bind(4, prevNo + 1)
            try up.bind(5, blob: r.dataHash)
            try up.bind(6, r.sourceVersion)
            try up.run()
            if let prevID { try db.run("UPDATE record_versions SET current=0 WHERE id=?", [.int(prevID)]) }
            return (id, prevNo + 1)
        }
        try db.run("UPDATE records SET version_no=? WHERE schema=? AND source_key=?",
                   [.int(prevNo + 1), .text(r.schema), .text(r.sourceKey)])
        return nil
    }

    func insertVersion(id: Int64, connector: String, rawID: Int64, _ r: RecordWrite, versionNo: Int64, prevID: Int64?, current: Bool,
                       at: Int64) throws
    {
        let ins = try hot.insertVersion
        try ins.bind(1, id)
        try ins.bind(2, r.schema)
        try ins.bind(3, r.sourceKey)
        try ins.bind(4, versionNo)
        try ins.bind(5, r.data)
        try ins.bind(6, connector)
        try ins.bind(7, rawID)
        if let prevID { try ins.bind(8, prevID) } else { try ins.bindNull(8) }
        try ins.bind(9, current ? 1 : 0)
        try ins.bind(10, at)
        // Names of registry citizens only: the name index (citizen_names) is filled from them.
        if r.schema == "citizen" {
            try ins.bind(11, r.nama)
            citizenVersionsSinceFill += 1
        } else {
            try ins.bindNull(11)
        }
        try ins.run()
    }

    /// Whether a version of the record that is not current already holds exactly `data` (replay of old snapshots;
    /// the caller compared the current version by its hash). All of them, not only the chain from the current
    /// version back: a late older version is stored as history beside the chain, and a replay run twice (or resumed
    /// after a crash) must find it there too.
    func historyContains(schema: String, sourceKey: String, data: String) throws -> Bool {
        let s = try db.prepare(Self.pastVersionHoldingSQL)
        defer { s.reset() }
        try s.bind([.text(schema), .text(sourceKey), .text(data)])
        return try s.step()
    }

    /// Reads a record's past versions through `record_versions_past` (public so a test can check that its plan uses
    /// it: a partial index serves only queries that name its condition).
    public static let pastVersionHoldingSQL =
        "SELECT 1 FROM record_versions WHERE schema=? AND source_key=? AND current=0 AND data=? LIMIT 1"

    /// `sourceVersion`: its record's version time from the source (ISO), kept as `src_at` (migration 21).
    func upsertMention(connector: String, _ m: MentionWrite, version: (id: Int64, no: Int64), at: Int64, sourceVersion: String?) throws {
        let up = try hot.upsertMention
        try up.bind(1, m.key)
        try up.bind(2, connector)
        try up.bind(3, m.schema)
        try up.bind(4, m.sourceKey)
        try up.bind(5, m.data)
        try up.bind(6, version.id)
        try up.bind(7, at)
        try up.bind(8, m.nik)
        try up.bind(9, sourceVersion)
        try up.bind(10, version.no)
        try up.run()
        // A new version waits for the person index.
        let pending = try hot.markPending
        try pending.bind(1, m.key)
        try pending.run()
    }

    func openDeadLetter(rawID: Int64) throws -> Int64? {
        let s = try hot.openDLQ
        try s.bind(1, rawID)
        defer { s.reset() }
        return try s.step() ? s.int(0) : nil
    }

    /// Records a dead letter, once: the same row failing again bumps `seen` (and reopens a resolved entry).
    func deadLetter(connector: String, file: String?, rawID: Int64?, _ dl: DeadLetter, at: Int64) throws {
        var h = SHA256()
        h.update(connector + "\u{0}")
        if let rawID {
            h.update("raw:\(rawID)")
        } else {
            // A rejected file (line 0) is told apart by its name too: two empty files are two entries.
            if dl.line == 0, let file { h.update("file:" + file + "\u{0}") }
            h.update(dl.raw)
        }
        let hash = Array(h.finalize()[0..<16])
        let find = try db.prepare("SELECT id, status FROM dlq WHERE hash=?")
        try find.bind(1, blob: hash)
        if try find.step() {
            let id = find.int(0)
            let wasOpen = find.text(1) == "open"
            find.reset()
            try db.run(
                "UPDATE dlq SET status='open', reason=?, field=?, line=?, file=coalesce(?, file), seen=seen+1, last_at=? WHERE id=?",
                [.text(dl.reason), dl.field.map { .text($0) } ?? .null, .int(Int64(dl.line)), file.map { .text($0) } ?? .null,
                 .int(at), .int(id)])
            if !wasOpen { try dlqEvent(connector: connector, id: id, file: file, dl, at: at) }
            return
        }
        find.reset()
        let ins = try db.prepare("""
            INSERT INTO dlq(connector, file, line, field, reason, raw, raw_truncated, raw_id, hash, first_at, last_at)
            VALUES(?,?,?,?,?,?,?,?,?,?,?)
            """)
        try ins.bind(1, connector)
        try ins.bind(2, file)
        try ins.bind(3, dl.line)
        try ins.bind(4, dl.field)
        try ins.bind(5, dl.reason)
        try ins.bind(6, blob: dl.raw)
        try ins.bind(7, dl.rawTruncated ? 1 : 0)
        if let rawID { try ins.bind(8, rawID) } else { try ins.bindNull(8) }
        try ins.bind(9, blob: hash)
        try ins.bind(10, at)
        try ins.bind(11, at)
        try ins.run()
        try dlqEvent(connector: connector, id: db.lastInsertRowID, file: file, dl, at: at)
    }

    func dlqEvent(connector: String, id: Int64, file: String?, _ dl: DeadLetter, at: Int64) throws {
        let topic = try topicID("dlq.\(connector)")
        let eid = Self.eventID(topic, try takeSeq(topic))
        var o: [String: JSONValue] = ["dlq_id": .int(Int(id)), "line": .int(dl.line), "reason": .string(dl.reason)]
        if let file { o["file"] = .string(file) }
        if let f = dl.field { o["field"] = .string(f) }
        try db.run("INSERT INTO log(id, source_key, payload, line, at) VALUES(?,?,?,?,?)",
                   [.int(eid), .text(String(id)), .text(JSONValue.object(o).jsonText), .int(Int64(dl.line)), .int(at)])
    }
}
