import Foundation
import SimpulIngest
import SimpulPersons
import SimpulStorage

/// `simpul-bench report`: a citizen's access report (UU PDP Pasal 32, `simpul persons report`) on a hub of N
/// registry citizens, indexed into persons, whose audit log holds R reads spread over them, plus one citizen read
/// 10,000 times. Prints the report's latency (p50/p99 over 200 random citizens, and for the much-read one), its size
/// and peak RSS. Baseline in the same run: what a steward would otherwise run for the same citizen, the golden
/// record and the audit access list (`persons show` + `audit access`), without the records' versions.
func benchReport(_ args: [String]) throws {
    let o = try BenchOptions(args, allowed: ["--citizens", "--reads", "--dir"])
    let citizens = try o.int("--citizens", 100_000), reads = try o.int("--reads", 1_000_000)
    let dir = o.string("--dir", NSTemporaryDirectory() + "simpul-bench-report-" + UUID().uuidString)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let home = try HubHome.locate()
    let file = dir + "/biodata.csv"
    _ = try SIAKGenerator.write(rows: citizens, to: file, order: "nik")
    let hub = try Hub(home: home, dbPath: dir + "/simpul.db")
    var t0 = Date()
    _ = try hub.ingestor("dukcapil-siak").ingest(paths: [file])
    let regions = try Regions(file: home.regionsFile)
    let index = PersonIndex(store: hub.store, regions: regions)
    _ = try index.update()
    print("hub       \(citizens) registry citizens ingested and indexed in \(fmt(Date().timeIntervalSince(t0), 1)) s")

    let niks = try hub.store.db.rows("SELECT source_key FROM records WHERE schema = 'citizen'").compactMap { $0[0].text }
    guard niks.count > 1 else { throw BenchUsage("no citizens were stored") }
    var rng = SystemRandomNumberGenerator()
    let hot = niks[niks.count / 2]
    t0 = Date()
    var n = 0
    while n < reads + 10_000 {
        let k = min(1_000, reads + 10_000 - n)
        _ = try hub.store.appendAudits((0..<k).map { i in
            let nik = (n + i) % (reads / 10_000 + 1) == 0 ? hot : niks[Int.random(in: 0..<niks.count, using: &rng)]
            return AuditItem(opd: "dinkes", purpose: "layanan-kesehatan", route: "/v1/citizens/{nik}", persons: [nik], result: "ok", status: 200)
        })
        n += k
    }
    _ = try hub.store.indexAuditPersons(maxEntries: Int.max)
    let hotReads = try hub.store.auditAccess(nik: hot, limit: 1_000_000).count
    print("audit     \(n) reads appended and indexed in \(fmt(Date().timeIntervalSince(t0), 1)) s; one citizen read \(hotReads) times")

    resetPeakRSS()
    var report: [Double] = [], baseline: [Double] = [], bytes = 0
    for _ in 0..<200 {
        let nik = niks[Int.random(in: 0..<niks.count, using: &rng)]
        guard let p = try index.resolve(nik) else { continue }
        var b0 = Date()
        _ = try GoldenRecord.load(store: hub.store, person: p, regions: regions)
        _ = try hub.store.auditAccess(nik: nik)
        baseline.append(Date().timeIntervalSince(b0) * 1000)
        b0 = Date()
        let r = try SubjectReport.build(store: hub.store, person: p, regions: regions)
        report.append(Date().timeIntervalSince(b0) * 1000)
        bytes += r.json.jsonText.utf8.count
    }
    let p = try index.resolve(hot)!
    var hotTimes: [Double] = [], hotBytes = 0
    for _ in 0..<5 {
        let h0 = Date()
        let r = try SubjectReport.build(store: hub.store, person: p, regions: regions)
        hotTimes.append(Date().timeIntervalSince(h0) * 1000)
        hotBytes = r.text.utf8.count
    }
    print("baseline  persons show + audit access of the same citizen: p50 \(fmt(percentile(baseline, 0.5), 2)) ms, p99 \(fmt(percentile(baseline, 0.99), 2)) ms")
    print("report    persons report, 200 random citizens: p50 \(fmt(percentile(report, 0.5), 2)) ms, p99 \(fmt(percentile(report, 0.99), 2)) ms, "
          + "\(bytes / max(1, report.count)) bytes of JSON on average; ratio to the baseline (p50) \(fmt(percentile(baseline, 0.5) / max(0.001, percentile(report, 0.5)), 2))")
    print("hot       the citizen read \(hotReads) times: \(fmt(hotTimes.min()!, 1)) ms (best of 5), \(hotBytes / 1024) KiB of text; peak RSS \(fmt(peakRSSMiB())) MiB")
}
