import CSQLite
import Foundation
import SimpulCrypto
import SimpulIngest
import SimpulStorage
#if canImport(Glibc)
import Glibc
#endif

/// simpul-bench: throughput, latency and memory of Simpul's capabilities, each against a baseline measured in the
/// same run. Prints numbers; never fails on a slow machine.
let usage = """
    usage: simpul-bench ingest [--rows N] [--batch N] [--order nik|household] [--json-records N] [--rounds N] [--dir DIR]   SIAK ingest (and a SiCantik JSON document) vs raw batched SQLite inserts
           simpul-bench reconcile [--budget-lines N] [--sp2d-lines N] [--dir DIR]   a fiscal year reconciled vs a SQL GROUP BY
           simpul-bench match [--mentions N] [--seed N] [--order together|registry-last] [--families 1|0] [--region CODE] [--serials random|sequential]   the person index on a synthetic corpus: precision, recall, speed
           simpul-bench audit [--entries N] [--batch N] [--persons N]   the audit chain: appends, access by NIK, verify
           simpul-bench recipients [--citizens N] [--lines N]   pemadanan penerima (SP2D recipients vs the registry) vs a SQL join by NIK
           simpul-bench report [--citizens N] [--reads N]   a citizen's access report (UU PDP) vs persons show + audit access
           simpul-bench sync [--records N] [--page N] [--state-every N]   external connector and HTTP pull vs file ingest
           simpul-bench gzip [--rows N]   unpacking a gzip-compressed SIAK export vs gzip -dc, and its ingest vs the plain file
           simpul-bench gen siak N FILE [nik|household]             write a synthetic SIAK export
           simpul-bench gen persons N DIR [SEED] [REGION]           the match corpus as source files + truth.ndjson
           simpul-bench person-key DB TEXT                          set a hub's person key to SHA-256(TEXT), so runs compare exactly
    """

func peakRSSMiB() -> Double {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return 0 }
    return (Double(line.split(separator: " ")[1]) ?? 0) / 1024
}

/// The resident set now (VmRSS), to tell what a phase adds to what the process already holds.
func currentRSSMiB() -> Double {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return 0 }
    return (Double(line.split(separator: " ")[1]) ?? 0) / 1024
}

/// Gives the heap's freed memory back to the system (glibc's `malloc_trim`, which Swift's Glibc module does not
/// declare: looked up by name).
func returnFreedMemory() {
    typealias Trim = @convention(c) (Int) -> Int32
    guard let f = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
    _ = unsafeBitCast(f, to: Trim.self)(0)
}

/// Resets the kernel's peak-RSS counter, so each phase reports its own peak.
func resetPeakRSS() { try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8) }

func percentile(_ xs: [Double], _ p: Double) -> Double {
    guard !xs.isEmpty else { return 0 }
    let s = xs.sorted()
    return s[min(s.count - 1, Int((Double(s.count - 1) * p).rounded()))]
}

/// The `--name value` options of a bench command. An unknown option, a missing value or a non-number where a number
/// is wanted is a usage error (exit 64), never silently ignored.
struct BenchOptions {
    private var values: [String: String] = [:]

    init(_ args: [String], allowed: Set<String>) throws {
        var i = 0
        while i < args.count {
            guard allowed.contains(args[i]) else { throw BenchUsage("unknown option \(args[i])") }
            guard i + 1 < args.count else { throw BenchUsage("\(args[i]) needs a value") }
            values[args[i]] = args[i + 1]
            i += 2
        }
    }

    func int(_ name: String, _ fallback: Int) throws -> Int {
        guard let v = values[name] else { return fallback }
        guard let n = Int(v), n >= 0 else { throw BenchUsage("\(name) takes a whole number, not '\(v)'") }
        return n
    }

    func string(_ name: String, _ fallback: String) -> String { values[name] ?? fallback }
}

func fmt(_ d: Double, _ places: Int = 1) -> String { String(format: "%.\(places)f", d) }

/// The baseline: the same lines stored durably in one SQLite table, in batches, with the same pragmas and page size.
func baseline(file: String, db: String, batch: Int) throws -> (rows: Int, seconds: Double) {
    let store = try Database(path: db)
    try store.execute("PRAGMA page_size=\(HubStore.newPageSize); PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-65536;")
    try store.execute("CREATE TABLE rows(id INTEGER PRIMARY KEY, line TEXT NOT NULL)")
    let t0 = Date()
    let ins = try store.prepare("INSERT INTO rows(id, line) VALUES(?, ?)")
    let rows = try forEachDataLine(file, store: store, batch: batch) { row, line in
        try ins.bind(1, row)
        try ins.bind(2, String(decoding: line, as: UTF8.self))
        try ins.run()
    }
    return (rows, Date().timeIntervalSince(t0))
}

/// Calls `body` with each line after the header (numbered from 1) inside transactions of `batch` lines, reading
/// the file in 1 MiB pieces. Returns the number of lines.
func forEachDataLine(_ file: String, store: Database, batch: Int, _ body: (Int, ArraySlice<UInt8>) throws -> Void) throws -> Int {
    let h = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
    var rows = 0
    var pending: [UInt8] = []
    var first = true
    try store.execute("BEGIN")
    while let chunk = try h.read(upToCount: 1 << 20), !chunk.isEmpty {
        pending.append(contentsOf: chunk)
        var start = 0
        while let nl = pending[start...].firstIndex(of: 0x0A) {
            if first { first = false } else {
                rows += 1
                try body(rows, pending[start..<nl])
                if rows % batch == 0 { try store.execute("COMMIT; BEGIN") }
            }
            start = nl + 1
        }
        pending.removeFirst(start)
    }
    try store.execute("COMMIT")
    return rows
}

/// The storage floor: the least any ingest that keeps what the issue asks for must write per row, with nothing
/// parsed or normalised. A raw log entry (the line itself as payload, in a gap-free sequence) and a record version
/// keyed by (source key, content hash), whose primary key is also the permanent idempotency key (the same row twice
/// is ignored, a changed row is a new version). Only the key's SHA-256 is computed; the line stands in for the
/// normalised record. Simpul stores more than this (the payload with its column names, a current-record row, the
/// person mention, a name index), but no design can store less and still replay and version.
func storageFloor(file: String, db: String, batch: Int) throws -> (rows: Int, seconds: Double) {
    let store = try Database(path: db)
    try store.execute("PRAGMA page_size=\(HubStore.newPageSize); PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-65536;")
    try store.execute("""
        CREATE TABLE log(id INTEGER PRIMARY KEY, payload TEXT NOT NULL);
        CREATE TABLE versions(source_key TEXT NOT NULL, hash BLOB NOT NULL, log_id INTEGER NOT NULL, data TEXT NOT NULL,
                              PRIMARY KEY(source_key, hash)) WITHOUT ROWID;
        """)
    let t0 = Date()
    let version = try store.prepare("INSERT OR IGNORE INTO versions(source_key, hash, log_id, data) VALUES(?, ?, ?, ?)")
    let log = try store.prepare("INSERT INTO log(id, payload) VALUES(?, ?)")
    var logID = 0
    let rows = try forEachDataLine(file, store: store, batch: batch) { _, slice in
        let line = Array(slice)
        let text = String(decoding: line, as: UTF8.self)
        let key = String(decoding: line.prefix { $0 != 0x3B }, as: UTF8.self)
        try version.bind(1, key)
        try version.bind(2, blob: Array(SHA256.hash(line).prefix(16)))
        try version.bind(3, logID + 1)  // the id its log entry gets
        try version.bind(4, text)
        try version.run()
        if store.changes > 0 {
            logID += 1
            try log.bind(1, logID)
            try log.bind(2, text)
            try log.run()
        }
    }
    return (rows, Date().timeIntervalSince(t0))
}

func benchIngest(_ args: [String]) throws {
    let o = try BenchOptions(args, allowed: ["--rows", "--batch", "--json-records", "--dir", "--rounds", "--order"])
    let rows = try o.int("--rows", 1_000_000), batch = try o.int("--batch", Ingestor.defaultBatchSize), jsonRecords = try o.int("--json-records", 0)
    // Runs on one machine vary by more than many changes measured with them (docs/performance.md): `--rounds N`
    // measures the baseline, the floor and Simpul N times, interleaved, each on fresh files, and prints the medians.
    let rounds = max(1, try o.int("--rounds", 1))
    let dir = o.string("--dir", NSTemporaryDirectory() + "simpul-bench-" + UUID().uuidString)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = dir + "/siak.csv"
    var t0 = Date()
    // In NIK order (a database export by key, the default), or in household order (NIKs in no order within each
    // kecamatan, as an export by family card): the second inserts all over the key-ordered B-trees.
    let order = o.string("--order", "nik")
    guard order == "nik" || order == "household" else { throw BenchUsage("--order is nik or household") }
    let size = try SIAKGenerator.write(rows: rows, to: file, order: order)
    print("generated \(rows) SIAK rows (\(fmt(Double(size) / 1048576)) MiB, \(order) order) in \(fmt(Date().timeIntervalSince(t0), 2)) s")

    var measured: [(base: Double, floor: Double, simpul: Double)] = []
    var hub: Hub! = nil
    var ingestor: Ingestor! = nil
    for round in 1...rounds {
        let tag = rounds > 1 ? " (round \(round) of \(rounds))" : ""
        // Each round on fresh files; the last round's hub stays for the re-ingest below.
        let rd = rounds > 1 ? dir + "/round\(round)" : dir
        try FileManager.default.createDirectory(atPath: rd, withIntermediateDirectories: true)
        if round > 1 { try? FileManager.default.removeItem(atPath: dir + "/round\(round - 1)") }

        resetPeakRSS()
        let base = try baseline(file: file, db: rd + "/baseline.db", batch: batch)
        let baseRate = Double(base.rows) / base.seconds
        let baseRSS = peakRSSMiB()
        print("baseline  raw batched SQLite inserts\(tag): \(base.rows) rows in \(fmt(base.seconds, 2)) s = \(Int(baseRate)) rows/s, peak RSS \(fmt(baseRSS)) MiB")

        resetPeakRSS()
        let floor = try storageFloor(file: file, db: rd + "/floor.db", batch: batch)
        let floorRate = Double(floor.rows) / floor.seconds
        print("floor     the least storage the issue requires (raw log entry + versioned record keyed by source key and content hash), "
            + "nothing parsed\(tag): \(Int(floorRate)) rows/s = \(fmt(floorRate / baseRate, 2)) of the baseline, peak RSS \(fmt(peakRSSMiB())) MiB")

        resetPeakRSS()
        hub = try Hub(home: try HubHome.locate(), dbPath: rd + "/simpul.db")
        ingestor = try hub.ingestor("dukcapil-siak")
        ingestor.batchSize = batch
        var batchTimes: [Double] = []
        var last = Date()
        var lastRows = 0
        ingestor.progress = { _, n, _, _ in
            let now = Date()
            if n > lastRows { batchTimes.append(now.timeIntervalSince(last) * 1000 / Double(n - lastRows) * Double(batch)) }
            last = now
            lastRows = n
        }
        t0 = Date()
        last = t0
        let s = try ingestor.ingest(paths: [file])
        let secs = Date().timeIntervalSince(t0)
        let rate = Double(s.read) / secs
        let rss = peakRSSMiB()
        print("simpul    ingest end to end (parse, normalise, validate, raw log, records, mentions)\(tag): \(s.read) rows "
            + "(accepted \(s.accepted), dead-lettered \(s.deadLettered)) in \(fmt(secs, 2)) s = \(Int(rate)) rows/s, peak RSS \(fmt(rss)) MiB")
        print("          per \(batch)-row batch: p50 \(fmt(percentile(batchTimes, 0.5))) ms, p99 \(fmt(percentile(batchTimes, 0.99))) ms, max \(fmt(batchTimes.max() ?? 0)) ms")
        var st = stat()
        let dbSize = stat(rd + "/simpul.db", &st) == 0 ? Double(st.st_size) : 0
        var wal = stat()
        let walSize = stat(rd + "/simpul.db-wal", &wal) == 0 ? Double(wal.st_size) : 0
        print("          database \(fmt(dbSize / 1048576)) MiB (+ WAL \(fmt(walSize / 1048576)) MiB) for \(fmt(Double(size) / 1048576)) MiB of CSV")
        measured.append((baseRate, floorRate, rate))
        if round < rounds { ingestor = nil; hub = nil }
    }
    let baseRate = percentile(measured.map(\.base), 0.5), floorRate = percentile(measured.map(\.floor), 0.5)
    let rate = percentile(measured.map(\.simpul), 0.5)
    if rounds > 1 {
        print("median    of \(rounds) rounds: baseline \(Int(baseRate)) rows/s, floor \(Int(floorRate)) rows/s, simpul \(Int(rate)) rows/s "
            + "(simpul from \(Int(measured.map(\.simpul).min()!)) to \(Int(measured.map(\.simpul).max()!)))")
    }

    resetPeakRSS()
    t0 = Date()
    let again = try ingestor.ingest(paths: [file])
    let secs2 = Date().timeIntervalSince(t0)
    print("simpul    re-ingest (all unchanged: \(again.unchanged)): \(Int(Double(again.read) / secs2)) rows/s, peak RSS \(fmt(peakRSSMiB())) MiB")
    print("ratio     simpul / baseline = \(fmt(rate / baseRate, 2))   (goals: >= 150000 rows/s, ratio >= 0.7, peak RSS <= 500 MiB); "
        + "simpul / floor = \(fmt(rate / floorRate, 2)); the floor's \(fmt(floorRate / baseRate, 2)) is the most any ingest could reach"
        + (rounds > 1 ? " (medians)" : ""))
    if jsonRecords > 0 { try benchJSONDocument(records: jsonRecords, dir: dir, batch: batch, hub: hub) }
}

/// One SiCantik API page of `records` permits through the `sicantik` connector: a JSON document is streamed in two
/// passes, so its peak RSS should not grow with its size.
func benchJSONDocument(records: Int, dir: String, batch: Int, hub: Hub) throws {
    let file = dir + "/sicantik.json"
    let size = try SiCantikGenerator.write(records: records, to: file)
    resetPeakRSS()
    let base = try baseline(file: file, db: dir + "/baseline-json.db", batch: batch)
    let baseRate = Double(base.rows) / base.seconds
    resetPeakRSS()
    let ingestor = try hub.ingestor("sicantik")
    ingestor.batchSize = batch
    let t0 = Date()
    let s = try ingestor.ingest(paths: [file])
    let secs = Date().timeIntervalSince(t0)
    print("json      one SiCantik document of \(records) records (\(fmt(Double(size) / 1048576)) MiB): \(s.read) read, \(s.accepted) accepted "
        + "in \(fmt(secs, 2)) s = \(Int(Double(s.read) / secs)) rows/s, peak RSS \(fmt(peakRSSMiB())) MiB; "
        + "raw batched inserts of its lines \(Int(baseRate)) rows/s, ratio \(fmt(Double(s.read) / secs / baseRate, 2))")}

let args = Array(CommandLine.arguments.dropFirst())
do {
    switch args.first {
    case "ingest": try benchIngest(Array(args.dropFirst()))
    case "reconcile": try benchReconcile(Array(args.dropFirst()))
    case "audit": try benchAudit(Array(args.dropFirst()))
    case "match": try benchMatch(Array(args.dropFirst()))
    case "sync": try benchSync(Array(args.dropFirst()))
    case "gzip": try benchGzip(Array(args.dropFirst()))
    case "report": try benchReport(Array(args.dropFirst()))
    case "recipients": try benchRecipients(Array(args.dropFirst()))
    case "phases" where args.count == 2: try benchPhases(file: args[1])
    case "gen" where (4...5).contains(args.count) && args[1] == "siak":
        guard args.count == 4 || ["nik", "household"].contains(args[4]) else { throw BenchUsage("the order is nik or household") }
        _ = try SIAKGenerator.write(rows: Int(args[2]) ?? 0, to: args[3], order: args.count == 5 ? args[4] : "nik")
    case "person-key" where args.count == 3:
        // A hub makes its person key at random; scripts that compare two hubs, or two builds, fix it from a text.
        try HubStore(path: args[1]).setPersonKey(hex: SHA256.hash(Array(args[2].utf8)).hexString)
    case "gen" where (4...6).contains(args.count) && args[1] == "persons":
        guard let n = Int(args[2]), n > 0, let seed = UInt64(args.count >= 5 ? args[4] : "42") else {
            throw BenchUsage("gen persons N DIR [SEED] [REGION]: N and SEED are whole numbers")
        }
        try PersonFiles.write(mentions: n, to: args[3], seed: seed, region: args.count == 6 ? args[5] : "")
    default:
        print(usage)
        exit(args.isEmpty ? 0 : 64)
    }
} catch let e as BenchUsage {
    FileHandle.standardError.write(Data("simpul-bench: \(e)\n\(usage)\n".utf8))
    exit(64)
} catch {
    FileHandle.standardError.write(Data("simpul-bench: \(error)\n".utf8))
    exit(1)
}
