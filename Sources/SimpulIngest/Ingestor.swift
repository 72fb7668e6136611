import Foundation
import SimpulCompression
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
        try session.add(paths: files)
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

    /// The files `paths` name: a file as itself, a folder as every file in it and in its subfolders (an export
    /// kept a folder a month), in name order, leaving out hidden names (`.DS_Store`, `.git`). A folder reached
    /// again through a link is read once. A ZIP archive of several files is a folder too (`archive.zip/name`).
    public static func expand(_ paths: [String]) throws -> [String] {
        let fm = FileManager.default
        var out: [String] = []
        var seen: Set<String> = []
        func walk(_ dir: String) throws {
            guard seen.insert((dir as NSString).resolvingSymlinksInPath).inserted else { return }
            for n in try fm.contentsOfDirectory(atPath: dir).filter({ !$0.hasPrefix(".") }).sorted() {
                var d: ObjCBool = false
                let full = (dir as NSString).appendingPathComponent(n)
                // A link to nothing is listed as a file: it is then reported as one that cannot be opened.
                if fm.fileExists(atPath: full, isDirectory: &d), d.boolValue { try walk(full) } else { out.append(full) }
            }
        }
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else { throw HubError.notFound("no such file or folder: \(p)") }
            if isDir.boolValue { try walk(p) } else { out.append(p) }
        }
        // A ZIP archive of several exports is a folder: its files as `archive.zip/name`, in name order.
        return out.flatMap { p in Zip.fileNames(p).map { $0.map { p + "/" + $0 } } ?? [p] }
    }

    /// Where a file's rows come from: a path (opened by the reader thread, one file at a time) or bytes already in
    /// memory (a push, a pulled page).
    enum Source: Sendable {
        case path(String)
        case body([UInt8], name: String)

        var name: String {
            switch self {
            case .path(let p): return p
            case .body(_, let name): return name
            }
        }
    }

    /// What the reader says about a file besides its rows, passed on to the writer as it is.
    enum FileEvent: Sendable {
        /// The file was not taken in (not its format, or it could not be opened: then `raw` is empty).
        case rejected(file: Int, String, raw: [UInt8])
        /// Something the file's summary should say although every row was taken (a column the mapping reads is missing).
        case warning(file: Int, String)
        case end(file: Int)
        /// Every source was read.
        case finished
    }

    /// What the reader thread hands the workers: numbered slices of the files, in order; `file` is the source's
    /// position.
    enum ReadChunk: Sendable {
        case rows(index: Int, file: Int, [ReadItem], seqs: [Int?], root: [String: JSONValue], bytes: Int, size: Int?)
        case event(index: Int, FileEvent)
    }

    /// What the workers hand the writer, put back in order by `index`: a slice's writes, or a file's event.
    enum Chunk: Sendable {
        case items(index: Int, file: Int, [HubStore.BatchItem], bytes: Int, size: Int?)
        case event(index: Int, FileEvent)

        var index: Int {
            switch self {
            case .items(let i, _, _, _, _), .event(let i, _): return i
            }
        }
    }

    /// Rows per slice handed to a worker.
    static let sliceRows = 500

    /// Workers normalising in parallel: every core, since the reader and the writer mostly wait on them.
    public var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Ingests `sources` one after another through one pipeline: a reader thread reads the files in order, the
    /// workers normalise slices of them, and this thread writes batches of `batchSize` rows that may span files (a
    /// folder of API pages of 100 records is written in a few transactions, not one per page: 500 SiCantik pages
    /// 3.8 → 1.8 s, docs/performance.md). `register` gives a file its run file id, inside the transaction of its
    /// first rows (files are registered in order). Returns each file's summary, in order, once every row is durable.
    func ingest(_ sources: [Source], register: @escaping (String) throws -> Int64) throws -> [FileSummary] {
        let work = BoundedChannel<ReadChunk>(capacity: workers * 2)
        // Room for a batch's worth of slices: the workers go on normalising the next batch while the writer commits
        // one (with four slices per worker, batches past 4,000 rows left them waiting during each commit).
        let done = BoundedChannel<Chunk>(capacity: max(workers * 4, batchSize / Self.sliceRows + workers))
        let normaliser = self.normaliser
        // Rows already stored and settled are counted unchanged without being normalised (one lookup per worker).
        let settledPath = try store.settledRowsPath(connector: connector.name)
        let reader = Thread { Self.read(sources, connector: normaliser.connector, channel: work) }
        reader.stackSize = 8 << 20
        reader.start()
        let remaining = WorkerCount(workers)
        for _ in 0..<workers {
            let t = Thread {
                let settled = settledPath.flatMap { SettledRows(path: $0) }
                // From its second slice on, a worker maps with a compiled copy of its own (``RowNormaliser/ownCopy()``):
                // a file of one slice does not pay the compilation (about 1 ms).
                var mine = normaliser, slices = 0
                while let chunk = work.receive() {
                    slices += 1
                    if slices == 2, let own = try? normaliser.ownCopy() { mine = own }
                    done.send(Self.normalise(chunk, mine, settled: settled))
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
        var summaries = sources.map { FileSummary(file: $0.name) }
        var fileIDs: [Int64?] = Array(repeating: nil, count: sources.count)
        var registered = 0
        // The run file id of file `k`, registering it and every file before it that has none yet, in order.
        func fileID(_ k: Int) throws -> Int64 {
            while registered <= k {
                fileIDs[registered] = try register(sources[registered].name)
                registered += 1
            }
            return fileIDs[k]!
        }
        // The batch: runs of one file's items; `counted` is false for a rejected file's dead letter, which its
        // summary reports as `rejected_file` instead.
        var segments: [(file: Int, items: [HubStore.BatchItem], counted: Bool)] = []
        var rows = 0
        var ended = -1  // the last file whose end was seen
        var lastProgress: (file: Int, bytes: Int, size: Int?)? = nil
        func add(_ file: Int, _ items: [HubStore.BatchItem], counted: Bool = true) {
            if let last = segments.last, last.file == file, last.counted == counted {
                segments[segments.count - 1].items += items
            } else {
                segments.append((file, items, counted))
            }
            rows += items.count
        }
        func flush() throws {
            guard !segments.isEmpty || registered <= ended else { return }
            let results = try store.write(connector: connector.name,
                                          segments: segments.map { seg in (sources[seg.file].name, { try fileID(seg.file) }, seg.items) },
                                          then: { if ended >= 0 { _ = try fileID(ended) } })
            for (seg, r) in zip(segments, results) where seg.counted { summaries[seg.file].count(r) }
            segments.removeAll(keepingCapacity: true)
            rows = 0
            if let p = lastProgress { progress?(sources[p.file].name, summaries[p.file].read, p.bytes, p.size) }
        }
        var pending: [Int: Chunk] = [:]
        var next = 0
        while let chunk = done.receive() {
            pending[chunk.index] = chunk
            while let c = pending.removeValue(forKey: next) {
                next += 1
                switch c {
                case .items(_, let file, let items, let bytes, let size):
                    add(file, items)
                    lastProgress = (file, bytes, size)
                    if rows >= batchSize { try flush() }
                case .event(_, .rejected(let file, let reason, let raw)):
                    summaries[file].rejectedFile = reason
                    // Also kept in the dead-letter queue, so `dlq list` shows every problem in one place.
                    add(file, [.unparsed(DeadLetter(line: 0, field: nil, reason: "file rejected: \(reason)", raw: raw))], counted: false)
                case .event(_, .warning(let file, let text)):
                    summaries[file].warnings.append(text)
                case .event(_, .end(let file)):
                    ended = file
                case .event(_, .finished):
                    try flush()
                    try store.indexCitizenNames()
                    return summaries
                }
            }
        }
        throw HubError.failed("ingest stopped before the end of \(sources.last?.name ?? "its input")")
    }

    /// The reader thread: opens the sources in order, splits each into numbered slices and computes `$seq`, which
    /// depends on file order (counted per file).
    static func read(_ sources: [Source], connector: Connector, channel: BoundedChannel<ReadChunk>) {
        var index = 0
        for (file, source) in sources.enumerated() {
            if channel.isClosed { return }
            let input: ByteInput
            switch source {
            case .path(let path):
                do {
                    input = try open(path)
                } catch {
                    channel.send(.event(index: index, .rejected(file: file, "\(error)", raw: [])))
                    channel.send(.event(index: index + 1, .end(file: file)))
                    index += 2
                    continue
                }
            case .body(let bytes, _):
                input = ByteInput(bytes: bytes)
            }
            index = read(input, file: file, from: index, connector: connector, channel: channel)
        }
        channel.send(.event(index: index, .finished))
    }

    /// The bytes of the export at `path`, as a reader takes them. A gzip-compressed export, a ZIP archive of one, or a
    /// file of a ZIP archive of several (listed by `expand` as `archive.zip/name`) is unpacked into a file without a
    /// name. A workbook (a ZIP too) is left to the reader, which says what it is.
    static func open(_ path: String) throws -> ByteInput {
        /// Runs an unpacking: a refusal says what the file is (`is`, `is in`), any other failure why it failed.
        func unpacked<T>(_ it: String, _ what: String, _ body: () throws -> T) throws -> T {
            do { return try body() } catch let r as Zip.Refusal { throw CompressionError("the file \(it) \(r)") } catch {
                throw CompressionError("the file \(what) and could not be unpacked: \(error)")
            }
        }
        let file: ByteInput
        do { file = try ByteInput(path: path) } catch let cannotOpen {
            guard let (archive, entry) = Zip.entryPath(path) else { throw cannotOpen }
            return ByteInput(fd: try unpacked("is in", "is in a ZIP archive") { try Zip.unpack(archive, entry: entry) })
        }
        let head = file.head(4)
        if Gzip.isGzip(head) {
            return ByteInput(fd: try unpacked("is", "is gzip-compressed") { try Gzip.unpackToUnnamedFile(path) })
        }
        if Zip.isZip(head) {
            return try unpacked("is", "is a ZIP archive") { try Zip.unpackOnlyFile(path) }.map { ByteInput(fd: $0) } ?? file
        }
        return file
    }

    /// Reads one file from slice number `index`; returns the next slice number.
    static func read(_ input: ByteInput, file: Int, from start: Int, connector: Connector, channel: BoundedChannel<ReadChunk>) -> Int {
        let reader = connector.reader(input)
        let size = input.size
        var index = start
        var items: [ReadItem] = []
        var seqs: [Int?] = []
        var counters: [String: Int] = [:]
        let group = connector.sequenceGroup
        // The record keys the mapping reads that no record has had yet (JSON formats), and the keys the first
        // records have that it does not read: a renamed field shows as one of each (`absentKeys`).
        var unseen = connector.recordKeys
        var records = 0
        var unread: Set<String> = []
        func send() {
            let root = (reader as? JSONDocumentReader)?.root ?? [:]
            channel.send(.rows(index: index, file: file, items, seqs: seqs, root: root, bytes: input.offset, size: size))
            index += 1
            items = []
            seqs = []
        }
        do {
            while let item = try reader.next() {
                if channel.isClosed { return index }
                if !unseen.isEmpty, case .row(let row) = item {
                    unseen.removeAll { row.fields[$0] != nil }
                    records += 1
                    if records <= 100 { for k in row.fields.keys where !connector.recordKeys.contains(k) { unread.insert(k) } }
                }
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
            channel.send(.event(index: index, .rejected(file: file, error.reason, raw: input.prefix(DeadLetter.maxRaw))))
            index += 1
        }
        if let csv = reader as? CSVReader, let warning = missingColumns(csv.header, connector: connector) {
            channel.send(.event(index: index, .warning(file: file, warning)))
            index += 1
        }
        if records > 0, let warning = absentKeys(unseen, unread: unread, connector: connector) {
            channel.send(.event(index: index, .warning(file: file, warning)))
            index += 1
        }
        channel.send(.event(index: index, .end(file: file)))
        return index + 1
    }

    /// A CSV header without columns the mapping reads (an export whose column was renamed, `ALAMAT` → `ALAMAT_RUMAH`):
    /// every row is still taken, with those fields empty, so the summary says which, and which of the header's
    /// columns the mapping does not read (a rename shows as one of each). The raw log keeps every row whole: after
    /// the mapping is fixed, a replay fills the fields. Nil when nothing is missing (or the file had no header).
    static func missingColumns(_ header: [String], connector: Connector) -> String? {
        guard !header.isEmpty else { return nil }
        let have = Set(header)
        let missing = connector.csvOptions.knownColumns.filter { !have.contains($0) }
        guard !missing.isEmpty else { return nil }
        let read = Set(connector.csvOptions.knownColumns)
        let unread = header.filter { !read.contains($0) }
        return "the header has no column \(missing.joined(separator: ", ")), which the mapping reads: "
            + "\(missing.count == 1 ? "that field is" : "those fields are") empty in every record of this file"
            + (unread.isEmpty ? "" : "; the header's columns the mapping does not read: \(unread.joined(separator: ", "))")
            + ". The raw log keeps the rows whole: fix the mapping, then simpul replay --connector \(connector.name)"
    }

    /// The JSON counterpart of ``missingColumns(_:connector:)``: keys the mapping reads that no record of the file
    /// has, not even as null (an API whose field was renamed, `nik_pemohon` → `nik`), with the keys the records have
    /// that the mapping does not read (of the first hundred records). A key absent because it is empty is written as
    /// null by the exports of SOURCES.md, so absent from every record is what a rename looks like. Nil when none is.
    static func absentKeys(_ absent: [String], unread: Set<String>, connector: Connector) -> String? {
        guard !absent.isEmpty else { return nil }
        return "no record has the field \(absent.joined(separator: ", ")), which the mapping reads: "
            + "\(absent.count == 1 ? "that field is" : "those fields are") empty in every record of this file"
            + (unread.isEmpty ? "" : "; the records' fields the mapping does not read: \(unread.sorted().joined(separator: ", "))")
            + ". The raw log keeps the records whole: fix the mapping, then simpul replay --connector \(connector.name)"
    }

    /// A worker's job: turn a slice of rows into store writes. Pure.
    static func normalise(_ chunk: ReadChunk, _ normaliser: RowNormaliser, settled: SettledRows? = nil) -> Chunk {
        switch chunk {
        case .rows(let index, let file, let items, let seqs, let root, let bytes, let size):
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
            return .items(index: index, file: file, out, bytes: bytes, size: size)
        case .event(let index, let e): return .event(index: index, e)
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
