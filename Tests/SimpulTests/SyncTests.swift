import Foundation
import SimpulAPI
import SimpulCLI
import SimpulConnectors
import SimpulHTTP
import SimpulIngest
import SimpulJSON
import SimpulStorage
import SimpulSync
import SimpulTestSupport
import Synchronization
import Testing

/// Sync connectors: external programs (the connector protocol) and HTTP pull, against programs and a fake
/// SiCantik API started here; schedules; the run history.
@Suite(.serialized) struct SyncTests {
    /// A connector folder: an external program (a shell script) mapped to `permit`.
    static func externalConnector(_ t: TestHub, name: String, script: String, idle: Double = 60) throws -> Connector {
        let dir = t.dir + "/" + name
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try script.write(toFile: dir + "/connector.sh", atomically: true, encoding: .utf8)
        try """
            {"name": "\(name)", "source_system": "Uji",
             "source": {"type": "external", "command": ["sh", "connector.sh"], "streams": ["s"], "idle_timeout_seconds": \(idle)},
             "row_key": "{@id}",
             "outputs": [{"schema": "permit", "source_key": "{$row_key}",
                          "fields": {"no_permohonan": {"from": "id", "required": true}, "nama_pemohon": {"from": "nama", "transform": "name"}}}]}
            """.write(toFile: dir + "/connector.json", atomically: true, encoding: .utf8)
        return try Connector.load(directory: dir)
    }

    static func run(_ t: TestHub, _ c: Connector, full: Bool = false) throws -> SyncRunner.Outcome {
        var o = SyncRunner.Options()
        o.fullRefresh = full
        o.sleep = { _ in }
        return try SyncRunner.run(hub: t.hub, connector: c, options: o)
    }

    @Test func aConnectorPrintingGarbageIsReportedAndNeverCrashesTheHub() throws {
        let t = try TestHub()
        let c = try Self.externalConnector(t, name: "garbage", script: #"""
            echo 'hello world'
            echo '{"type":"RECORD","record":{"stream":"s","data":{"id":"1","nama":"siti aminah"}}}'
            echo '{"type":"RECORD","record":{"stream":"s","data":[1,2]}}'
            echo '{"type":"WHAT"}'
            echo '{"type":"STATE","state":{"data":{"n":1}}}'
            echo '{"type":"RECORD","record":{"stream":"other","data":{"id":"2"}}}'
            echo '{"type":"LOG","log":{"level":"INFO","message":"hi"}}'
            echo '{"type":"RECORD","record":{"stream":"s","data":{"id":"3","nama":"rahma badu"}}}'
            echo '{"type":"ERROR","error":{"message":"database locked at the source"}}'
            echo 'some diagnostics' >&2
            exit 3
            """#)
        let r = try Self.run(t, c)
        #expect(r.status == "failed")
        #expect(r.error?.contains("database locked at the source") == true)
        #expect((r.summary.read, r.summary.accepted, r.summary.deadLettered) == (6, 2, 4))
        #expect(r.stderrTail.contains("some diagnostics"))
        // Records before and after the STATE are committed; the state is the last one sent.
        #expect(try t.store.record(schema: "permit", sourceKey: "3") != nil)
        #expect(try t.store.connectorState("garbage") == .object(["n": .int(1)]))
        let dead = try t.store.deadLetters(connector: "garbage", status: "open", limit: 10).sorted { $0.line < $1.line }
        #expect(dead.map(\.line) == [1, 3, 4, 6])
        #expect(dead[0].reason.contains("not a JSON message"))
        #expect(dead[2].reason.contains("unknown message type WHAT"))
        #expect(dead[3].field == "stream")
        let runs = try t.store.runs(connector: "garbage")
        #expect(runs.first?.status == "failed" && runs.first?.kind == "external")
        // The one-answer verbs report a line that is not a message too, even next to a good answer.
        let chatty = try Self.externalConnector(t, name: "chatty", script: #"""
            echo 'starting up...'
            echo '{"type":"SPEC","spec":{"connectionSpecification":{"type":"object"}}}'
            """#)
        guard case .external(let ext)? = chatty.source else { return }
        #expect { try ExternalSync(connector: chatty, source: ext).spec() } throws: { "\($0)".contains("spec: line 1: not a JSON message") }
    }

    @Test func aSilentConnectorTimesOutAndIsKilled() throws {
        let t = try TestHub()
        let c = try Self.externalConnector(t, name: "silent", script: "echo '{\"type\":\"LOG\",\"log\":{\"message\":\"starting\"}}'\nsleep 30\n", idle: 0.5)
        let started = Date()
        let r = try Self.run(t, c)
        #expect(r.status == "failed")
        #expect(r.error?.contains("printed nothing for") == true)
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func aConnectorThatCannotStartFailsClearly() throws {
        let t = try TestHub()
        let dir = t.dir + "/missing"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try #"{"name":"missing","source":{"type":"external","command":["no-such-program-here"]},"row_key":"{@id}","outputs":[{"schema":"permit","source_key":"{$row_key}","fields":{"no_permohonan":"id"}}]}"#
            .write(toFile: dir + "/connector.json", atomically: true, encoding: .utf8)
        let r = try Self.run(t, try Connector.load(directory: dir))
        #expect(r.status == "failed")
        #expect(r.error?.contains("127") == true || r.error?.contains("cannot start") == true)
    }

    @Test func twoRunsOfOneConnectorNeverOverlap() throws {
        let t = try TestHub()
        let c = try Self.externalConnector(t, name: "slow", script: "sleep 3\n")
        let db = t.dir + "/simpul.db"
        let home = t.home
        let other = Thread { _ = try? SyncRunner.run(hub: try! Hub(home: home, dbPath: db), connector: c) }
        other.start()
        // Once the first run is recorded as running (it holds the lock from before that), a second is refused.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, try t.store.runs(connector: "slow").first?.status != "running" { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try t.store.runs(connector: "slow").first?.status == "running")
        #expect(throws: SyncError.self) { try SyncRunner.run(hub: t.hub, connector: c) }
    }

    // MARK: HTTP pull against a fake SiCantik

    /// The sicantik connector pointed at `fake`, with quick backoff and a short timeout.
    static func sicantik(_ t: TestHub, _ fake: FakeSiCantik, url: String? = nil, retries: Int = 3, sorted: Bool = true) throws -> Connector {
        let dir = try t.copyConnector("sicantik", as: "sicantik-pull")
        let cfg = dir + "/connector.json"
        guard case .object(var o) = try JSONParser.parse(try String(contentsOfFile: cfg, encoding: .utf8)),
              case .object(var src)? = o["source"] else { throw SyncError.config("no source") }
        src["url"] = .string(url ?? fake.url + "/api/v1/permohonan")
        src["retries"] = .int(retries)
        src["backoff_seconds"] = .number("0.01")
        src["timeout_seconds"] = .number("1.0")
        // The fake answers in ascending updated-at order, as `sorted` declares.
        if case .object(var inc)? = src["incremental"] {
            inc["sorted"] = .bool(sorted)
            src["incremental"] = .object(inc)
        }
        o["source"] = .object(src)
        try JSONValue.object(o).jsonText.write(toFile: cfg, atomically: true, encoding: .utf8)
        return try Connector.load(directory: dir)
    }

    @Test func pullsEveryPageThenOnlyWhatChanged() throws {
        let t = try TestHub()
        let fake = try FakeSiCantik(count: 250)
        defer { fake.stop() }
        let c = try Self.sicantik(t, fake)
        let first = try Self.run(t, c)
        #expect(first.status == "ok")
        #expect(first.summary.accepted == 250)
        #expect(first.detail["pages"] == .int(3))
        #expect(fake.requests.count == 3)
        let cursor = try #require(try t.store.connectorState("sicantik-pull")?["updated_since"]?.stringValue)
        // Nothing new: only the newest records come back (updated_since is inclusive), all unchanged.
        let second = try Self.run(t, c)
        #expect(second.status == "ok" && second.summary.accepted == 0 && second.summary.unchanged >= 1)
        #expect(fake.requests.last?.contains("updated_since=" + HTTPClient.percentEncode(cursor)) == true)
        // One application changes at the source: the next run takes exactly that one.
        fake.edit(5, updatedAt: "2025-01-02 08:00:00")
        let third = try Self.run(t, c)
        #expect(third.summary.accepted == 1)
        #expect(try t.store.record(schema: "permit", sourceKey: "200005")?.data["status"] == .string("selesai"))
        #expect(try t.store.connectorState("sicantik-pull")?["updated_since"] == .string("2025-01-02 08:00:00"))
        // A full refresh reads everything again: all unchanged.
        let full = try Self.run(t, c, full: true)
        #expect(full.summary.accepted == 0 && full.summary.unchanged == 250)
    }

    @Test func aBusySourceIsAskedAgainWhenItSays() throws {
        let t = try TestHub()
        let fake = try FakeSiCantik(count: 150)
        defer { fake.stop() }
        let c = try Self.sicantik(t, fake)
        // Retry-After: 1 against a backoff of 0.01 s: the second try waits the second the source asked for.
        fake.script([.normal, .busy("1")])
        let slept = Mutex(0.0)
        var o = SyncRunner.Options()
        o.sleep = { s in slept.withLock { $0 += s } }
        let r = try SyncRunner.run(hub: t.hub, connector: c, options: o)
        #expect(r.status == "ok" && r.summary.accepted == 150 && r.detail["retries"] == .int(1))
        #expect(slept.withLock { $0 } == 1)
        // An hour is more than a pull waits: the run ends at once, saying so, with page 1 kept.
        let t2 = try TestHub()
        fake.script([.normal, .busy("3600")])
        let r2 = try Self.run(t2, c)
        #expect(r2.status == "failed" && r2.summary.accepted == 100)
        #expect(r2.error?.contains("asked to wait 3600 s") == true, "\(r2.error ?? "")")
    }

    @Test func retryAfterReadsSecondsAndDates() {
        let now = 1_795_737_600.0  // Fri, 27 Nov 2026 00:00:00 GMT
        #expect(HTTPClient.retryAfter("120", now: now) == 120)
        #expect(HTTPClient.retryAfter(" 0 ", now: now) == 0)
        #expect(HTTPClient.retryAfter("Fri, 27 Nov 2026 00:01:30 GMT", now: now) == 90)
        #expect(HTTPClient.retryAfter("Wed, 25 Nov 2026 00:00:00 GMT", now: now) == 0, "a date past is now")
        for bad in ["", "-5", "1.5", "soon", "99999999999", "Fri, 27 Nov 2026 25:00:00 GMT", "Fri, 27 Foo 2026 00:00:00 GMT",
                    "Friday, 27-Nov-26 00:00:00 GMT"] {
            #expect(HTTPClient.retryAfter(bad, now: now) == nil, "\(bad)")
        }
    }

    @Test func survives500sTimeoutsAndAMalformedPage() throws {
        let t = try TestHub()
        let fake = try FakeSiCantik(count: 250)
        defer { fake.stop() }
        let c = try Self.sicantik(t, fake)
        // 500, 503, a timeout: each retried with backoff, then the pull goes on.
        fake.script([.status(500), .status(503), .delay(2.5)])
        let r = try Self.run(t, c)
        #expect(r.status == "ok" && r.summary.accepted == 250)
        #expect(r.detail["retries"] == .int(3))

        // A malformed second page, every time: the run fails after its retries, page 1 stays committed, and the
        // saved state does not move past it.
        let t2 = try TestHub()
        fake.script([.normal, .malformed, .malformed, .malformed, .malformed])
        let failed = try Self.run(t2, c)
        #expect(failed.status == "failed")
        #expect(failed.error?.contains("page 2") == true && failed.error?.contains("not a JSON document") == true)
        #expect(failed.summary.accepted == 100)
        let saved = try #require(try t2.store.connectorState("sicantik-pull")?["updated_since"]?.stringValue)
        // The source recovers: the next run resumes from page 1's newest record and completes.
        let resumed = try Self.run(t2, c)
        #expect(resumed.status == "ok")
        #expect(try t2.store.recordCounts().first { $0.0 == "permit" }?.1 == 250)
        #expect(fake.requests.last?.contains("updated_since=") == true)
        #expect(saved < (try t2.store.connectorState("sicantik-pull")?["updated_since"]?.stringValue ?? ""))

        // Not declared sorted: the cursor moves only when every page was committed, so the failed run saves none.
        let t3 = try TestHub()
        let unsorted = try Self.sicantik(t3, fake, sorted: false)
        fake.script([.normal, .malformed, .malformed, .malformed, .malformed])
        let failed3 = try Self.run(t3, unsorted)
        #expect(failed3.status == "failed" && failed3.summary.accepted == 100)
        #expect(try t3.store.connectorState("sicantik-pull") == nil)
        let whole = try Self.run(t3, unsorted)
        #expect(whole.status == "ok" && whole.summary.accepted == 150 && whole.summary.unchanged == 100)
        #expect(try t3.store.connectorState("sicantik-pull")?["updated_since"] != nil)
    }

    @Test func a4xxIsNotRetriedAndADownSourceIsAClearError() throws {
        let t = try TestHub()
        let fake = try FakeSiCantik(count: 10)
        defer { fake.stop() }
        let c = try Self.sicantik(t, fake)
        fake.script([.status(401)])
        let r = try Self.run(t, c)
        #expect(r.status == "failed" && r.error?.contains("401") == true && r.error?.contains("not retried") == true)
        #expect(fake.requests.count == 1)

        // Nothing listening: connection refused, retried, then a clear error.
        let down = try Self.sicantik(try TestHub(), fake, url: "http://127.0.0.1:1/api/v1/permohonan", retries: 2)
        let t3 = try TestHub()
        let d = try Self.run(t3, down)
        #expect(d.status == "failed")
        #expect(d.error?.contains("cannot connect") == true && d.error?.contains("after 3 attempt(s)") == true)

        // An https URL from the environment: refused at once, and the token in it is in no message.
        setenv("SIMPUL_TEST_HTTPS_SOURCE", "https://example.org/api?token=S3CR3T", 1)
        defer { unsetenv("SIMPUL_TEST_HTTPS_SOURCE") }
        let https = try Self.sicantik(try TestHub(), fake, url: "${SIMPUL_TEST_HTTPS_SOURCE}")
        let h = try Self.run(try TestHub(), https)
        #expect(h.status == "failed" && h.error?.contains("not an http:// URL") == true)
        #expect(h.error?.contains("S3CR3T") == false && !h.summary.json.jsonText.contains("S3CR3T"))
    }

    @Test func anUnsetEnvironmentVariableIsAConfigError() throws {
        let t = try TestHub()
        // The reference sicantik connector reads ${SICANTIK_API_URL}.
        let r = try Self.run(t, try t.hub.connector("sicantik"))
        #expect(r.status == "failed" && r.error?.contains("SICANTIK_API_URL") == true)
        #expect(try expandEnvironment("${X:-http://a}/b", [:]) == "http://a/b")
        #expect(try expandEnvironment("${X:-http://a}/b", ["X": "http://c"]) == "http://c/b")
        #expect(throws: ConfigError.self) { try expandEnvironment("${X}", [:]) }
    }

    @Test func badSourceConfigurationIsRefusedWithItsReason() throws {
        func load(_ extra: String, input: String = #"{"format": "json", "records": "data"}"#) -> String {
            let text = #"{"name": "uji", "input": \#(input), "row_key": "{@id}", "#
                + #""outputs": [{"schema": "permit", "source_key": "{$row_key}", "fields": {"no_permohonan": "id"}}], "# + extra + "}"
            do {
                _ = try Connector(directory: "/tmp", json: try JSONParser.parse(text))
                return "accepted"
            } catch { return "\(error)" }
        }
        #expect(load(#""source": {"type": "ftp"}"#).contains("source.type must be external or http"))
        #expect(load(#""source": {"type": "http", "url": "https://x"}"#).contains("http:// URL"))
        #expect(load(#""source": {"type": "http", "url": "http://x"}"#, input: #"{"format": "csv"}"#).contains("input.format json"))
        #expect(load(#""source": {"type": "http", "url": "http://x", "pagination": {"type": "cursor"}}"#).contains("pagination.next"))
        #expect(load(#""source": {"type": "http", "url": "http://x", "pagination": {"type": "page", "size": 0}}"#).contains("size must be positive"))
        #expect(load(#""source": {"type": "http", "url": "http://x", "incremental": {"field": "u"}}"#).contains("incremental needs field"))
        #expect(load(#""source": {"type": "external"}"#).contains("source.command"))
        #expect(load(#""schedule": {"every": "15m"}"#).contains("schedule needs a source"))
        #expect(load(#""source": {"type": "http", "url": "http://x"}, "schedule": {"every": "soon"}"#).contains("schedule.every"))
        #expect(load(#""source": {"type": "http", "url": "${API}/x"}, "schedule": {"every": "1h"}"#) == "accepted")
        // Numbers past any sensible size are capped, and what is not a finite number is told (it trapped before).
        #expect(load(#""source": {"type": "http", "url": "http://x", "retries": 1e300, "max_pages": 1e30, "timeout_seconds": 1e308}"#) == "accepted")
        #expect(load(#""source": {"type": "http", "url": "http://x", "retries": "nan"}"#).contains("source.retries must be a number"))
        #expect(load(#""source": {"type": "external", "command": ["x"], "idle_timeout_seconds": "inf"}"#).contains("idle_timeout_seconds"))
        #expect(Interval.seconds("90") == 90 && Interval.seconds("15m") == 900 && Interval.seconds("2d") == 172_800 && Interval.seconds("0m") == nil)
        #expect(Interval.seconds("9223372036854775807d") == nil, "no overflow")
    }

    // MARK: schedules and the run history

    @Test func theSchedulerRunsEachConnectorAndOneFailureNeverStopsAnother() throws {
        let t = try TestHub()
        let fake = try FakeSiCantik(count: 20)
        defer { fake.stop() }
        let good = try Self.sicantik(t, fake)
        let bad = try Self.externalConnector(t, name: "broken", script: "exit 1\n")
        let logs = Mutex<[String]>([])
        let scheduler = Scheduler(home: t.home, dbPath: t.dir + "/simpul.db",
                                  entries: [.init(connector: good, every: 0.3), .init(connector: bad, every: 0.3)], firstDelay: 0,
                                  log: { m in logs.withLock { $0.append(m) } }, afterRun: { _ in })
        scheduler.start()
        let deadline = Date().addingTimeInterval(20)
        func count(_ c: String, _ status: String) throws -> Int { try t.store.runs(connector: c, limit: 100).filter { $0.status == status }.count }
        while Date() < deadline, try count("sicantik-pull", "ok") < 3 || count("broken", "failed") < 3 { Thread.sleep(forTimeInterval: 0.1) }
        scheduler.stop()
        #expect(try count("sicantik-pull", "ok") >= 3)
        #expect(try count("broken", "failed") >= 3)
        #expect(try t.store.runs(connector: "broken").allSatisfy { $0.trigger == "schedule" })
        #expect(logs.withLock { $0.contains { $0.contains("sync broken: run") && $0.contains("failed") } })
    }

    @Test func runsAreListedByTheCLIAndTheAPI() throws {
        let t = try TestHub()
        let db = t.dir + "/simpul.db"
        _ = try t.ingest("dukcapil-siak", [t.samples("dukcapil-siak")])
        #expect(SimpulCLI.main(["connector", "run", "simbg-pbg", "--db", db, "--json", "--no-persons"]) == ExitCode.ok)
        #expect(SimpulCLI.main(["connector", "run", "sicantik", "--db", db]) == ExitCode.unavailable)
        // A files connector has nothing to pull: a usage error, and no run is recorded.
        #expect(SimpulCLI.main(["connector", "run", "dukcapil-siak", "--db", db]) == ExitCode.usage)
        #expect(SimpulCLI.main(["connector", "runs", "--db", db]) == ExitCode.ok)
        #expect(SimpulCLI.main(["connector", "state", "simbg-pbg", "--db", db]) == ExitCode.ok)
        let runs = try t.store.runs()
        #expect(runs.map(\.connector) == ["sicantik", "simbg-pbg", "dukcapil-siak"])
        #expect(runs.map(\.status) == ["failed", "ok", "ok"])
        #expect(runs.map(\.kind) == ["http", "external", "files"])

        let ops = try t.store.addOPD(name: "diskominfo", grants: ["connectors:*"], purposes: ["operasional"]).1
        let other = try t.store.addOPD(name: "dinkes", grants: ["citizen:nik"], purposes: ["layanan-kesehatan"]).1
        let api = try API(dbPath: db, schemas: t.hub.schemas, home: t.home)
        defer { api.shutdown() }
        func get(_ path: String, _ token: String, method: String = "GET") -> (Int, JSONValue) {
            var req = HTTPRequest(method: method, target: path, headers: [("authorization", "Bearer " + token)])
            req.peer = "test"
            let r = api.handle(req)
            return (r.status, (try? JSONParser.parse(r.body)) ?? .null)
        }
        let (s, body) = get("/v1/connectors/runs?limit=2", ops)
        #expect(s == 200)
        #expect(body["runs"]?.arrayValue?.count == 2)
        #expect(body["runs"]?.arrayValue?.first?["error"]?.stringValue?.contains("SICANTIK_API_URL") == true)
        let (s2, list) = get("/v1/connectors", ops)
        #expect(s2 == 200)
        let simbg = list["connectors"]?.arrayValue?.first { $0["name"] == .string("simbg-pbg") }
        #expect(simbg?["kind"] == .string("external"))
        #expect(simbg?["last_run"]?["accepted"] == .int(119))
        #expect(get("/v1/connectors/runs", other).0 == 403)

        // Run now: 202 with the run id at once; the run ends in the history with trigger api.
        let (rs, started) = get("/v1/connectors/simbg-pbg/run?full_refresh=true", ops, method: "POST")
        #expect(rs == 202)
        let runID = try #require(started["run_id"]?.scalarText.flatMap { Int64($0) })
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, try t.store.runs(connector: "simbg-pbg").first(where: { $0.id == runID })?.status == "running" { Thread.sleep(forTimeInterval: 0.1) }
        let done = try #require(try t.store.runs(connector: "simbg-pbg").first { $0.id == runID })
        #expect(done.status == "ok" && done.trigger == "api" && done.summary?["unchanged"] == .int(119))
        #expect(get("/v1/connectors/dukcapil-siak/run", ops, method: "POST").0 == 409)
        #expect(get("/v1/connectors/no-such/run", ops, method: "POST").0 == 404)
        #expect(get("/v1/connectors/simbg-pbg/run", other, method: "POST").0 == 403)
        let metrics = String(decoding: api.handle(HTTPRequest(method: "GET", target: "/metrics")).body, as: UTF8.self)
        #expect(metrics.contains(#"simpul_connector_runs_total{connector="simbg-pbg",kind="external",status="ok"} 2"#))
        #expect(metrics.contains(#"simpul_connector_runs_total{connector="sicantik",kind="http",status="failed"} 1"#))
        #expect(get("/v1/connectors/runs", "nonsense").0 == 401)
    }
}
