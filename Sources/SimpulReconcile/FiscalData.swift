import SimpulJSON
import SimpulNormalise
import SimpulStorage

/// Codes (SKPD, sub kegiatan, account, SP2D numbers) interned to small integers, so a million SP2D lines cost a
/// few integers each and comparisons are integer compares.
public struct CodeTable: Sendable {
    private var byHash: [UInt64: Int32] = [:]
    private var collided: [String: Int32] = [:]
    public private(set) var codes: [String] = []

    public init() {}

    public var count: Int { codes.count }
    public subscript(_ id: Int32) -> String { codes[Int(id)] }

    static func hash<C: Collection<UInt8>>(_ b: C) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for c in b { h = (h ^ UInt64(c)) &* 0x100_0000_01b3 }
        return h
    }

    public mutating func id(_ b: UnsafeBufferPointer<UInt8>) -> Int32 {
        let h = Self.hash(b)
        if let id = byHash[h] {
            if codes[Int(id)].utf8.elementsEqual(b) { return id }
            return idSlow(String(decoding: b, as: UTF8.self))
        }
        let id = Int32(codes.count)
        codes.append(String(decoding: b, as: UTF8.self))
        byHash[h] = id
        return id
    }

    public mutating func id(_ s: String) -> Int32 {
        var s = s
        return s.withUTF8 { id($0) }
    }

    /// Two codes with the same 64-bit hash: the second and later live in a plain dictionary.
    private mutating func idSlow(_ s: String) -> Int32 {
        if let id = collided[s] { return id }
        let id = Int32(codes.count)
        codes.append(s)
        collided[s] = id
        return id
    }

    /// The id of `s` if it was interned.
    public func lookup(_ s: String) -> Int32? {
        if let id = byHash[Self.hash(s.utf8)], codes[Int(id)] == s { return id }
        return collided[s]
    }
}

/// Many short strings (source keys) in one buffer.
public struct KeyList: Sendable {
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    public init() {}
    public var count: Int { ends.count }
    public mutating func append(_ b: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: b)
        ends.append(bytes.count)
    }
    public subscript(_ i: Int) -> String {
        let start = i == 0 ? 0 : ends[i - 1]
        return bytes[start..<ends[i]].withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
    }
}

/// A planning item (RKPD / Renja) as reconciliation needs it.
public struct PlanItem: Sendable {
    public var key: String
    public var dokumen: String
    public var tahapan: String
    public var skpd: Int32
    public var sub: Int32
    public var pagu: Money
}

/// A DPA budget line of one version.
public struct BudgetLine: Sendable {
    public var key: String
    /// Index in `Reconciler.tahapOrder` (murni 0, pergeseran 1, perubahan 2).
    public var tahap: Int8
    public var skpd: Int32
    public var sub: Int32
    public var akun: Int32
    public var pagu: Money
    /// The monthly amounts of the cash plan (anggaran kas), when given.
    public var kas: [Money]?
}

/// One SP2D line; its source key is `FiscalData.disbursementKeys[index]`.
public struct DisbursementLine: Sendable {
    public var skpd: Int32
    public var sub: Int32
    public var akun: Int32
    /// Interned in `FiscalData.documents`.
    public var sp2d: Int32
    /// Interned in `FiscalData.documents`; -1 without an SPM number.
    public var spm: Int32
    /// YYYYMMDD.
    public var date: Int32
    public var nilai: Money
    public var potongan: Money?
    public var month: Int { Int(date / 100 % 100) }
}

/// The planning, budget and finance records of one fiscal year (optionally one SKPD), read from the store.
public struct FiscalData: Sendable {
    public var tahun: Int
    /// SKPD, sub kegiatan and account codes.
    public var codes = CodeTable()
    /// SP2D and SPM numbers.
    public var documents = CodeTable()
    public var plans: [PlanItem] = []
    public var budget: [BudgetLine] = []
    public var disbursements: [DisbursementLine] = []
    public var disbursementKeys = KeyList()
    public var skpdNames: [Int32: String] = [:]
    public var subNames: [Int32: String] = [:]
    public var kodePemda: String?
    /// The one SKPD read, when the reconciliation was asked for one.
    public var skpd: String?

    public init(tahun: Int) { self.tahun = tahun }

    /// Exact money from the store's canonical text (`-123.45`); other spellings through the normaliser.
    static func money(_ s: FlatFields.Slice?, _ b: UnsafeBufferPointer<UInt8>) -> Money? {
        guard let s else { return nil }
        var i = s.range.lowerBound
        let end = s.range.upperBound
        var neg = false
        if i < end, b[i] == 0x2D { neg = true; i += 1 }
        var v: Int64 = 0, digits = 0, frac = -1
        while i < end {
            let c = b[i]
            if c >= 0x30 && c <= 0x39 {
                if digits >= 17 { break }
                v = v * 10 + Int64(c - 0x30)
                digits += 1
                if frac >= 0 { frac += 1 }
            } else if c == 0x2E && frac < 0 {
                frac = 0
            } else { break }
            i += 1
        }
        if i == end && digits > 0 && (frac == 2 || frac == -1) {
            let sen = frac == 2 ? v : v * 100
            return Money(sen: Int128(neg ? -sen : sen))
        }
        return FlatFields.string(s, in: b).flatMap { try? Money.parse($0, decimal: .dot) }
    }

    static func date(_ s: FlatFields.Slice?, _ b: UnsafeBufferPointer<UInt8>) -> Int32 {
        guard let s, s.range.count >= 10 else { return 0 }
        var v: Int32 = 0
        for k in s.range.prefix(10) where b[k] != 0x2D {
            guard b[k] >= 0x30 && b[k] <= 0x39 else { return 0 }
            v = v * 10 + Int32(b[k] - 0x30)
        }
        return v
    }

    static func text(_ s: FlatFields.Slice?, _ b: UnsafeBufferPointer<UInt8>) -> String? { s.flatMap { FlatFields.string($0, in: b) } }

    /// Interns a code field; escaped strings (never in valid codes, but possible) are decoded first.
    static func intern(_ s: FlatFields.Slice?, _ b: UnsafeBufferPointer<UInt8>, into t: inout CodeTable) -> Int32? {
        guard let s, s.isString else { return nil }
        if s.escaped { return FlatFields.string(s, in: b).map { t.id($0) } }
        return t.id(UnsafeBufferPointer(rebasing: b[s.range]))
    }

    /// The amounts of a JSON array of money strings or numbers.
    static func moneyArray(_ s: FlatFields.Slice?, _ b: UnsafeBufferPointer<UInt8>) -> [Money]? {
        guard let s, !s.isString, s.range.count >= 2, b[s.range.lowerBound] == 0x5B else { return nil }
        var out: [Money] = []
        var i = s.range.lowerBound + 1
        let end = s.range.upperBound - 1
        while i < end {
            while i < end, b[i] == 0x20 || b[i] == 0x2C || b[i] == 0x0A || b[i] == 0x22 { i += 1 }
            let start = i
            while i < end, b[i] != 0x22, b[i] != 0x2C, b[i] != 0x20 { i += 1 }
            if i > start {
                out.append(money(FlatFields.Slice(range: start..<i, isString: false, escaped: false), b) ?? .zero)
            }
        }
        return out
    }

    /// Reads the year's records. Amounts are the exact decimal text the normalisers stored.
    public static func load(store: HubStore, tahun: Int, skpd: String? = nil) throws -> FiscalData {
        var d = FiscalData(tahun: tahun)
        d.skpd = skpd
        let year = Array(String(tahun).utf8)
        let only = skpd.map { Array($0.utf8) }
        func wanted(_ f: [FlatFields.Slice?], tahun t: Int, skpd s: Int, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
            guard let ty = f[t], FlatFields.equals(ty, in: b, year), let sk = f[s], sk.isString else { return false }
            return only.map { FlatFields.equals(sk, in: b, $0) } ?? true
        }
        var slices: [FlatFields.Slice?] = []

        let planFields = FlatFields(["tahun", "kode_skpd", "dokumen", "tahapan", "nama_skpd", "kode_sub_kegiatan", "nama_sub_kegiatan", "pagu_indikatif"])
        try store.scanCurrentBytes(schema: "planning_item") { key, b in
            guard planFields.scan(b, into: &slices), wanted(slices, tahun: 0, skpd: 1, b),
                  let s = intern(slices[1], b, into: &d.codes), let sub = intern(slices[5], b, into: &d.codes),
                  let pagu = money(slices[7], b) else { return }
            if let n = text(slices[4], b) { d.skpdNames[s] = n }
            if d.subNames[sub] == nil, let n = text(slices[6], b) { d.subNames[sub] = n }
            d.plans.append(PlanItem(key: String(decoding: key, as: UTF8.self), dokumen: text(slices[2], b) ?? "",
                                    tahapan: text(slices[3], b) ?? "", skpd: s, sub: sub, pagu: pagu))
        }

        let budgetFields = FlatFields(["tahun", "kode_skpd", "tahap", "kode_sub_kegiatan", "kode_akun", "pagu", "anggaran_kas", "kode_pemda"])
        try store.scanCurrentBytes(schema: "budget_line") { key, b in
            guard budgetFields.scan(b, into: &slices), wanted(slices, tahun: 0, skpd: 1, b),
                  let s = intern(slices[1], b, into: &d.codes), let sub = intern(slices[3], b, into: &d.codes),
                  let akun = intern(slices[4], b, into: &d.codes), let pagu = money(slices[5], b) else { return }
            let tahap = text(slices[2], b).flatMap { Reconciler.tahapOrder.firstIndex(of: $0) }.map(Int8.init) ?? -1
            if d.kodePemda == nil { d.kodePemda = text(slices[7], b) }
            d.budget.append(BudgetLine(key: String(decoding: key, as: UTF8.self), tahap: tahap, skpd: s, sub: sub, akun: akun,
                                       pagu: pagu, kas: moneyArray(slices[6], b)))
        }

        let lineFields = FlatFields(["tahun", "kode_skpd", "no_sp2d", "tgl_sp2d", "no_spm", "kode_sub_kegiatan", "kode_akun", "nilai", "potongan"])
        try store.scanCurrentBytes(schema: "disbursement") { key, b in
            guard lineFields.scan(b, into: &slices), wanted(slices, tahun: 0, skpd: 1, b),
                  let s = intern(slices[1], b, into: &d.codes), let sub = intern(slices[5], b, into: &d.codes),
                  let akun = intern(slices[6], b, into: &d.codes), let sp2d = intern(slices[2], b, into: &d.documents),
                  let nilai = money(slices[7], b) else { return }
            d.disbursements.append(DisbursementLine(skpd: s, sub: sub, akun: akun, sp2d: sp2d,
                                                    spm: intern(slices[4], b, into: &d.documents) ?? -1, date: date(slices[3], b),
                                                    nilai: nilai, potongan: money(slices[8], b)))
            d.disbursementKeys.append(key)
        }
        return d
    }
}
