import SimpulJSON
import SimpulNormalise

/// Reconciles one fiscal year: plan (RKPD/Renja) ↔ budget (DPA versions) ↔ realisation (SP2D lines).
///
/// Choices (docs/reconciliation.md explains them to budget officers):
/// - The plan in force for an SKPD + sub kegiatan is its `final` or `perubahan` planning item, RKPD before Renja,
///   `perubahan` before `final`. Draft stages (`rancangan*`) are not a plan.
/// - Budget versions murni → pergeseran → perubahan are kept side by side; per SKPD, the latest version present is
///   in force, and its lines are the ceilings (a line missing from it has ceiling 0).
/// - Realisation is the sum of SP2D lines (`nilai`, gross of potongan).
public struct Reconciler: Sendable {
    public static let tahapOrder = ["murni", "pergeseran", "perubahan"]

    public let data: FiscalData
    /// `75.71` (kab/kota, level digit 2) or `75` (provinsi, level digit 1); from the budget lines when not given.
    public let kodePemda: String?

    public init(data: FiscalData, kodePemda: String? = nil) {
        self.data = data
        self.kodePemda = kodePemda ?? data.budget.compactMap(\.kodePemda).first
    }

    static func key(_ parts: String...) -> String { parts.joined(separator: "|") }

    /// The plan in force per SKPD|sub kegiatan.
    public func plansInForce() -> [String: PlanItem] {
        func rank(_ p: PlanItem) -> Int? {
            let t: Int
            switch p.tahapan {
            case "perubahan": t = 2
            case "final": t = 1
            default: return nil
            }
            return (p.dokumen == "RKPD" ? 10 : 0) + t
        }
        var out: [String: (PlanItem, Int)] = [:]
        for p in data.plans {
            guard let r = rank(p) else { continue }
            let k = Self.key(p.skpd, p.sub)
            if let cur = out[k], cur.1 >= r { continue }
            out[k] = (p, r)
        }
        return out.mapValues(\.0)
    }

    /// The latest budget version per SKPD.
    public func versionInForce() -> [String: String] {
        var out: [String: String] = [:]
        for b in data.budget {
            let r = Self.tahapOrder.firstIndex(of: b.tahap) ?? -1
            if let cur = out[b.skpd], (Self.tahapOrder.firstIndex(of: cur) ?? -1) >= r { continue }
            out[b.skpd] = b.tahap
        }
        return out
    }

    public func run() -> ReconciliationReport {
        let plans = plansInForce()
        let inForce = versionInForce()
        let linesInForce = data.budget.filter { inForce[$0.skpd] == $0.tahap }
        var findings: [Finding] = []
        var notes: [String] = []

        // Budget by SKPD|sub (in force) and by SKPD|sub|akun (in force, and whether any version has it).
        var budgetSub: [String: [BudgetLine]] = [:]
        var ceiling: [String: BudgetLine] = [:]
        var anyVersion: Set<String> = []
        for b in linesInForce {
            budgetSub[Self.key(b.skpd, b.sub), default: []].append(b)
            ceiling[Self.key(b.skpd, b.sub, b.akun)] = b
        }
        for b in data.budget { anyVersion.insert(Self.key(b.skpd, b.sub, b.akun)) }

        // Plan ↔ budget.
        for (k, p) in plans.sorted(by: { $0.key < $1.key }) where budgetSub[k] == nil {
            findings.append(Finding(kind: .plannedNotBudgeted, skpd: p.skpd, sub: p.sub, akun: nil, amount: p.pagu, records: [p.key],
                                    message: "planned in \(p.dokumen) \(p.tahapan) but not in the budget in force"))
        }
        if plans.isEmpty && !budgetSub.isEmpty {
            notes.append("no final RKPD/Renja for \(data.tahun): budgeted_not_planned was not checked")
        } else {
            for (k, lines) in budgetSub.sorted(by: { $0.key < $1.key }) where plans[k] == nil {
                let total = lines.reduce(Money.zero) { $0 + $1.pagu }
                findings.append(Finding(kind: .budgetedNotPlanned, skpd: lines[0].skpd, sub: lines[0].sub, akun: nil, amount: total,
                                        records: lines.map(\.key).sorted(),
                                        message: "in the DPA (\(lines[0].tahap)) but in no final RKPD/Renja"))
            }
        }

        // Budget ↔ realisation.
        var realised: [String: (Money, [String])] = [:]
        for d in data.disbursements {
            let k = Self.key(d.skpd, d.sub, d.akun)
            var cur = realised[k] ?? (.zero, [])
            cur.0 = cur.0 + d.nilai
            cur.1.append(d.key)
            realised[k] = cur
        }
        for (k, (sum, keys)) in realised.sorted(by: { $0.key < $1.key }) {
            let parts = k.split(separator: "|").map(String.init)
            if !anyVersion.contains(k) {
                findings.append(Finding(kind: .orphanDisbursement, skpd: parts[0], sub: parts[1], akun: parts[2], amount: sum,
                                        records: keys, message: "\(keys.count) SP2D line(s) with no DPA line for this SKPD, sub kegiatan and account"))
                continue
            }
            let line = ceiling[k]
            let cap = line?.pagu ?? .zero
            if sum > cap {
                findings.append(Finding(kind: .overCeiling, skpd: parts[0], sub: parts[1], akun: parts[2], amount: sum - cap,
                                        records: (line.map { [$0.key] } ?? []) + keys,
                                        message: "realisation \(sum) is above the ceiling \(cap) (DPA \(inForce[parts[0]] ?? "-"))"))
            }
        }

        // SP2D numbers used twice with different dates or SPMs.
        var bySP2D: [String: [DisbursementLine]] = [:]
        for d in data.disbursements { bySP2D[d.noSP2D, default: []].append(d) }
        for (no, lines) in bySP2D.sorted(by: { $0.key < $1.key }) {
            let variants = Set(lines.map { "\($0.tanggal)|\($0.noSPM ?? "")" })
            guard variants.count > 1 else { continue }
            findings.append(Finding(kind: .duplicateSP2DNumber, skpd: lines[0].skpd, sub: lines[0].sub, akun: nil,
                                    amount: lines.reduce(Money.zero) { $0 + $1.nilai }, records: lines.map(\.key),
                                    message: "SP2D number \(no) is used with \(variants.count) different dates or SPMs"))
        }

        // Codes and amounts.
        let checker = CodeChecker(kodePemda: kodePemda)
        for p in data.plans {
            for m in checker.problems(skpd: p.skpd, sub: p.sub, akun: nil) {
                findings.append(Finding(kind: .invalidCode, skpd: p.skpd, sub: p.sub, akun: nil, amount: p.pagu, records: [p.key], message: m))
            }
        }
        for b in data.budget {
            for m in checker.problems(skpd: b.skpd, sub: b.sub, akun: b.akun) {
                findings.append(Finding(kind: .invalidCode, skpd: b.skpd, sub: b.sub, akun: b.akun, amount: b.pagu, records: [b.key], message: m))
            }
            if let kas = b.kas {
                let sum = kas.reduce(Money.zero, +)
                if kas.count != 12 || sum != b.pagu {
                    findings.append(Finding(kind: .inconsistentAmounts, skpd: b.skpd, sub: b.sub, akun: b.akun, amount: sum - b.pagu,
                                            records: [b.key],
                                            message: "anggaran kas (\(kas.count) months) adds up to \(sum), pagu is \(b.pagu) (\(b.tahap))"))
                }
            }
        }
        for d in data.disbursements {
            for m in checker.problems(skpd: d.skpd, sub: d.sub, akun: d.akun) {
                findings.append(Finding(kind: .invalidCode, skpd: d.skpd, sub: d.sub, akun: d.akun, amount: d.nilai, records: [d.key], message: m))
            }
            if let pot = d.potongan, pot > d.nilai {
                findings.append(Finding(kind: .inconsistentAmounts, skpd: d.skpd, sub: d.sub, akun: d.akun, amount: pot - d.nilai,
                                        records: [d.key], message: "potongan \(pot) is larger than nilai \(d.nilai)"))
            }
        }

        return ReconciliationReport(tahun: data.tahun, kodePemda: kodePemda, findings: findings, notes: notes,
                                    rollup: Rollup.build(data: data, plans: plans, inForce: inForce))
    }
}

/// The code checks of Permendagri 90 that the schemas cannot express.
struct CodeChecker {
    let level: String?

    init(kodePemda: String?) {
        switch kodePemda?.split(separator: ".").count {
        case 1: level = "1"
        case 2: level = "2"
        default: level = nil
        }
    }

    func problems(skpd: String, sub: String, akun: String?) -> [String] {
        var out: [String] = []
        let s = sub.split(separator: ".").map(String.init)
        let o = skpd.split(separator: ".").map(String.init)
        guard s.count == 6, o.count == 8 else { return ["malformed code \(sub) / \(skpd)"] }
        if let level, s[3] != level {
            out.append("sub kegiatan \(sub) has level digit \(s[3]); this pemda's codes use \(level) (\(level == "1" ? "provinsi" : "kabupaten/kota"))")
        }
        let generic = s[0] == "X" && s[1] == "XX"
        let owned = [(o[0], o[1]), (o[2], o[3]), (o[4], o[5])].filter { $0 != ("0", "00") }
        if !generic && !owned.contains(where: { $0 == (s[0], s[1]) }) {
            out.append("sub kegiatan \(sub) belongs to urusan \(s[0]).\(s[1]), which SKPD \(skpd) does not hold")
        }
        if let akun, !akun.hasPrefix("5.") {
            out.append("account \(akun) is not a spending (belanja, 5.x) account")
        }
        return out
    }
}
