import SimpulJSON
import SimpulStorage

/// Counts for one file of an ingest run. Always `read = accepted + unchanged + deadLettered`.
public struct FileSummary: Sendable, Equatable {
    public var file: String
    public var read = 0
    public var accepted = 0
    public var unchanged = 0
    public var deadLettered = 0
    /// Why the whole file could not be read (not valid JSON, empty, no header…), or nil.
    public var rejectedFile: String? = nil
    /// What the file's rows were taken in despite (a column the mapping reads missing from the header): in the JSON
    /// summary as `"warnings"` when there are any.
    public var warnings: [String] = []

    public init(file: String) { self.file = file }

    /// Adds what the store did with each row of a committed batch.
    mutating func count(_ results: [RowResult]) {
        for r in results {
            read += 1
            switch r {
            case .accepted: accepted += 1
            case .unchanged: unchanged += 1
            case .deadLettered: deadLettered += 1
            }
        }
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "file": .string(file), "read": .int(read), "accepted": .int(accepted), "unchanged": .int(unchanged),
            "dead_lettered": .int(deadLettered), "rejected_file": rejectedFile.map { .string($0) } ?? .null,
        ]
        if !warnings.isEmpty { o["warnings"] = .array(warnings.map { .string($0) }) }
        return .object(o)
    }
}

/// The run summary of ARCHITECTURE.md, printed by `simpul ingest --json` and answered by `POST /v1/ingest`.
public struct RunSummary: Sendable, Equatable {
    public var connector: String
    public var files: [FileSummary] = []
    public var seconds: Double = 0

    public init(connector: String) { self.connector = connector }

    public var read: Int { files.reduce(0) { $0 + $1.read } }
    public var accepted: Int { files.reduce(0) { $0 + $1.accepted } }
    public var unchanged: Int { files.reduce(0) { $0 + $1.unchanged } }
    public var deadLettered: Int { files.reduce(0) { $0 + $1.deadLettered } }
    public var rejectedFiles: Int { files.filter { $0.rejectedFile != nil }.count }

    public var json: JSONValue {
        .object([
            "connector": .string(connector), "files": .array(files.map(\.json)), "read": .int(read),
            "accepted": .int(accepted), "unchanged": .int(unchanged), "dead_lettered": .int(deadLettered),
            "seconds": .number(String(format3(seconds))),
        ])
    }

    func format3(_ d: Double) -> String {
        let ms = Int((d * 1000).rounded())
        let frac = ms % 1000
        return "\(ms / 1000).\(frac < 10 ? "00" : frac < 100 ? "0" : "")\(frac)"
    }

    /// A short human summary, one line per file then the totals.
    public var text: String {
        var lines: [String] = []
        for f in files {
            if let r = f.rejectedFile {
                lines.append("  \(f.file): REJECTED: \(r)")
            } else {
                lines.append("  \(f.file): read \(f.read), accepted \(f.accepted), unchanged \(f.unchanged), dead-lettered \(f.deadLettered)")
            }
            for w in f.warnings { lines.append("  \(f.file): WARNING: \(w)") }
        }
        let rate = seconds > 0 ? Int(Double(read) / seconds) : 0
        lines.append("\(connector): read \(read), accepted \(accepted), unchanged \(unchanged), dead-lettered \(deadLettered)"
            + (rejectedFiles > 0 ? ", rejected files \(rejectedFiles)" : "") + " in \(format3(seconds)) s (\(rate) rows/s)")
        if deadLettered > 0 || rejectedFiles > 0 { lines.append("see: simpul dlq list --connector \(connector)") }
        return lines.joined(separator: "\n")
    }
}
