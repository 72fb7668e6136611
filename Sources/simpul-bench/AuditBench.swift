import Foundation
import SimpulStorage

/// `simpul-bench audit`: the audit log at scale. Appends N hash-chained entries (in group-commit sized batches),
/// then measures "who read this person's data" (`audit access`) and a full `audit verify`. Baseline: the same rows
/// inserted into a plain table without the chain or the person index, in the same batches.
func benchAudit(_ args: [String]) throws {
    let o = try BenchOptions(args, allowed: ["--entries", "--batch", "--persons", "--dir"])
    let entries = try o.int("--entries", 1_000_000), batch = max(1, try o.int("--batch", 64)), persons = max(1, try o.int("--persons", 200_000))
    let dir = o.string("--dir", NSTemporaryDirectory() + "simpul-bench-audit-" + UUID().uuidString)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    func nik(_ k: Int) -> String { "7571" + String(format: "%012d", k) }
    var rng = SystemRandomNumberGenerator()
    let opds = ["dinkes", "dinsos", "dpmptsp", "bpkad", "disdik"]
    func item(_ n: Int) -> AuditItem {
        AuditItem(opd: opds[n % opds.count], purpose: "layanan", route: "/v1/citizens/{nik}",
                  persons: [nik(Int.random(in: 0..<persons, using: &rng))], result: "ok", status: 200)
    }

    // Baseline: plain inserts, same batches, same pragmas.
    let base = try Database(path: dir + "/baseline.db")
    try base.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")
    try base.execute("CREATE TABLE audit(id INTEGER PRIMARY KEY, at INTEGER, opd TEXT, purpose TEXT, route TEXT, persons TEXT, result TEXT, status INTEGER)")
    var t0 = Date()
    let ins = try base.prepare("INSERT INTO audit(at, opd, purpose, route, persons, result, status) VALUES(?,?,?,?,?,?,?)")
    var n = 0
    while n < entries {
        try base.execute("BEGIN")
        for _ in 0..<min(batch, entries - n) {
            let it = item(n)
            try ins.bind([.int(Int64(n)), .text(it.opd), .text(it.purpose ?? ""), .text(it.route), .text("[\"\(it.persons[0])\"]"), .text(it.result), .int(200)])
            try ins.run()
            n += 1
        }
        try base.execute("COMMIT")
    }
    let baseSecs = Date().timeIntervalSince(t0)
    print("baseline  \(entries) plain inserts in batches of \(batch): \(Int(Double(entries) / baseSecs)) rows/s (\(fmt(baseSecs, 2)) s)")

    let store = try HubStore(path: dir + "/simpul.db")
    resetPeakRSS()
    t0 = Date()
    n = 0
    var batchTimes: [Double] = []
    // The by-person index is filled as a busy server fills it: every 28,000 entries (two seconds at 14,000 req/s).
    var indexedAt = 0, indexSecs = 0.0
    while n < entries {
        let k = min(batch, entries - n)
        let b0 = Date()
        _ = try store.appendAudits((0..<k).map { item(n + $0) })
        batchTimes.append(Date().timeIntervalSince(b0) * 1000)
        n += k
        if n - indexedAt >= 28_000 {
            let i0 = Date()
            _ = try store.indexAuditPersons()
            indexSecs += Date().timeIntervalSince(i0)
            indexedAt = n
        }
    }
    let secs = Date().timeIntervalSince(t0)
    print("simpul    \(entries) chained audit entries, indexed by person every 28,000: \(Int(Double(entries) / secs)) entries/s (\(fmt(secs, 2)) s, "
          + "of which indexing \(fmt(indexSecs, 2)) s), commit p50 \(fmt(percentile(batchTimes, 0.5), 2)) ms p99 \(fmt(percentile(batchTimes, 0.99), 2)) ms, "
          + "peak RSS \(fmt(peakRSSMiB())) MiB")
    print("ratio     simpul / baseline = \(fmt(baseSecs / secs, 2))")

    var lat: [Double] = []
    var found = 0
    for _ in 0..<200 {
        let a0 = Date()
        found += try store.auditAccess(nik: nik(Int.random(in: 0..<persons, using: &rng))).count
        lat.append(Date().timeIntervalSince(a0) * 1000)
    }
    print("access    audit access --nik over \(entries) entries, the last \(entries - indexedAt) not yet indexed (\(persons) persons, ~\(found / 200) entries each): "
          + "p50 \(fmt(percentile(lat, 0.5), 3)) ms, p99 \(fmt(percentile(lat, 0.99), 3)) ms, max \(fmt(lat.max() ?? 0, 3)) ms   (goal: < 1 s)")
    t0 = Date()
    let v = try store.verifyAudit()
    print("verify    audit verify: \(v.entries) entries in \(fmt(Date().timeIntervalSince(t0), 2)) s, \(v.broken == nil ? "chain intact" : "BROKEN")")
}
