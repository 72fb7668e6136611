import Foundation
import SimpulConnectors
import SimpulIngest
import SimpulJSON
import SimpulStorage
#if canImport(Glibc)
import Glibc
#endif

/// One run of a sync connector (external program or HTTP pull), recorded in `runs` with its status and error.
/// Two runs of the same connector never overlap (a lock file next to the database); a run that finds a stale
/// `running` entry (its process was killed) marks it `interrupted`.
public enum SyncRunner {
    public struct Outcome: Sendable {
        public var run: Int64
        public var summary: RunSummary
        /// ok, failed or interrupted
        public var status: String
        public var error: String?
        /// Kind-specific counts: pages, requests, retries (http); records, states, logs, bad_lines (external).
        public var detail: [String: JSONValue]
        public var stderrTail: String = ""

        public var json: JSONValue {
            guard case .object(var o) = summary.json else { return .null }
            o["run_id"] = .int(Int(run))
            o["status"] = .string(status)
            o["error"] = error.map { .string($0) } ?? .null
            o["detail"] = .object(detail)
            return .object(o)
        }

        public var text: String {
            var lines = [summary.text]
            let d = detail.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.scalarText ?? $0.value.jsonText)" }.joined(separator: ", ")
            lines.append("run \(run): \(status.uppercased())" + (d.isEmpty ? "" : " (\(d))"))
            if let error { lines.append("error: \(error)") }
            return lines.joined(separator: "\n")
        }
    }

    public struct Options {
        public var trigger = "cli"
        /// Ignore the saved state and read everything again (records already stored come back `unchanged`).
        public var fullRefresh = false
        public var onLog: ((String, String) -> Void)? = nil
        /// Acceptance-kit hook: see `ExternalSync.interruptAfterStates`.
        public var interruptAfterStates: Int? = nil
        public var sleep: ((Double) -> Void)? = nil
        /// Polled between pages and messages: true ends the run as `interrupted` (the hub is stopping).
        public var isCancelled: @Sendable () -> Bool = { false }
        /// Called after each commit point (a saved STATE, a stored page) with the records read so far.
        public var onCommit: ((Int) -> Void)? = nil
        public init() {}
    }

    public static func run(hub: Hub, connector: Connector, options: Options = Options()) throws -> Outcome {
        try prepare(hub: hub, connector: connector, options: options).execute()
    }

    /// Takes the connector's lock and records the run as `running`; `execute` then does the sync (on any one
    /// thread: the API answers with the run id at once and syncs in the background).
    public static func prepare(hub: Hub, connector: Connector, options: Options = Options()) throws -> PreparedSync {
        guard let source = connector.source else {
            throw SyncError.config("\(connector.name) has no source to pull from: ingest its files with simpul ingest, or push them")
        }
        let lock = try SyncLock(dbPath: hub.store.db.path, connector: connector.name)
        do {
            // Any run of this connector still marked running was cut off (we hold its lock now).
            try hub.store.markInterruptedRuns(connector: connector.name, kind: source.kind)
            let ingestor = Ingestor(store: hub.store, normaliser: try RowNormaliser(connector: connector, schemas: hub.schemas))
            let session = try ingestor.begin(kind: source.kind, trigger: options.trigger)
            let state = options.fullRefresh ? nil : try hub.store.connectorState(connector.name)
            return PreparedSync(connector: connector, source: source, session: session, state: state, options: options, lock: lock)
        } catch {
            lock.release()
            throw error
        }
    }
}

/// A sync run that holds its connector's lock and has its run id; `execute` runs it once and releases the lock.
public final class PreparedSync: @unchecked Sendable {
    let connector: Connector
    let source: SyncSource
    let session: IngestSession
    let state: JSONValue?
    let options: SyncRunner.Options
    let lock: SyncLock

    public var run: Int64 { session.run }

    init(connector: Connector, source: SyncSource, session: IngestSession, state: JSONValue?, options: SyncRunner.Options, lock: SyncLock) {
        self.connector = connector
        self.source = source
        self.session = session
        self.state = state
        self.options = options
        self.lock = lock
    }

    public func execute() throws -> SyncRunner.Outcome {
        defer { lock.release() }
        var status = "ok"
        var error: String? = nil
        var detail: [String: JSONValue] = [:]
        var tail = ""
        switch source {
        case .external(let ext):
            var sync = ExternalSync(connector: connector, source: ext)
            sync.onLog = options.onLog
            sync.interruptAfterStates = options.interruptAfterStates
            sync.isCancelled = options.isCancelled
            sync.onCommit = options.onCommit
            do {
                let r = try sync.read(into: session, state: state)
                detail = ["records": .int(r.records), "states": .int(r.states), "logs": .int(r.logs), "bad_lines": .int(r.badLines),
                          "exit_status": .int(Int(r.exitStatus))]
                tail = r.stderrTail
                if r.interrupted { status = "interrupted"; error = r.failure } else if let f = r.failure { status = "failed"; error = f }
            } catch let e {
                status = "failed"
                error = "\(e)"
            }
        case .http(let h):
            var pull = HTTPPull(connector: connector, source: h)
            pull.onLog = options.onLog
            pull.isCancelled = options.isCancelled
            pull.onCommit = options.onCommit
            if let s = options.sleep { pull.sleep = s }
            let r = pull.pull(into: session, state: state)
            detail = ["pages": .int(r.pages), "requests": .int(r.requests), "retries": .int(r.retries)]
            if r.cancelled { status = "interrupted"; error = r.failure } else if let f = r.failure { status = "failed"; error = f }
        }
        let summary = try session.finish(status: status, error: error)
        return SyncRunner.Outcome(run: session.run, summary: summary, status: status, error: error, detail: detail, stderrTail: tail)
    }
}


/// An exclusive `flock` on `<db>.sync-<connector>.lock`, released on `release()` or when the process dies.
final class SyncLock {
    let fd: Int32
    init(dbPath: String, connector: String) throws {
        let path = dbPath + ".sync-" + connector + ".lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SyncError.config("cannot open \(path): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw SyncError.busy("\(connector) is already running (another simpul process holds \(path))")
        }
    }
    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
