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
    static func build(data: FiscalData, plans: [String: PlanItem], inForce: [String: String]) -> [RollupNode] {
        // Leaves: SKPD|sub kegiatan.
        var leaves: [String: RollupNode] = [:]
        var skpdNames: [String: String] = [:]
        func leaf(_ skpd: String, _ sub: String) -> String {
            let k = skpd + "|" + sub
            if leaves[k] == nil { leaves[k] = RollupNode(level: "sub_kegiatan", kode: sub, nama: nil) }
            return k
        }
        for p in data.plans {
            if let n = p.namaSkpd { skpdNames[p.skpd] = n }
            let k = leaf(p.skpd, p.sub)
            if leaves[k]!.nama == nil { leaves[k]!.nama = p.namaSub }
        }
        for (k, p) in plans { leaves[leaf(p.skpd, p.sub)]!.plan = p.pagu; _ = k }
        for b in data.budget {
            let k = leaf(b.skpd, b.sub)
            leaves[k]!.budget[b.tahap] = (leaves[k]!.budget[b.tahap] ?? .zero) + b.pagu
            if inForce[b.skpd] == b.tahap {
                leaves[k]!.budgetInForce = leaves[k]!.budgetInForce + b.pagu
                if let kas = b.kas, kas.count == 12 { for m in 0..<12 { leaves[k]!.kas[m] = leaves[k]!.kas[m] + kas[m] } }
            }
        }
        for d in data.disbursements {
            let k = leaf(d.skpd, d.sub)
            leaves[k]!.realisation = leaves[k]!.realisation + d.nilai
            if (1...12).contains(d.month) { leaves[k]!.monthly[d.month - 1] = leaves[k]!.monthly[d.month - 1] + d.nilai }
        }
        // Group upwards: SKPD → program (U.BB.PP) → kegiatan (U.BB.PP.L.KK) → sub kegiatan.
        var tree: [String: [String: [String: [RollupNode]]]] = [:]
        for (k, node) in leaves {
            let skpd = String(k.split(separator: "|")[0])
            let seg = node.kode.split(separator: ".")
            let program = seg.prefix(3).joined(separator: "."), kegiatan = seg.prefix(5).joined(separator: ".")
            tree[skpd, default: [:]][program, default: [:]][kegiatan, default: []].append(node)
        }
        var out: [RollupNode] = []
        for skpd in tree.keys.sorted() {
            var s = RollupNode(level: "skpd", kode: skpd, nama: skpdNames[skpd])
            for program in tree[skpd]!.keys.sorted() {
                var p = RollupNode(level: "program", kode: program, nama: nil)
                for kegiatan in tree[skpd]![program]!.keys.sorted() {
                    var g = RollupNode(level: "kegiatan", kode: kegiatan, nama: nil)
                    for sub in tree[skpd]![program]![kegiatan]!.sorted(by: { $0.kode < $1.kode }) {
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
