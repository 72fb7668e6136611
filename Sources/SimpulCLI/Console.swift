import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Output for the CLI: results on stdout, messages and progress on stderr.
public enum Console {
    public static func out(_ s: String) { write(1, s) }

    public static func err(_ s: String) { write(2, s) }

    private static let lock = NSLock()

    /// One whole line per call, from any thread. A closed pipe or full disk never crashes the hub (the legacy
    /// FileHandle.write traps on EPIPE): the line is dropped, as a terminal that went away cannot read it anyway.
    static func write(_ fd: Int32, _ s: String) { raw(fd, s.hasSuffix("\n") ? s : s + "\n") }

    /// Exactly these bytes (no newline added): CSV and NDJSON exports, progress lines.
    static func raw(_ fd: Int32, _ s: String) {
        let bytes = Array(s.utf8)
        lock.lock()
        defer { lock.unlock() }
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            off += n
        }
    }

    public static var stderrIsTerminal: Bool { isatty(2) == 1 }

    /// A list cut at its limit says so, on stderr (so `--json` stays one document): nothing left out unseen.
    static func moreThanShown(_ shown: String, hint: String) {
        err("simpul: showing \(shown); there are more (\(hint))")
    }

    /// A one-line progress display on a terminal: rows, rows/s, percent and ETA from bytes read.
    final class Progress: @unchecked Sendable {
        let started = Date()
        var last = Date.distantPast
        var shown = false

        func update(file: String, rows: Int, bytes: Int, size: Int?) {
            let now = Date()
            guard now.timeIntervalSince(last) > 0.2 else { return }
            last = now
            let secs = max(now.timeIntervalSince(started), 0.001)
            var line = "\r\u{1B}[2K  \((file as NSString).lastPathComponent): \(rows) rows, \(Int(Double(rows) / secs)) rows/s"
            if let size, size > 0 {
                let frac = min(1, Double(bytes) / Double(size))
                let width = 24
                let filled = Int(frac * Double(width))
                line += " [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(Int(frac * 100))%"
                if frac > 0.01 { line += " ETA \(Int(secs / frac - secs))s" }
            }
            Console.raw(2, line)
            shown = true
        }

        func finish() {
            if shown { Console.raw(2, "\r\u{1B}[2K") }
        }
    }
}
