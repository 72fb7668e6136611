import Foundation
import SimpulReconcile
import SimpulStorage

/// `simpul-bench reconcile`: a fiscal year of N budget lines (DPA murni + a perubahan for a fifth of the SKPDs),
/// one plan item per SKPD + sub kegiatan, and M SP2D lines, written straight into a fresh store as the connectors
/// would have stored them (same record JSON), then reconciled. Baseline in the same run: one SQL GROUP BY that sums
/// realisation per SKPD + sub kegiatan + account over the same records (what a hand-written report query costs).
func benchReconcile(_ args: [String]) throws {
    let o = try BenchOptions(args, allowed: ["--budget-lines", "--sp2d-lines", "--dir"])
    let budgetLines = try o.int("--budget-lines", 100_000), sp2dLines = try o.int("--sp2d-lines", 1_000_000)
    let dir = o.string("--dir", NSTemporaryDirectory() + "simpul-bench-reconcile")
    try? FileManager.default.removeItem(atPath: dir)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let path = dir + "/simpul.db"
    print("reconcile benchmark: \(budgetLines) budget lines, \(sp2dLines) SP2D lines, database \(path)")

    var t0 = Date()
    let counts = try FiscalGenerator(budgetLines: budgetLines, sp2dLines: sp2dLines).write(path: path)
    print("generated  \(counts.plans) plan items, \(counts.budget) budget lines, \(counts.sp2d) SP2D lines in \(fmt(Date().timeIntervalSince(t0))) s")

    // Baseline: the realisation sums alone, in SQL.
    do {
        let db = try Database(path: path, readOnly: true)
        t0 = Date()
        let groups = try db.scalarInt("""
            SELECT count(*) FROM (SELECT json_extract(v.data,'$.kode_skpd') s, json_extract(v.data,'$.kode_sub_kegiatan') k,
              json_extract(v.data,'$.kode_akun') a, sum(CAST(json_extract(v.data,'$.nilai') AS REAL))
            FROM records r JOIN record_versions v ON v.id = r.version_id
            WHERE r.schema = 'disbursement' AND json_extract(v.data,'$.tahun') = 2025 GROUP BY s, k, a)
            """)
        let base = Date().timeIntervalSince(t0)
        print("baseline   SQL GROUP BY realisation per SKPD+sub+akun (\(groups) groups): \(fmt(base, 2)) s")

        resetPeakRSS()
        let store = try HubStore(path: path)
        t0 = Date()
        let data = try FiscalData.load(store: store, tahun: 2025)
        let load = Date().timeIntervalSince(t0)
        let t1 = Date()
        let report = Reconciler(data: data).run()
        let run = Date().timeIntervalSince(t1)
        let t2 = Date()
        let json = report.json.jsonText
        let csv = report.csv()
        let render = Date().timeIntervalSince(t2)
        let total = Date().timeIntervalSince(t0)
        var kinds: [String: Int] = [:]
        for f in report.findings { kinds[f.kind.rawValue, default: 0] += 1 }
        print("simpul     load \(fmt(load, 2)) s + reconcile \(fmt(run, 2)) s + render \(fmt(render, 2)) s (json \(json.utf8.count / 1024) KiB, csv \(csv.utf8.count / 1024) KiB)")
        print("           total \(fmt(total, 2)) s, \(Int(Double(counts.budget + counts.sp2d) / total)) lines/s, peak RSS \(fmt(peakRSSMiB())) MiB")
        print("           totals: plan \(report.totalPlan), budget \(report.totalBudget), realisation \(report.totalRealisation)")
        print("           findings: " + kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        print("ratio      simpul / baseline = \(fmt(total / base, 2))× the time   (goal: total <= 10 s on 2 cores)")
    }
}

struct BenchUsage: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Writes plan items, DPA lines and SP2D lines for 2025 straight into the store's record tables.
struct FiscalGenerator {
    var budgetLines: Int
    var sp2dLines: Int

    static let akun: [String] = (0..<40).map { (i: Int) -> String in String(format: "5.1.02.%02d.01.%04d", 1 + i / 10, 1 + i % 10) }

    func write(path: String) throws -> (plans: Int, budget: Int, sp2d: Int) {
        let store = try HubStore(path: path)
        let db = store.db
        let akunPerSub = 10, subsPerSKPD = 100
        // A fifth of the SKPDs also have a perubahan: murni + perubahan lines add up to about budgetLines.
        let subs = max(1, budgetLines * 5 / (akunPerSub * 6))
        let skpds = max(1, (subs + subsPerSKPD - 1) / subsPerSKPD)
        func skpd(_ s: Int) -> String { String(format: "1.%02d.0.00.0.00.%02d.0000", 1 + s % 40, 1 + s / 40) }
        func urusan(_ s: Int) -> String { String(format: "1.%02d", 1 + s % 40) }
        func sub(_ s: Int, _ k: Int) -> String {
            urusan(s) + String(format: ".%02d.2.%02d.%04d", 1 + k / 100, 1 + (k / 10) % 10, 1 + k % 10)
        }
        let ins = try db.prepare("INSERT INTO record_versions(id, schema, source_key, version_no, data, connector, raw_id, prev_id, current, at) VALUES(?,?,?,1,?,?,0,NULL,1,0)")
        let cur = try db.prepare("INSERT INTO records(schema, source_key, version_id, version_no, data_hash, src_version) VALUES(?,?,?,1,x'00',NULL)")
        var id: Int64 = 1 << 50
        func put(_ schema: String, _ key: String, _ connector: String, _ json: String) throws {
            id += 1
            try ins.bind([.int(id), .text(schema), .text(key), .text(json), .text(connector)])
            try ins.run()
            try cur.bind([.text(schema), .text(key), .int(id)])
            try cur.run()
        }
        var plans = 0, budget = 0, sp2d = 0
        try db.execute("BEGIN")
        for s in 0..<skpds {
            for k in 0..<subsPerSKPD where s * subsPerSKPD + k < subs {
                // Every 50th sub kegiatan has no plan; every 97th plan has no budget (a different code).
                let sk = sub(s, k)
                if k % 50 != 7 {
                    let key = "2025|RKPD|final|\(skpd(s))|\(sk)"
                    try put("planning_item", key, "sipd-perencanaan", """
                        {"dokumen":"RKPD","kode_skpd":"\(skpd(s))","kode_sub_kegiatan":"\(sk)","nama_skpd":"SKPD \(s)","nama_sub_kegiatan":"Sub kegiatan \(k)","pagu_indikatif":"\(1_000_000_000 + k * 1000).00","source_key":"\(key)","source_system":"SIPD Perencanaan","tahapan":"final","tahun":2025}
                        """)
                    plans += 1
                }
                for a in 0..<akunPerSub {
                    let akun = Self.akun[a]
                    let pagu = 100_000_000 + a * 1_000_000
                    let kas = (0..<12).map { m in "\"\(m == 11 ? pagu - 11 * (pagu / 12) : pagu / 12).00\"" }.joined(separator: ",")
                    for tahap in s % 5 == 0 ? ["murni", "perubahan"] : ["murni"] {
                        let p = tahap == "perubahan" ? pagu - 10_000_000 : pagu
                        let key = "2025|\(tahap)|\(skpd(s))|\(sk)|\(akun)"
                        let kasText = tahap == "murni" ? ",\"anggaran_kas\":[\(kas)]" : ""
                        try put("budget_line", key, "sipd-penganggaran", """
                            {"dokumen":"DPA"\(kasText),"kode_akun":"\(akun)","kode_pemda":"75.71","kode_skpd":"\(skpd(s))","kode_sub_kegiatan":"\(sk)","pagu":"\(p).00","source_key":"\(key)","source_system":"SIPD Penganggaran","tahap":"\(tahap)","tahun":2025,"uraian":"Belanja \(a)"}
                            """)
                        budget += 1
                    }
                }
            }
            if s % 4 == 3 { try db.execute("COMMIT; BEGIN") }
        }
        // SP2D lines spread over the budget lines; 3 lines per SP2D; a few orphan accounts and overspends.
        let perLine = max(1, sp2dLines / max(1, subs * akunPerSub))
        var n = 0
        while n < sp2dLines {
            let line = (n / perLine) % (subs * akunPerSub)
            let s = (line / akunPerSub) / subsPerSKPD % skpds, k = (line / akunPerSub) % subsPerSKPD, a = line % akunPerSub
            let akun = n % 10_007 == 0 ? "5.1.02.99.99.0001" : Self.akun[a]
            let nilaiSen = (n % 9_973 == 0 ? 60_000_000_000 : 500_000_000) + n % 100
            let no = String(format: "%07d/SP2D/LS/2025", n / 3)
            let month = 1 + (n / 3) % 12
            let key = "\(no)#\(n % 3 + 1)"
            try put("disbursement", key, "simda-keuangan", """
                {"baris":\(n % 3 + 1),"jenis_spm":"LS_BARANG_JASA","keterangan":"Belanja","kode_akun":"\(akun)","kode_skpd":"\(skpd(s))","kode_sub_kegiatan":"\(sub(s, k))","nilai":"\(nilaiSen / 100).\(String(format: "%02d", nilaiSen % 100))","no_sp2d":"\(no)","no_spm":"\(String(format: "%07d/SPM/LS/2025", n / 3))","potongan":"0.00","source_key":"\(key)","source_system":"SIMDA Keuangan","tahun":2025,"tgl_sp2d":"2025-\(String(format: "%02d", month))-15"}
                """)
            sp2d += 1
            n += 1
            if n % 50_000 == 0 { try db.execute("COMMIT; BEGIN") }
        }
        try db.execute("COMMIT")
        try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return (plans, budget, sp2d)
    }
}
