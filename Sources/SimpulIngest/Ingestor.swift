import Foundation
import SimpulConnectors
import SimpulJSON
import SimpulStorage

/// Runs ingest for one connector: reads files (or a pushed body), normalises rows on a producer thread, and
/// writes them in group-committed batches on the calling thread. Returns only after every batch is durable.
public final class Ingestor {
    public let store: HubStore
    public let normaliser: RowNormaliser
    /// Rows per transaction. An export out of key order (a SIAK export in household order) inserts its records,
    /// mentions and idempotency keys all over their B-trees, and every page a transaction touches is written to the
    /// WAL once per commit: 418,381 registry rows in household order took 29.4 s in batches of 4,000, 19.5 s in
    /// batches of 16,000 (both before migration 14 stored the mentions in arrival order), with the same speed on a
    /// file in key order (docs/performance.md). Peak RSS about 190 MiB.
    public static let defaultBatchSize = 16000
    public var batchSize = Ingestor.defaultBatchSize
    /// Called on the writer thread after each committed batch: (rows so far in this file, bytes read, file size).
    public var progress: ((String, Int, Int, Int?) -> Void)? = nil

    public init(store: HubStore, normaliser: RowNormaliser) {
        self.store = store
        self.normaliser = normaliser
    }

    var connector: Connector { normaliser.connector }

    /// Expands folders to the files in them (sorted; hidden files skipped) and ingests each.
    public func ingest(paths: [String], trigger: String = "cli") throws -> RunSummary {
        let files = try Self.expand(paths)
        let session = try begin(kind: "files", trigger: trigger)
        for file in files { try session.add(path: file) }
        return try session.finish()
    }

    /// Ingests a pushed body (HTTP push) as if it were one file named `name`.
    public func ingest(body: [UInt8], name: String, trigger: String = "api") throws -> RunSummary {
        let session = try begin(kind: "push", trigger: trigger)
        try session.add(body: body, name: name)
        return try session.finish()
    }

    /// Starts a run that files, bodies (pages) or streamed records are added to; `finish` ends it.
    public func begin(kind: String, trigger: String) throws -> IngestSession {
        IngestSession(ingestor: self, run: try store.beginRun(connector: connector.name, kind: kind, trigger: trigger))
    }

    public static func expand(_ paths: [String]) throws -> [String] {
        let fm = FileManager.default
        var out: [String] = []
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else { throw HubError.notFound("no such file or folder: \(p)") }
            if isDir.boolValue {
                let names = try fm.contentsOfDirectory(atPath: p).filter { !$0.hasPrefix(".") }.sorted()
                for n in names {
                    var d: ObjCBool = false
                    let full = (p as NSString).appendingPathComponent(n)
                    if fm.fileExists(atPath: full, isDirectory: &d), !d.boolValue { out.append(full) }
                }
            } else {
                out.append(p)
            }
        }
        return out
    }

    /// What the reader thread hands the workers: numbered slices of the file, in order.
    enum ReadChunk: Sendable {
        case rows(index: Int, [ReadItem], seqs: [Int?], root: [String: JSONValue], bytes: Int)
        case rejected(index: Int, String, raw: [UInt8])
        case end(index: Int)
    }

    /// What the workers hand the writer; the writer puts them back in file order by `index`.
    enum Chunk: Sendable {
        case items(index: Int, [HubStore.BatchItem], bytes: Int)
        case rejected(index: Int, String, raw: [UInt8])
        case end(index: Int)

        var index: Int {
            switch self {
            case .items(let i, _, _), .rejected(let i, _, _), .end(let i): return i
            }
        }
    }

    /// Rows per slice handed to a worker.
    static let sliceRows = 500

    /// Workers normalising in parallel: every core, since the reader and the writer mostly wait on them.
    public var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

    func ingest(input: ByteInput, name: String, fileID: Int64) throws -> FileSummary {
        let work = BoundedChannel<ReadChunk>(capacity: workers * 2)
        // Room for a batch's worth of slices: the workers go on normalising the next batch while the writer commits
        // one (with four slices per worker, batches past 4,000 rows left them waiting during each commit).
        let done = BoundedChannel<Chunk>(capacity: max(workers * 4, batchSize / Self.sliceRows + workers))
        let normaliser = self.normaliser
        let size = input.size
        let box = UncheckedBox(input)
        // Rows already stored and settled are counted unchanged without being normalised (one lookup per worker).
        let settledPath = try store.settledRowsPath(connector: connector.name)
        let reader = Thread { Self.read(input: box.value, connector: normaliser.connector, channel: work) }
        reader.stackSize = 8 << 20
        reader.start()
        let remaining = WorkerCount(workers)
        for _ in 0..<workers {
            let t = Thread {
                let settled = settledPath.flatMap { SettledRows(path: $0) }
                while let chunk = work.receive() {
                    done.send(Self.normalise(chunk, normaliser, settled: settled))
                }
                if remaining.finish() { done.close() }
            }
            t.stackSize = 8 << 20
            t.start()
        }
        defer {
            work.close()
            done.close()
        }
        var f = FileSummary(file: name)
        var pending: [Int: Chunk] = [:]
        var next = 0
        var batch: [HubStore.BatchItem] = []
        var lastBytes = 0
        func flush() throws {
            guard !batch.isEmpty else { return }
            let results = try store.write(connector: connector.name, file: name, fileID: fileID, items: batch)
            batch.removeAll(keepingCapacity: true)
            f.count(results)
            progress?(name, f.read, lastBytes, size)
        }
        while let chunk = done.receive() {
            pending[chunk.index] = chunk
            while let c = pending.removeValue(forKey: next) {
                next += 1
                switch c {
                case .items(_, let items, let bytes):
                    batch += items
                    lastBytes = bytes
                    if batch.count >= batchSize { try flush() }
                case .rejected(_, let reason, let raw):
                    try flush()
                    f.rejectedFile = reason
                    // Also kept in the dead-letter queue, so `dlq list` shows every problem in one place.
                    _ = try store.write(connector: connector.name, file: name, fileID: fileID,
                                        items: [.unparsed(DeadLetter(line: 0, field: nil, reason: "file rejected: \(reason)", raw: raw))])
                case .end:
                    try flush()
                    try store.indexCitizenNames()
                    return f
                }
            }
        }
        throw HubError.failed("ingest of \(name) stopped before the end of the file")
    }

    /// The reader thread: splits the file into numbered slices and computes `$seq`, which depends on file order.
    static func read(input: ByteInput, connector: Connector, channel: BoundedChannel<ReadChunk>) {
        let reader = connector.reader(input)
        var index = 0
        var items: [ReadItem] = []
        var seqs: [Int?] = []
        var counters: [String: Int] = [:]
        let group = connector.sequenceGroup
        func send() {
            let root = (reader as? JSONDocumentReader)?.root ?? [:]
            channel.send(.rows(index: index, items, seqs: seqs, root: root, bytes: input.offset))
            index += 1
            items = []
            seqs = []
        }
        do {
            while let item = try reader.next() {
                if channel.isClosed { return }
                var seq: Int? = nil
                if let group, case .row(let row) = item {
                    let g = group.resolveText(in: row.fields)
                    let n = (counters[g] ?? 0) + 1
                    counters[g] = n
                    seq = n
                }
                items.append(item)
                seqs.append(seq)
                if items.count >= sliceRows { send() }
            }
            if !items.isEmpty { send() }
        } catch {
            if !items.isEmpty { send() }
            channel.send(.rejected(index: index, error.reason, raw: input.prefix(DeadLetter.maxRaw)))
            index += 1
        }
        channel.send(.end(index: index))
    }

    /// A worker's job: turn a slice of rows into store writes. Pure.
    static func normalise(_ chunk: ReadChunk, _ normaliser: RowNormaliser, settled: SettledRows? = nil) -> Chunk {
        switch chunk {
        case .rows(let index, let items, let seqs, let root, let bytes):
            var out: [HubStore.BatchItem] = []
            out.reserveCapacity(items.count)
            for (k, item) in items.enumerated() {
                switch item {
                case .malformed(let line, let field, let reason, let raw):
                    out.append(.unparsed(DeadLetter(line: line, field: field, reason: reason, raw: raw)))
                case .row(let row):
                    out.append(.row(normaliser.row(fields: row.fields, root: root, seq: seqs[k], line: row.line, raw: row.raw, settled: settled)))
                }
            }
            return .items(index: index, out, bytes: bytes)
        case .rejected(let index, let reason, let raw): return .rejected(index: index, reason, raw: raw)
        case .end(let index): return .end(index: index)
        }
    }
}

/// Counts workers down; the last one to finish closes the output channel.
final class WorkerCount: @unchecked Sendable {
    private let lock = NSLock()
    private var n: Int
    init(_ n: Int) { self.n = n }
    func finish() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        n -= 1
        return n == 0
    }
}

/// Hands a non-Sendable value to exactly one other thread, which then owns it.
final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}

extension InputPath {
    func resolveText(in fields: [String: JSONValue]) -> String {
        var node: JSONValue? = nil
        for (k, s) in steps.enumerated() {
            switch s {
            case .key(let key): node = k == 0 ? fields[key] : node?[key]
            case .index(let i): node = node?.arrayValue.flatMap { i < $0.count ? $0[i] : nil }
            }
        }
        return node?.scalarText ?? ""
    }
}
