import Foundation
import SimpulStorage

/// Group commit for the audit log. Requests hand in their entry with what to do once it is durable (or block until
/// then); one writer thread takes everything waiting and commits it in one transaction (one fsync), so under load
/// many answers share one disk flush instead of queueing for one each. A failed commit fails every request in it
/// (fail closed: no personal data leaves without its entry). No request thread waits for the disk: the answer is
/// handed on by the writer thread after the commit.
final class AuditWriter: @unchecked Sendable {
    /// Entries committed together.
    final class Batch {
        var items: [AuditItem] = []
        /// Called after the commit with nil, or with the failure.
        var then: [@Sendable (String?) -> Void] = []
        /// Its own condition, so a commit wakes only the requests in it.
        let cond = NSCondition()
        var done = false
        var error: String?
    }

    struct Failed: Error { var reason: String }

    private let dbPath: String
    private let cond = NSCondition()
    private var open = Batch()
    private var started = false
    /// Commits so far, and entries in them (for /metrics and the benchmark).
    private(set) var commits = 0
    private(set) var entries = 0

    init(dbPath: String) { self.dbPath = dbPath }

    /// Returns once the entry is durable, or throws if its commit failed.
    func append(_ item: AuditItem) throws {
        let batch = enqueue(item, then: nil)
        batch.cond.lock()
        defer { batch.cond.unlock() }
        while !batch.done { batch.cond.wait() }
        if let e = batch.error { throw Failed(reason: e) }
    }

    /// Returns at once; `then` runs on the writer thread once the entry is durable (nil) or its commit failed (the
    /// kind of failure). `then` must be quick: the next commit waits for it.
    func append(_ item: AuditItem, then: @escaping @Sendable (String?) -> Void) {
        _ = enqueue(item, then: then)
    }

    private func enqueue(_ item: AuditItem, then: (@Sendable (String?) -> Void)?) -> Batch {
        cond.withLock { () -> Batch in
            if !started {
                started = true
                let t = Thread { [self] in loop() }
                t.name = "simpul-audit"
                t.start()
                let c = Thread { [self] in maintenance() }
                c.name = "simpul-maintenance"
                c.start()
            }
            open.items.append(item)
            if let then { open.then.append(then) }
            cond.signal()
            return open
        }
    }

    var stats: (commits: Int, entries: Int) { cond.withLock { (commits, entries) } }

    /// Fills the audit log's by-person index every two seconds (`HubStore.indexAuditPersons`). Copies the
    /// write-ahead log back into the database four times a second (PASSIVE: never blocks the audit
    /// writer or readers), so no commit pays for it. Under steady load some reader always holds a recent snapshot, so
    /// SQLite never gets to start the log over and it would grow without end (2 GB in 30 s at 13,000 req/s): past
    /// 64 MiB a RESTART checkpoint waits for the readers of the moment to finish and starts it over (writers wait
    /// meanwhile, retrying every 100 µs), and `journal_size_limit` cuts the file back.
    private func maintenance() {
        var store: HubStore? = nil
        // Each file's restart threshold in WAL frames (pages of that file's size), read when the store is opened.
        var restartFrames: [(schema: String, frames: Int64)] = []
        var ticks = 0
        var failing = false
        while true {
            Thread.sleep(forTimeInterval: 0.25)
            ticks += 1
            do {
                if store == nil {
                    store = try HubStore(path: dbPath)
                    store!.db.retryWhenBusyInFineSteps()
                    restartFrames = try ["main", "auditlog"].map { ($0, Self.restartBytes / max(512, try store!.db.scalarInt("PRAGMA \($0).page_size"))) }
                }
                // The by-person index every two seconds: the larger the batch, the fewer times each page is written.
                // Transactions of 500 rows hold the write lock briefly (p99 24 → 12 ms against 2,000 on a 3M-entry log),
                // with a pause between them in which the audit writer takes the lock.
                if ticks % 8 == 0 { _ = try store!.indexAuditPersons(chunk: 500, pause: 0.002) }
                // The hub's file and the audit log's, each with its own write-ahead log.
                for (schema, restart) in restartFrames {
                    let frames = try store!.db.rows("PRAGMA \(schema).wal_checkpoint(PASSIVE)").first?[1].int ?? 0
                    if frames > restart {
                        try store!.db.execute("PRAGMA \(schema).wal_checkpoint(RESTART)")
                    }
                }
                failing = false
            } catch {
                // Said once per spell of failures; audit access stays complete meanwhile (it reads past the index).
                if !failing { ServerLog.line("audit index and checkpoints failed (\(type(of: error))); retrying every quarter second") }
                failing = true
                store = nil
            }
        }
    }

    /// The write-ahead log's size past which it is started over.
    static let restartBytes: Int64 = 64 << 20

    private func loop() {
        var store: HubStore? = nil
        while true {
            cond.lock()
            while open.items.isEmpty { cond.wait() }
            let batch = open
            open = Batch()
            cond.unlock()
            var failure: String? = nil
            do {
                if store == nil {
                    store = try HubStore(path: dbPath)
                    // Checkpoints run on their own thread (below), not inside a commit that requests wait for.
                    try store!.db.execute("PRAGMA wal_autocheckpoint=0")
                    store!.db.retryWhenBusyInFineSteps()
                }
                _ = try store!.appendAudits(batch.items)
            } catch {
                // Only the kind of failure: store errors never carry bound values, but stay on the safe side.
                failure = "\(type(of: error))"
                store = nil
            }
            cond.withLock {
                if failure == nil {
                    commits += 1
                    entries += batch.items.count
                }
            }
            batch.cond.withLock {
                batch.error = failure
                batch.done = true
                batch.cond.broadcast()
            }
            for then in batch.then { then(failure) }
        }
    }
}
