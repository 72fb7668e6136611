import Foundation
import SimpulCrypto
import SimpulJSON

/// What an audit entry records, before it is chained: who read (or was refused) which persons' data, for what
/// purpose, through which route, with what result.
public struct AuditItem: Sendable, Equatable {
    public var opd: String
    public var purpose: String?
    public var route: String
    /// Each person by their NIK, or by their person id (`P…`) when they have none.
    public var persons: [String]
    public var result: String
    public var status: Int

    public init(opd: String, purpose: String?, route: String, persons: [String], result: String, status: Int) {
        self.opd = opd
        self.purpose = purpose
        self.route = route
        self.persons = persons
        self.result = result
        self.status = status
    }

    var personsJSON: String { JSONValue.array(persons.map { .string($0) }).jsonText }
}

/// A key the audit log may name a person by (a NIK or a person id), and the time (unix ms) entries naming it must
/// be older than to concern the person; nil: any time.
public struct AuditSubject: Sendable, Hashable {
    public var key: String
    public var before: Int64?

    public init(key: String, before: Int64? = nil) {
        self.key = key
        self.before = before
    }
}

/// One entry of the audit chain: an item with its place (id, time) and the hashes that chain it.
@dynamicMemberLookup
public struct AuditEntry: Sendable, Equatable {
    public var id: Int64
    public var at: Int64  // unix ms
    public var item: AuditItem
    public var prevHash: String
    public var hash: String

    public subscript<T>(dynamicMember path: KeyPath<AuditItem, T>) -> T { item[keyPath: path] }

    /// The text that is hashed: every field but the hash, one per line, prefixed by the previous hash.
    static func digest(prev: String, id: Int64, at: Int64, _ it: AuditItem, personsJSON: String) -> String {
        let text = [prev, String(id), String(at), it.opd, it.purpose ?? "", it.route, personsJSON, it.result, String(it.status)]
            .joined(separator: "\n")
        return SHA256.hash(Array(text.utf8)).hexString
    }

    /// The hash an entry with these fields gets after the entry whose hash is `prev`: what `audit verify`
    /// recomputes, so anyone holding an export of the chain can check it the same way.
    public static func chainHash(prev: String, id: Int64, at: Int64, _ it: AuditItem) -> String {
        digest(prev: prev, id: id, at: at, it, personsJSON: it.personsJSON)
    }

    public var json: JSONValue {
        .object([
            "id": .int(Int(id)), "at": .string(HubStore.isoTimeMillis(at)), "opd": .string(item.opd), "purpose": item.purpose.map { .string($0) } ?? .null,
            "route": .string(item.route), "result": .string(item.result), "status": .int(item.status),
        ])
    }
}

/// The newest entry of the audit chain at some moment, as published outside the hub: `{"id","at","hash"}` (one
/// line of `simpul audit head --json`), or `ID:HASH`.
public struct AuditHead: Sendable, Equatable {
    public var id: Int64
    public var hash: String
    public var at: Int64?  // unix ms; nil for the empty log's head

    public init(id: Int64, hash: String, at: Int64? = nil) {
        self.id = id
        self.hash = hash
        self.at = at
    }

    public var json: JSONValue {
        .object(["id": .int(Int(id)), "hash": .string(hash), "at": at.map { .string(HubStore.isoTimeMillis($0)) } ?? .null])
    }

    /// Reads one published head, or says what is wrong with the text.
    public static func parse(_ text: String) -> Result<AuditHead, HeadFormatError> {
        let t = text.trimmingCharacters(in: .whitespaces)
        var id: Int64?
        var hash: String?
        if t.hasPrefix("{") {
            guard case .object(let o)? = try? JSONParser.parse(t) else { return .failure(HeadFormatError("not a JSON object")) }
            id = o["id"]?.scalarText.flatMap { Int64($0) }
            hash = o["hash"]?.stringValue
        } else if let colon = t.firstIndex(of: ":"), t[..<colon].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            id = Int64(t[..<colon])
            hash = String(t[t.index(after: colon)...])
        }
        guard let id, id >= 0 else { return .failure(HeadFormatError("no entry id (a whole number ≥ 0)")) }
        guard let hash, hash.utf8.count == 64, hash.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) })
        else { return .failure(HeadFormatError("no hash (64 hexadecimal digits)")) }
        return .success(AuditHead(id: id, hash: hash.lowercased()))
    }
}

public struct HeadFormatError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

extension HubStore {
    public static let auditGenesis = String(repeating: "0", count: 64)

    /// The audit log's own database file, next to the hub's: `simpul.db` → `simpul.db-audit`.
    public static func auditLogPath(hubPath: String) -> String { hubPath + "-audit" }

    /// The audit log lives in a database file of its own, attached to every connection as `auditlog`, so its
    /// commits (one per group of personal reads) do not change the hub's main file: in WAL mode SQLite drops a
    /// reader's page cache (and its memory map) whenever the file's log changed, so with the log in the same file
    /// every lookup read its B-tree pages again from the OS (docs/performance.md). Queries name the tables
    /// unqualified; the main file has none of that name.
    ///
    /// A hub from before (schema 7 or older) keeps its log in the main file: the entries are copied across here,
    /// in a transaction on the audit file alone (idempotent, so a crash only repeats it), and the main file's copy
    /// is dropped by migration 8 afterwards. The copy is durable before the original goes.
    ///
    /// The log is the hub's own: the two files carry the same random log id (`audit_log_id` in the hub's `meta`,
    /// `log_id` in the log's `audit_meta`, paired on first open). A hub that has had a log refuses to open when the
    /// file is missing, or holds another log (another hub's, or an empty file put in its place): a new empty log made
    /// on the spot would answer "no recorded access" and "intact" about reads that happened (UU PDP), so the whole log
    /// deleted would go unseen. The operator restores the file from its backup, or starts a new log on purpose with a
    /// reason (`newLogReason`, `simpul audit new-log`), which the new log's first entry records.
    func attachAuditLog(hubPath: String, readOnly: Bool, hubVersion: Int, newLogReason: String? = nil) throws {
        let file = Self.auditLogPath(hubPath: hubPath)
        let expected = hubVersion >= 1 ? try db.rows("SELECT value FROM main.meta WHERE key = ?", [.text(Self.auditLogIDKey)]).first?[0].text : nil
        let exists = FileManager.default.fileExists(atPath: file)
        if let expected, !exists, newLogReason == nil {
            throw StoreOpenError(message: "the audit log \(file) of this hub is missing (log \(expected.prefix(12))): restore it from the backup "
                                 + "taken with the hub (simpul backup copies both). Simpul does not start a new, empty log in its place "
                                 + "unless told to: simpul audit new-log --reason TEXT")
        }
        // Read-only with no audit file yet (a hub that never audited anything): nothing to attach, and nothing
        // can be created (a read-only connection attaches read-only too).
        if readOnly && !exists { return }
        // A new log in place of the file there (`simpul audit new-log`): that file and its WAL are moved aside, kept,
        // never deleted, as they may be the only copy of someone's reads; a new file is attached.
        func startANewLog(detaching: Bool) throws {
            if detaching { try db.execute("DETACH DATABASE auditlog") }
            let aside = file + ".replaced-" + String(Self.now())
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: file + suffix) {
                try FileManager.default.moveItem(atPath: file + suffix, toPath: aside + suffix)
            }
            try db.run("ATTACH DATABASE ? AS auditlog", [.text(file)])
        }
        var replaced = false
        do {
            try db.run("ATTACH DATABASE ? AS auditlog", [.text(file)])
        } catch {
            guard expected != nil, newLogReason != nil, !readOnly else {
                throw StoreOpenError(message: "cannot open the audit log \(file) beside the hub (\(error)); it must be a readable, writable Simpul audit file"
                                     + (expected == nil ? "" : " (restore the hub's own from its backup, or start a new log on purpose: simpul audit new-log --reason TEXT)"))
            }
            try startANewLog(detaching: false)
            replaced = true
        }
        if let expected, exists, !replaced {
            let hasMeta = try db.scalarInt("SELECT count(*) FROM auditlog.sqlite_master WHERE type = 'table' AND name = 'audit_meta'") > 0
            let found = hasMeta ? try db.rows("SELECT value FROM auditlog.audit_meta WHERE key = ?", [.text(Self.logIDKey)]).first?[0].text : nil
            if found != expected {
                guard newLogReason != nil, !readOnly else {
                    try? db.execute("DETACH DATABASE auditlog")
                    throw StoreOpenError(message: "\(file) is not this hub's audit log (it is \(found.map { "log \($0.prefix(12))" } ?? "a file without a log id"), "
                                         + "the hub's is log \(expected.prefix(12))): restore the hub's own from its backup, or start a new log "
                                         + "on purpose: simpul audit new-log --reason TEXT")
                }
                try startANewLog(detaching: true)
            }
        }
        if !readOnly {
            try db.execute("PRAGMA auditlog.journal_mode=WAL")
            try db.execute("PRAGMA auditlog.synchronous=FULL")
            try db.execute("PRAGMA auditlog.journal_size_limit=67108864")
        }
        guard !readOnly else { return }
        try db.execute(Self.auditSchema)
        // Only an older hub has a log to copy: every other open takes no write lock here (a server opens read
        // connections while the audit writer commits).
        guard try db.scalarInt("SELECT count(*) FROM main.sqlite_master WHERE type = 'table' AND name = 'audit'") > 0 else { return }
        try auditTransaction {
            try db.execute("""
                INSERT OR IGNORE INTO auditlog.audit(\(Self.auditColumns)) SELECT \(Self.auditColumns) FROM main.audit;
                INSERT OR IGNORE INTO auditlog.audit_person(nik, audit_id) SELECT nik, audit_id FROM main.audit_person;
                """)
            // The mark of schema 7 (meta exists wherever the log does: migration 1 made it).
            try db.run("INSERT OR IGNORE INTO auditlog.audit_meta(key, value) SELECT key, value FROM main.meta WHERE key = ?",
                       [.text(Self.auditIndexedKey)])
            // A hub older than schema 7 has no mark: it indexed every entry as it wrote it.
            try db.run("INSERT OR IGNORE INTO auditlog.audit_meta(key, value) SELECT ?, CAST(coalesce(max(id), 0) AS TEXT) FROM main.audit",
                       [.text(Self.auditIndexedKey)])
        }
    }

    /// The hub's `meta` key holding its audit log's id, and the log's own `audit_meta` key.
    static let auditLogIDKey = "audit_log_id"
    static let logIDKey = "log_id"

    /// Gives a hub and its audit log the same new id when neither has one (a new hub, or one from before ids), or the
    /// hub the log's id (a hub file restored from a copy older than its log). With `newLogReason`, the hub's log
    /// is a new one (``attachAuditLog(hubPath:readOnly:hubVersion:newLogReason:)`` put the old file aside): it gets
    /// a new id, notes the one before and the reason, and its first entry says so.
    func pairAuditLog(newLogReason: String?) throws {
        // Paired already (every open but the first): read without a lock, as a server's reader connections open.
        let paired = try db.rows("SELECT value FROM main.meta WHERE key = ?", [.text(Self.auditLogIDKey)]).first?[0].text
        if let paired, try auditLogID() == paired { return }
        let started: String? = try db.transaction {
            let hubID = try db.rows("SELECT value FROM main.meta WHERE key = ?", [.text(Self.auditLogIDKey)]).first?[0].text
            let logID = try db.rows("SELECT value FROM auditlog.audit_meta WHERE key = ?", [.text(Self.logIDKey)]).first?[0].text
            if let hubID, hubID == logID { return nil }
            if hubID == nil, let logID {
                try db.run("INSERT INTO main.meta(key, value) VALUES(?, ?)", [.text(Self.auditLogIDKey), .text(logID)])
                return nil
            }
            // Neither has one, or (only with a reason: attach refuses it otherwise) the hub's log was put aside.
            let id = SHA256.hash(Array(UUID().uuidString.utf8) + Array(String(Date().timeIntervalSince1970).utf8)).hexString
            try db.run("INSERT OR REPLACE INTO auditlog.audit_meta(key, value) VALUES(?, ?)", [.text(Self.logIDKey), .text(id)])
            try db.run("INSERT OR REPLACE INTO main.meta(key, value) VALUES(?, ?)", [.text(Self.auditLogIDKey), .text(id)])
            guard let hubID, let reason = newLogReason else { return nil }
            try db.run("INSERT OR REPLACE INTO auditlog.audit_meta(key, value) VALUES('previous_log_id', ?), ('new_log_reason', ?), ('new_log_at', ?)",
                       [.text(hubID), .text(reason), .text(Self.isoTime(Self.now()))])
            return hubID
        }
        if let previous = started {
            try appendAudit(opd: "operator", purpose: "operations", route: "audit new-log (log \(previous.prefix(12)) was missing or replaced)",
                            persons: [], result: "ok", status: 200)
        }
    }

    /// When this log replaced a missing or foreign one (`simpul audit new-log`): the log before, the reason, when.
    public func auditLogReplacement() throws -> (previous: String, reason: String, at: String)? {
        let rows = try db.rows("SELECT key, value FROM auditlog.audit_meta WHERE key IN ('previous_log_id', 'new_log_reason', 'new_log_at')")
        var m: [String: String] = [:]
        for r in rows { m[r[0].text ?? ""] = r[1].text }
        guard let p = m["previous_log_id"] else { return nil }
        return (p, m["new_log_reason"] ?? "", m["new_log_at"] ?? "")
    }

    /// The audit log id the hub at `hubPath` is paired with, read from its own file alone (nothing attached or
    /// checked): nil for a hub not paired yet.
    public static func pairedAuditLogID(hubPath: String) throws -> String? {
        let db = try Database(path: hubPath, readOnly: true)
        guard try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'") > 0 else { return nil }
        return try db.rows("SELECT value FROM meta WHERE key = ?", [.text(auditLogIDKey)]).first?[0].text
    }

    /// This hub's audit log id (paired with the hub on first open).
    public func auditLogID() throws -> String? {
        try db.rows("SELECT value FROM auditlog.audit_meta WHERE key = ?", [.text(Self.logIDKey)]).first?[0].text
    }

    /// Runs `body` in a write transaction on the audit file alone: `BEGIN IMMEDIATE` would also take the hub
    /// file's write lock, so audit commits would queue behind ingest, and a commit would span two files.
    func auditTransaction<T>(_ body: () throws -> T) throws -> T {
        try db.transaction(lockingWrite: "UPDATE auditlog.audit_meta SET value = value WHERE 0", body)
    }

    /// The audit file's tables (created when missing).
    static let auditSchema = """
        -- Every read of personal data and every refusal, as a hash chain: hash = SHA-256(prev_hash, the entry).
        CREATE TABLE IF NOT EXISTS auditlog.audit(
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,               -- unix milliseconds
            opd TEXT NOT NULL,
            purpose TEXT,
            route TEXT NOT NULL,
            persons TEXT NOT NULL,             -- JSON array of the persons the response was about: NIKs, or person ids (P…) for persons without one
            result TEXT NOT NULL,              -- ok | not_found | refused:<code>
            status INTEGER NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        -- Who read whom: filled after the commit, in NIK order, up to the mark in audit_meta. `nik` holds a person id
        -- for a person without a NIK (the column kept its name: renaming it would rewrite every hub's log).
        CREATE TABLE IF NOT EXISTS auditlog.audit_person(nik TEXT NOT NULL, audit_id INTEGER NOT NULL, PRIMARY KEY(nik, audit_id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS auditlog.audit_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        """

    public static func isoTimeMillis(_ ms: Int64) -> String {
        let s = isoTime(ms / 1000)
        let frac = ms % 1000
        return String(s.dropLast()) + "." + (frac < 10 ? "00" : frac < 100 ? "0" : "") + String(frac) + "Z"
    }

    /// Appends an entry to the chain and returns once it is durable (the caller answers only after), then indexes
    /// it by person at once (the CLI's steward actions; a server indexes in the background, see
    /// `indexAuditPersons`). If only the indexing fails, the entry stands: `auditAccess` reads it from the log until
    /// a later run indexes it.
    @discardableResult
    public func appendAudit(opd: String, purpose: String?, route: String, persons: [String], result: String, status: Int) throws -> AuditEntry {
        let e = try appendAudits([AuditItem(opd: opd, purpose: purpose, route: route, persons: persons, result: result, status: status)])[0]
        _ = try? indexAuditPersons()
        return e
    }

    /// Appends several entries in one transaction (one fsync): group commit for concurrent requests. Only the
    /// chained rows are written, in id order, so a commit touches one or two pages; the by-person index
    /// (`audit_person`) is filled later by `indexAuditPersons`, and `auditAccess` reads the entries it has not
    /// reached yet straight from the log.
    public func appendAudits(_ items: [AuditItem]) throws -> [AuditEntry] {
        let at = Int64(Date().timeIntervalSince1970 * 1000)
        return try auditTransaction {
            let last = try db.rows("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").first
            var id = last?[0].int ?? 0
            var prev = last?[1].text ?? Self.auditGenesis
            let ins = try db.prepare("INSERT INTO audit(id, at, opd, purpose, route, persons, result, status, prev_hash, hash) VALUES(?,?,?,?,?,?,?,?,?,?)")
            var out: [AuditEntry] = []
            for it in items {
                id += 1
                let personsJSON = it.personsJSON
                let hash = AuditEntry.digest(prev: prev, id: id, at: at, it, personsJSON: personsJSON)
                try ins.bind([.int(id), .int(at), .text(it.opd), it.purpose.map { .text($0) } ?? .null, .text(it.route),
                              .text(personsJSON), .text(it.result), .int(Int64(it.status)), .text(prev), .text(hash)])
                try ins.run()
                out.append(AuditEntry(id: id, at: at, item: it, prevHash: prev, hash: hash))
                prev = hash
            }
            return out
        }
    }

    static func decodeAudit(_ r: [SQLValue]) -> AuditEntry {
        var persons: [String] = []
        if case .array(let a)? = try? JSONParser.parse(r[5].text ?? "[]") { persons = a.compactMap(\.stringValue) }
        let item = AuditItem(opd: r[2].text ?? "", purpose: r[3].text, route: r[4].text ?? "", persons: persons, result: r[6].text ?? "",
                             status: Int(r[7].int ?? 0))
        return AuditEntry(id: r[0].int ?? 0, at: r[1].int ?? 0, item: item, prevHash: r[8].text ?? "", hash: r[9].text ?? "")
    }

    static let auditColumns = "id, at, opd, purpose, route, persons, result, status, prev_hash, hash"

    /// The newest entry of the chain: what an operator publishes outside the hub (`simpul audit head`, `GET
    /// /v1/audit/head`) so that a later `audit verify` can tell whether entries up to it were removed or rewritten.
    /// An empty log has the head `0` with the genesis hash.
    public func auditHead() throws -> AuditHead {
        guard let r = try db.rows("SELECT id, at, hash FROM audit ORDER BY id DESC LIMIT 1").first else {
            return AuditHead(id: 0, hash: Self.auditGenesis, at: nil)
        }
        return AuditHead(id: r[0].int ?? 0, hash: r[2].text ?? "", at: r[1].int)
    }

    /// Walks the whole chain; the first entry that was edited, deleted (a gap) or moved, with what is wrong.
    ///
    /// The chain alone cannot show that its newest entries were removed (what is left is a shorter valid chain) or
    /// that someone with write access recomputed every hash after an edit. `heads` are heads published earlier
    /// (``auditHead()``): each entry named by one must still be there with the same hash. Since every hash covers
    /// the one before it, a head that still matches vouches for every entry up to it.
    public func verifyAudit(heads: [AuditHead] = []) throws -> (entries: Int, broken: (id: Int64, reason: String)?) {
        var published: [Int64: [String]] = [:]
        for h in heads { published[h.id, default: []].append(h.hash.lowercased()) }
        if let wrong = published[0]?.first(where: { $0 != Self.auditGenesis }) {
            return (0, (0, "a head published for entry 0 has hash \(wrong.prefix(16))…, not the genesis hash: it is not a head of this log"))
        }
        let s = try db.prepare("SELECT \(Self.auditColumns) FROM audit ORDER BY id")
        defer { s.reset() }
        var prev = Self.auditGenesis
        var expected: Int64 = 1
        var n = 0
        while try s.step() {
            let e = Self.decodeAudit((0..<10).map { s.value($0) })
            if e.id != expected { return (n, (expected, "entry \(expected) is missing (the next one is \(e.id))")) }
            if e.prevHash != prev { return (n, (e.id, "entry \(e.id) does not follow entry \(e.id - 1) (previous hash differs: deleted, reordered or edited)")) }
            let h = AuditEntry.digest(prev: e.prevHash, id: e.id, at: e.at, e.item, personsJSON: e.item.personsJSON)
            if h != e.hash { return (n, (e.id, "entry \(e.id) was changed (its content does not match its hash)")) }
            if let other = published[e.id]?.first(where: { $0 != e.hash }) {
                return (n, (e.id, "entry \(e.id) is not the entry published as a head (hash \(e.hash.prefix(16))…, published "
                            + "\(other.prefix(16))…): the chain up to it was rewritten"))
            }
            prev = e.hash
            expected += 1
            n += 1
        }
        if let gone = published.keys.filter({ $0 > Int64(n) }).min() {
            return (n, (gone, "entry \(gone), published as a head, is gone: the log ends at entry \(n) (its newest entries were removed)"))
        }
        return (n, nil)
    }

    /// Who accessed (or tried to access) this person's data, newest first.
    public func auditAccess(nik: String, limit: Int = 1000) throws -> [AuditEntry] {
        try auditAccess(subjects: [nik], limit: limit)
    }

    /// The entries naming any of `subjects`, newest first.
    public func auditAccess(subjects: [String], limit: Int = 1000) throws -> [AuditEntry] {
        try auditAccess(subjects: subjects.map { AuditSubject(key: $0) }, limit: limit)
    }

    /// The entries naming any of `subjects` (what a person may be named by, ``auditSubjects(person:)``), each
    /// within its time bound, newest first.
    public func auditAccess(subjects: [AuditSubject], limit: Int = 1000) throws -> [AuditEntry] {
        // One bound per key: the latest of its bounds (none is the latest of all).
        var bound: [String: Int64?] = [:]
        for s in subjects {
            let b = bound[s.key].map { old in old.flatMap { o in s.before.map { max(o, $0) } } } ?? s.before
            bound.updateValue(b, forKey: s.key)
        }
        guard !bound.isEmpty else { return [] }
        let always = bound.filter { $0.value == nil }.keys.sorted()
        let bounded = bound.compactMap { k, b in b.map { (key: k, before: $0) } }.sorted { $0.key < $1.key }
        var values: [SQLValue] = []
        func param(_ v: SQLValue) -> String {
            values.append(v)
            return "?\(values.count)"
        }
        // The index up to its mark, and the entries after the mark (seconds' worth on a busy server) read directly.
        var indexed: [String] = []
        var recent: [String] = []
        if !always.isEmpty {
            indexed.append("SELECT audit_id FROM audit_person WHERE nik IN (\(always.map { param(.text($0)) }.joined(separator: ",")))")
            recent += always.map { "instr(persons, \(param(.text("\"" + $0 + "\"")))) > 0" }
        }
        for b in bounded {
            let at = param(.int(b.before))
            indexed.append("SELECT ap.audit_id FROM audit_person ap JOIN audit a ON a.id = ap.audit_id WHERE ap.nik = \(param(.text(b.key))) AND a.at < \(at)")
            recent.append("(instr(persons, \(param(.text("\"" + b.key + "\"")))) > 0 AND at < \(at))")
        }
        let sql = """
            SELECT \(Self.auditColumns) FROM audit WHERE id IN (
                \(indexed.joined(separator: " UNION ALL "))
                UNION ALL
                SELECT id FROM audit WHERE id > coalesce((SELECT CAST(value AS INTEGER) FROM audit_meta WHERE key = '\(Self.auditIndexedKey)'), 0)
                    AND (\(recent.joined(separator: " OR "))))
            ORDER BY id DESC LIMIT \(param(.int(Int64(limit))))
            """
        return try db.rows(sql, values).map(Self.decodeAudit)
    }

    /// What the audit log may name the person with this NIK (16 digits) or person id (`P…`) by: for a NIK, the NIK
    /// itself and, when the person index knows its person, everything that person may be named by; for an id, the
    /// person it is now (following merges). Nil for an id the hub never gave.
    public func auditSubjects(nikOrID key: String) throws -> [AuditSubject]? {
        if key.first == "P" { return try currentPerson(id: key).map(auditSubjects(person:)) }
        guard let id = try personIDHolding(nik: key), let p = try person(id: id) else { return [AuditSubject(key: key)] }
        return [AuditSubject(key: key)] + (try auditSubjects(person: p))
    }

    /// What the audit log may name a person by: their NIK, their id (the log names a person without a NIK by it),
    /// and the ids (and NIKs) of the persons merged or retired into them, recursively (a permit's applicant read
    /// before the registry told the hub who they are). A person a steward split off another was, until the split,
    /// part of that person, and reads of it then may have shown their records: what the other person may be named
    /// by is theirs too, up to the split (the second it was made, included). Which of the two such a read showed is
    /// not recorded, so it is listed for both.
    public func auditSubjects(person: PersonRow) throws -> [AuditSubject] {
        var out: [AuditSubject] = []
        var seen: Set<String> = []
        func add(_ p: PersonRow, before: Int64?, depth: Int) throws {
            guard depth < 16, seen.insert(p.id + "@" + String(before ?? -1)).inserted else { return }
            let ids = try db.rows("""
                WITH RECURSIVE m(id, depth) AS (SELECT ?1, 0 UNION SELECT p.id, m.depth + 1 FROM persons p JOIN m ON p.merged_into = m.id WHERE m.depth < 64)
                SELECT m.id, p.lineage, p.created_at, p.nik FROM m JOIN persons p ON p.id = m.id
                """, [.text(p.id)])
            // The NIKs too: a person a steward merged into this one keeps the NIK reads of it were logged under.
            let keys = [p.nik].compactMap { $0 } + ids.compactMap { $0[0].text } + ids.compactMap { $0[3].text }
            out += Array(Set(keys)).sorted().map { AuditSubject(key: $0, before: before) }
            for r in ids {
                guard let lineage = r[1].text.flatMap({ try? JSONParser.parse($0) }), let from = lineage["split_from"]?.stringValue,
                      let created = r[2].int, let parent = try self.person(id: from) else { continue }
                let splitAt = (created + 1) * 1000
                try add(parent, before: before.map { min($0, splitAt) } ?? splitAt, depth: depth + 1)
            }
        }
        try add(person, before: nil, depth: 0)
        return out
    }

    /// The `audit_meta` key holding the last audit id whose persons are in `audit_person`.
    static let auditIndexedKey = "audit_person_through"

    /// A 16-digit NIK as its number (the same order as the text); anything else sorts after every NIK.
    static func sortKey(nik: String) -> UInt64 {
        var v: UInt64 = 0, n = 0
        for c in nik.utf8 {
            guard c >= 0x30 && c <= 0x39, n < 16 else { return .max }
            v = v * 10 + UInt64(c - 0x30)
            n += 1
        }
        return n == 16 ? v : .max
    }

    /// Adds the persons of the entries after the mark to `audit_person`, sorted by NIK and written in short
    /// transactions of `chunk` rows. Sorting first means each index page is written once per run, not once per
    /// entry as when every commit inserted its own handful at random places: a busy server's write-ahead log
    /// carried about 6 KB per request that way. Idempotent (a crash before the mark moves only repeats work).
    /// Between two transactions it waits `pause` seconds when given: the write lock is then free for the audit
    /// writer, whose commits requests wait on. Without the pause this loop took the lock again at once, and a
    /// commit polling for it could miss it for many transactions in a row (p99 of audited reads 8–26 ms every few
    /// runs; with a 2 ms pause 7.1–7.9 ms).
    /// Returns how many entries it covered.
    public func indexAuditPersons(maxEntries: Int = 500_000, chunk: Int = 2_000, pause: Double = 0) throws -> Int {
        let mark = try db.rows("SELECT CAST(value AS INTEGER) FROM audit_meta WHERE key = ?", [.text(Self.auditIndexedKey)]).first?[0].int ?? 0
        // A NIK (16 digits: nearly every person an entry names) is kept and sorted as a number: comparing and moving
        // two integers costs a fraction of two Strings (reference counting was most of this thread's time). Anything
        // else (a person id, for a person without a NIK) is kept as text and written after.
        var niks: [(key: UInt64, id: Int64)] = []
        var others: [(nik: String, id: Int64)] = []
        var entries = 0
        var last: Int64 = 0
        let s = try db.prepare("SELECT id, persons FROM audit WHERE id > ? ORDER BY id LIMIT ?")
        try s.bind(1, mark)
        try s.bind(2, maxEntries)
        do {
            defer { s.reset() }
            while try s.step() {
                let id = s.int(0)
                entries += 1
                last = id
                // The entry's NIKs straight from the text; any other shape is parsed as JSON.
                var keys: [UInt64] = []
                if let read = s.withTextBytes(1, Self.nikKeys) {
                    keys = read
                } else if case .array(let a)? = try? JSONParser.parse(s.text(1)) {
                    for nik in Set(a.compactMap(\.stringValue)) {
                        let k = Self.sortKey(nik: nik)
                        if k != .max { keys.append(k) } else { others.append((nik, id)) }
                    }
                }
                let start = niks.count
                for k in keys where !niks[start...].contains(where: { $0.key == k }) { niks.append((k, id)) }
            }
        }
        guard entries > 0 else { return 0 }
        niks.sort { $0.key != $1.key ? $0.key < $1.key : $0.id < $1.id }
        others.sort { $0.nik != $1.nik ? $0.nik < $1.nik : $0.id < $1.id }
        let total = niks.count + others.count
        for k in stride(from: 0, to: total, by: max(1, chunk)) {
            if k > 0 && pause > 0 { Thread.sleep(forTimeInterval: pause) }
            try auditTransaction {
                let ins = try db.prepare("INSERT OR IGNORE INTO audit_person(nik, audit_id) VALUES(?,?)")
                for i in k..<min(k + chunk, total) {
                    if i < niks.count {
                        try ins.bind(1, Self.nikText(niks[i].key))
                        try ins.bind(2, niks[i].id)
                    } else {
                        try ins.bind(1, others[i - niks.count].nik)
                        try ins.bind(2, others[i - niks.count].id)
                    }
                    try ins.run()
                }
            }
        }
        try db.run("INSERT INTO audit_meta(key, value) VALUES(?1, CAST(?2 AS TEXT)) ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE CAST(value AS INTEGER) < ?2",
                       [.text(Self.auditIndexedKey), .int(last)])
        return entries
    }

    /// The NIKs of an entry's persons (`["7571…","…"]`, as `AuditItem.personsJSON` writes them) as sort keys,
    /// read straight from the text; nil when the text has any other shape (then it is parsed as JSON).
    static func nikKeys(_ b: UnsafeBufferPointer<UInt8>) -> [UInt64]? {
        guard b.count >= 2, b[0] == UInt8(ascii: "["), b[b.count - 1] == UInt8(ascii: "]") else { return nil }
        var keys: [UInt64] = []
        var i = 1
        while i < b.count - 1 {
            // "dddddddddddddddd" then , or the closing ]
            guard i + 18 <= b.count - 1, b[i] == UInt8(ascii: "\""), b[i + 17] == UInt8(ascii: "\"") else { return nil }
            var v: UInt64 = 0
            for j in (i + 1)...(i + 16) {
                let c = b[j]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + UInt64(c - 0x30)
            }
            keys.append(v)
            i += 18
            if i < b.count - 1 {
                guard b[i] == UInt8(ascii: ",") else { return nil }
                i += 1
            }
        }
        return keys
    }

    /// A NIK's text from its sort key (16 digits, leading zeros kept).
    static func nikText(_ key: UInt64) -> String {
        var digits = [UInt8](repeating: 0x30, count: 16)
        var v = key
        for j in stride(from: 15, through: 0, by: -1) {
            digits[j] = 0x30 + UInt8(v % 10)
            v /= 10
        }
        return String(decoding: digits, as: UTF8.self)
    }
}
