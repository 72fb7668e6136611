import SimpulJSON
import SimpulNormalise

/// One row of the roll-up: an SKPD, program, kegiatan or sub kegiatan with its plan, budget versions, realisation
/// and monthly figures; children one level down.
public struct RollupNode: Sendable {
    public var level: String
    public var kode: String
    public var nama: String?
    public var plan = Money.zero
    public var budget: [String: Money] = [:]  // per tahap
    public var budgetInForce = Money.zero
    public var realisation = Money.zero
    public var kas = [Money](repeating: .zero, count: 12)
    public var monthly = [Money](repeating: .zero, count: 12)
    public var children: [RollupNode] = []

    init(level: String, kode: String, nama: String?) {
        self.level = level
        self.kode = kode
        self.nama = nama
    }

    /// Realisation as a percentage of the budget in force, two decimals, exact; nil without a budget.
    public var absorption: String? {
        guard budgetInForce.sen > 0 else { return nil }
        let (scaled, overflow) = realisation.sen.multipliedReportingOverflow(by: 10000)
        let hundredths = overflow ? realisation.sen / max(1, budgetInForce.sen / 10000) : scaled / budgetInForce.sen
        let frac = hundredths % 100
        return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    mutating func add(_ o: RollupNode) {
        plan = plan + o.plan
        for (k, v) in o.budget { budget[k] = (budget[k] ?? .zero) + v }
        budgetInForce = budgetInForce + o.budgetInForce
        realisation = realisation + o.realisation
        for m in 0..<12 {
            kas[m] = kas[m] + o.kas[m]
            monthly[m] = monthly[m] + o.monthly[m]
        }
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "level": .string(level), "kode": .string(kode), "nama": nama.map { .string($0) } ?? .null,
            "plan": .string(plan.description),
            "budget": .object(Dictionary(uniqueKeysWithValues: budget.map { ($0.key, JSONValue.string($0.value.description)) })),
            "budget_in_force": .string(budgetInForce.description), "realisation": .string(realisation.description),
            "absorption_pct": absorption.map { .string($0) } ?? .null,
            "monthly": .array((0..<12).map { m in
                .object(["month": .int(m + 1), "anggaran_kas": .string(kas[m].description), "realisation": .string(monthly[m].description)])
            }),
        ]
        if !children.isEmpty { o["children"] = .array(children.map(\.json)) }
        return .object(o)
    }
}

enum Rollup {
    static func build(data: FiscalData, plans: [UInt64: PlanItem], inForce: [Int32: Int8]) -> [RollupNode] {
        let codes = data.codes
        // Leaves: SKPD + sub kegiatan, as indices into `leaves`.
        var leaves: [RollupNode] = []
        var leafSKPD: [Int32] = []
        var index: [UInt64: Int] = [:]
        func leaf(_ skpd: Int32, _ sub: Int32) -> Int {
            let k = Reconciler.key(skpd, sub)
            if let i = index[k] { return i }
            index[k] = leaves.count
            leaves.append(RollupNode(level: "sub_kegiatan", kode: codes[sub], nama: data.subNames[sub]))
            leafSKPD.append(skpd)
            return leaves.count - 1
        }
        for p in data.plans { _ = leaf(p.skpd, p.sub) }
        for p in plans.values { leaves[leaf(p.skpd, p.sub)].plan = p.pagu }
        for b in data.budget {
            let i = leaf(b.skpd, b.sub)
            let name = Reconciler.tahapName(b.tahap)
            leaves[i].budget[name] = (leaves[i].budget[name] ?? .zero) + b.pagu
            if inForce[b.skpd] == b.tahap {
                leaves[i].budgetInForce = leaves[i].budgetInForce + b.pagu
                if let kas = b.kas, kas.count == 12 { for m in 0..<12 { leaves[i].kas[m] = leaves[i].kas[m] + kas[m] } }
            }
        }
        var last: (UInt64, Int) = (.max, 0)
        for d in data.disbursements {
            let k = Reconciler.key(d.skpd, d.sub)
            let i = k == last.0 ? last.1 : leaf(d.skpd, d.sub)
            last = (k, i)
            leaves[i].realisation.sen += d.nilai.sen
            let m = d.month
            if m >= 1 && m <= 12 { leaves[i].monthly[m - 1].sen += d.nilai.sen }
        }
        // Group upwards: SKPD → program (U.BB.PP) → kegiatan (U.BB.PP.L.KK) → sub kegiatan.
        var tree: [Int32: [String: [String: [Int]]]] = [:]
        for (i, node) in leaves.enumerated() {
            let seg = node.kode.split(separator: ".")
            let program = seg.prefix(3).joined(separator: "."), kegiatan = seg.prefix(5).joined(separator: ".")
            tree[leafSKPD[i], default: [:]][program, default: [:]][kegiatan, default: []].append(i)
        }
        var out: [RollupNode] = []
        for skpd in tree.keys.sorted(by: { codes[$0] < codes[$1] }) {
            var s = RollupNode(level: "skpd", kode: codes[skpd], nama: data.skpdNames[skpd])
            for program in tree[skpd]!.keys.sorted() {
                var p = RollupNode(level: "program", kode: program, nama: nil)
                for kegiatan in tree[skpd]![program]!.keys.sorted() {
                    var g = RollupNode(level: "kegiatan", kode: kegiatan, nama: nil)
                    for sub in tree[skpd]![program]![kegiatan]!.map({ leaves[$0] }).sorted(by: { $0.kode < $1.kode }) {
                        g.add(sub)
                        g.children.append(sub)
                    }
                    p.add(g)
                    p.children.append(g)
                }
                s.add(p)
                s.children.append(p)
            }
            out.append(s)
        }
        return out
    }
}
