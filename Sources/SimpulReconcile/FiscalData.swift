import SimpulJSON
import SimpulNormalise
import SimpulStorage

/// A planning item (RKPD / Renja) as reconciliation needs it.
public struct PlanItem: Sendable {
    public var key: String
    public var dokumen: String
    public var tahapan: String
    public var skpd: String
    public var namaSkpd: String?
    public var sub: String
    public var namaSub: String?
    public var pagu: Money
}

/// A DPA budget line of one version (tahap).
public struct BudgetLine: Sendable {
    public var key: String
    public var tahap: String
    public var skpd: String
    public var sub: String
    public var akun: String
    public var pagu: Money
    /// The 12 monthly amounts of the cash plan (anggaran kas), when given.
    public var kas: [Money]?
    public var kodePemda: String?
}

/// One SP2D line.
public struct DisbursementLine: Sendable {
    public var key: String
    public var noSP2D: String
    public var tanggal: String
    public var noSPM: String?
    public var skpd: String
    public var sub: String
    public var akun: String
    public var nilai: Money
    public var potongan: Money?
    public var month: Int { Int(tanggal.dropFirst(5).prefix(2)) ?? 0 }
}

/// The planning, budget and finance records of one fiscal year (optionally one SKPD), read from the store.
public struct FiscalData: Sendable {
    public var tahun: Int
    public var plans: [PlanItem] = []
    public var budget: [BudgetLine] = []
    public var disbursements: [DisbursementLine] = []

    public init(tahun: Int, plans: [PlanItem] = [], budget: [BudgetLine] = [], disbursements: [DisbursementLine] = []) {
        self.tahun = tahun
        self.plans = plans
        self.budget = budget
        self.disbursements = disbursements
    }

    static func money(_ s: String?) -> Money? { s.flatMap { try? Money.parse($0, decimal: .dot) } }

    /// Reads the year's records. Amounts are the exact decimal text the normalisers stored.
    public static func load(store: HubStore, tahun: Int, skpd: String? = nil) throws -> FiscalData {
        var d = FiscalData(tahun: tahun)
        let year = (field: "tahun", value: SQLValue.int(Int64(tahun)))
        try store.scanCurrent(schema: "planning_item", fields: ["dokumen", "tahapan", "kode_skpd", "nama_skpd", "kode_sub_kegiatan",
                                                                "nama_sub_kegiatan", "pagu_indikatif"], where: year) { key, f in
            guard let s = f[2], let sub = f[4], skpd == nil || s == skpd, let pagu = money(f[6]) else { return }
            d.plans.append(PlanItem(key: key, dokumen: f[0] ?? "", tahapan: f[1] ?? "", skpd: s, namaSkpd: f[3], sub: sub,
                                    namaSub: f[5], pagu: pagu))
        }
        try store.scanCurrent(schema: "budget_line", fields: ["tahap", "kode_skpd", "kode_sub_kegiatan", "kode_akun", "pagu",
                                                              "anggaran_kas", "kode_pemda"], where: year) { key, f in
            guard let s = f[1], let sub = f[2], let akun = f[3], skpd == nil || s == skpd, let pagu = money(f[4]) else { return }
            var kas: [Money]? = nil
            if let text = f[5], case .array(let a)? = try? JSONParser.parse(text) {
                kas = a.map { money($0.stringValue) ?? .zero }
            }
            d.budget.append(BudgetLine(key: key, tahap: f[0] ?? "", skpd: s, sub: sub, akun: akun, pagu: pagu, kas: kas, kodePemda: f[6]))
        }
        try store.scanCurrent(schema: "disbursement", fields: ["no_sp2d", "tgl_sp2d", "no_spm", "kode_skpd", "kode_sub_kegiatan",
                                                               "kode_akun", "nilai", "potongan"], where: year) { key, f in
            guard let s = f[3], let sub = f[4], let akun = f[5], skpd == nil || s == skpd, let nilai = money(f[6]) else { return }
            d.disbursements.append(DisbursementLine(key: key, noSP2D: f[0] ?? "", tanggal: f[1] ?? "", noSPM: f[2], skpd: s, sub: sub,
                                                    akun: akun, nilai: nilai, potongan: money(f[7])))
        }
        return d
    }
}
