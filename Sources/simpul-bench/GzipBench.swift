import Foundation
import SimpulCompression
import SimpulIngest
import SimpulStorage
#if canImport(Glibc)
import Glibc
#endif

/// `simpul-bench gzip`: unpacking a gzip-compressed SIAK export with Simpul's DEFLATE against `gzip -dc` (the
/// baseline, in the same run), then ingesting the .gz file against the plain one.
func benchGzip(_ args: [String]) throws {
    let o = try BenchOptions(args, allowed: ["--rows", "--dir"])
    let rows = try o.int("--rows", 1_000_000)
    let dir = o.string("--dir", NSTemporaryDirectory() + "simpul-bench-gzip-" + UUID().uuidString)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let plain = dir + "/biodata.csv", packed = plain + ".gz"
    _ = try SIAKGenerator.write(rows: rows, to: plain, order: "nik")
    func run(_ tool: String, _ arguments: [String], stdout: FileHandle? = nil) throws -> Double {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        if let stdout { p.standardOutput = stdout }
        let t0 = Date()
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchUsage("\(tool) \(arguments.joined(separator: " ")) failed") }
        return Date().timeIntervalSince(t0)
    }
    _ = try run("/bin/gzip", ["-k", "-6", plain])
    let size = Double((try FileManager.default.attributesOfItem(atPath: plain)[.size] as? NSNumber)?.intValue ?? 0)
    let packedSize = Double((try FileManager.default.attributesOfItem(atPath: packed)[.size] as? NSNumber)?.intValue ?? 0)
    print("file      \(rows) SIAK rows: \(fmt(size / 1_048_576)) MiB, gzip -6 \(fmt(packedSize / 1_048_576)) MiB (\(fmt(size / packedSize)) : 1)")

    // Unpacking alone: gzip -dc to /dev/null against Gzip.decompress with a sink that drops the output.
    let null = FileHandle(forWritingAtPath: "/dev/null")!
    var base: [Double] = [], ours: [Double] = []
    let data = try Data(contentsOf: URL(fileURLWithPath: packed))
    resetPeakRSS()
    for _ in 0..<3 {
        base.append(try run("/bin/gzip", ["-dc", packed], stdout: null))
        let t0 = Date()
        var n = 0
        try data.withUnsafeBytes { raw in _ = try Gzip.decompress(raw) { n += $0.count } }
        ours.append(Date().timeIntervalSince(t0))
        guard n == Int(size) else { throw BenchUsage("unpacked \(n) bytes, expected \(Int(size))") }
    }
    let b = base.min()!, s = ours.min()!
    print("unpack    gzip -dc: \(fmt(size / 1_048_576 / b)) MiB/s; Simpul: \(fmt(size / 1_048_576 / s)) MiB/s (best of 3, \(fmt(s, 2)) s), "
          + "ratio \(fmt(b / s, 2)); peak RSS \(fmt(peakRSSMiB())) MiB (the packed file read whole here; ingest maps it)")

    // Ingest: the .gz file against the plain one, each into a fresh hub.
    for (name, file) in [("plain", plain), ("gzip", packed)] {
        let db = dir + "/\(name).db"
        let hub = try Hub(home: try HubHome.locate(), dbPath: db)
        resetPeakRSS()
        let t0 = Date()
        let summary = try hub.ingestor("dukcapil-siak").ingest(paths: [file])
        let secs = Date().timeIntervalSince(t0)
        print("ingest    \(name): \(summary.accepted) accepted in \(fmt(secs, 2)) s = \(Int(Double(summary.read) / secs)) rows/s, peak RSS \(fmt(peakRSSMiB())) MiB")
    }
}
