import Dispatch
import Foundation
import SimpulAPI
import SimpulHTTP
import SimpulIngest
import SimpulJSON
import SimpulNormalise
import SimpulStorage
import SimpulSync
#if canImport(Glibc)
import Glibc
#endif

/// `serve`, `opd …` and `audit …`.
enum ServeCommands {
    static let specs: [CommandSpec] = [
        CommandSpec(name: "serve", summary: "serve the HTTP API until SIGTERM or SIGINT", arguments: "", minArgs: 0, maxArgs: 0,
                    options: [Opt(name: "--host", value: "ADDR", help: "IPv4 address to listen on (default 127.0.0.1)"),
                              Opt(name: "--port", value: "N", help: "port (default 8080; 0 = any free port)"),
                              Opt(name: "--workers", value: "N", help: "threads for the slower handlers (default 3 × cores; no thread waits for an audit commit)"),
                              Opt(name: "--loops", value: "N", help: "event-loop threads, which also answer the quick routes (default: one per core)"),
                              corsOption,
                              Opt(name: "--no-schedule", value: nil, help: "do not run sync connectors on their schedules"), Commands.db],
                    details: "Routes: see /openapi.json and docs/api.md. Sync connectors with a schedule run on it (docs/connectors.md); "
                        + "see simpul connector runs. SIGTERM/SIGINT: stop accepting, finish in-flight requests and syncs, exit.",
                    run: { try serve($0) }),
        CommandSpec(name: "opd add", summary: "register an OPD and print its token (shown once)", arguments: "NAME", minArgs: 1, maxArgs: 1,
                    options: [Opt(name: "--grant", value: "SCHEMA:FIELD,…|SCHEMA:*|*", help: "what it may read (also reconciliation:*, audit:*, persons:* for stewards, ingest:CONNECTOR,…); repeat for several", repeatable: true),
                              Opt(name: "--purpose", value: "CODE", help: "a purpose it may state in X-Purpose; repeat or comma-separate", repeatable: true),
                              Opt(name: "--rate", value: "N", help: "requests a minute (default 600)"),
                              Opt(name: "--expires", value: "YYYY-MM-DD", help: "the token stops working at the start of that day (UTC)"),
                              Commands.db, Commands.json],
                    details: "The token is stored only as its SHA-256 hash: keep the printed token; revoke and add again to replace it.",
                    run: { try add($0) }),
        CommandSpec(name: "opd list", summary: "list OPDs with their grants and purposes (never tokens)", arguments: "", minArgs: 0, maxArgs: 0,
                    options: [Commands.db, Commands.json], run: { try list($0) }),
        CommandSpec(name: "opd revoke", summary: "revoke an OPD's token", arguments: "NAME", minArgs: 1, maxArgs: 1,
                    options: [Commands.db], run: { try revoke($0) }),
        CommandSpec(name: "audit verify", summary: "check the audit log's hash chain; names the first bad entry", arguments: "", minArgs: 0, maxArgs: 0,
                    options: [Opt(name: "--heads", value: "FILE", help: "heads published earlier (lines of `audit head --json`, or ID:HASH): each must still be in the chain"),
                              Commands.db, Commands.json],
                    details: """
                        Exits 65 when an entry was edited, deleted or reordered. The chain alone cannot show that its newest
                        entries were removed, or that every hash was recomputed after an edit: publish `simpul audit head`
                        outside the hub (daily, say) and pass the published heads with --heads to find that too.
                        """,
                    run: { try verify($0) }),
        CommandSpec(name: "audit new-log", summary: "start a new audit log when the hub's own is lost or replaced (recorded in the new log)",
                    arguments: "", minArgs: 0, maxArgs: 0,
                    options: [Opt(name: "--reason", value: "TEXT", help: "why: recorded in the new log (no personal data)"), Commands.db, Commands.json],
                    details: """
                        A hub refuses to open without its own audit log (simpul.db-audit beside simpul.db): a new empty log
                        would tell a citizen nobody read their data. Restore the log from the backup taken with the hub
                        first. When it is truly gone, this starts a new log: its first entry and `audit verify` say which log
                        it replaced, when and why. A file in the way is kept as simpul.db-audit.replaced-<time>.
                        """,
                    run: { try newLog($0) }),
        CommandSpec(name: "audit head", summary: "the audit chain's newest entry and its hash, to publish outside the hub", arguments: "",
                    minArgs: 0, maxArgs: 0, options: [Commands.db, Commands.json],
                    details: "Append it to a file elsewhere (`simpul audit head --json >> /mnt/saksi/heads.ndjson`) and check later with `simpul audit verify --heads FILE`.",
                    run: { try head($0) }),
        CommandSpec(name: "audit access", summary: "who read a person's data, when, for what purpose", arguments: "", minArgs: 0, maxArgs: 0,
                    options: [Opt(name: "--nik", value: "NIK", help: "the person's NIK (spaces or dots as printed are fine)"),
                              Opt(name: "--person", value: "ID", help: "or the person's id, for a person without a NIK (P…)"),
                              Opt(name: "--limit", value: "N", help: "the newest N reads (default 1000)"), Commands.db, Commands.json],
                    run: { try access($0) }),
    ]

    static let corsOption = Opt(name: "--cors-origin", value: "ORIGIN",
                                help: "a browser origin whose pages may call the API (https://dasbor.dinkes.go.id; * for any); repeat or comma-separate; none by default",
                                repeatable: true)

    /// The `--cors-origin` values as a policy; a usage error names a value that is not an origin.
    static func cors(_ inv: Invocation) throws -> CORSPolicy {
        do { return try CORSPolicy(inv.values("--cors-origin")) } catch { throw UsageError("--cors-origin: \(error)", verb: inv.spec.name) }
    }

    /// Handler threads. No thread waits for an audit commit (the audit writer hands the answer on), so a few per
    /// core keep the cores busy; more only add context switches (docs/performance.md). Above one per core, so a
    /// slow request (a large report, a push) does not hold up the rest.
    static var defaultWorkers: Int { 3 * max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Event loops: one per core. Quick routes (a citizen by NIK, health) are answered on them with no handoff.
    static var defaultLoops: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    static func serve(_ inv: Invocation) throws -> Int32 {
        let home = try HubHome.locate()
        return try runServer(dbPath: inv.dbPath, home: home, host: inv.value("--host") ?? "127.0.0.1", port: try inv.int("--port", default: 8080, max: 65535),
                             workers: try inv.int("--workers", default: defaultWorkers, min: 1), loops: try inv.int("--loops", default: defaultLoops, min: 1),
                             schedule: !inv.flag("--no-schedule"), cors: try cors(inv)) { url in
            Console.out("simpul serving \(inv.dbPath) on \(url)  (Ctrl-C to stop)")
        }
    }

    /// Serves the API on `dbPath` until SIGTERM or SIGINT (graceful: feeds end, in-flight requests finish).
    /// `ready` gets the base URL once the socket listens.
    static func runServer(dbPath: String, home: HubHome, host: String, port: Int, workers: Int, loops: Int = defaultLoops, schedule: Bool = true,
                          cors: CORSPolicy = .none, ready: (String) -> Void) throws -> Int32 {
        // SIGTERM and SIGINT are taken by a thread of their own that waits for them (`sigwait`, no descriptor needed),
        // so they are blocked here, before any other thread starts (threads inherit the mask). With a dispatch
        // signal source (a descriptor of its own, registered a moment after start), a test that flooded a new server
        // with connections under `ulimit -n 120` once left it running after SIGTERM, the signal pending.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        for sig in [SIGTERM, SIGINT] { sigaddset(&stopSignals, sig) }
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
        defer { pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil) }
        // Descriptors for the connection cap (and the hub's files): past the limit, new connections get 503.
        let files = HTTPServer.raiseOpenFilesLimit(), cap = HTTPLimits().maxConnections
        if files >= 0 && files < cap + 64 {
            Console.err("simpul: the open-files limit is \(files) (ulimit -n), below the \(cap) connections the server takes: "
                        + "past about \(max(0, files - 64)) connections new ones get 503; raise the hard limit (LimitNOFILE= in a systemd unit)")
        }
        let api = try API(dbPath: dbPath, schemas: try Hub.schemas(home: home), home: home, cors: cors)
        let server: HTTPServer
        do {
            server = try HTTPServer(host: host, port: port, workers: max(1, workers), loops: loops, quick: { api.isQuick($0) }, errorResponder: { status, message in
                APIError(status, APIError.code(for: status), message).response
            }, handler: { api.handle($0) })
        } catch {
            Console.err("simpul: \(error)")
            return ExitCode.unavailable
        }
        api.openConnections = { server.openConnections }
        server.roundEnd = { api.endOfRound() }
        let waitSet = stopSignals
        let signals = Thread {
            var set = waitSet, sig: Int32 = 0
            while sigwait(&set, &sig) != 0 {}
            api.shutdown()
            server.stop()
        }
        signals.start()
        ready("http://\(host):\(server.port)")
        var scheduler: Scheduler? = nil
        if schedule {
            let entries = Scheduler.scheduled(home: home) { Console.err($0) }
            if !entries.isEmpty {
                scheduler = Scheduler(home: home, dbPath: dbPath, entries: entries, log: { Console.err($0) }, afterRun: { _ in
                    // The person index takes in the synced mentions, never at the same time as a push or steward action.
                    _ = api.withIndexLock { PersonCommands.updateAfterIngest(dbPath: dbPath, home: home) }
                })
                scheduler?.start()
            }
        }
        server.run()
        scheduler?.stop()
        api.close()
        Console.out("simpul: stopped")
        return ExitCode.ok
    }

    static func add(_ inv: Invocation) throws -> Int32 {
        let grants = inv.values("--grant"), purposes = inv.values("--purpose")
        guard !grants.isEmpty else { throw UsageError("--grant is required (e.g. --grant citizen:nik,nama or --grant '*')", verb: inv.spec.name) }
        guard !purposes.isEmpty else { throw UsageError("--purpose is required (e.g. --purpose layanan-kesehatan)", verb: inv.spec.name) }
        var expires: Int64? = nil
        if let e = inv.value("--expires") {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = "yyyy-MM-dd"
            guard let d = f.date(from: e) else { throw UsageError("--expires takes a date YYYY-MM-DD", verb: inv.spec.name) }
            // A token that would be refused at once is a typo (a year), not an OPD anyone wants.
            guard d > Date() else { throw UsageError("--expires \(e) is not in the future: the token would be refused at once", verb: inv.spec.name) }
            expires = Int64(d.timeIntervalSince1970)
        }
        let (opd, token): (OPD, String)
        do {
            let home = try HubHome.locate()
            try API.checkGrants(grants, schemas: try Hub.schemas(home: home), connectors: home.connectorNames())
            let store = try HubStore(path: inv.dbPath)
            (opd, token) = try store.addOPD(name: inv.arguments[0], grants: grants, purposes: purposes,
                                            ratePerMinute: try inv.int("--rate", default: 600, min: 1), expiresAt: expires)
        } catch let e as StoreOpenError {
            throw UsageError(e.message, verb: inv.spec.name)
        } catch let e as APIError {
            throw UsageError(e.message, verb: inv.spec.name)
        }
        if inv.json {
            Console.out(JSONValue.object(["opd": .string(opd.name), "token": .string(token)]).jsonText)
        } else {
            Console.out("OPD \(opd.name) added. Its token (shown only now, keep it safe):\n\n  \(token)\n")
            Console.out("Use: curl -H 'Authorization: Bearer \(token)' -H 'X-Purpose: \(opd.purposes[0])' http://127.0.0.1:8080/v1/…")
        }
        return ExitCode.ok
    }

    static func list(_ inv: Invocation) throws -> Int32 {
        let opds = try HubStore(path: try inv.existingDBPath).opds()
        if inv.json {
            Console.out(JSONValue.array(opds.map(\.json)).jsonText)
        } else {
            if opds.isEmpty { Console.out("no OPDs yet: simpul opd add NAME --grant … --purpose …") }
            let now = Int64(Date().timeIntervalSince1970)
            for o in opds {
                let state = o.revokedAt != nil ? "revoked" : o.active(at: now) ? "active" : "expired"
                guard case .object(let j) = o.json else { continue }
                Console.out("\(o.name)  [\(state)]  grants \(j["grants"]!.jsonText)  purposes \(o.purposes.joined(separator: ","))  \(o.ratePerMinute)/min")
            }
        }
        return ExitCode.ok
    }

    static func revoke(_ inv: Invocation) throws -> Int32 {
        guard try HubStore(path: try inv.existingDBPath).revokeOPD(inv.arguments[0]) else {
            Console.err("simpul opd revoke: no active OPD named \(inv.arguments[0])")
            return ExitCode.noInput
        }
        Console.out("OPD \(inv.arguments[0]) revoked: its token is refused from now on")
        return ExitCode.ok
    }

    static func verify(_ inv: Invocation) throws -> Int32 {
        var heads: [AuditHead] = []
        if let file = inv.value("--heads") {
            guard let data = FileManager.default.contents(atPath: file) else {
                Console.err("simpul audit verify: cannot read the heads file \(file)")
                return ExitCode.noInput
            }
            for (k, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where !line.allSatisfy(\.isWhitespace) {
                switch AuditHead.parse(String(line)) {
                case .success(let h): heads.append(h)
                case .failure(let e):
                    Console.err("simpul audit verify: \(file) line \(k + 1) is not a published head: \(e) (expected a line of `simpul audit head --json`, or ID:HASH)")
                    return ExitCode.dataError
                }
            }
        }
        let store = try HubStore(path: try inv.existingDBPath)
        let (n, broken) = try store.verifyAudit(heads: heads)
        let replaced = try store.auditLogReplacement()
        if inv.json {
            Console.out(JSONValue.object(["entries_verified": .int(n), "ok": .bool(broken == nil), "heads_checked": .int(heads.count),
                                          "broken_at": broken.map { .int(Int($0.id)) } ?? .null,
                                          "reason": broken.map { .string($0.reason) } ?? .null,
                                          "replaced_log": replaced.map { .object(["previous_log": .string($0.previous), "reason": .string($0.reason),
                                                                                  "at": .string($0.at)]) } ?? .null]).jsonText)
        } else {
            if let broken {
                Console.out("audit log BROKEN at entry \(broken.id): \(broken.reason) (\(n) entries before it verified)")
            } else {
                let against = heads.isEmpty ? "" : ", and \(heads.count) published head\(heads.count == 1 ? "" : "s") found in it"
                Console.out("audit log intact: \(n) entries, hash chain verified\(against)")
            }
            if let r = replaced {
                Console.out("note: this log was started on \(r.at) in place of log \(r.previous.prefix(12)), missing or replaced: \(r.reason)")
            }
        }
        return broken == nil ? ExitCode.ok : ExitCode.dataError
    }

    static func newLog(_ inv: Invocation) throws -> Int32 {
        guard let reason = inv.value("--reason")?.trimmingCharacters(in: .whitespacesAndNewlines), !reason.isEmpty, reason.count <= 500 else {
            throw UsageError("--reason TEXT is required (up to 500 characters): why the hub's audit log is being started again", verb: inv.spec.name)
        }
        let path = try inv.existingDBPath
        // The open starts a new log only when the hub's own is missing or foreign: the log id says whether it did.
        let before = try HubStore.pairedAuditLogID(hubPath: path)
        let store = try HubStore(path: path, newAuditLog: reason)
        let id = try store.auditLogID() ?? ""
        if before == nil || id == before {
            Console.out(inv.json ? JSONValue.object(["started": .bool(false), "log": .string(id)]).jsonText
                        : "the hub's own audit log is in place (\(HubStore.auditLogPath(hubPath: path))): nothing was changed")
            return ExitCode.ok
        }
        let previous = try store.auditLogReplacement()?.previous ?? ""
        Console.out(inv.json ? JSONValue.object(["started": .bool(true), "log": .string(id), "previous_log": .string(previous)]).jsonText
                    : "a new audit log \(id.prefix(12)) was started in place of log \(previous.prefix(12)); its first entry records it")
        return ExitCode.ok
    }

    static func head(_ inv: Invocation) throws -> Int32 {
        let h = try HubStore(path: try inv.existingDBPath).auditHead()
        if inv.json {
            Console.out(h.json.jsonText)
        } else {
            Console.out("audit head: entry \(h.id)\(h.at.map { " at " + HubStore.isoTimeMillis($0) } ?? " (the log is empty)"), hash \(h.hash)")
        }
        return ExitCode.ok
    }

    static func access(_ inv: Invocation) throws -> Int32 {
        let nik = inv.value("--nik").map(PersonCommands.nikOrID), person = inv.value("--person")
        guard (nik == nil) != (person == nil) else { throw UsageError("give --nik NIK or --person ID", verb: inv.spec.name) }
        if let nik, !NIK.isSixteenDigits(nik) { throw UsageError("--nik takes a 16-digit NIK", verb: inv.spec.name) }
        if let person, !HubStore.isPersonID(person) {
            throw UsageError("--person takes a person id (P and 16 hexadecimal digits)", verb: inv.spec.name)
        }
        let store = try HubStore(path: try inv.existingDBPath)
        guard let subjects = try store.auditSubjects(nikOrID: nik ?? person!) else {
            Console.err("simpul: no person \(person!)")
            return ExitCode.noInput
        }
        let limit = try inv.int("--limit", default: 1000, min: 1, max: 10_000_000)
        let (entries, more) = try HubStore.firstPage(limit: limit) { try store.auditAccess(subjects: subjects, limit: $0) }
        if more {
            Console.moreThanShown("the newest \(limit) reads", hint: "--limit N shows more; simpul persons report lists up to 100,000")
        }
        if inv.json {
            Console.out(JSONValue.object([nik == nil ? "person" : "nik": .string(nik ?? person!),
                                          "access": .array(entries.map(\.json))]).jsonText)
        } else {
            if entries.isEmpty { Console.out("no recorded access to this person's data") }
            for e in entries {
                Console.out("\(HubStore.isoTimeMillis(e.at))  \(e.opd)  purpose \(e.purpose ?? "-")  \(e.route)  \(e.result)")
            }
        }
        return ExitCode.ok
    }
}
