import Foundation
import SimpulIngest
import SimpulPersons
import SimpulReconcile
import SimpulStorage

/// `simpul-bench recipients`: pemadanan penerima (`simpul reconcile --recipients`) on a hub of N registry citizens,
/// a later snapshot recording 1 % of them as deceased (updated 2024-12-01), and M bansos SP2D lines paying random citizens (1 % of the
/// lines to a NIK the registry does not have), all ingested through the connectors and indexed into persons.
/// Baseline in the same run: one SQL query joining each line's NIK to the citizen record's current status (what a
/// hand-written check by exact NIK finds, without the person index's matching or the status in force at the date).
func benchRecipients(_ args: [String]) throws {
    let o = try BenchOptions(args, allowed: ["--citizens", "--lines", "--dir"])
    let citizens = try o.int("--citizens", 100_000), lines = try o.int("--lines", 200_000)
    let dir = o.string("--dir", NSTemporaryDirectory() + "simpul-bench-recipients-" + UUID().uuidString)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let home = try HubHome.locate()
    let first = dir + "/biodata_2024-11.csv", second = dir + "/biodata_2024-12.csv", sp2d = dir + "/sp2d_2024.csv"
    _ = try SIAKGenerator.write(rows: citizens, to: first, order: "nik")
    // The next month's snapshot: every 100th citizen has died.
    let rows = try String(contentsOfFile: first, encoding: .utf8).split(separator: "\n").map(String.init)
    var next = [rows[0]]
    var people: [(nik: String, nama: String)] = []
    for (i, r) in rows.dropFirst().enumerated() {
        let f = r.split(separator: ";", omittingEmptySubsequences: false)
        people.append((String(f[0]), String(f[2])))
        next.append(i % 100 == 0 ? r.replacingOccurrences(of: ";HIDUP;2024-11-02 08:14:55", with: ";MATI;2024-12-01 10:00:00") : r)
    }
    try (next.joined(separator: "\n") + "\n").write(toFile: second, atomically: false, encoding: .utf8)
    var csv = "Tahun,No_SP2D,Tgl_SP2D,No_SPM,Tgl_SPM,Jn_SPM,Kd_Urusan,Kd_Bidang,Kd_Unit,Kd_Sub,Kd_Prog,Kd_Keg,Kd_Rek_1,Kd_Rek_2,Kd_Rek_3,Kd_Rek_4,Kd_Rek_5,Nilai,Potongan,Nm_Penerima,NIK_Penerima,NPWP,Bank_Penerima,Rek_Penerima,Keterangan\n"
    var rng = SystemRandomNumberGenerator()
    for n in 0..<lines {
        var p = people[Int.random(in: 0..<people.count, using: &rng)]
        if n % 100 == 50 { p.nik = "7571019999" + String(format: "%06d", n % 1_000_000) }  // no one's NIK
        let no = String(format: "%06d/SP2D/LS/2024", n)
        csv += "2024,\(no),2024-12-16 00:00:00.000,\(no.replacingOccurrences(of: "SP2D", with: "SPM")),2024-12-16 00:00:00.000,5,1,2,1,1,15,2,5,1,4,1,1,"
            + "1500000.00,0.00,\(p.nama),\(p.nik),,BANK SULUTGO,1234500001,Bantuan sosial\n"
    }
    try csv.write(toFile: sp2d, atomically: false, encoding: .utf8)

    let hub = try Hub(home: home, dbPath: dir + "/simpul.db")
    var t0 = Date()
    _ = try hub.ingestor("dukcapil-siak").ingest(paths: [first, second])
    _ = try hub.ingestor("simda-keuangan").ingest(paths: [sp2d])
    let regions = try Regions(file: home.regionsFile)
    _ = try PersonIndex(store: hub.store, regions: regions).update()
    print("hub       \(citizens) citizens (\(citizens / 100) deceased in the second snapshot), \(lines) bansos SP2D lines: ingested and indexed in "
          + "\(fmt(Date().timeIntervalSince(t0), 1)) s")

    t0 = Date()
    let base = try hub.store.db.rows("""
        SELECT json_extract(c.data, '$.status_penduduk'), count(*) FROM records r JOIN record_versions v ON v.id = r.version_id
        LEFT JOIN records rc ON rc.schema = 'citizen' AND rc.source_key = json_extract(v.data, '$.nik_penerima')
        LEFT JOIN record_versions c ON c.id = rc.version_id
        WHERE r.schema = 'disbursement' AND json_extract(v.data, '$.tahun') = 2024 GROUP BY 1
        """)
    let baseSecs = Date().timeIntervalSince(t0)
    print("baseline  SQL join of each line's NIK to the citizen's current status: \(fmt(baseSecs, 2)) s ("
          + base.map { "\($0[0].text ?? "no citizen") \($0[1].int ?? 0)" }.joined(separator: ", ") + ")")
    resetPeakRSS()
    let before = currentRSSMiB()
    t0 = Date()
    let check = try RecipientCheck.run(store: hub.store, tahun: 2024)
    let secs = Date().timeIntervalSince(t0)
    let t = check.totals
    print("simpul    \(check.linesChecked) lines checked in \(fmt(secs, 2)) s = \(Int(Double(check.linesChecked) / secs)) lines/s, peak RSS \(fmt(peakRSSMiB())) MiB (\(fmt(before)) MiB before it); "
          + RecipientCheck.Kind.allCases.map { "\($0.rawValue) \(t[$0]?.lines ?? 0)" }.joined(separator: ", "))
    print("ratio     simpul / baseline = \(fmt(secs / baseSecs, 2))× the time")
}
