import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Output for the CLI: results on stdout, messages and progress on stderr.
public enum Console {
    public static func out(_ s: String) {
        FileHandle.standardOutput.write(Data((s.hasSuffix("\n") ? s : s + "\n").utf8))
    }

    public static func err(_ s: String) {
        FileHandle.standardError.write(Data((s.hasSuffix("\n") ? s : s + "\n").utf8))
    }

    public static var stderrIsTerminal: Bool { isatty(2) == 1 }

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
            FileHandle.standardError.write(Data(line.utf8))
            shown = true
        }

        func finish() {
            if shown { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        }
    }
}
