import Foundation
import SimpulJSON
import SimpulNormalise
import SimpulStorage

/// What the hub holds about one person and who read it: the answer to a citizen's access request under UU PDP
/// (UU 27/2022 Pasal 32: access to the personal data processed, with the record of its processing).
///
/// It holds the golden record with each field's source, every record linked to the person in all its stored
/// versions (when each arrived, from which system), and every audit entry naming the person (by NIK, or by a person
/// id of theirs: `HubStore.auditSubjects(person:)`), with the audit chain's head when it was made, so what it lists
/// can be checked against the chain later.
///
/// Pasal 33 forbids an access answer that discloses another person's data, so records are cut before they go in:
/// a list of persons on a record (a business's `penanggung_jawab`) and a field named `nik…` holding a NIK that is
/// not the person's (a parent's NIK on a registry row, another person's NIK typed on a permit) are left out, and
/// their names are listed under `withheld`. What each record says about the person is under `as_recorded`. Review
/// items are not included: until a steward decides, a doubtful mention may be someone else's.
public struct SubjectReport: Sendable {
    public var json: JSONValue
    public var text: String

    /// The audit purpose and route under which the report's own reading of the person is logged.
    public static let purpose = "akses-subjek-data"

    public static func build(store: HubStore, person: PersonRow, regions: Regions, accessLimit: Int = 100_000,
                             now: Date = Date()) throws -> SubjectReport {
        let g = try GoldenRecord.load(store: store, person: person, regions: regions, fieldsOnly: true)
        let nik = person.nik
        var records: [JSONValue] = []
        var recordLines: [String] = []
        for m in g.mentions {
            let versions = try store.recordHistory(schema: m.schema, sourceKey: m.sourceKey)
            var withheld = Set<String>()
            let shown: [JSONValue] = versions.map { v in
                let (kept, cut) = withholdOthers(v.data, subjectNIK: nik)
                withheld.formUnion(cut)
                return .object(["version": .int(Int(v.version)), "received_at": .string(HubStore.isoTime(v.at)), "data": kept])
            }
            let (asRecorded, cutFromMention) = withholdOthers(m.data, subjectNIK: nik)
            withheld.formUnion(cutFromMention)
            records.append(.object([
                "schema": .string(m.schema), "connector": .string(m.connector), "source_key": .string(m.sourceKey), "mention": .string(m.key),
                "link": .string(m.link), "as_recorded": asRecorded, "versions": .array(shown),
                "withheld": .array(withheld.sorted().map { .string($0) }),
            ]))
            recordLines.append("  \(m.schema) \(m.sourceKey) (\(m.connector); \(versions.count) versi\(versions.first.map { ", terbaru diterima \(HubStore.isoTime($0.at))" } ?? ""))")
            if case .object(let current)? = shown.first?["data"] {
                for k in current.keys.sorted() {
                    recordLines.append("      \(k): \(current[k]!.stringValue ?? current[k]!.jsonText)")
                }
            }
            if !withheld.isEmpty {
                recordLines.append("      disembunyikan (data orang lain, UU PDP Pasal 33): \(withheld.sorted().joined(separator: ", "))")
            }
        }
        // The log names a person by their NIK, or by their id while they have none (and by the ids of persons merged
        // into them since): all of them.
        let access = try store.auditAccess(subjects: store.auditSubjects(person: person), limit: accessLimit)
        let head = try store.auditHead()
        let generated = HubStore.isoTime(Int64(now.timeIntervalSince1970))
        let (golden, _) = withholdOthers(.object(g.golden), subjectNIK: nik)
        let json = JSONValue.object([
            "report": .string("subject_access"), "law": .string("UU 27/2022 Pasal 32"), "generated_at": .string(generated),
            "person_id": .string(person.id), "nik": nik.map { .string($0) } ?? .null, "status": .string(g.status),
            "data": golden, "provenance": .object(g.provenance),
            "records": .array(records),
            "access": .array(access.map(\.json)), "access_complete": .bool(access.count < accessLimit),
            "audit_head": head.json,
        ])

        var t = ["LAPORAN DATA PRIBADI (UU 27/2022 Pasal 32: akses dan rekam jejak pemrosesan)",
                 "Dibuat: \(generated)",
                 "Orang: \(person.id)  NIK \(nik ?? "-")  (\(g.status))", "",
                 "Data diri, dengan sumbernya:"]
        if case .object(let o) = golden {
            for k in o.keys.sorted() {
                let f = g.fields[k]
                t.append("  \(k.padding(toLength: 16, withPad: " ", startingAt: 0)) \(o[k]!.stringValue ?? o[k]!.jsonText)"
                         + (f.map { "   ← \($0.connector) \($0.mention) v\($0.version)" } ?? ""))
            }
        }
        t.append("")
        t.append("Catatan yang menyebut Anda (\(records.count)):")
        t += recordLines.isEmpty ? ["  (tidak ada)"] : recordLines
        t.append("")
        t.append("Siapa membaca data Anda (\(access.count)\(access.count < accessLimit ? "" : ", yang terbaru saja")):")
        if access.isEmpty { t.append("  (belum ada)") }
        for e in access {
            t.append("  \(HubStore.isoTimeMillis(e.at))  \(e.item.opd)  tujuan \(e.item.purpose ?? "-")  \(e.item.route)  \(e.item.result)"
                     + (e.item.status > 0 ? " \(e.item.status)" : ""))
        }
        t.append("")
        t.append("Kepala rantai audit saat laporan dibuat: entri \(head.id), hash \(head.hash)")
        t.append("(periksa kemudian: simpul audit verify --heads, dengan \(head.id):\(head.hash))")
        return SubjectReport(json: json, text: t.joined(separator: "\n"))
    }

    /// A record (or mention) without another person's data (UU PDP Pasal 33): lists of persons, and fields named
    /// `nik…` holding a 16-digit NIK other than `subjectNIK`. Returns what is kept and the names of what was cut.
    public static func withholdOthers(_ v: JSONValue, subjectNIK: String?) -> (kept: JSONValue, withheld: [String]) {
        guard case .object(let o) = v else { return (v, []) }
        var kept: [String: JSONValue] = [:]
        var withheld: [String] = []
        for (k, value) in o {
            if isPersonList(value) || (k.hasPrefix("nik") && isOtherNIK(value, subjectNIK)) {
                withheld.append(k)
            } else {
                kept[k] = value
            }
        }
        return (.object(kept), withheld.sorted())
    }

    /// An array holding objects that name a person (a `nik` or `nama` member).
    static func isPersonList(_ v: JSONValue) -> Bool {
        guard case .array(let items) = v else { return false }
        return items.contains { item in
            guard case .object(let o) = item else { return false }
            return o["nik"] != nil || o["nama"] != nil
        }
    }

    /// A value that reads as a NIK (separators aside, as ingest reads one) other than the subject's NIK.
    static func isOtherNIK(_ v: JSONValue, _ subjectNIK: String?) -> Bool {
        guard let s = v.stringValue, case .valid(let nik) = NIK.read(s) else { return false }
        return nik != subjectNIK
    }
}
