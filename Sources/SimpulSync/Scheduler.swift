import Foundation
import SimpulConnectors
import SimpulIngest
import SimpulJSON

/// Runs sync connectors on their `schedule.every` inside `simpul serve`: one thread per connector, so a slow or
/// failing connector never holds up another; every run lands in `runs` (`simpul connector runs`,
/// `GET /v1/connectors/runs`). A connector whose source needs an environment variable that is not set is not
/// scheduled (said once in the log).
public final class Scheduler: @unchecked Sendable {
    public struct Entry: Sendable {
        public var connector: Connector
        public var every: Double
        public init(connector: Connector, every: Double) {
            self.connector = connector
            self.every = every
        }
    }

    let home: HubHome
    let dbPath: String
    public let entries: [Entry]
    let firstDelay: Double
    let log: @Sendable (String) -> Void
    let afterRun: @Sendable (SyncRunner.Outcome) -> Void
    private let cond = NSCondition()
    private var stopped = false
    private var running = 0

    /// Connectors with a schedule whose source can be reached from this environment.
    public static func scheduled(home: HubHome, log: (String) -> Void) -> [Entry] {
        var out: [Entry] = []
        for name in home.connectorNames() {
            guard let c = try? Connector.load(directory: home.connectorsDir + "/" + name), let every = c.every, let source = c.source else { continue }
            if let missing = missingEnvironment(source) {
                log("sync \(name): not scheduled: \(missing)")
                continue
            }
            out.append(Entry(connector: c, every: Double(every)))
        }
        return out
    }

    static func missingEnvironment(_ source: SyncSource) -> String? {
        do {
            switch source {
            case .http(let h): _ = try h.resolved()
            case .external(let e):
                _ = try e.resolvedConfig()
            }
            return nil
        } catch {
            return "\(error)"
        }
    }

    public init(home: HubHome, dbPath: String, entries: [Entry], firstDelay: Double = 2,
                log: @escaping @Sendable (String) -> Void, afterRun: @escaping @Sendable (SyncRunner.Outcome) -> Void) {
        self.home = home
        self.dbPath = dbPath
        self.entries = entries
        self.firstDelay = firstDelay
        self.log = log
        self.afterRun = afterRun
    }

    public func start() {
        for e in entries {
            log("sync \(e.connector.name): every \(Int(e.every)) s")
            let t = Thread { [self] in loop(e) }
            t.name = "sync-\(e.connector.name)"
            t.start()
        }
    }

    /// No new runs; waits (up to `grace` seconds) for runs in progress to end.
    public func stop(grace: Double = 30) {
        cond.lock()
        stopped = true
        cond.broadcast()
        let deadline = Date().addingTimeInterval(grace)
        while running > 0 && cond.wait(until: deadline) {}
        cond.unlock()
    }

    var isStopped: Bool {
        cond.lock()
        defer { cond.unlock() }
        return stopped
    }

    /// Sleeps until `date` or a stop; true when stopped.
    private func sleep(until date: Date) -> Bool {
        cond.lock()
        defer { cond.unlock() }
        while !stopped && cond.wait(until: date) {}
        return stopped
    }

    func loop(_ e: Entry) {
        var next = Date().addingTimeInterval(firstDelay)
        while true {
            if sleep(until: next) { return }
            cond.lock()
            if stopped {
                cond.unlock()
                return
            }
            running += 1
            cond.unlock()
            let started = Date()
            runOnce(e.connector)
            cond.lock()
            running -= 1
            cond.broadcast()
            cond.unlock()
            // The next run is due one interval after this one started (never two at once).
            next = max(started.addingTimeInterval(e.every), Date())
        }
    }

    func runOnce(_ c: Connector) {
        do {
            let hub = try Hub(home: home, dbPath: dbPath)
            var o = SyncRunner.Options()
            o.trigger = "schedule"
            o.isCancelled = { [self] in isStopped }
            let outcome = try SyncRunner.run(hub: hub, connector: c, options: o)
            let s = outcome.summary
            log("sync \(c.name): run \(outcome.run) \(outcome.status): read \(s.read), accepted \(s.accepted), unchanged \(s.unchanged), dead-lettered \(s.deadLettered)"
                + (outcome.error.map { "; \($0)" } ?? ""))
            afterRun(outcome)
        } catch {
            log("sync \(c.name): not run: \(error)")
        }
    }
}
