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
        self.kodePemda = kodePemda ?? data.kodePemda
    }

    /// SKPD + sub kegiatan (+ account) as one integer; code ids stay below 2^21 (two million distinct codes).
    @inline(__always) static func key(_ skpd: Int32, _ sub: Int32, _ akun: Int32 = 0x1F_FFFF) -> UInt64 {
        UInt64(skpd) << 42 | UInt64(sub) << 21 | UInt64(akun)
    }
    @inline(__always) static func subKey(_ k: UInt64) -> UInt64 { k | 0x1F_FFFF }

    /// The plan in force per SKPD + sub kegiatan: final or perubahan, RKPD before Renja, perubahan before final.
    func plansInForce() -> [UInt64: PlanItem] {
        func rank(_ p: PlanItem) -> Int? {
            let t: Int
            switch p.tahapan {
            case "perubahan": t = 2
            case "final": t = 1
            default: return nil
            }
            return (p.dokumen == "RKPD" ? 10 : 0) + t
        }
        var out: [UInt64: (PlanItem, Int)] = [:]
        for p in data.plans {
            guard let r = rank(p) else { continue }
            let k = Self.key(p.skpd, p.sub)
            if let cur = out[k], cur.1 >= r { continue }
            out[k] = (p, r)
        }
        return out.mapValues(\.0)
    }

    /// The latest budget version (index in tahapOrder) per SKPD.
    func versionInForce() -> [Int32: Int8] {
        var out: [Int32: Int8] = [:]
        for b in data.budget where out[b.skpd].map({ $0 < b.tahap }) ?? true { out[b.skpd] = b.tahap }
        return out
    }

    static func tahapName(_ t: Int8) -> String { t >= 0 && Int(t) < tahapOrder.count ? tahapOrder[Int(t)] : "-" }

    public func run() -> ReconciliationReport {
        let codes = data.codes
        let plans = plansInForce()
        let inForce = versionInForce()
        var findings: [Finding] = []
        var notes: [String] = []
        func finding(_ kind: Finding.Kind, _ skpd: Int32, _ sub: Int32?, _ akun: Int32?, _ amount: Money, _ records: [String], _ message: String) {
            findings.append(Finding(kind: kind, skpd: codes[skpd], sub: sub.map { codes[$0] }, akun: akun.map { codes[$0] }, amount: amount,
                                    records: records, message: message))
        }

        // Budget in force by SKPD + sub (line indices) and by SKPD + sub + account; every version's lines.
        var budgetSub: [UInt64: [Int]] = [:]
        var ceiling: [UInt64: Int] = [:]
        var anyVersion: Set<UInt64> = []
        for (i, b) in data.budget.enumerated() {
            anyVersion.insert(Self.key(b.skpd, b.sub, b.akun))
            guard inForce[b.skpd] == b.tahap else { continue }
            budgetSub[Self.key(b.skpd, b.sub), default: []].append(i)
            ceiling[Self.key(b.skpd, b.sub, b.akun)] = i
        }
        func sortKey(_ k: UInt64) -> (String, String) {
            (codes[Int32(k >> 42)], codes[Int32((k >> 21) & 0x1F_FFFF)])
        }

        // Plan ↔ budget.
        for (k, p) in plans.sorted(by: { sortKey($0.key) < sortKey($1.key) }) where budgetSub[k] == nil {
            finding(.plannedNotBudgeted, p.skpd, p.sub, nil, p.pagu, [p.key], "planned in \(p.dokumen) \(p.tahapan) but not in the budget in force")
        }
        // Nothing for the year at all (a year typed wrong, or an SKPD with no records): said, so that "0 findings" is
        // not read as "reconciled".
        if data.plans.isEmpty && data.budget.isEmpty && data.disbursements.isEmpty {
            notes.append("no planning, budget or SP2D records for \(data.tahun)\(data.skpd.map { " of SKPD \($0)" } ?? "") in this hub: nothing was reconciled")
        }
        if plans.isEmpty && !budgetSub.isEmpty {
            notes.append("no final RKPD/Renja for \(data.tahun): budgeted_not_planned was not checked")
        } else {
            for (k, lines) in budgetSub.sorted(by: { sortKey($0.key) < sortKey($1.key) }) where plans[k] == nil {
                let first = data.budget[lines[0]]
                let total = lines.reduce(Money.zero) { $0 + data.budget[$1].pagu }
                finding(.budgetedNotPlanned, first.skpd, first.sub, nil, total, lines.map { data.budget[$0].key }.sorted(),
                        "in the DPA (\(Self.tahapName(first.tahap))) but in no final RKPD/Renja")
            }
        }

        // Budget ↔ realisation: sums per SKPD + sub + account, then the lines of the flagged ones.
        var realised: [UInt64: Int128] = [:]
        for d in data.disbursements { realised[Self.key(d.skpd, d.sub, d.akun), default: 0] += d.nilai.sen }
        var flagged: [UInt64: Finding.Kind] = [:]
        for (k, sum) in realised {
            if !anyVersion.contains(k) { flagged[k] = .orphanDisbursement } else if sum > (ceiling[k].map { data.budget[$0].pagu.sen } ?? 0) {
                flagged[k] = .overCeiling
            }
        }
        var flaggedLines: [UInt64: [Int]] = [:]
        if !flagged.isEmpty {
            for (i, d) in data.disbursements.enumerated() where flagged[Self.key(d.skpd, d.sub, d.akun)] != nil {
                flaggedLines[Self.key(d.skpd, d.sub, d.akun), default: []].append(i)
            }
        }
        func sortKey3(_ k: UInt64) -> (String, String, String) {
            let (a, b) = sortKey(k)
            return (a, b, codes[Int32(k & 0x1F_FFFF)])
        }
        for (k, kind) in flagged.sorted(by: { sortKey3($0.key) < sortKey3($1.key) }) {
            let lines = flaggedLines[k] ?? []
            let d0 = data.disbursements[lines[0]]
            let sum = Money(sen: realised[k] ?? 0)
            let keys = lines.map { data.disbursementKeys[$0] }
            if kind == .orphanDisbursement {
                finding(.orphanDisbursement, d0.skpd, d0.sub, d0.akun, sum, keys,
                        "\(keys.count) SP2D line(s) with no DPA line for this SKPD, sub kegiatan and account")
            } else {
                let line = ceiling[k].map { data.budget[$0] }
                let cap = line?.pagu ?? .zero
                finding(.overCeiling, d0.skpd, d0.sub, d0.akun, sum - cap, (line.map { [$0.key] } ?? []) + keys,
                        "realisation \(sum) is above the ceiling \(cap) (DPA \(Self.tahapName(inForce[d0.skpd] ?? -1)))")
            }
        }

        // SP2D numbers used with different dates or SPMs.
        let nDocs = data.documents.count
        var firstDate = [Int32](repeating: -1, count: nDocs), firstSPM = [Int32](repeating: -2, count: nDocs)
        var conflicted = Set<Int32>()
        for d in data.disbursements {
            let n = Int(d.sp2d)
            if firstDate[n] == -1 {
                firstDate[n] = d.date
                firstSPM[n] = d.spm
            } else if firstDate[n] != d.date || firstSPM[n] != d.spm {
                conflicted.insert(d.sp2d)
            }
        }
        if !conflicted.isEmpty {
            var lines: [Int32: [Int]] = [:]
            for (i, d) in data.disbursements.enumerated() where conflicted.contains(d.sp2d) { lines[d.sp2d, default: []].append(i) }
            for (no, idx) in lines.sorted(by: { data.documents[$0.key] < data.documents[$1.key] }) {
                let ls = idx.map { data.disbursements[$0] }
                let variants = Set(ls.map { UInt64(UInt32(bitPattern: $0.date)) << 32 | UInt64(UInt32(bitPattern: $0.spm)) }).count
                finding(.duplicateSP2DNumber, ls[0].skpd, ls[0].sub, nil, ls.reduce(Money.zero) { $0 + $1.nilai },
                        idx.map { data.disbursementKeys[$0] },
                        "SP2D number \(data.documents[no]) is used with \(variants) different dates or SPMs")
            }
        }

        // Codes (checked once per distinct combination) and amounts. One finding per record, naming every rule its
        // codes break (a finding per rule counted the record's amount twice in the findings' totals, where
        // docs/reconciliation.md promises one per record; found by scripts/heldout_reconcile.py).
        let checker = CodeChecker(kodePemda: kodePemda)
        var problems: [UInt64: String] = [:]  // per combination: what its codes break, "" for nothing
        func check(_ skpd: Int32, _ sub: Int32, _ akun: Int32?) -> String? {
            let k = Self.key(skpd, sub, akun ?? 0x1F_FFFF)
            let p: String
            if let known = problems[k] {
                p = known
            } else {
                p = checker.problems(skpd: codes[skpd], sub: codes[sub], akun: akun.map { codes[$0] }).joined(separator: "; ")
                problems[k] = p
            }
            return p.isEmpty ? nil : p
        }
        for p in data.plans {
            if let m = check(p.skpd, p.sub, nil) { finding(.invalidCode, p.skpd, p.sub, nil, p.pagu, [p.key], m) }
        }
        for b in data.budget {
            if let m = check(b.skpd, b.sub, b.akun) { finding(.invalidCode, b.skpd, b.sub, b.akun, b.pagu, [b.key], m) }
            if let kas = b.kas {
                let sum = kas.reduce(Money.zero, +)
                if kas.count != 12 || sum != b.pagu {
                    finding(.inconsistentAmounts, b.skpd, b.sub, b.akun, sum - b.pagu, [b.key],
                            "anggaran kas (\(kas.count) months) adds up to \(sum), pagu is \(b.pagu) (\(Self.tahapName(b.tahap)))")
                }
            }
        }
        for (i, d) in data.disbursements.enumerated() {
            if let m = check(d.skpd, d.sub, d.akun) { finding(.invalidCode, d.skpd, d.sub, d.akun, d.nilai, [data.disbursementKeys[i]], m) }
            if let pot = d.potongan, pot > d.nilai {
                finding(.inconsistentAmounts, d.skpd, d.sub, d.akun, pot - d.nilai, [data.disbursementKeys[i]],
                        "potongan \(pot) is larger than nilai \(d.nilai)")
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
