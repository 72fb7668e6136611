import Foundation
import SimpulJSON
import SimpulStorage

/// One person as the hub knows them: each field with the mention it came from. The registry (`dukcapil-siak`) is
/// authoritative for NIK, name, birth date and sex; every other field comes from the most recent mention that has
/// it, by its record's version time in the source (else when it was received: ``LinkedMention/at``).
public struct GoldenRecord: Sendable {
    public struct Field: Sendable {
        public var value: JSONValue
        public var connector: String
        public var mention: String
        public var version: Int64
    }

    public var person: PersonRow
    public var fields: [String: Field]
    public var mentions: [LinkedMention]
    public var review: [ReviewItem]
    public var nikCheck: NIKCheck?
    /// The connectors whose mentions are the registry.
    public var registry: Set<String>

    public static let authoritative: Set<String> = ["nik", "nama", "tanggal_lahir", "jenis_kelamin"]
    /// Mention fields that describe the mention, not the person.
    static let notPersonFields: Set<String> = ["nik_status", "nik_asli", "jabatan"]

    /// `reviewByCandidate`: the review queue grouped by candidate, when loading many persons (exports).
    /// `fieldsOnly`: without the NIK check and the review items (an answer that shows only the fields, their
    /// provenance and the linked records: the citizen lookup).
    public static func load(store: HubStore, person: PersonRow, regions: Regions, registry: Set<String> = ["dukcapil-siak"],
                            reviewByCandidate: [String: [ReviewItem]]? = nil, fieldsOnly: Bool = false) throws -> GoldenRecord {
        let mentions = try store.linkedMentions(person: person.id)
        let chosen = choose(mentions.map { m in (m.connector, m.key, m.at, m.data.objectValue.map { Array($0) } ?? []) }, registry: registry,
                            isNull: { $0 == .null })
        var fields: [String: Field] = [:]
        for c in chosen {
            fields[c.name] = Field(value: c.value, connector: mentions[c.mention].connector, mention: mentions[c.mention].key,
                                   version: mentions[c.mention].version)
        }
        if fieldsOnly {
            return GoldenRecord(person: person, fields: fields, mentions: mentions, review: [], nikCheck: nil, registry: registry)
        }
        var check: NIKCheck? = nil
        if let nik = fields["nik"]?.value.stringValue ?? person.nik {
            check = NIKCheck(nik: nik, regions: regions, tanggalLahir: fields["tanggal_lahir"]?.value.stringValue,
                             jenisKelamin: fields["jenis_kelamin"]?.value.stringValue)
        }
        let review = try reviewByCandidate.map { $0[person.id] ?? [] } ?? store.reviewItems(candidate: person.id)
        return GoldenRecord(person: person, fields: fields, mentions: mentions, review: review, nikCheck: check, registry: registry)
    }

    /// Which mention gives each field, over mentions of any value type `V`: the registry's mention for the
    /// authoritative fields, otherwise the newest mention that has the field (ties broken by mention key, for a
    /// fixed answer). Members that describe the mention and null values are never chosen. `mention` indexes the
    /// input. Lists searched in order, not sets: a person has a few mentions of a few dozen fields.
    static func choose<V>(_ mentions: [(connector: String, key: String, at: Int64, members: [(String, V)])], registry: Set<String>,
                          isNull: (V) -> Bool) -> [(name: String, value: V, mention: Int)] {
        // One mention (most people: their registry row) gives every field it has.
        if mentions.count == 1 {
            return mentions[0].members.compactMap { name, v in
                notPersonList.contains(name) || isNull(v) ? nil : (name, v, 0)
            }
        }
        var chosen: [(name: String, value: V, mention: Int, fromRegistry: Bool)] = []
        chosen.reserveCapacity(mentions.first?.members.count ?? 0)
        let newestFirst = mentions.indices.sorted { a, b in
            (mentions[a].at, mentions[b].key) > (mentions[b].at, mentions[a].key)
        }
        for k in newestFirst {
            let isRegistry = registry.contains(mentions[k].connector)
            for (name, v) in mentions[k].members where !notPersonList.contains(name) && !isNull(v) {
                let fromRegistry = isRegistry && authoritativeList.contains(name)
                if let at = chosen.firstIndex(where: { $0.name == name }) {
                    // Only the registry overrides a newer mention, and only for the fields it is authoritative for.
                    if fromRegistry && !chosen[at].fromRegistry { chosen[at] = (name, v, k, true) }
                } else {
                    chosen.append((name, v, k, fromRegistry))
                }
            }
        }
        return chosen.map { ($0.name, $0.value, $0.mention) }
    }

    static let notPersonList = Array(notPersonFields)
    static let authoritativeList = Array(authoritative)

    /// The golden record and its provenance written straight from the linked mentions' stored bytes, cut to the
    /// fields `keep` accepts: the same JSON as ``load`` then ``golden`` and ``provenance`` give, without parsing
    /// any value. Nil when some mention's bytes are not an object this can read without parsing (the caller then
    /// loads the record the general way).
    public static func spliced(_ mentions: [(key: String, connector: String, data: [UInt8], version: Int64, at: Int64)],
                               registry: Set<String> = ["dukcapil-siak"], keep: (String) -> Bool) -> (golden: [UInt8], provenance: [UInt8])? {
        if mentions.count == 1 { return splicedOne(mentions[0], keep: keep) }
        // A value is where it sits: (mention, byte range).
        var members: [(connector: String, key: String, at: Int64, members: [(String, (Int, Range<Int>))])] = []
        for (k, m) in mentions.enumerated() {
            guard let ranges = m.data.withUnsafeBufferPointer({ JSONSplice.memberRanges(of: $0) }) else { return nil }
            members.append((m.connector, m.key, m.at, ranges.map { r in (String(decoding: m.data[r.key], as: UTF8.self), (k, r.value)) }))
        }
        var chosen = choose(members, registry: registry, isNull: { v in
            mentions[v.0].data.withUnsafeBufferPointer { isNull($0, v.1) }
        })
        chosen.removeAll { !keep($0.name) }
        chosen.sort { $0.name < $1.name }
        var golden: [UInt8] = [0x7B], provenance: [UInt8] = [0x7B]
        golden.reserveCapacity(mentions.reduce(2) { $0 + $1.data.count })
        provenance.reserveCapacity(chosen.count * 96)
        // Each mention's provenance object, written once: {"connector":…,"mention":…,"version":…}.
        var sources: [(mention: Int, json: [UInt8])] = []
        for (n, c) in chosen.enumerated() {
            if n > 0 { golden.append(0x2C); provenance.append(0x2C) }
            JSONWriter.writeString(c.name, into: &golden)
            golden.append(0x3A)
            mentions[c.value.0].data.withUnsafeBufferPointer { golden.append(contentsOf: UnsafeBufferPointer(rebasing: $0[c.value.1])) }
            JSONWriter.writeString(c.name, into: &provenance)
            provenance.append(0x3A)
            if let s = sources.first(where: { $0.mention == c.mention }) {
                provenance.append(contentsOf: s.json)
                continue
            }
            let m = mentions[c.mention]
            let source = sourceJSON(connector: m.connector, mention: m.key, version: m.version)
            sources.append((c.mention, source))
            provenance.append(contentsOf: source)
        }
        golden.append(0x7D)
        provenance.append(0x7D)
        return (golden, provenance)
    }

    /// ``spliced(_:registry:keep:)`` for a person with one mention (most people: their registry row), in one pass
    /// over its members: every field it has comes from it, so there is nothing to choose, and its provenance object
    /// is the same for every field. Keys are copied as stored (``JSONSplice/memberRanges(of:)`` gives only keys
    /// without escapes); the fields are sorted by name unless they already are (canonical JSON).
    static func splicedOne(_ m: (key: String, connector: String, data: [UInt8], version: Int64, at: Int64),
                           keep: (String) -> Bool) -> (golden: [UInt8], provenance: [UInt8])? {
        m.data.withUnsafeBufferPointer { d -> (golden: [UInt8], provenance: [UInt8])? in
            guard let ranges = JSONSplice.memberRanges(of: d) else { return nil }
            var picked: [(name: String, member: JSONSplice.Member)] = []
            picked.reserveCapacity(ranges.count)
            var inOrder = true
            for r in ranges {
                if isNull(d, r.value) { continue }
                let name = String(decoding: UnsafeBufferPointer(rebasing: d[r.key]), as: UTF8.self)
                if notPersonList.contains(name) || !keep(name) { continue }
                if let last = picked.last, !(last.name < name) { inOrder = false }
                picked.append((name, r))
            }
            if !inOrder { picked.sort { $0.name < $1.name } }
            let source = sourceJSON(connector: m.connector, mention: m.key, version: m.version)
            var golden: [UInt8] = [0x7B], provenance: [UInt8] = [0x7B]
            golden.reserveCapacity(d.count + 2)
            provenance.reserveCapacity(picked.count * (source.count + 20))
            for (n, p) in picked.enumerated() {
                if n > 0 { golden.append(0x2C); provenance.append(0x2C) }
                let quotedKey = UnsafeBufferPointer(rebasing: d[(p.member.key.lowerBound - 1)..<(p.member.key.upperBound + 1)])
                golden.append(contentsOf: quotedKey)
                golden.append(0x3A)
                golden.append(contentsOf: UnsafeBufferPointer(rebasing: d[p.member.value]))
                provenance.append(contentsOf: quotedKey)
                provenance.append(0x3A)
                provenance.append(contentsOf: source)
            }
            golden.append(0x7D)
            provenance.append(0x7D)
            return (golden, provenance)
        }
    }

    /// Whether the stored value at `r` is `null`.
    static func isNull(_ d: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        r.count == 4 && d[r.lowerBound] == 0x6E && d[r.lowerBound + 1] == 0x75 && d[r.lowerBound + 2] == 0x6C && d[r.lowerBound + 3] == 0x6C
    }

    /// A field's provenance as JSON: `{"connector":…,"mention":…,"version":…}` (the keys in canonical order).
    static func sourceJSON(connector: String, mention: String, version: Int64) -> [UInt8] {
        var source: [UInt8] = Array(#"{"connector":"#.utf8)
        JSONWriter.writeString(connector, into: &source)
        source.append(contentsOf: #","mention":"#.utf8)
        JSONWriter.writeString(mention, into: &source)
        source.append(contentsOf: #","version":"#.utf8)
        source.append(contentsOf: String(version).utf8)
        source.append(0x7D)
        return source
    }

    /// registry | unverified (a NIK no registry record has) | no_nik
    public var status: String { Self.status(connectors: mentions.map(\.connector), nik: person.nik, registry: registry) }

    /// The status of a person whose linked mentions come from `connectors`.
    public static func status(connectors: [String], nik: String?, registry: Set<String> = ["dukcapil-siak"]) -> String {
        if connectors.contains(where: { registry.contains($0) }) { return "registry" }
        return nik == nil ? "no_nik" : "unverified"
    }

    /// Each field's value.
    public var golden: [String: JSONValue] { fields.mapValues(\.value) }

    /// Where each field's value came from.
    public var provenance: [String: JSONValue] {
        fields.mapValues { .object(["connector": .string($0.connector), "mention": .string($0.mention), "version": .int(Int($0.version))]) }
    }

    public var json: JSONValue {
        var out: [String: JSONValue] = [
            "person_id": .string(person.id), "nik": person.nik.map { .string($0) } ?? .null, "status": .string(status),
            "golden": .object(golden), "provenance": .object(provenance),
            "mentions": .array(mentions.map { m in
                .object(["key": .string(m.key), "link": .string(m.link), "grade": .string(m.grade), "schema": .string(m.schema),
                         "source_key": .string(m.sourceKey), "evidence": (try? JSONParser.parse(m.evidence)) ?? .null])
            }),
            "review": .array(review.map { r in
                .object(["key": .string(r.mentionKey), "kind": .string(r.kind), "evidence": (try? JSONParser.parse(r.evidence)) ?? .null])
            }),
        ]
        if let c = nikCheck {
            var o: [String: JSONValue] = ["kecamatan": c.kecamatan.map { .string($0) } ?? .null, "kecamatan_known": .bool(c.kecamatanKnown),
                                          "problems": .array(c.problems.map { .string($0) })]
            if let b = c.birthAgrees { o["birth_date_agrees"] = .bool(b) }
            if let s = c.sexAgrees { o["sex_agrees"] = .bool(s) }
            out["nik_check"] = .object(o)
        }
        return .object(out)
    }

    /// The line of `persons export --format ndjson` (ARCHITECTURE.md).
    public var exportJSON: JSONValue {
        .object([
            "person_id": .string(person.id), "nik": person.nik.map { .string($0) } ?? .null, "status": .string(status),
            "mentions": .array(mentions.map { .object(["key": .string($0.key), "link": .string($0.link), "grade": .string($0.grade)]) }),
            "review": .array(review.map { r in
                var o: [String: JSONValue] = ["key": .string(r.mentionKey), "kind": .string(r.kind)]
                if let other = r.runnerUp { o["runner_up"] = .string(other) }
                return .object(o)
            }),
        ])
    }
}
