import Foundation
import SimpulConnectors
import SimpulJSON
import SimpulStorage

/// One run of a connector: files, pushed bodies, pulled pages or streamed records are added to it, and
/// `finish` records its summary and status in the `runs` table (`simpul connector runs`).
public final class IngestSession {
    public let ingestor: Ingestor
    public let run: Int64
    public private(set) var summary: RunSummary
    let started = Date()

    init(ingestor: Ingestor, run: Int64) {
        self.ingestor = ingestor
        self.run = run
        summary = RunSummary(connector: ingestor.connector.name)
    }

    var store: HubStore { ingestor.store }

    /// Ingests one file; a file that cannot be opened is reported as rejected.
    @discardableResult
    public func add(path: String) throws -> FileSummary {
        try add(paths: [path])[0]
    }

    /// Ingests files in order through one pipeline, in batches that may span them (a folder of small files, such as
    /// API pages, is written in a few transactions); a file that cannot be opened is reported as rejected.
    @discardableResult
    public func add(paths: [String]) throws -> [FileSummary] {
        try add(paths.map { .path($0) })
    }

    /// Ingests one body (a push or a pulled page) read in the connector's format, as a file named `name`.
    @discardableResult
    public func add(body: [UInt8], name: String) throws -> FileSummary {
        try add([.body(body, name: name)])[0]
    }

    private func add(_ sources: [Ingestor.Source]) throws -> [FileSummary] {
        let files = try ingestor.ingest(sources) { [store, run] path in try store.addRunFile(run: run, path: path) }
        summary.files += files
        return files
    }

    /// A stream of records that arrive one by one (an external connector's RECORD messages), counted as one file
    /// named `name`. Nothing is durable before `commit()`.
    public func records(name: String) throws -> RecordStream {
        RecordStream(session: self, name: name, fileID: try store.addRunFile(run: run, path: name))
    }

    func append(_ f: FileSummary) { summary.files.append(f) }

    /// Records the run's end. `status`: ok, failed or interrupted.
    @discardableResult
    public func finish(status: String = "ok", error: String? = nil) throws -> RunSummary {
        summary.seconds = Date().timeIntervalSince(started)
        try store.finishRun(run, summary: summary.json.jsonText, status: status, error: error)
        return summary
    }
}

enum Pending: Sendable {
    case record(fields: [String: JSONValue], seq: Int?, line: Int, raw: [UInt8])
    case unparsed(DeadLetter)
}

/// Records streamed into a run, normalised on the calling thread and written in batches. `commit()` makes
/// everything added so far durable: a connector's STATE is saved only after it.
public final class RecordStream {
    let session: IngestSession
    public let name: String
    let fileID: Int64
    public private(set) var file: FileSummary
    /// Records and unreadable lines waiting for the next commit, in stream order; normalised at commit, in parallel.
    var pending: [Pending] = []
    var counters: [String: Int] = [:]
    var closed = false
    /// Read-only lookups of rows already stored and settled, one per normalising part (see ``SettledRows``); made
    /// at the first commit, and only when the connector has stored rows before.
    var settled: [SettledRows]?
    /// The normaliser of each part, made at the first commit large enough to be split.
    var normalisers: [RowNormaliser]?

    init(session: IngestSession, name: String, fileID: Int64) {
        self.session = session
        self.name = name
        self.fileID = fileID
        file = FileSummary(file: name)
    }

    var ingestor: Ingestor { session.ingestor }

    /// One record: its fields as the connector's mapping reads them, its line in the stream, the bytes it came as.
    public func add(fields: [String: JSONValue], line: Int, raw: [UInt8]) throws {
        var seq: Int? = nil
        if let group = ingestor.connector.sequenceGroup {
            let g = group.resolveText(in: fields)
            let n = (counters[g] ?? 0) + 1
            counters[g] = n
            seq = n
        }
        pending.append(.record(fields: fields, seq: seq, line: line, raw: raw))
        if pending.count >= ingestor.batchSize { try commit() }
    }

    /// Something in the stream that is not a record the hub can read: dead-lettered with its line and reason.
    public func addMalformed(line: Int, field: String? = nil, reason: String, raw: [UInt8]) throws {
        pending.append(.unparsed(DeadLetter(line: line, field: field, reason: reason, raw: raw)))
        if pending.count >= ingestor.batchSize { try commit() }
    }

    /// Writes the pending records in one transaction; returns when they are durable. `then` runs inside that
    /// transaction (even when nothing is pending): a connector's state is saved with the records before it.
    public func commit(then: (() throws -> Void)? = nil) throws {
        guard !pending.isEmpty else {
            if let then { try session.store.writeTransaction(then) }
            return
        }
        if settled == nil {
            let path = try session.store.settledRowsPath(connector: ingestor.connector.name)
            settled = path.map { p in (0..<max(1, ingestor.workers)).compactMap { _ in SettledRows(path: p) } } ?? []
        }
        // Each part past the first maps with a compiled copy of its own (``RowNormaliser/ownCopy()``), made once.
        if normalisers == nil, pending.count >= Self.parallelRows, ingestor.workers > 1 {
            normalisers = [ingestor.normaliser] + (1..<ingestor.workers).map { _ in (try? ingestor.normaliser.ownCopy()) ?? ingestor.normaliser }
        }
        let batch = Self.normalise(pending, normalisers ?? [ingestor.normaliser], workers: ingestor.workers, settled: settled ?? [])
        pending.removeAll(keepingCapacity: true)
        file.count(try session.store.write(connector: ingestor.connector.name, file: name, fileID: fileID, items: batch, then: then))
    }

    /// Commits what is pending and adds this stream's counts to the run.
    public func close() throws {
        guard !closed else { return }
        closed = true
        try commit()
        try session.store.indexCitizenNames()
        session.append(file)
    }

    /// Batches smaller than this are normalised on the calling thread alone.
    static let parallelRows = 64

    /// Normalises a batch on `workers` threads (normalisation is pure); the order is kept. Part k uses
    /// `settled[k]` when there is one (a connection is used by one part at a time).
    static func normalise(_ items: [Pending], _ normalisers: [RowNormaliser], workers: Int, settled: [SettledRows] = []) -> [HubStore.BatchItem] {
        let lookups = UncheckedBox(settled)
        @Sendable func one(_ p: Pending, _ k: Int) -> HubStore.BatchItem {
            switch p {
            case .record(let fields, let seq, let line, let raw):
                let s = k < lookups.value.count ? lookups.value[k] : nil
                return .row(normalisers[k < normalisers.count ? k : 0].row(fields: fields, root: [:], seq: seq, line: line, raw: raw, settled: s))
            case .unparsed(let d): return .unparsed(d)
            }
        }
        let parts = items.count < parallelRows ? 1 : max(1, workers)
        if parts == 1 { return items.map { one($0, 0) } }
        let out = UnsafeResults(count: items.count)
        let size = (items.count + parts - 1) / parts
        DispatchQueue.concurrentPerform(iterations: parts) { k in
            for i in (k * size)..<min(items.count, (k + 1) * size) { out.set(i, one(items[i], k)) }
        }
        return out.values
    }
}

/// Slots written by disjoint index ranges from several threads, then read once all are done.
final class UnsafeResults: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<HubStore.BatchItem?>
    private let count: Int
    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
    }
    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }
    func set(_ i: Int, _ v: HubStore.BatchItem) { slots[i] = v }
    var values: [HubStore.BatchItem] { (0..<count).map { slots[$0]! } }
}
