import Foundation
import SimpulJSON

/// A person mention waiting for a decision (new, or changed since its last one).
public struct PendingMention: Sendable {
    public var key: String
    public var connector: String
    public var schema: String
    public var sourceKey: String
    public var data: JSONValue
    public var versionID: Int64
    public var at: Int64
    /// The person an earlier version of the mention is linked to, if any.
    public var linkedTo: String? = nil
    /// The mention's row id (`mentions.id`), and whether an earlier version of it is in the review queue.
    public var id: Int64? = nil
    public var inReview = true
}

public struct PersonRow: Sendable, Equatable {
    public var id: String
    public var nik: String?
    public var status: String
    public var mergedInto: String?
    public var lineage: String?
}

/// A mention linked to a person, with the mention's data (for golden records and exports).
public struct LinkedMention: Sendable {
    public var key: String
    public var connector: String
    public var schema: String
    public var sourceKey: String
    public var link: String
    public var grade: String
    public var score: Double?
    public var evidence: String
    public var data: JSONValue
    public var version: Int64
    /// When the mention's facts date from, in unix seconds: its record's own version time from the source (SIAK's
    /// TGL_UPDATE, SiCantik's and OSS's updated_at) when it has one, else when the hub received the mention
    /// (``HubStore/mentionRecencySQL``). The golden record takes each non-registry field from the most recent.
    public var at: Int64
}

public struct ReviewItem: Sendable {
    public var mentionKey: String
    public var candidate: String?
    public var kind: String
    public var score: Double?
    public var evidence: String
    public var data: JSONValue
    /// The best other candidate its evidence names, when one scored close (a conflict, two candidates alike): set by
    /// ``HubStore/reviewByCandidate()`` only.
    public var runnerUp: String? = nil
}

extension HubStore {
    /// The hub's secret for person ids (HMAC key), made on first use and kept in `meta`. Ids derived with it are
    /// stable for this hub (restarts, re-ingests, rebuilds) and do not reveal the NIK they were derived from.
    public func personKey() throws -> [UInt8] {
        if let hex = try metaValue("person_key"), hex.count == 64 {
            return stride(from: 0, to: 64, by: 2).map { UInt8(hex.dropFirst($0).prefix(2), radix: 16) ?? 0 }
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        try db.run("INSERT OR IGNORE INTO meta(key, value) VALUES('person_key', ?)", [.text(hex)])
        return try personKey()
    }

    /// Sets the hub's person key (64 hex digits) before any person exists: for benchmarks that must give the same
    /// ids, and so the same figures, in every run.
    public func setPersonKey(hex: String) throws {
        try setMetaValue("person_key", hex)
    }

    /// How many mentions wait for the person index (ingested with `--no-persons`, or an update that has not run):
    /// what `persons export`, `show` and `review` cannot show yet. A count of `person_pending` (a scan: for the CLI's
    /// warnings, not a hot path).
    public func undecidedMentionCount() throws -> Int {
        Int(try db.scalarInt("SELECT count(*) FROM person_pending"))
    }

    /// Mentions with no decision for their current version, one page: the registry's (`registry`) or the other
    /// sources', in key order after `after`. Callers decide a page and ask for the next (committing every few pages),
    /// so memory stays bounded, and take the registry first (a fixed order, so a rebuild decides the same way).
    /// They are read from `person_pending` (migration 15), which ingest fills and decisions empty; the conditions on
    /// the links and review items stay, so the page is exactly the mentions with no decision for their version. The
    /// registry's mention keys are one range of the key order (`<connector>:` to `<connector>;`): the registry's
    /// page reads only that range, the others' skip it.
    public func pendingMentions(registry: Bool, after: String, limit: Int, registryConnector: String = "dukcapil-siak") throws -> [PendingMention] {
        let s = try db.prepare("""
            SELECT m.key, m.connector, m.schema, m.source_key, m.data, m.version_id, m.at, l.person_id, m.id, r.mention_key IS NOT NULL FROM person_pending p
            JOIN mentions m ON m.key = p.key
            LEFT JOIN person_links l ON l.mention_key = m.key
            LEFT JOIN person_review r ON r.mention_key = m.key
            WHERE p.key > ?1 AND (m.connector = ?2) = ?3
              AND CASE WHEN ?3 THEN p.key >= ?2 || ':' AND p.key < ?2 || ';' ELSE p.key < ?2 || ':' OR p.key >= ?2 || ';' END
              AND (l.version_id IS NULL OR l.version_id != m.version_id) AND (r.version_id IS NULL OR r.version_id != m.version_id)
              AND m.id <= ?5
            ORDER BY p.key LIMIT ?4
            """)
        try s.bind([.text(after), .text(registryConnector), .int(registry ? 1 : 0), .int(Int64(limit)), .int(mentionHorizon ?? Int64.max)])
        defer { s.reset() }
        var out: [PendingMention] = []
        while try s.step() {
            out.append(PendingMention(key: s.text(0), connector: s.text(1), schema: s.text(2), sourceKey: s.text(3),
                                      data: (try? JSONParser.parse(s.text(4))) ?? .null, versionID: s.int(5), at: s.int(6),
                                      linkedTo: s.optionalText(7), id: s.int(8), inReview: s.int(9) != 0))
        }
        return out
    }

    static func personRow(_ r: [SQLValue]) -> PersonRow {
        PersonRow(id: r[0].text ?? "", nik: r[1].text, status: r[2].text ?? "", mergedInto: r[3].text, lineage: r[4].text)
    }

    public func person(id: String) throws -> PersonRow? {
        try db.rows("SELECT id, nik, status, merged_into, lineage FROM persons WHERE id = ?", [.text(id)]).first.map(Self.personRow)
    }

    /// The person with this id, or, when it was merged, the person it was merged into (following merges).
    public func currentPerson(id: String) throws -> PersonRow? {
        var p = try person(id: id)
        var hops = 0
        while let q = p, q.status == "merged", let next = q.mergedInto, hops < 16 {
            p = try person(id: next)
            hops += 1
        }
        return p
    }

    /// The person known by this NIK (``personIDHolding(nik:)``).
    public func person(nik: String) throws -> PersonRow? {
        try personIDHolding(nik: nik).flatMap { try person(id: $0) }
    }

    /// The id of the active person known by this NIK (the lowest id if several), read from the index alone: what
    /// the person index and the citizen lookup need, per mention and per request.
    public func activePersonID(nik: String) throws -> String? {
        let s = try db.prepare("SELECT id FROM persons WHERE nik = ? AND status = 'active' ORDER BY id LIMIT 1")
        try s.bind(1, nik)
        defer { s.reset() }
        return try s.step() ? s.text(0) : nil
    }

    /// The person known by this NIK: its active holder, or, when a steward merged the holder into another person
    /// (a "NIK ganda"), the person it leads to. Nil when no person has had it.
    ///
    /// When a steward kept two people with one NIK apart (the registry's row and a permit's applicant), both hold
    /// it: the one the registry row is with is the NIK's person (the registry is authoritative for the NIK), else
    /// the lowest id. One range of the `(nik, status)` index, as ``activePersonID(nik:)``, unless two hold it (a
    /// retired person has no NIK, so a merged person with one was merged by a steward).
    public func personIDHolding(nik: String) throws -> String? {
        // The statuses are told apart here, not with `status IN (…)`: SQLite builds a temporary table for an IN list
        // on every run of the statement, which was a tenth of a citizen lookup's CPU. A NIK has few rows.
        let s = try db.prepare("SELECT id, status FROM persons WHERE nik = ? ORDER BY status, id")
        try s.bind(1, nik)
        var active: [String] = []
        var merged: [String] = []
        while try s.step() {
            let status = s.text(1)
            if status == "active" { active.append(s.text(0)) } else if status == "merged" && active.isEmpty { merged.append(s.text(0)) }
        }
        s.reset()
        if active.count > 1, let registry = try active.first(where: { try personFacts($0)?.registry == true }) { return registry }
        if let first = active.first { return first }
        for id in merged { if let p = try currentPerson(id: id), p.status == "active" { return p.id } }
        return nil
    }

    /// A new person, a retired one founded again by the same identity (``retirePerson``), or a dormant one (a
    /// rebuild's, ``forgetPersonIndex(meta:)``) founded again: active, with the NIK it is founded with (a dormant
    /// one keeps its lineage and when it was first made). Any other existing person is left as it is. A person
    /// founded (new or again) holds no facts but the NIK and is not a registry person (a registry person a steward
    /// emptied was retired with the flag still set); returns whether one was, false for a person left as it was.
    @discardableResult
    public func insertPerson(id: String, nik: String?, lineage: String? = nil) throws -> Bool {
        let now = Self.now()
        try db.run("""
            INSERT INTO persons(id, nik, status, lineage, created_at, updated_at) VALUES(?,?,'active',?,?,?)
            ON CONFLICT(id) DO UPDATE SET status = 'active', merged_into = NULL, nik = excluded.nik, registry = 0,
                lineage = CASE WHEN persons.status = 'dormant' THEN coalesce(excluded.lineage, persons.lineage) ELSE excluded.lineage END,
                updated_at = excluded.updated_at
            WHERE (persons.status = 'merged' AND json_extract(persons.lineage, '$.retired_for') IS NOT NULL) OR persons.status = 'dormant'
            """, [.text(id), nik.map { .text($0) } ?? .null, lineage.map { .text($0) } ?? .null, .int(now), .int(now)])
        return db.changes == 1
    }

    /// Takes a person out of the index so that its mentions are decided again (a registry record arrived that
    /// such a person, founded without one, may belong to): its links (`mentions`) and the review items pointing at
    /// it are forgotten, its blocking keys (`blocks`, those of its mentions) dropped, its facts cleared. The row
    /// stays, as merged, with its mentions in its lineage, until it is founded again (``insertPerson``) or
    /// ``redirectRetired()`` points it at where they went; a mark in `meta` says some are waiting for that, so an
    /// update cut off in between finishes it next time.
    public func retirePerson(_ id: String, for registryPerson: String, mentions: [String], blocks: [String]) throws {
        // Its mentions, and those in review with it as the candidate, are decided again.
        try db.run("INSERT OR IGNORE INTO person_pending(key) SELECT mention_key FROM person_links WHERE person_id = ?", [.text(id)])
        try db.run("INSERT OR IGNORE INTO person_pending(key) SELECT mention_key FROM person_review WHERE candidate = ?", [.text(id)])
        try db.run("DELETE FROM person_links WHERE person_id = ?", [.text(id)])
        try db.run("DELETE FROM person_review WHERE candidate = ?", [.text(id)])
        try dropBlocks(blocks, person: id)
        let lineage = JSONValue.object(["retired_for": .string(registryPerson), "mentions": .array(mentions.sorted().map { .string($0) })]).jsonText
        try db.run("""
            UPDATE persons SET status = 'merged', merged_into = NULL, nik = NULL, nama = NULL, tanggal_lahir = NULL, jenis_kelamin = NULL,
                no_kk = NULL, kode_wilayah = NULL, alamat = NULL, tempat_lahir = NULL, lineage = ?, updated_at = ? WHERE id = ?
            """, [.text(lineage), .int(Self.now()), .text(id)])
        try setMetaValue(Self.retiredUnresolvedKey, "1")
        // `for` is the registry person that caused it; a person a steward emptied has none.
        try personEvent(person: id, mention: nil, decision: "retire", extra: registryPerson.isEmpty ? [:] : ["for": .string(registryPerson)])
    }

    /// The `meta` mark set while a rebuild's dormant persons wait for ``redirectDormant()``.
    static let rebuildDormantKey = "persons_rebuild_dormant"

    /// Whether a rebuild's dormant persons may still wait for ``redirectDormant()``.
    public func dormantUnresolved() throws -> Bool {
        try metaValue(Self.rebuildDormantKey) != nil
    }

    /// Ends a rebuild: every person still dormant is marked merged, leading to the person most of the mentions it
    /// had before the rebuild are linked to now (ties to the lowest id); one whose mentions are all in review or
    /// gone leads nowhere, as a retired person whose mentions wait in review. The rebuild's saved links are dropped.
    public func redirectDormant() throws {
        for r in try db.rows("SELECT id FROM persons WHERE status = 'dormant'") {
            guard let id = r[0].text else { continue }
            let to = try db.rows("""
                SELECT l.person_id FROM person_rebuild b JOIN person_links l ON l.mention_key = b.mention_key
                WHERE b.person_id = ? GROUP BY l.person_id ORDER BY count(*) DESC, l.person_id LIMIT 1
                """, [.text(id)]).first?[0].text
            try db.run("UPDATE persons SET status = 'merged', merged_into = ?, updated_at = ? WHERE id = ?",
                       [to.map { .text($0) } ?? .null, .int(Self.now()), .text(id)])
            if let to { try personEvent(person: to, mention: nil, decision: "merge", extra: ["merged_from": .string(id)]) }
        }
        try db.execute("DELETE FROM person_rebuild")
        try setMetaValue(Self.rebuildDormantKey, nil)
        try setMetaValue(Self.rebuildReplayedKey, nil)
    }

    /// Whether retired persons may still wait for ``redirectRetired()``.
    public func retiredUnresolved() throws -> Bool {
        try metaValue(Self.retiredUnresolvedKey) != nil
    }

    /// The `meta` mark set while retired persons may wait for ``redirectRetired()``.
    static let retiredUnresolvedKey = "persons_retired_unresolved"

    /// Whether a steward tied some mention to this person (must-link).
    public func hasMustRules(person: String) throws -> Bool {
        try db.scalarInt("SELECT EXISTS(SELECT 1 FROM person_rules WHERE person_id = ? AND rule = 'must')", [.text(person)]) == 1
    }

    /// Points every retired person that was not founded again at the person most of its mentions now belong to
    /// (a merge's redirect); one whose mentions all wait in review keeps no redirect.
    public func redirectRetired() throws {
        let rows = try db.rows("""
            SELECT id, lineage FROM persons WHERE status = 'merged' AND merged_into IS NULL AND json_extract(lineage, '$.retired_for') IS NOT NULL
            """)
        for r in rows {
            guard let id = r[0].text, let lineage = r[1].text.flatMap({ try? JSONParser.parse($0) }) else { continue }
            let mentions = lineage["mentions"]?.arrayValue?.compactMap(\.stringValue) ?? []
            var count: [String: Int] = [:]
            for m in mentions { if let p = try personOf(mention: m) { count[p, default: 0] += 1 } }
            guard let to = count.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }).first?.key else { continue }
            try db.run("UPDATE persons SET merged_into = ?, updated_at = ? WHERE id = ?", [.text(to), .int(Self.now()), .text(id)])
            try personEvent(person: to, mention: nil, decision: "merge", extra: ["merged_from": .string(id)])
        }
        try setMetaValue(Self.retiredUnresolvedKey, nil)
    }

    /// Whether any mention other than `registryConnector`'s is linked to a person (then persons founded without a
    /// registry record may exist). Two range lookups on the link table's key.
    public func nonRegistryLinksExist(registryConnector: String) throws -> Bool {
        try db.scalarInt("SELECT EXISTS(SELECT 1 FROM person_links WHERE mention_key < ?1 OR mention_key >= ?2)",
                         [.text(registryConnector + ":"), .text(registryConnector + ";")]) == 1
    }

    public func setPersonNIK(_ id: String, nik: String) throws {
        try db.run("UPDATE persons SET nik = ?, updated_at = ? WHERE id = ? AND nik IS NULL", [.text(nik), .int(Self.now()), .text(id)])
    }

    public func mergePerson(_ from: String, into: String) throws {
        try personEvent(person: into, mention: nil, decision: "merge", extra: ["merged_from": .string(from)])
        try db.run("UPDATE persons SET status = 'merged', merged_into = ?, updated_at = ? WHERE id = ?", [.text(into), .int(Self.now()), .text(from)])
        try db.run("UPDATE person_links SET person_id = ? WHERE person_id = ?", [.text(into), .text(from)])
        try db.run("INSERT OR IGNORE INTO person_blocks(block, person_id) SELECT block, ? FROM person_blocks WHERE person_id = ?", [.text(into), .text(from)])
        try db.run("DELETE FROM person_blocks WHERE person_id = ?", [.text(from)])
    }

    /// Appends a person-index decision to the `persons` topic (inside the caller's write transaction): person ids,
    /// mention keys and the decision, so a consumer can keep its own copy of who is who.
    public func personEvent(person: String?, mention: String?, decision: String, grade: String? = nil, extra: [String: JSONValue] = [:]) throws {
        let topic = try topicID("persons")
        let eid = Self.eventID(topic, try takeSeq(topic))
        var o = extra
        o["decision"] = .string(decision)
        if let person { o["person_id"] = .string(person) }
        if let mention { o["mention"] = .string(mention) }
        if let grade { o["grade"] = .string(grade) }
        try db.run("INSERT INTO log(id, source_key, payload, line, at) VALUES(?,?,?,?,?)",
                   [.int(eid), .text(person ?? mention ?? ""), .text(JSONValue.object(o).jsonText), .int(0), .int(Self.now())])
    }

    /// Links a mention to a person (replacing an earlier link or review entry for it). `mentionID`: the mention's row
    /// id when the caller has it (else looked up); `inReview`: false when the caller knows no review entry of the
    /// mention is there to replace (``PendingMention/inReview``).
    public func linkMention(_ key: String, person: String, link: String, grade: String, score: Double?, evidence: String, versionID: Int64,
                            mentionID: Int64? = nil, inReview: Bool = true) throws {
        try db.run("DELETE FROM person_pending WHERE key = ?", [.text(key)])
        if inReview { try db.run("DELETE FROM person_review WHERE mention_key = ?", [.text(key)]) }
        try db.run("""
            INSERT INTO person_links(mention_key, person_id, link, grade, score, evidence, version_id, at, mention_id)
                VALUES(?1,?2,?3,?4,?5,?6,?7,?8,coalesce(?9,(SELECT id FROM mentions WHERE key = ?1)))
            ON CONFLICT(mention_key) DO UPDATE SET person_id = excluded.person_id, link = excluded.link, grade = excluded.grade,
                score = excluded.score, evidence = excluded.evidence, version_id = excluded.version_id, at = excluded.at,
                mention_id = excluded.mention_id
            """, [.text(key), .text(person), .text(link), .text(grade), score.map { .double($0) } ?? .null, .text(evidence), .int(versionID), .int(Self.now()),
                  mentionID.map { .int($0) } ?? .null])
        try personEvent(person: person, mention: key, decision: "link", grade: grade, extra: ["link": .string(link)])
    }

    /// Puts a mention in the review queue: it is then linked to no one until a steward decides, unless `keepLink`
    /// (a flag on a decided mention, e.g. a possible registry duplicate).
    public func reviewMention(_ key: String, candidate: String?, kind: String, score: Double?, evidence: String, versionID: Int64,
                              keepLink: Bool = false) throws {
        try db.run("DELETE FROM person_pending WHERE key = ?", [.text(key)])
        if !keepLink { try db.run("DELETE FROM person_links WHERE mention_key = ?", [.text(key)]) }
        try db.run("""
            INSERT INTO person_review(mention_key, candidate, kind, score, evidence, version_id, at) VALUES(?,?,?,?,?,?,?)
            ON CONFLICT(mention_key) DO UPDATE SET candidate = excluded.candidate, kind = excluded.kind, score = excluded.score,
                evidence = excluded.evidence, version_id = excluded.version_id, at = excluded.at
            """, [.text(key), candidate.map { .text($0) } ?? .null, .text(kind), score.map { .double($0) } ?? .null, .text(evidence),
                  .int(versionID), .int(Self.now())])
        try personEvent(person: candidate, mention: key, decision: "review", extra: ["kind": .string(kind)])
    }

    /// A blocking key as the person index files it: a 64-bit hash of its text (FNV-1a with a final mix), so a
    /// B-tree of a dozen keys per person compares integers, not strings with long shared prefixes (`nd:` + name +
    /// date). Two keys with one hash would only bring more candidates, each compared on its fields anyway; among
    /// the ten million keys of a million persons that is a chance of a few in a million. Stored, so it never
    /// changes (a test pins its values).
    public static func blockHash(_ key: String) -> Int64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h &*= 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return Int64(bitPattern: h)
    }

    public func addBlocks(_ blocks: [String], person: String) throws {
        try addBlocks(hashes: Set(blocks.map(Self.blockHash)), person: person)
    }

    /// Files `person` under blocking keys already hashed (``blockHash(_:)``), each once.
    public func addBlocks(hashes: some Sequence<Int64>, person: String) throws {
        try eachBlock("INSERT OR IGNORE INTO person_blocks(block, person_id) VALUES(?, ?)", hashes, person: person)
    }

    public func dropBlocks(_ blocks: [String], person: String) throws {
        try eachBlock("DELETE FROM person_blocks WHERE block = ? AND person_id = ?", Set(blocks.map(Self.blockHash)), person: person)
    }

    /// Runs `sql` (block hash, person id) once per hash given.
    private func eachBlock(_ sql: String, _ hashes: some Sequence<Int64>, person: String) throws {
        let s = try db.prepare(sql)
        for h in hashes {
            try s.bind([.int(h), .text(person)])
            try s.run()
        }
    }

    public func personsInBlock(_ block: String, limit: Int = 200) throws -> [String] {
        try db.rows("SELECT person_id FROM person_blocks WHERE block = ? LIMIT ?", [.int(Self.blockHash(block)), .int(Int64(limit))]).compactMap { $0[0].text }
    }

    /// The persons filed under `block`, or nil when it holds more than `most` (the walk stops at the first row too
    /// many). Stepped directly, without a row of values built per person.
    public func personsInBlock(_ block: String, atMost most: Int) throws -> [String]? {
        let s = try db.prepare("SELECT person_id FROM person_blocks WHERE block = ? LIMIT ?")
        defer { s.reset() }
        try s.bind(1, Self.blockHash(block))
        try s.bind(2, Int64(most + 1))
        var out: [String] = []
        while try s.step() {
            if out.count == most { return nil }
            out.append(s.text(0))
        }
        return out
    }

    /// A mention's recency (``LinkedMention/at``): its record's source version time (`src_at`, migration 21), else
    /// when the hub received it. Until 2026-11-29 it was always the time received, so a permit of June ingested after
    /// the registry's November snapshot gave the golden record its June address, and two files ingested in the same
    /// second gave either address from one run to the next (found by scripts/heldout_api.py).
    static let mentionRecencySQL = "coalesce(m.src_at, m.at)"

    /// A person's links with their mentions, in mention key order. Each mention is found by its row id
    /// (`person_links.mention_id`, migration 23): one B-tree descent instead of two through the key's index. The key
    /// is compared too, so a row id that no longer named the link's mention would leave it out of an answer rather
    /// than show another mention's data.
    static let linkedMentionsFromSQL = """
        FROM person_links l JOIN mentions m ON m.id = l.mention_id AND m.key = l.mention_key
        WHERE l.person_id = ? ORDER BY l.mention_key
        """

    public func linkedMentions(person: String) throws -> [LinkedMention] {
        let s = try db.prepare("""
            SELECT l.mention_key, m.connector, m.schema, m.source_key, l.link, l.grade, l.score, l.evidence, m.data,
                   coalesce(m.version_no, 0), \(Self.mentionRecencySQL)
            \(Self.linkedMentionsFromSQL)
            """)
        try s.bind(1, person)
        defer { s.reset() }
        var out: [LinkedMention] = []
        while try s.step() {
            out.append(LinkedMention(key: s.text(0), connector: s.text(1), schema: s.text(2), sourceKey: s.text(3), link: s.text(4),
                                     grade: s.text(5), score: s.value(6).number, evidence: s.text(7),
                                     data: (try? JSONParser.parse(s.text(8))) ?? .null, version: s.int(9), at: s.int(10)))
        }
        return out
    }

    /// Public so a test can check its plan: the person's links from the covering index in key order, each mention
    /// by its row id, no sort and no other table.
    public static let linkedMentionBytesSQL = """
        SELECT l.mention_key, m.connector, m.schema, m.source_key, m.data, coalesce(m.version_no, 0), \(mentionRecencySQL)
        \(linkedMentionsFromSQL)
        """

    /// A person's linked mentions with their stored data as bytes (not parsed), for answers that splice it: mention
    /// key, connector, schema, source key, data, record version, recency (``LinkedMention/at``). Ordered by mention key.
    public func linkedMentionBytes(person: String) throws -> [(key: String, connector: String, schema: String, sourceKey: String,
                                                              data: [UInt8], version: Int64, at: Int64)] {
        let s = try db.prepare(Self.linkedMentionBytesSQL)
        try s.bind(1, person)
        defer { s.reset() }
        var out: [(key: String, connector: String, schema: String, sourceKey: String, data: [UInt8], version: Int64, at: Int64)] = []
        while try s.step() {
            out.append((s.text(0), s.text(1), s.text(2), s.text(3), s.withTextBytes(4) { Array($0) }, s.int(5), s.int(6)))
        }
        return out
    }

    /// Whether a person has a linked mention other than this one.
    public func holdsOtherMentions(person: String, than key: String) throws -> Bool {
        !(try db.rows("SELECT 1 FROM person_links WHERE person_id = ? AND mention_key != ? LIMIT 1", [.text(person), .text(key)]).isEmpty)
    }

    /// The person a mention is linked to.
    public func personOf(mention key: String) throws -> String? {
        try db.rows("SELECT person_id FROM person_links WHERE mention_key = ?", [.text(key)]).first?[0].text
    }

    public func reviewItems(kind: String? = nil, limit: Int = 1000) throws -> [ReviewItem] {
        try db.rows("""
            SELECT r.mention_key, r.candidate, r.kind, r.score, r.evidence, m.data FROM person_review r
            JOIN mentions m ON m.key = r.mention_key WHERE ?1 IS NULL OR r.kind = ?1 ORDER BY r.kind, r.mention_key LIMIT ?2
            """, [kind.map { .text($0) } ?? .null, .int(Int64(limit))]).map(Self.reviewRow)
    }

    /// Whether the text has the shape of a person id: `P` and 16 lower-case hexadecimal digits.
    public static func isPersonID(_ s: String) -> Bool {
        s.utf8.count == 17 && s.utf8.first == 0x50 && s.utf8.dropFirst().allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// How many items the review queue holds (of one kind: `conflict`, `possible`, `duplicate_nik`).
    public func reviewCount(kind: String? = nil) throws -> Int {
        Int(try db.scalarInt("SELECT count(*) FROM person_review WHERE ?1 IS NULL OR kind = ?1", [kind.map { .text($0) } ?? .null]))
    }

    /// The kinds of review item.
    public static let reviewKinds = ["conflict", "possible", "duplicate_nik"]

    static func reviewRow(_ r: [SQLValue]) -> ReviewItem {
        ReviewItem(mentionKey: r[0].text ?? "", candidate: r[1].text, kind: r[2].text ?? "", score: r[3].number,
                   evidence: r[4].text ?? "{}", data: (try? JSONParser.parse(r[5].text ?? "null")) ?? .null)
    }

    /// The review entries that name this person as the candidate (indexed).
    public func reviewItems(candidate: String) throws -> [ReviewItem] {
        try db.rows("""
            SELECT r.mention_key, r.candidate, r.kind, r.score, r.evidence, m.data FROM person_review r
            JOIN mentions m ON m.key = r.mention_key WHERE r.candidate = ? ORDER BY r.kind, r.mention_key
            """, [.text(candidate)]).map(Self.reviewRow)
    }

    /// A steward's rule on a mention: `must` (it is this person) or `cannot` (it is not). A mention is one person,
    /// so a must-link replaces the mention's other must-links (the steward changed their mind); a rule for a person
    /// the mention already has one for replaces it.
    public func addRule(mention: String, person: String, rule: String) throws {
        if rule == "must" {
            try db.run("DELETE FROM person_rules WHERE mention_key = ? AND rule = 'must' AND person_id <> ?", [.text(mention), .text(person)])
        }
        try db.run("INSERT OR REPLACE INTO person_rules(mention_key, person_id, rule, at) VALUES(?,?,?,?)",
                   [.text(mention), .text(person), .text(rule), .int(Self.now())])
    }

    public func rules(mention: String) throws -> [(person: String, rule: String)] {
        try db.rows("SELECT person_id, rule FROM person_rules WHERE mention_key = ?", [.text(mention)]).map { ($0[0].text ?? "", $0[1].text ?? "") }
    }

    /// Forgets every decision of the person index (links, review items, blocking keys, what each person's facts
    /// are, and the index's saved state under `meta` keys; steward rules stay), so the next update decides every
    /// mention again, as on a fresh hub: a rebuild (``PersonIndex/rebuild()``), which gives the same persons, ids
    /// and links.
    ///
    /// What was given out stays: ids are kept by API clients and named by the audit log. So the rows of merged and
    /// retired persons stay as they are (their redirects), and every active person becomes `dormant`: no facts, no
    /// links, not counted or sampled, until a mention founds it again (``insertPerson``), keeping its lineage (split
    /// off by a steward, holding merged persons) and when it was first made. Most are founded again under the same id,
    /// since an id comes from what founded the person; at the end of the update a person still dormant (its founding
    /// mention now decided otherwise: a steward's cannot-link, or mentions decided in another order than they came)
    /// leads to the person most of its mentions went to (``redirectDormant()``), from the links the rebuild started
    /// from, kept in `person_rebuild` until then.
    public func forgetPersonIndex(meta: [String]) throws {
        try writeTransaction {
            // A rebuild cut off and started again keeps the links the first one started from.
            if try metaValue(Self.rebuildDormantKey) == nil {
                try db.execute("DELETE FROM person_rebuild; INSERT INTO person_rebuild(mention_key, person_id) SELECT mention_key, person_id FROM person_links;")
            }
            try db.execute("""
                DELETE FROM person_links; DELETE FROM person_review; DELETE FROM person_blocks;
                UPDATE persons SET status = 'dormant', nik = NULL, nama = NULL, tanggal_lahir = NULL, jenis_kelamin = NULL, no_kk = NULL,
                    kode_wilayah = NULL, alamat = NULL, tempat_lahir = NULL, registry = 0 WHERE status = 'active';
                INSERT OR IGNORE INTO person_pending(key) SELECT key FROM mentions;
                """)
            for k in meta + [Self.retiredUnresolvedKey] { try setMetaValue(k, nil) }
            // A rebuild cut off and started over replays the updates from the first again.
            try setMetaValue(Self.rebuildReplayedKey, nil)
            try setMetaValue(Self.rebuildDormantKey, "1")
            // Retired persons still waiting for their redirect get it at the end of the next update.
            if try db.scalarInt("""
                SELECT EXISTS(SELECT 1 FROM persons WHERE status = 'merged' AND merged_into IS NULL AND json_extract(lineage, '$.retired_for') IS NOT NULL)
                """) == 1 {
                try setMetaValue(Self.retiredUnresolvedKey, "1")
            }
        }
    }

    /// Forgets the decision on a mention, so the next index run decides again (after a steward's rule).
    public func forgetDecision(mention: String) throws {
        try db.run("INSERT OR IGNORE INTO person_pending(key) VALUES(?)", [.text(mention)])
        try db.run("DELETE FROM person_links WHERE mention_key = ?", [.text(mention)])
        try db.run("DELETE FROM person_review WHERE mention_key = ?", [.text(mention)])
    }

    /// Keeps what matching compares up to date: a registry mention's values replace the person's; any other
    /// mention's only fill what is missing, and never change a registry person.
    public func updatePersonFacts(_ id: String, nama: String?, tanggalLahir: String?, jenisKelamin: String?, noKK: String?,
                                  kodeWilayah: String?, alamat: String? = nil, tempatLahir: String? = nil, registry: Bool) throws {
        let v: [SQLValue] = [nama, tanggalLahir, jenisKelamin, noKK, kodeWilayah, alamat, tempatLahir].map { $0.map { .text($0) } ?? .null }
        if registry {
            try db.run("""
                UPDATE persons SET nama = coalesce(?, nama), tanggal_lahir = coalesce(?, tanggal_lahir), jenis_kelamin = coalesce(?, jenis_kelamin),
                    no_kk = coalesce(?, no_kk), kode_wilayah = coalesce(?, kode_wilayah), alamat = coalesce(?, alamat),
                    tempat_lahir = coalesce(?, tempat_lahir), registry = 1 WHERE id = ?
                """, v + [.text(id)])
        } else {
            try db.run("""
                UPDATE persons SET nama = coalesce(nama, ?), tanggal_lahir = coalesce(tanggal_lahir, ?), jenis_kelamin = coalesce(jenis_kelamin, ?),
                    no_kk = coalesce(no_kk, ?), kode_wilayah = coalesce(kode_wilayah, ?), alamat = coalesce(alamat, ?),
                    tempat_lahir = coalesce(tempat_lahir, ?) WHERE id = ? AND registry = 0
                """, v + [.text(id)])
        }
    }

    /// What matching compares of a person: (nama, tanggal_lahir, nik, no_kk, kode_wilayah, jenis_kelamin, alamat,
    /// tempat_lahir), and whether it is a registry person.
    public func personFacts(_ id: String) throws -> (fields: [String?], registry: Bool)? {
        // Stepped directly (no row of values built): matching reads it for every candidate it scores.
        let s = try db.prepare("SELECT \(Self.personFactColumns), registry FROM persons WHERE id = ? AND status = 'active'")
        defer { s.reset() }
        try s.bind(1, id)
        guard try s.step() else { return nil }
        return ((0..<8).map { s.optionalText($0) }, s.int(8) != 0)
    }

    /// The columns of `persons` that matching compares, in the order ``personFacts(_:)`` returns them.
    static let personFactColumns = "nama, tanggal_lahir, nik, no_kk, kode_wilayah, jenis_kelamin, alamat, tempat_lahir"

    /// A fixed sample of active persons' facts (every k-th by id), for estimating how often fields agree by chance.
    public func samplePersonFacts(limit: Int) throws -> [[String?]] {
        let n = try db.scalarInt("SELECT count(*) FROM persons WHERE status = 'active'")
        let step = max(1, Int(n) / max(1, limit))
        return try db.rows("""
            SELECT \(Self.personFactColumns) FROM
            (SELECT *, row_number() OVER (ORDER BY id) AS rn FROM persons WHERE status = 'active') WHERE rn % ? = 0 LIMIT ?
            """, [.int(Int64(step)), .int(Int64(limit))]).map { r in (0..<8).map { r[$0].text } }
    }

    /// Non-registry mentions with a NIK an active registry person holds, and that person: what a name says, measured
    /// where the NIK tells whom the mention is. Whether or not the mention is decided yet: with the registry arriving
    /// last, the other sources' mentions wait to be decided again when the registry's are, and counting only linked
    /// ones found none, so their names were not trusted where they had been with the registry first. An equal share
    /// of `limit` from each source's keys, in key order (as ``sameNIKPairs(limit:)``).
    public func registryNIKMentions(limit: Int, registryConnector: String) throws -> [(data: JSONValue, person: String)] {
        let horizon = mentionHorizon ?? Int64.max
        var sources = try connectors(ofKeysIn: "mentions", column: "key").filter { $0 != registryConnector }
        if mentionHorizon != nil {
            sources = try sources.filter { c in
                try db.scalarInt("SELECT EXISTS(SELECT 1 FROM mentions WHERE key > ?1 || ':' AND key < ?1 || ';' AND id <= ?2)",
                                 [.text(c), .int(horizon)]) == 1
            }
        }
        var out: [(data: JSONValue, person: String)] = []
        for (k, c) in sources.enumerated() {
            let share = (limit - out.count) / (sources.count - k)
            out += try db.rows("""
                SELECT m.data, p.id FROM mentions m JOIN persons p ON p.nik = m.nik AND p.status = 'active' AND p.registry = 1
                WHERE m.key > ?1 || ':' AND m.key < ?1 || ';' AND m.nik IS NOT NULL AND m.id <= ?3 ORDER BY m.key LIMIT ?2
                """, [.text(c), .int(Int64(share)), .int(horizon)]).compactMap { r in
                guard let p = r[1].text, let d = try? JSONParser.parse(r[0].text ?? "null") else { return nil }
                return (d, p)
            }
        }
        return out
    }

    /// Up to `limit` active registry persons filed under a blocking key (e.g. `n:` and a name).
    public func registryPersons(block: String, limit: Int = 2) throws -> [String] {
        try db.rows("""
            SELECT b.person_id FROM person_blocks b JOIN persons p ON p.id = b.person_id
            WHERE b.block = ? AND p.registry = 1 AND p.status = 'active' LIMIT ?
            """, [.int(Self.blockHash(block)), .int(Int64(limit))]).compactMap { $0[0].text }
    }

    /// Pairs known to be the same person: a non-registry mention linked to a registry person by the same NIK,
    /// as (mention data, person facts), for estimating how often fields agree for true matches.
    ///
    /// Taken from every source alike (an equal share of `limit` from each connector's keys, in key order; a source
    /// with fewer pairs leaves its share to the ones after it): in plain key order the first source alphabetically
    /// gave them all (OSS, whose records carry no birth date or address and whose village is the business's), and
    /// m of the fields only the others record stayed the defaults.
    public func sameNIKPairs(limit: Int) throws -> [(JSONValue, [String?])] {
        let sources = try connectors(ofKeysIn: "person_links", column: "mention_key").filter { $0 != "dukcapil-siak" }
        var out: [(JSONValue, [String?])] = []
        for (k, c) in sources.enumerated() {
            let share = (limit - out.count) / (sources.count - k)
            out += try db.rows("""
                SELECT m.data, p.nama, p.tanggal_lahir, p.nik, p.no_kk, p.kode_wilayah, p.jenis_kelamin, p.alamat, p.tempat_lahir FROM person_links l
                JOIN mentions m ON m.key = l.mention_key JOIN persons p ON p.id = l.person_id
                WHERE l.mention_key > ?1 || ':' AND l.mention_key < ?1 || ';'
                  AND l.link = 'auto' AND l.grade = 'certain' AND p.registry = 1 AND json_extract(l.evidence, '$.rule') = 'same NIK'
                ORDER BY l.mention_key LIMIT ?2
                """, [.text(c), .int(Int64(share))]).map { r in ((try? JSONParser.parse(r[0].text ?? "null")) ?? .null, (1..<9).map { r[$0].text }) }
        }
        return out
    }

    /// The connectors of the mention keys in a table's key column (the part of a key before `:`), found by seeking
    /// from one connector's keys to the next's: a few index seeks, not a scan. `table` and `column` are names the
    /// caller spells (letters and `_`), never input.
    public func connectors(ofKeysIn table: String, column: String) throws -> [String] {
        precondition((table + column).allSatisfy { $0.isASCII && ($0.isLetter || $0 == "_") }, "a table or column name")
        var out: [String] = []
        var from = ""
        while let key = try db.rows("SELECT \(column) FROM \(table) WHERE \(column) >= ? ORDER BY \(column) LIMIT 1", [.text(from)]).first?[0].text {
            let c = String(key.prefix { $0 != ":" })
            out.append(c)
            from = c + ";"
        }
        return out
    }

    public func blockSize(_ block: String) throws -> Int64 {
        try db.scalarInt("SELECT count(*) FROM person_blocks WHERE block = ?", [.int(Self.blockHash(block))])
    }

    /// The newest mention's id: it grows with every new mention (a new version of one keeps its row), so it measures
    /// how many mentions arrived since a moment, at the cost of one seek.
    /// Within ``mentionHorizon`` when one is set.
    public func lastMentionID() throws -> Int64 {
        let last = try db.scalarInt("SELECT coalesce(max(id), 0) FROM mentions")
        return mentionHorizon.map { min($0, last) } ?? last
    }

    // MARK: - The updates a rebuild replays

    /// Notes the mentions an update begins with (the newest mention's id), when any arrived since the last update
    /// noted: a rebuild decides the mentions again update by update (``nextRebuildUpdate()``).
    public func noteUpdateHorizon() throws {
        try writeTransaction {
            try db.run("""
                INSERT INTO person_updates(through) SELECT last FROM (SELECT max(id) AS last FROM mentions)
                WHERE last > coalesce((SELECT max(through) FROM person_updates), 0)
                """)
        }
    }

    /// The `meta` key holding the last update a rebuild has decided again (the `person_updates` id).
    static let rebuildReplayedKey = "persons_rebuild_replayed"

    /// The next update a rebuild in progress decides again: its id and the newest mention it saw; nil once every
    /// noted update is replayed (the mentions after them are decided last, in one go).
    public func nextRebuildUpdate() throws -> (id: Int64, through: Int64)? {
        let done = Int64(try metaValue(Self.rebuildReplayedKey) ?? "0") ?? 0
        guard let r = try db.rows("SELECT id, through FROM person_updates WHERE id > ? ORDER BY id LIMIT 1", [.int(done)]).first,
              let id = r[0].int, let through = r[1].int else { return nil }
        return (id, through)
    }

    public func setRebuildReplayed(_ id: Int64) throws {
        try writeTransaction { try setMetaValue(Self.rebuildReplayedKey, String(id)) }
    }

    public func activePersonCount() throws -> Int64 { try db.scalarInt("SELECT count(*) FROM persons WHERE status = 'active'") }

    /// Writes person mentions directly, without a connector: for synthetic corpora (tests, `simpul-bench match`).
    public func insertMentions(_ rows: [(key: String, connector: String, schema: String, sourceKey: String, data: String)]) throws {
        try writeTransaction {
            let s = try db.prepare("""
                INSERT INTO mentions(key, connector, schema, source_key, data, version_id, at, nik)
                VALUES(?1,?2,?3,?4,?5,?6,?7,json_extract(?5, '$.nik'))
                ON CONFLICT(key) DO UPDATE SET connector = excluded.connector, schema = excluded.schema,
                    source_key = excluded.source_key, data = excluded.data, version_id = excluded.version_id, at = excluded.at,
                    nik = excluded.nik
                """)
            let pending = try db.prepare("INSERT OR IGNORE INTO person_pending(key) VALUES(?)")
            var v = try db.scalarInt("SELECT coalesce(max(version_id), 0) FROM mentions")
            let now = Self.now()
            for r in rows {
                v += 1
                try s.bind([.text(r.key), .text(r.connector), .text(r.schema), .text(r.sourceKey), .text(r.data), .int(v), .int(now)])
                try s.run()
                try pending.bind(1, r.key)
                try pending.run()
            }
        }
    }

    /// Which person each linked mention is with (mentions in review are absent).
    public func mentionClusters() throws -> [String: String] {
        var out: [String: String] = [:]
        let s = try db.prepare("SELECT mention_key, person_id FROM person_links")
        defer { s.reset() }
        while try s.step() { out[s.text(0)] = s.text(1) }
        return out
    }

    /// Every active person, in id order, for exports.
    public func activePersons() throws -> [PersonRow] {
        try db.rows("SELECT id, nik, status, merged_into, lineage FROM persons WHERE status = 'active' ORDER BY id").map(Self.personRow)
    }

    /// Review entries per candidate person (for exports), each with the runner-up its evidence names
    /// (``ReviewItem/runnerUp``; a person merged since is the one it went into).
    public func reviewByCandidate() throws -> [String: [ReviewItem]] {
        var out: [String: [ReviewItem]] = [:]
        for var r in try reviewItems(limit: Int(Int32.max)) {
            guard let c = r.candidate else { continue }
            if r.evidence.contains("\"runner_up\""), case .object(let e)? = try? JSONParser.parse(r.evidence),
               let named = e["runner_up"]?["person_id"]?.stringValue {
                let id = try currentPerson(id: named)?.id ?? named
                if id != c { r.runnerUp = id }
            }
            out[c, default: []].append(r)
        }
        return out
    }

    public func personCounts() throws -> (persons: Int64, links: Int64, review: Int64) {
        (try db.scalarInt("SELECT count(*) FROM persons WHERE status = 'active'"), try db.scalarInt("SELECT count(*) FROM person_links"),
         try db.scalarInt("SELECT count(*) FROM person_review"))
    }
}

extension HubStore {
    /// What the person index decided for one mention: the person it is linked to (a person merged since is the one
    /// it went into) and that person's registry NIK (nil for a person the registry does not know).
    public struct MentionPerson: Sendable, Equatable {
        public var id: String
        public var registryNIK: String?
    }

    /// Streams every person mention of `schema` with its record's current bytes and what the person index decided:
    /// its person (nil when not linked) and whether it waits in review. For checks over one kind of record's
    /// persons, such as the recipients of SP2D lines, without holding them all.
    public func scanMentionsWithPersons(schema: String, _ body: (_ sourceKey: String, _ data: UnsafeBufferPointer<UInt8>,
                                                                  _ person: MentionPerson?, _ inReview: Bool) throws -> Void) throws {
        let s = try db.prepare("""
            SELECT m.source_key, v.data, l.person_id, p.status, p.nik, p.registry,
                   EXISTS(SELECT 1 FROM person_review rv WHERE rv.mention_key = m.key)
            FROM mentions m JOIN records r ON r.schema = m.schema AND r.source_key = m.source_key
            JOIN record_versions v ON v.id = r.version_id LEFT JOIN person_links l ON l.mention_key = m.key
            LEFT JOIN persons p ON p.id = l.person_id
            WHERE m.schema = ?
            """)
        try s.bind(1, schema)
        defer { s.reset() }
        var merged: [String: MentionPerson] = [:]
        while try s.step() {
            var person: MentionPerson? = nil
            if let id = s.optionalText(2) {
                if s.optionalText(3) == "merged" {
                    if merged[id] == nil, let p = try currentPerson(id: id) {
                        let registry = try db.scalarInt("SELECT registry FROM persons WHERE id = ?", [.text(p.id)]) == 1
                        merged[id] = MentionPerson(id: p.id, registryNIK: registry ? p.nik : nil)
                    }
                    person = merged[id]
                } else {
                    person = MentionPerson(id: id, registryNIK: s.int(5) == 1 ? s.optionalText(4) : nil)
                }
            }
            let inReview = s.int(6) != 0
            try s.withTextBytes(1) { data in try body(s.text(0), data, person, inReview) }
        }
    }

    /// Some top-level fields of every stored version of a record, as text, oldest version first.
    public func fieldHistory(schema: String, sourceKey: String, fields: [String]) throws -> [[String?]] {
        // The versions that are not current through their index, the current one through `records` (as
        // `recordHistorySQL`); each field's path bound as ?3, ?4, …
        func columns(_ table: String) -> String { fields.indices.map { "json_extract(\(table)data, ?\($0 + 3))" }.joined(separator: ", ") }
        let s = try db.prepare("""
            SELECT version_no, \(columns("")) FROM record_versions WHERE schema = ?1 AND source_key = ?2 AND current = 0
            UNION ALL
            SELECT v.version_no, \(columns("v.")) FROM records r
            JOIN record_versions v ON v.id = r.version_id WHERE r.schema = ?1 AND r.source_key = ?2
            ORDER BY 1
            """)
        try s.bind([.text(schema), .text(sourceKey)] + fields.map { .text("$." + $0) })
        defer { s.reset() }
        var out: [[String?]] = []
        while try s.step() { out.append(fields.indices.map { s.optionalText($0 + 1) }) }
        return out
    }
}
