import Foundation
import SimpulConnectors
import SimpulHTTP
import SimpulIngest
import SimpulJSON
import SimpulSync
import SimpulTestSupport

/// `simpul-bench sync`: the two kinds of sync connector against their baselines, in the same run.
/// - external: the Python simbg-pbg connector on N generated PBG versions vs ingesting the same records from an
///   NDJSON file with the same mapping (what the protocol, the pipe and the program cost);
/// - http: pulling N SiCantik applications page by page from a local fake API vs ingesting the same pages
///   already in memory (what HTTP costs).
func benchSync(_ args: [String]) throws {
    let o = try BenchOptions(args, allowed: ["--records", "--page", "--state-every", "--dir"])
    let n = try o.int("--records", 100_000), page = max(1, try o.int("--page", 1000)), every = max(1, try o.int("--state-every", 1000))
    let dir = o.string("--dir", NSTemporaryDirectory() + "simpul-bench-sync-" + UUID().uuidString)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let home = try HubHome.locate()

    // External: generate the export the Python program reads, and the same records as NDJSON for the baseline.
    let columns = ["id_pbg", "no_registrasi", "nama_pemilik", "nik_pemilik", "alamat_bangunan", "kode_wilayah", "fungsi_bangunan",
                   "luas_bangunan_m2", "jumlah_lantai", "nilai_retribusi", "status", "tgl_permohonan", "tgl_terbit", "no_pbg", "updated_at"]
    var csv = columns.joined(separator: ",") + "\n"
    var ndjson = ""
    let names = ["SITI AMINAH", "Muh. Rizal Hasan", "Hj. Nurhayati Djafar, S.E.", "Rahma Badu", "Yusuf Mokodompit"]
    for i in 0..<n {
        let m = 1 + i % 12, d = 1 + i % 28
        let row = [String(format: "PBG-%07d", i), String(format: "REG-%07d", i), names[i % names.count] + " \(i % 997)",
                   String(format: "757101%02d%02d%02d%04d", d, m, 60 + i % 40, 1 + i % 9000), "Jl. Panjaitan No. \(i % 200)",
                   "75.71.01.1001", "Hunian", "120,50", "2", "Rp 1.250.000", i % 3 == 0 ? "PBG Terbit" : "Penilaian Teknis",
                   String(format: "2024-%02d-%02d", m, d), i % 3 == 0 ? String(format: "%02d/%02d/2024", d, m) : "", i % 3 == 0 ? "SK-\(i)" : "",
                   String(format: "2024-%02d-%02d %02d:%02d:%02d", m, d, i / 3600 % 24, i / 60 % 60, i % 60)]
        csv += row.map { $0.contains(",") ? "\"\($0)\"" : $0 }.joined(separator: ",") + "\n"
        ndjson += JSONValue.object(Dictionary(uniqueKeysWithValues: zip(columns, row.map { JSONValue.string($0) }))).jsonText + "\n"
    }
    try csv.write(toFile: dir + "/pbg.csv", atomically: true, encoding: .utf8)
    try ndjson.write(toFile: dir + "/pbg.ndjson", atomically: true, encoding: .utf8)
    let reference = home.connectorsDir + "/simbg-pbg"
    guard case .object(var def) = try JSONParser.parse(try String(contentsOfFile: reference + "/connector.json", encoding: .utf8)) else { return }
    guard case .object(var src)? = def["source"] else { return }
    src["config"] = .object(["export_path": .string(dir + "/pbg.csv"), "state_every": .int(every)])
    src["command"] = .array([.string("python3"), .string(reference + "/simbg_pbg.py")])
    def["source"] = .object(src)
    let external = try Connector(directory: reference, json: .object(def))
    def["source"] = nil
    def["input"] = .object(["format": .string("ndjson")])
    let file = try Connector(directory: reference, json: .object(def))

    print("sync bench: \(n) records; external STATE every \(every); http pages of \(page)")
    resetPeakRSS()
    let baseHub = try Hub(home: home, dbPath: dir + "/base-ext.db")
    var t0 = Date()
    let base = try Ingestor(store: baseHub.store, normaliser: try RowNormaliser(connector: file, schemas: baseHub.schemas)).ingest(paths: [dir + "/pbg.ndjson"])
    let baseSecs = Date().timeIntervalSince(t0)
    print("baseline  file ingest of the same records (NDJSON, same mapping): \(base.accepted) in \(fmt(baseSecs, 2)) s = \(Int(Double(base.read) / baseSecs)) records/s, peak RSS \(fmt(peakRSSMiB())) MiB")

    resetPeakRSS()
    /// One sync on a fresh hub: the outcome, its seconds, and the milliseconds between commit points.
    func timedSync(_ name: String, _ connector: Connector) throws -> (SyncRunner.Outcome, Double, [Double]) {
        let db = dir + "/" + name + ".db"
        var gaps: [Double] = []
        var last = Date()
        var opts = SyncRunner.Options()
        opts.trigger = "bench"
        opts.onCommit = { _ in
            let now = Date()
            gaps.append(now.timeIntervalSince(last) * 1000)
            last = now
        }
        let start = Date()
        last = start
        let outcome = try SyncRunner.run(hub: try Hub(home: home, dbPath: db), connector: connector, options: opts)
        return (outcome, Date().timeIntervalSince(start), gaps)
    }
    let (ext, extSecs, gaps) = try timedSync("ext", external)
    let extRate = Double(ext.summary.read) / extSecs
    print("simpul    external connector (python3 simbg_pbg.py read → protocol → mapping → store): \(ext.status), \(ext.summary.accepted) accepted in \(fmt(extSecs, 2)) s = \(Int(extRate)) records/s, peak RSS \(fmt(peakRSSMiB())) MiB (hub process)")
    print("          per \(every)-record STATE (commit, then state saved): p50 \(fmt(percentile(gaps, 0.5))) ms, p99 \(fmt(percentile(gaps, 0.99))) ms")
    print("ratio     external / file ingest = \(fmt(extRate / (Double(base.read) / baseSecs), 2))")

    // HTTP pull from a fake SiCantik.
    let fake = try FakeSiCantik(count: n)
    defer { fake.stop() }
    guard case .object(var sdef) = try JSONParser.parse(try String(contentsOfFile: home.connectorsDir + "/sicantik/connector.json", encoding: .utf8)),
          case .object(var ssrc)? = sdef["source"] else { return }
    ssrc["url"] = .string(fake.url + "/api/v1/permohonan")
    ssrc["pagination"] = .object(["type": .string("page"), "param": .string("page"), "size_param": .string("per_page"), "size": .int(page),
                                  "total_pages": .string("total_page")])
    // The fake answers in updated-at order, so the cursor is saved with every page.
    ssrc["incremental"] = .object(["field": .string("updated_at"), "param": .string("updated_since"), "sorted": .bool(true)])
    sdef["source"] = .object(ssrc)
    let pullConnector = try Connector(directory: home.connectorsDir + "/sicantik", json: .object(sdef))
    // Warm the fake's page cache, and keep the pages for the baseline.
    var bodies: [[UInt8]] = []
    for p in 1...max(1, (n + page - 1) / page) {
        bodies.append(try HTTPClient.get(fake.url + "/api/v1/permohonan?page=\(p)&per_page=\(page)", timeout: 60, maxBody: 1 << 30).body)
    }
    resetPeakRSS()
    let pbHub = try Hub(home: home, dbPath: dir + "/base-http.db")
    let session = try Ingestor(store: pbHub.store, normaliser: try RowNormaliser(connector: pullConnector, schemas: pbHub.schemas)).begin(kind: "push", trigger: "bench")
    t0 = Date()
    for (k, b) in bodies.enumerated() { try session.add(body: b, name: "page \(k + 1)") }
    let pb = try session.finish()
    let pbSecs = Date().timeIntervalSince(t0)
    print("baseline  the same \(bodies.count) pages ingested from memory: \(pb.accepted) in \(fmt(pbSecs, 2)) s = \(Int(Double(pb.read) / pbSecs)) records/s, peak RSS \(fmt(peakRSSMiB())) MiB")
    bodies = []

    resetPeakRSS()
    let (pulled, pullSecs, pageGaps) = try timedSync("http", pullConnector)
    let pullRate = Double(pulled.summary.read) / pullSecs
    print("simpul    HTTP pull (GET, parse, map, store, state per page): \(pulled.status), \(pulled.summary.accepted) accepted in \(fmt(pullSecs, 2)) s = \(Int(pullRate)) records/s, peak RSS \(fmt(peakRSSMiB())) MiB")
    print("          per page of \(page) (request + commit + state): p50 \(fmt(percentile(pageGaps, 0.5))) ms, p99 \(fmt(percentile(pageGaps, 0.99))) ms")
    print("ratio     HTTP pull / in-memory pages = \(fmt(pullRate / (Double(pb.read) / pbSecs), 2))")
}
