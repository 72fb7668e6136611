import SimpulJSON
import SimpulNormalise
import SimpulStorage

/// Pemadanan penerima: the SP2D lines of a fiscal year that pay an individual (bantuan sosial), checked against the
/// population registry through the person index. A line is a finding when, at its SP2D date, the registry's record
/// of the recipient in force said they had died (`recipient_deceased`) or moved away (`recipient_moved_out`), or
/// when the recipient is not a registry person at all (`recipient_not_in_registry`: the NIK "tidak padan", or the
/// match is waiting for a steward). The registry's record in force at a date is its latest version whose
/// `tgl_update` is not after that date: a death recorded after the payment is not held against it.
///
/// Unlike the plan ↔ budget ↔ realisation findings, these say something about persons (that a recipient died), so
/// they are personal data: the output names no one (a line's source key and the person's id only), and whoever
/// asks is audited with the persons the findings are about (`persons`).
public struct RecipientCheck: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case deceased = "recipient_deceased"
        case movedOut = "recipient_moved_out"
        case notInRegistry = "recipient_not_in_registry"
    }

    public struct Finding: Sendable, Equatable {
        public var kind: Kind
        /// The SP2D line's source key (`No_SP2D#line`).
        public var sourceKey: String
        public var tglSP2D: String
        public var skpd: String
        public var sub: String?
        public var akun: String?
        public var amount: Money
        public var personID: String?
        /// The registry's status in force at the SP2D date, and the date of the update that recorded it.
        public var registryStatus: String?
        public var registrySince: String?
        public var message: String

        public var json: JSONValue {
            .object([
                "kind": .string(kind.rawValue), "source_key": .string(sourceKey), "tgl_sp2d": .string(tglSP2D), "kode_skpd": .string(skpd),
                "kode_sub_kegiatan": sub.map { .string($0) } ?? .null, "kode_akun": akun.map { .string($0) } ?? .null,
                "amount": .string(amount.description), "person_id": personID.map { .string($0) } ?? .null,
                "registry_status": registryStatus.map { .string($0) } ?? .null, "registry_since": registrySince.map { .string($0) } ?? .null,
                "message": .string(message),
            ])
        }
    }

    public var tahun: Int
    public var skpd: String?
    /// SP2D lines of the year that pay an individual, and their sum.
    public var linesChecked = 0
    public var amountChecked = Money.zero
    public var findings: [Finding] = []
    /// The NIKs of the persons the findings are about: what the audit entry of a check names.
    public var persons: [String] = []

    public static func run(store: HubStore, tahun: Int, skpd: String? = nil) throws -> RecipientCheck {
        var out = RecipientCheck(tahun: tahun, skpd: skpd)
        var registry: [String: [(since: String, status: String)]] = [:]
        var persons = Set<String>()
        let year = Array(String(tahun).utf8), only = skpd.map { Array($0.utf8) }
        let fields = FlatFields(["tahun", "kode_skpd", "tgl_sp2d", "nilai", "kode_sub_kegiatan", "kode_akun", "nik_penerima", "nik_penerima_status"])
        var f: [FlatFields.Slice?] = []
        try store.scanMentionsWithPersons(schema: "disbursement") { sourceKey, b, person, inReview in
            guard fields.scan(b, into: &f), let ty = f[0], FlatFields.equals(ty, in: b, year), let sk = f[1], sk.isString,
                  only.map({ FlatFields.equals(sk, in: b, $0) }) ?? true,
                  let lineSKPD = FiscalData.text(sk, b), let date = FiscalData.text(f[2], b).map({ String($0.prefix(10)) }) else { return }
            let amount = FiscalData.money(f[3], b) ?? .zero
            out.linesChecked += 1
            out.amountChecked = out.amountChecked + amount
            func finding(_ kind: Kind, status: String? = nil, since: String? = nil, _ message: String) {
                out.findings.append(Finding(kind: kind, sourceKey: sourceKey, tglSP2D: date, skpd: lineSKPD, sub: FiscalData.text(f[4], b),
                                            akun: FiscalData.text(f[5], b), amount: amount, personID: person?.id, registryStatus: status,
                                            registrySince: since, message: message))
            }
            guard let nik = person?.registryNIK else {
                if let n = FiscalData.text(f[6], b), FiscalData.text(f[7], b) == "valid" { persons.insert(n) }
                finding(.notInRegistry, person == nil
                    ? (inReview ? "the recipient's match waits in the person index's review queue" : "the recipient is not matched yet (simpul persons update)")
                    : "the recipient is not in the population registry (NIK tidak padan)")
                return
            }
            if registry[nik] == nil {
                // Each version's status and the date of the update that recorded it, oldest first.
                registry[nik] = try store.fieldHistory(schema: "citizen", sourceKey: nik, fields: ["tgl_update", "status_penduduk"]).compactMap { v in
                    guard let at = v[0], let status = v[1] else { return nil }
                    return (String(at.prefix(10)), status)
                }.sorted { $0.since < $1.since }
            }
            guard let inForce = registry[nik]!.last(where: { $0.since <= date }) else { return }
            switch inForce.status {
            case "mati":
                persons.insert(nik)
                finding(.deceased, status: inForce.status, since: inForce.since,
                        "paid on \(date); the registry has recorded the recipient as deceased since its update of \(inForce.since)")
            case "pindah":
                persons.insert(nik)
                finding(.movedOut, status: inForce.status, since: inForce.since,
                        "paid on \(date); the registry has recorded the recipient as moved away since its update of \(inForce.since)")
            default: return
            }
        }
        let order = Kind.allCases
        out.findings.sort { a, b in
            (order.firstIndex(of: a.kind)!, a.skpd, a.sourceKey) < (order.firstIndex(of: b.kind)!, b.skpd, b.sourceKey)
        }
        out.persons = persons.sorted()
        return out
    }

    /// Lines and sum per kind.
    public var totals: [Kind: (lines: Int, amount: Money)] {
        var t: [Kind: (lines: Int, amount: Money)] = [:]
        for f in findings { t[f.kind, default: (0, .zero)].lines += 1; t[f.kind]!.amount = t[f.kind]!.amount + f.amount }
        return t
    }

    public var json: JSONValue {
        let t = totals
        return .object([
            "tahun": .int(tahun), "kode_skpd": skpd.map { .string($0) } ?? .null,
            "checked": .object(["lines": .int(linesChecked), "amount": .string(amountChecked.description)]),
            "totals": .object(Dictionary(uniqueKeysWithValues: Kind.allCases.map { k in
                (k.rawValue, JSONValue.object(["lines": .int(t[k]?.lines ?? 0), "amount": .string((t[k]?.amount ?? .zero).description)]))
            })),
            "findings": .array(findings.map(\.json)),
        ])
    }

    public var table: String {
        var lines = ["Pemadanan penerima \(tahun)\(skpd.map { " · SKPD \($0)" } ?? ""): \(linesChecked) baris SP2D ke perorangan, "
                     + ReconciliationReport.rupiah(amountChecked)]
        let t = totals
        for k in Kind.allCases {
            lines.append("  \(ReconciliationReport.pad(k.rawValue, 26)) \(ReconciliationReport.pad(String(t[k]?.lines ?? 0), 7, right: true)) baris  "
                         + ReconciliationReport.rupiah(t[k]?.amount ?? .zero))
        }
        if !findings.isEmpty { lines.append("") }
        for f in findings {
            lines.append("  \(ReconciliationReport.pad(f.kind.rawValue, 26)) \(ReconciliationReport.pad(ReconciliationReport.rupiah(f.amount), 20, right: true))  "
                         + "\(f.sourceKey)  \(f.personID ?? "-")")
            lines.append("      \(f.message)")
        }
        return lines.joined(separator: "\n")
    }

    /// The findings for a spreadsheet, as the reconciliation's CSV: BOM, `;`, decimal comma, Indonesian headers.
    public func csv() -> String {
        ReconciliationReport.spreadsheet([["Jenis temuan", "Baris SP2D", "Tanggal SP2D", "Kode SKPD", "Kode sub kegiatan", "Kode akun", "Jumlah (Rp)",
                                           "Orang", "Status di registri", "Sejak", "Keterangan"]]
            + findings.map { f in
                [f.kind.rawValue, f.sourceKey, f.tglSP2D, f.skpd, f.sub ?? "", f.akun ?? "", ReconciliationReport.spreadsheetAmount(f.amount),
                 f.personID ?? "", f.registryStatus ?? "", f.registrySince ?? "", f.message]
            })
    }
}
