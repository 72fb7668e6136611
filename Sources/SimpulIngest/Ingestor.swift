import Foundation
import SimpulConnectors
import SimpulJSON
import SimpulStorage

/// Runs ingest for one connector: reads files (or a pushed body), normalises rows on a producer thread, and
/// writes them in group-committed batches on the calling thread. Returns only after every batch is durable.
public final class Ingestor {
    public let store: HubStore
    public let normaliser: RowNormaliser
    public var batchSize = 4000
    /// Called on the writer thread after each committed batch: (rows so far in this file, bytes read, file size).
    public var progress: ((String, Int, Int, Int?) -> Void)? = nil

    public init(store: HubStore, normaliser: RowNormaliser) {
        self.store = store
        self.normaliser = normaliser
    }

    var connector: Connector { normaliser.connector }

    /// Expands folders to the files in them (sorted; hidden files skipped) and ingests each.
    public func ingest(paths: [String]) throws -> RunSummary {
        let started = Date()
        var summary = RunSummary(connector: connector.name)
        let run = try store.beginRun(connector: connector.name)
        for file in try Self.expand(paths) {
            let fileID = try store.addRunFile(run: run, path: file)
            let input: ByteInput
            do { input = try ByteInput(path: file) } catch {
                var f = FileSummary(file: file)
                f.rejectedFile = "\(error)"
                summary.files.append(f)
                continue
            }
            summary.files.append(try ingest(input: input, name: file, fileID: fileID))
        }
        summary.seconds = Date().timeIntervalSince(started)
        try store.finishRun(run, summary: summary.json.jsonText)
        return summary
    }

    /// Ingests a pushed body (HTTP push) as if it were one file named `name`.
    public func ingest(body: [UInt8], name: String) throws -> RunSummary {
        let started = Date()
        var summary = RunSummary(connector: connector.name)
        let run = try store.beginRun(connector: connector.name)
        let fileID = try store.addRunFile(run: run, path: name)
        summary.files.append(try ingest(input: ByteInput(bytes: body), name: name, fileID: fileID))
        summary.seconds = Date().timeIntervalSince(started)
        try store.finishRun(run, summary: summary.json.jsonText)
        return summary
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

    /// One chunk from the producer: a batch of items, or the end of the file (with a rejection, if any).
    enum Chunk: Sendable {
        case items([HubStore.BatchItem], bytes: Int)
        case rejected(String, raw: [UInt8])
        case end
    }

    func ingest(input: ByteInput, name: String, fileID: Int64) throws -> FileSummary {
        let channel = BoundedChannel<Chunk>(capacity: 4)
        let normaliser = self.normaliser
        let batchSize = self.batchSize
        let size = input.size
        let box = UncheckedBox(input)
        let producer = Thread {
            Self.produce(input: box.value, normaliser: normaliser, batchSize: batchSize, channel: channel)
        }
        producer.stackSize = 8 << 20
        producer.start()
        defer { channel.close() }
        var f = FileSummary(file: name)
        while let chunk = channel.receive() {
            switch chunk {
            case .items(let items, let bytes):
                let results = try store.write(connector: connector.name, file: name, fileID: fileID, items: items)
                for r in results {
                    f.read += 1
                    switch r {
                    case .accepted: f.accepted += 1
                    case .unchanged: f.unchanged += 1
                    case .deadLettered: f.deadLettered += 1
                    }
                }
                progress?(name, f.read, bytes, size)
            case .rejected(let reason, let raw):
                f.rejectedFile = reason
                // Also kept in the dead-letter queue, so `dlq list` shows every problem in one place.
                _ = try store.write(connector: connector.name, file: name, fileID: fileID,
                                    items: [.unparsed(DeadLetter(line: 0, field: nil, reason: "file rejected: \(reason)", raw: raw))])
            case .end:
                return f
            }
        }
        return f
    }

    static func produce(input: ByteInput, normaliser: RowNormaliser, batchSize: Int, channel: BoundedChannel<Chunk>) {
        let reader = normaliser.connector.reader(input)
        var batch: [HubStore.BatchItem] = []
        batch.reserveCapacity(batchSize)
        var seqs: [String: Int] = [:]
        let group = normaliser.connector.sequenceGroup
        do {
            while let item = try reader.next() {
                if channel.isClosed { return }
                switch item {
                case .malformed(let line, let field, let reason, let raw):
                    batch.append(.unparsed(DeadLetter(line: line, field: field, reason: reason, raw: raw)))
                case .row(let row):
                    let root = (reader as? JSONDocumentReader)?.root ?? [:]
                    var seq: Int? = nil
                    if let group {
                        let g = group.resolveText(in: row.fields)
                        let n = (seqs[g] ?? 0) + 1
                        seqs[g] = n
                        seq = n
                    }
                    batch.append(.row(normaliser.row(fields: row.fields, root: root, seq: seq, line: row.line, raw: row.raw)))
                }
                if batch.count >= batchSize {
                    channel.send(.items(batch, bytes: input.offset))
                    batch = []
                    batch.reserveCapacity(batchSize)
                }
            }
            if !batch.isEmpty { channel.send(.items(batch, bytes: input.offset)) }
            channel.send(.end)
        } catch {
            if !batch.isEmpty { channel.send(.items(batch, bytes: input.offset)) }
            channel.send(.rejected(error.reason, raw: input.prefix(DeadLetter.maxRaw)))
            channel.send(.end)
        }
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
