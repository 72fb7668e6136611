import Foundation
import SimpulJSON
import SimpulStorage

/// One person as the hub knows them: each field with the mention it came from. The registry (`dukcapil-siak`) is
/// authoritative for NIK, name, birth date and sex; every other field comes from the most recent mention that has
/// it.
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
    public static let notPersonFields: Set<String> = ["nik_status", "nik_asli", "jabatan"]

    /// `reviewByCandidate`: the review queue grouped by candidate, when loading many persons (exports).
    /// `fieldsOnly`: without the NIK check and the review items (an answer that shows only the fields, their
    /// provenance and the linked records: the citizen lookup).
    public static func load(store: HubStore, person: PersonRow, regions: Regions, registry: Set<String> = ["dukcapil-siak"],
                            reviewByCandidate: [String: [ReviewItem]]? = nil, fieldsOnly: Bool = false) throws -> GoldenRecord {
        let mentions = try store.linkedMentions(person: person.id)
        var fields: [String: Field] = [:]
        var fromRegistry: Set<String> = []
        // Newest first, so the first mention offering a field wins (ties broken by key for a fixed answer).
        for m in mentions.sorted(by: { ($0.at, $1.key) > ($1.at, $0.key) }) {
            guard case .object(let o) = m.data else { continue }
            let isRegistry = registry.contains(m.connector)
            for (k, v) in o where !notPersonFields.contains(k) && v != .null {
                let f = Field(value: v, connector: m.connector, mention: m.key, version: m.version)
                if authoritative.contains(k) {
                    if isRegistry && !fromRegistry.contains(k) {
                        fields[k] = f
                        fromRegistry.insert(k)
                    } else if fields[k] == nil {
                        fields[k] = f
                    }
                } else if fields[k] == nil {
                    fields[k] = f
                }
            }
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

    /// The golden record of a person with exactly one linked mention, written straight from the mention's stored
    /// bytes (the same JSON ``load`` and ``golden``/``provenance`` give, cut to the fields `keep` accepts): with one
    /// mention every field comes from it, so nothing needs parsing. Nil when the bytes are not a plain object of
    /// non-null members (the caller then loads the record the general way).
    public static func single(data: [UInt8], connector: String, mention: String, version: Int64,
                              keep: (String) -> Bool) -> (golden: [UInt8], provenance: [UInt8])? {
        // A stored mention has no null members; if the text might, take the general path rather than check values.
        let mayHoldNull = data.withUnsafeBufferPointer { b -> Bool in
            var i = 0
            while i + 4 < b.count {
                if b[i] == 0x3A, b[i + 1] == 0x6E, b[i + 2] == 0x75, b[i + 3] == 0x6C, b[i + 4] == 0x6C { return true }  // ":null"
                i += 1
            }
            return false
        }
        if mayHoldNull { return nil }
        var kept: [String] = []
        let golden = withoutActuallyEscaping(keep) { keep in
            data.withUnsafeBufferPointer { buf in
                JSONSplice.members(of: buf) { k in
                    guard !notPersonFields.contains(k), keep(k) else { return false }
                    kept.append(k)
                    return true
                }
            }
        }
        guard let golden else { return nil }
        // {"connector":…,"mention":…,"version":…}, keys in JSONWriter's order.
        var source: [UInt8] = Array(#"{"connector":"#.utf8)
        JSONWriter.writeString(connector, into: &source)
        source.append(contentsOf: #","mention":"#.utf8)
        JSONWriter.writeString(mention, into: &source)
        source.append(contentsOf: #","version":"#.utf8)
        source.append(contentsOf: String(version).utf8)
        source.append(0x7D)
        var provenance: [UInt8] = [0x7B]
        for (n, k) in kept.enumerated() {
            if n > 0 { provenance.append(0x2C) }
            JSONWriter.writeString(k, into: &provenance)
            provenance.append(0x3A)
            provenance.append(contentsOf: source)
        }
        provenance.append(0x7D)
        return (golden, provenance)
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
            "review": .array(review.map { .object(["key": .string($0.mentionKey), "kind": .string($0.kind)]) }),
        ])
    }
}
