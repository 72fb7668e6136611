import Foundation
import SimpulCrypto
import SimpulJSON
import SimpulStorage

/// What a mention says about its person, normalised by the connectors already.
struct MentionFacts {
    var nik: String?
    var nama: String?
    var tanggalLahir: String?
    var jenisKelamin: String?
    var registry: Bool

    init(_ m: PendingMention, registry: Set<String>) {
        let d = m.data
        let n = d["nik"]?.stringValue
        nik = (n?.count == 16 && (d["nik_status"]?.stringValue ?? "valid") == "valid") ? n : nil
        nama = d["nama"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        tanggalLahir = d["tanggal_lahir"]?.stringValue
        jenisKelamin = d["jenis_kelamin"]?.stringValue
        self.registry = registry.contains(m.connector)
    }
}

/// The person index: decides, for every new or changed person mention, which person it is, incrementally as
/// records arrive from any connector (docs/persons.md).
///
/// This version decides by rules:
/// - A usable NIK links to the person known by it ("certain"). The same NIK with a clashing sex or birth date goes
///   to review as a conflict; it is never merged automatically.
/// - A NIK nobody has yet makes a new person. If it is registry data and the registry already has someone with the
///   same name and birth date under another NIK ("NIK ganda"), that pair is flagged for review as a possible
///   duplicate. If it is not registry data and a registry person has the same name and birth date and a NIK one
///   typo away (one digit changed, or two adjacent digits swapped), it links to that person ("probable").
/// - Without a usable NIK: exactly one person with the same name and birth date links ("probable"); a name alone
///   that matches someone goes to review ("possible"); otherwise a new person.
/// - Steward rules win: must-link puts a mention with its person; cannot-link keeps it away.
public final class PersonIndex {
    public struct Summary: Sendable, Equatable {
        public var decided = 0
        public var certain = 0
        public var probable = 0
        public var manual = 0
        public var review = 0
        public var newPersons = 0
        public var seconds = 0.0

        public var json: JSONValue {
            .object(["decided": .int(decided), "certain": .int(certain), "probable": .int(probable), "manual": .int(manual),
                     "review": .int(review), "new_persons": .int(newPersons), "seconds": .number(String(format: "%.3f", seconds))])
        }
    }

    public let store: HubStore
    public let regions: Regions
    /// Connectors whose mentions are the population registry (authoritative for NIK, name, birth date, sex).
    public var registryConnectors: Set<String> = ["dukcapil-siak"]
    public var batchSize = 5000
    private var key: [UInt8] = []
    /// Sex and birth date per person, from its registry mention if any (cached during a run).
    private var factsCache: [String: (sex: String?, birth: String?, registry: Bool)] = [:]

    public init(store: HubStore, regions: Regions) {
        self.store = store
        self.regions = regions
    }

    /// A stable person id: P + 16 hex digits of HMAC-SHA-256(hub key, identity). The identity is the NIK for
    /// persons founded by one, else the founding mention's key.
    public func personID(_ identity: String) throws -> String {
        if key.isEmpty { key = try store.personKey() }
        return "P" + HMACSHA256.mac(key: key, message: Array(identity.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// Decides every pending mention; commits in batches.
    @discardableResult
    public func update() throws -> Summary {
        let t0 = Date()
        var s = Summary()
        let pending = try store.pendingMentions()
        factsCache = [:]
        var i = 0
        while i < pending.count {
            let batch = pending[i..<min(i + batchSize, pending.count)]
            try store.writeTransaction {
                for m in batch { try decide(m, &s) }
            }
            i += batch.count
        }
        s.seconds = Date().timeIntervalSince(t0)
        return s
    }

    static func evidence(_ o: [String: JSONValue]) -> String { JSONValue.object(o).jsonText }

    private func blocks(_ f: MentionFacts) -> [String] {
        var b: [String] = []
        if let n = f.nama {
            b.append("n:" + n)
            if let t = f.tanggalLahir { b.append("nd:" + n + "|" + t) }
        }
        return b
    }

    private func link(_ m: PendingMention, _ f: MentionFacts, to person: String, link: String, grade: String, score: Double?,
                      _ ev: [String: JSONValue], _ s: inout Summary) throws {
        try store.linkMention(m.key, person: person, link: link, grade: grade, score: score, evidence: Self.evidence(ev), versionID: m.versionID)
        try store.addBlocks(blocks(f), person: person)
        if f.registry { factsCache[person] = nil }
        if link == "manual" { s.manual += 1 } else if grade == "certain" { s.certain += 1 } else { s.probable += 1 }
    }

    private func newPerson(_ m: PendingMention, _ f: MentionFacts, _ s: inout Summary, _ ev: [String: JSONValue]) throws -> String {
        let id = try personID(f.nik.map { "nik:" + $0 } ?? "mention:" + m.key)
        try store.insertPerson(id: id, nik: f.nik)
        s.newPersons += 1
        try link(m, f, to: id, link: "auto", grade: "certain", score: nil, ev, &s)
        return id
    }

    /// The sex and birth date a person is known by: its registry mention's, else the first mention's that has them.
    private func facts(_ person: String) throws -> (sex: String?, birth: String?, registry: Bool) {
        if let c = factsCache[person] { return c }
        var sex: String?, birth: String?, registry = false
        for l in try store.linkedMentions(person: person) {
            let isReg = registryConnectors.contains(l.connector)
            let ls = l.data["jenis_kelamin"]?.stringValue, lb = l.data["tanggal_lahir"]?.stringValue
            if isReg && !registry {
                registry = true
                sex = ls ?? sex
                birth = lb ?? birth
            } else if !registry {
                sex = sex ?? ls
                birth = birth ?? lb
            }
        }
        factsCache[person] = (sex, birth, registry)
        return (sex, birth, registry)
    }

    /// One NIK typo away: one digit substituted, or two adjacent digits swapped.
    static func oneTypoApart(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count, x != y else { return false }
        let diff = x.indices.filter { x[$0] != y[$0] }
        if diff.count == 1 { return true }
        return diff.count == 2 && diff[1] == diff[0] + 1 && x[diff[0]] == y[diff[1]] && x[diff[1]] == y[diff[0]]
    }

    private func decide(_ m: PendingMention, _ s: inout Summary) throws {
        s.decided += 1
        let f = MentionFacts(m, registry: registryConnectors)
        // Steward rules first.
        let rules = try store.rules(mention: m.key)
        if let must = rules.first(where: { $0.rule == "must" }), let p = try store.person(id: must.person) {
            let target = p.status == "merged" ? (p.mergedInto ?? p.id) : p.id
            try link(m, f, to: target, link: "manual", grade: "certain", score: nil, ["rule": .string("steward: same person")], &s)
            return
        }
        let cannot = Set(rules.filter { $0.rule == "cannot" }.map(\.person))

        if let nik = f.nik {
            if let p = try store.person(nik: nik), !cannot.contains(p.id) {
                let known = try facts(p.id)
                var clash: [String: JSONValue] = [:]
                if let a = known.sex, let b = f.jenisKelamin, a != b { clash["jenis_kelamin"] = .string("\(b) here, \(a) for the person") }
                if let a = known.birth, let b = f.tanggalLahir, a != b { clash["tanggal_lahir"] = .string("\(b) here, \(a) for the person") }
                if !clash.isEmpty {
                    try store.reviewMention(m.key, candidate: p.id, kind: "conflict", score: nil,
                                            evidence: Self.evidence(["rule": .string("same NIK, clashing fields"), "clash": .object(clash)]),
                                            versionID: m.versionID)
                    s.review += 1
                    return
                }
                try link(m, f, to: p.id, link: "auto", grade: "certain", score: nil, ["rule": .string("same NIK")], &s)
                return
            }
            // A NIK nobody has yet. Someone with the same name and birth date?
            var sameNameBirth: [String] = []
            if let n = f.nama, let t = f.tanggalLahir {
                sameNameBirth = try store.personsInBlock("nd:" + n + "|" + t).filter { !cannot.contains($0) }
            }
            if !f.registry {
                for pid in sameNameBirth {
                    guard let p = try store.person(id: pid), p.status == "active", let pn = p.nik, Self.oneTypoApart(pn, nik) else { continue }
                    try link(m, f, to: pid, link: "auto", grade: "probable", score: nil,
                             ["rule": .string("same name and birth date, NIK one typo away"), "nik": .string("differs from the person's by one digit or one swap")], &s)
                    return
                }
            }
            let id = try newPerson(m, f, &s, ["rule": .string(f.registry ? "registry NIK" : "new NIK")])
            var other: String? = nil
            if f.registry {
                for pid in sameNameBirth where pid != id {
                    if try facts(pid).registry { other = pid; break }
                }
            }
            if let other {
                // "NIK ganda": two registry NIKs, one name and birth date. Both stay; a steward decides.
                try store.reviewMention(m.key, candidate: other, kind: "duplicate_nik", score: nil,
                                        evidence: Self.evidence(["rule": .string("registry: another NIK with the same name and birth date")]),
                                        versionID: m.versionID, keepLink: true)
                s.review += 1
            }
            return
        }

        // No usable NIK.
        if let n = f.nama {
            if let t = f.tanggalLahir {
                let c = try store.personsInBlock("nd:" + n + "|" + t).filter { !cannot.contains($0) }
                if c.count == 1 {
                    try link(m, f, to: c[0], link: "auto", grade: "probable", score: nil,
                             ["rule": .string("no usable NIK; the only person with this name and birth date")], &s)
                    return
                }
                if c.count > 1 {
                    try store.reviewMention(m.key, candidate: c.sorted()[0], kind: "possible", score: nil,
                                            evidence: Self.evidence(["rule": .string("no usable NIK; \(c.count) persons with this name and birth date")]),
                                            versionID: m.versionID)
                    s.review += 1
                    return
                }
            } else {
                let c = try store.personsInBlock("n:" + n).filter { !cannot.contains($0) }
                if !c.isEmpty {
                    try store.reviewMention(m.key, candidate: c.sorted()[0], kind: "possible", score: nil,
                                            evidence: Self.evidence(["rule": .string("no usable NIK and no birth date; \(c.count) person(s) with this name")]),
                                            versionID: m.versionID)
                    s.review += 1
                    return
                }
            }
        }
        _ = try newPerson(m, f, &s, ["rule": .string("no usable NIK; no matching person")])
    }
}
