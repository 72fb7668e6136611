import SimpulJSON
import SimpulNormalise

/// The result of reconciling one year: totals, the roll-up tree and the findings. Renders as JSON
/// (ARCHITECTURE.md), a terminal table and spreadsheet CSV.
public struct ReconciliationReport: Sendable {
    public var tahun: Int
    public var kodePemda: String?
    public var kodeSkpd: String? = nil
    public var findings: [Finding]
    public var notes: [String]
    public var rollup: [RollupNode]

    public var totalPlan: Money { rollup.reduce(.zero) { $0 + $1.plan } }
    public var totalBudget: Money { rollup.reduce(.zero) { $0 + $1.budgetInForce } }
    public var totalRealisation: Money { rollup.reduce(.zero) { $0 + $1.realisation } }

    public var json: JSONValue {
        var versions: [String: Money] = [:]
        for n in rollup { for (k, v) in n.budget { versions[k] = (versions[k] ?? .zero) + v } }
        return .object([
            "tahun": .int(tahun), "kode_pemda": kodePemda.map { .string($0) } ?? .null, "kode_skpd": kodeSkpd.map { .string($0) } ?? .null,
            "totals": .object(["plan": .string(totalPlan.description), "budget": .string(totalBudget.description),
                               "realisation": .string(totalRealisation.description)]),
            "budget_versions": .object(versions.mapValues { .string($0.description) }),
            "rollup": .array(rollup.map(\.json)),
            "findings": .array(findings.map(\.json)),
            "finding_counts": .object(Dictionary(grouping: findings, by: \.kind.rawValue).mapValues { .int($0.count) }),
            "notes": .array(notes.map { .string($0) }),
        ])
    }

    /// `1.250.000.000,00`: how budget officers write amounts.
    public static func rupiah(_ m: Money) -> String {
        let neg = m.sen < 0
        let v = neg ? -m.sen : m.sen
        var whole = String(v / 100)
        var groups: [String] = []
        while whole.count > 3 {
            groups.insert(String(whole.suffix(3)), at: 0)
            whole.removeLast(3)
        }
        groups.insert(whole, at: 0)
        let frac = v % 100
        return (neg ? "-" : "") + groups.joined(separator: ".") + "," + (frac < 10 ? "0" : "") + String(frac)
    }

    static func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
        let c = s.count
        if c >= n { return right ? " " + s : s + " " }  // a figure wider than its column still stands apart
        return right ? String(repeating: " ", count: n - c) + s : s + String(repeating: " ", count: n - c)
    }

    static func cut(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }

    /// A table a person reads in a terminal: SKPD and sub kegiatan rows, totals, then findings.
    public func table(findingsOnly: Bool = false) -> String {
        var lines: [String] = []
        lines.append("Rekonsiliasi tahun \(tahun)\(kodePemda.map { " · pemda \($0)" } ?? "")\(kodeSkpd.map { " · SKPD \($0)" } ?? "")")
        if !findingsOnly {
            lines.append("")
            lines.append(Self.pad("SKPD / sub kegiatan", 58) + Self.pad("Rencana", 20, right: true) + Self.pad("Anggaran", 20, right: true)
                + Self.pad("Realisasi", 20, right: true) + Self.pad("Serapan", 9, right: true))
            lines.append(String(repeating: "─", count: 127))
            func row(_ n: RollupNode, indent: String) {
                let label = indent + n.kode + (n.nama.map { " " + $0 } ?? "")
                lines.append(Self.pad(Self.cut(label, 57), 58) + Self.pad(Self.rupiah(n.plan), 20, right: true)
                    + Self.pad(Self.rupiah(n.budgetInForce), 20, right: true) + Self.pad(Self.rupiah(n.realisation), 20, right: true)
                    + Self.pad(n.absorption.map { $0.replacingOccurrences(of: ".", with: ",") + "%" } ?? "-", 9, right: true))
            }
            for s in rollup {
                row(s, indent: "")
                for p in s.children { for g in p.children { for sub in g.children { row(sub, indent: "  ") } } }
            }
            lines.append(String(repeating: "─", count: 127))
            lines.append(Self.pad("Jumlah", 58) + Self.pad(Self.rupiah(totalPlan), 20, right: true) + Self.pad(Self.rupiah(totalBudget), 20, right: true)
                + Self.pad(Self.rupiah(totalRealisation), 20, right: true))
        }
        lines.append("")
        lines.append("Temuan (findings): \(findings.count)")
        for f in findings {
            let codes = [f.skpd, f.sub, f.akun].compactMap { $0 }.joined(separator: " ")
            lines.append("  \(Self.pad(f.kind.rawValue, 22)) \(Self.pad(Self.rupiah(f.amount), 20, right: true))  \(codes)")
            lines.append("      \(f.message)")
        }
        for n in notes { lines.append("note: \(n)") }
        return lines.joined(separator: "\n")
    }

    /// CSV for spreadsheets: UTF-8 with BOM, `;` between fields, decimal comma (opens cleanly in LibreOffice and
    /// Excel set to Indonesian), Indonesian headers. `findings: true` gives the findings instead of the roll-up.
    public func csv(findings wantFindings: Bool = false) -> String {
        let amount = Self.spreadsheetAmount
        var rows: [[String]] = []
        if wantFindings {
            rows.append(["Jenis temuan", "Kode SKPD", "Kode sub kegiatan", "Kode akun", "Jumlah (Rp)", "Keterangan", "Rekaman sumber"])
            for f in findings {
                rows.append([f.kind.rawValue, f.skpd, f.sub ?? "", f.akun ?? "", amount(f.amount), f.message, f.records.joined(separator: " ")])
            }
        } else {
            let months = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
            rows.append(["Tingkat", "Kode", "Nama", "Rencana (pagu indikatif)", "Anggaran murni", "Anggaran pergeseran", "Anggaran perubahan",
                         "Anggaran berlaku", "Realisasi", "Serapan (%)"] + months.map { "Realisasi \($0)" } + months.map { "Anggaran kas \($0)" })
            func add(_ n: RollupNode) {
                rows.append([n.level, n.kode, n.nama ?? "", amount(n.plan)] + Reconciler.tahapOrder.map { amount(n.budget[$0] ?? .zero) }
                    + [amount(n.budgetInForce), amount(n.realisation), n.absorption?.replacingOccurrences(of: ".", with: ",") ?? ""]
                    + n.monthly.map(amount) + n.kas.map(amount))
                n.children.forEach(add)
            }
            rollup.forEach(add)
        }
        return Self.spreadsheet(rows)
    }

    /// Rows as a spreadsheet reads them in Indonesia: UTF-8 with BOM, `;` between fields, CRLF.
    static func spreadsheet(_ rows: [[String]]) -> String {
        func q(_ s: String) -> String {
            s.contains(where: { $0 == ";" || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        return "\u{FEFF}" + rows.map { $0.map(q).joined(separator: ";") }.joined(separator: "\r\n") + "\r\n"
    }

    /// An amount with a decimal comma.
    static func spreadsheetAmount(_ m: Money) -> String { m.description.replacingOccurrences(of: ".", with: ",") }
}
