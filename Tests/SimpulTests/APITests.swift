import Foundation
@testable import SimpulAPI
import SimpulCLI
import SimpulHTTP
import SimpulIngest
import SimpulJSON
import SimpulPersons
@testable import SimpulStorage
import SimpulTestSupport
import Synchronization
import Testing

/// The API over a real socket on a hub with the reference samples.
@Suite(.serialized) struct APITests {
    static let nik = "7571014504900002"

    final class Env: @unchecked Sendable {
        let t: TestHub
        let server: HTTPServer
        let api: API
        var tokens: [String: String] = [:]

        init(cors: CORSPolicy = .none) throws {
            t = try TestHub()
            for c in ["dukcapil-siak", "sicantik", "sipd-perencanaan", "sipd-penganggaran", "simda-keuangan"] { _ = try t.ingest(c, [t.samples(c)]) }
            let path = t.dir + "/simpul.db"
            tokens["dinkes"] = try t.store.addOPD(name: "dinkes", grants: ["citizen:nik,nama", "permit:no_izin"], purposes: ["layanan-kesehatan"]).1
            tokens["bpkad"] = try t.store.addOPD(name: "bpkad", grants: ["reconciliation:*"], purposes: ["anggaran"]).1
            tokens["revoked"] = try t.store.addOPD(name: "revoked", grants: ["*"], purposes: ["x"]).1
            _ = try t.store.revokeOPD("revoked")
            tokens["expired"] = try t.store.addOPD(name: "expired", grants: ["*"], purposes: ["x"], expiresAt: 1).1
            tokens["bappeda"] = try t.store.addOPD(name: "bappeda", grants: ["budget_line:*", "planning_item:*"], purposes: ["perencanaan"]).1
            tokens["steward"] = try t.store.addOPD(name: "steward", grants: ["persons:*", "citizen:*"], purposes: ["stewardship"]).1
            tokens["pusher"] = try t.store.addOPD(name: "pusher", grants: ["ingest:sicantik"], purposes: ["push"]).1
            tokens["slow"] = try t.store.addOPD(name: "slow", grants: ["*"], purposes: ["x"], ratePerMinute: 2).1
            let api = try API(dbPath: path, schemas: t.hub.schemas, home: t.home, cors: cors)
            self.api = api
            // As `simpul serve` runs it: two event loops answering the quick routes, workers for the rest.
            server = try HTTPServer(port: 0, workers: 2, loops: 2, quick: { api.isQuick($0) }, handler: { api.handle($0) })
            server.roundEnd = { api.endOfRound() }
            server.start()
        }

        deinit {
            api.shutdown()
            server.stop()
            server.wait()
        }

        func get(_ path: String, opd: String? = nil, purpose: String? = nil, method: String = "GET", body: [UInt8] = [],
                 headers: [String] = []) throws -> (Int, JSONValue) {
            let c = try RawClient(port: server.port)
            var h = "\(method) \(path) HTTP/1.1\r\nHost: t\r\n"
            for x in headers { h += x + "\r\n" }
            if let opd { h += "Authorization: Bearer \(tokens[opd] ?? opd)\r\n" }
            if let purpose { h += "X-Purpose: \(purpose)\r\n" }
            if method == "POST" { h += "Content-Length: \(body.count)\r\n" }
            c.send(Array((h + "\r\n").utf8) + body)
            let r = try #require(c.response())
            return (r.status, (try? JSONParser.parse(r.body)) ?? .string(r.body))
        }
    }

    @Test func pathSegmentsAreWhatSplittingGives() {
        for path in ["/", "//", "/a", "/a/", "/a//b", "/v1/citizens/7571014504900002", "a/b", "abc", "", "/é/ü", "/%2F/x"] {
            let split = Array(path.split(separator: "/", omittingEmptySubsequences: false).dropFirst())
            #expect(Route.pathSegments(path) == split, "\(path)")
        }
    }

    @Test func rateLimitSaysWhenToAskAgain() {
        let l = RateLimiter()
        // 6 a minute: a burst of 6, then one every 10 s.
        #expect((0..<6).map { _ in l.wait("a", perMinute: 6, now: 100) } == Array(repeating: nil, count: 6))
        #expect(l.wait("a", perMinute: 6, now: 100) == 10)
        #expect(l.wait("a", perMinute: 6, now: 104) == 6, "4 s later, 0.4 of a request is back")
        #expect(l.wait("a", perMinute: 6, now: 110) == nil)
        #expect(l.wait("b", perMinute: 6, now: 110) == nil, "buckets are per OPD")
        #expect(l.wait("c", perMinute: 6000, now: 0) == nil)
        for _ in 0..<6000 { _ = l.wait("c", perMinute: 6000, now: 0) }
        #expect(l.wait("c", perMinute: 6000, now: 0) == 1, "never less than a second")
        #expect(l.wait("d", perMinute: 2, now: 50) == nil && l.wait("d", perMinute: 2, now: 40) == nil,
                "a clock that steps back adds nothing")
        #expect(l.wait("d", perMinute: 2, now: 40) == 30)
    }

    @Test func corsOriginsAreWhatBrowsersSend() throws {
        let p = try CORSPolicy(["https://dasbor.dinkes.go.id, http://localhost:3000", "HTTPS://Portal.Example.ID"])
        #expect(p.origins == ["https://dasbor.dinkes.go.id", "http://localhost:3000", "https://portal.example.id"])
        #expect(try CORSPolicy(["*"]).origins == ["*"])
        #expect(try CORSPolicy([]) == .none)
        for bad in ["dasbor.dinkes.go.id", "https://dasbor.dinkes.go.id/", "https://x.id/app", "ftp://x.id", "https://", "https://x.id:0",
                    "https://x.id:99999", "https://x.id:80:80", "https://user@x.id", "null"] {
            #expect(throws: CORSPolicy.Invalid.self, "\(bad)") { try CORSPolicy([bad]) }
        }
    }

    @Test func browsersFromListedOriginsOnly() throws {
        let e = try Env(cors: try CORSPolicy(["https://dasbor.dinkes.go.id"]))
        func send(_ head: String) throws -> RawClient.Response {
            let c = try RawClient(port: e.server.port)
            c.send(Array((head + "\r\n").utf8))
            return try #require(c.response())
        }
        let token = e.tokens["dinkes"]!
        // The preflight of a lookup with a token and a purpose.
        let pre = try send("OPTIONS /v1/citizens/\(Self.nik) HTTP/1.1\r\nHost: t\r\nOrigin: https://dasbor.dinkes.go.id\r\n"
            + "Access-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: authorization, x-purpose\r\n")
        #expect(pre.status == 204)
        #expect(pre.headers["access-control-allow-origin"] == "https://dasbor.dinkes.go.id")
        #expect(pre.headers["access-control-allow-methods"] == "GET, HEAD")
        #expect(pre.headers["access-control-allow-headers"]?.contains("X-Purpose") == true)
        #expect(pre.headers["vary"]?.contains("Origin") == true)
        #expect(try send("OPTIONS /v1/nothing HTTP/1.1\r\nHost: t\r\nOrigin: https://dasbor.dinkes.go.id\r\nAccess-Control-Request-Method: GET\r\n").status == 404)
        // The lookup itself (audited, answered after its audit commit) and a refusal carry the header too.
        let ok = try send("GET /v1/citizens/\(Self.nik) HTTP/1.1\r\nHost: t\r\nOrigin: https://dasbor.dinkes.go.id\r\n"
            + "Authorization: Bearer \(token)\r\nX-Purpose: layanan-kesehatan\r\n")
        #expect(ok.status == 200 && ok.headers["access-control-allow-origin"] == "https://dasbor.dinkes.go.id")
        #expect(ok.headers["access-control-expose-headers"]?.contains("Retry-After") == true)
        let refused = try send("GET /v1/citizens/\(Self.nik) HTTP/1.1\r\nHost: t\r\nOrigin: https://dasbor.dinkes.go.id\r\nAuthorization: Bearer \(token)\r\n")
        #expect(refused.status == 403 && refused.headers["access-control-allow-origin"] != nil, "a page can read why it was refused")
        // Another origin gets no header and no preflight; the grant and purpose rules are the same for everyone.
        let other = try send("GET /v1/citizens/\(Self.nik) HTTP/1.1\r\nHost: t\r\nOrigin: https://evil.example\r\n"
            + "Authorization: Bearer \(token)\r\nX-Purpose: layanan-kesehatan\r\n")
        #expect(other.headers["access-control-allow-origin"] == nil && other.headers["vary"] == "Origin")
        #expect(try send("OPTIONS /v1/citizens/\(Self.nik) HTTP/1.1\r\nHost: t\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: GET\r\n").status == 405)
        // Without --cors-origin, nobody gets it.
        let plain = try Env()
        let c = try RawClient(port: plain.server.port)
        c.send(Array("OPTIONS /v1/citizens/\(Self.nik) HTTP/1.1\r\nHost: t\r\nOrigin: https://dasbor.dinkes.go.id\r\nAccess-Control-Request-Method: GET\r\n\r\n".utf8))
        let r = try #require(c.response())
        #expect(r.status == 405 && r.headers["access-control-allow-origin"] == nil)
    }

    @Test func quickRoutesAreTheOnesMarkedQuick() throws {
        let e = try Env()
        func quick(_ method: String, _ target: String) -> Bool { e.api.isQuick(HTTPRequest(method: method, target: target)) }
        #expect(quick("GET", "/v1/citizens/\(Self.nik)") && quick("HEAD", "/v1/citizens/\(Self.nik)?x=1"))
        #expect(quick("GET", "/v1/citizens?nama=SITI") && quick("GET", "/healthz") && quick("GET", "/v1/me"))
        #expect(!quick("POST", "/v1/citizens/\(Self.nik)") && !quick("GET", "/v1/citizens/") && !quick("GET", "/v1/citizens/\(Self.nik)/x"))
        #expect(!quick("GET", "/v1/reconciliation?tahun=2024") && !quick("GET", "/v1/records/citizen") && !quick("GET", "/healthz/"))
        #expect(!quick("GET", "/") && !quick("GET", "//healthz") && !quick("GET", "/v1//me"))
    }

    @Test func accessMatrix() throws {
        let e = try Env()
        let path = "/v1/citizens/\(Self.nik)"
        // Granted, with purpose: exactly the granted fields.
        let (st, body) = try e.get(path, opd: "dinkes", purpose: "layanan-kesehatan")
        #expect(st == 200)
        guard case .object(let o) = body, case .object(let citizen)? = o["citizen"], case .array(let permits)? = o["permits"] else {
            Issue.record("shape: \(body)"); return
        }
        #expect(Set(citizen.keys) == ["nik", "nama"])
        #expect(permits.allSatisfy { if case .object(let p) = $0 { return Set(p.keys) == ["no_izin"] } else { return false } })
        #expect(o["disbursements"] == nil, "not granted: absent")
        // Refusals.
        #expect(try e.get(path).0 == 401)
        #expect(try e.get(path, opd: "smp_nonsense").0 == 401)
        #expect(try e.get(path, opd: "dinkes").0 == 403)
        #expect(try e.get(path, opd: "dinkes", purpose: "penagihan").0 == 403)
        #expect(try e.get(path, opd: "revoked", purpose: "x").0 == 401)
        #expect(try e.get(path, opd: "expired", purpose: "x").0 == 401)
        #expect(try e.get(path, opd: "bpkad", purpose: "anggaran").0 == 403, "no citizen grant")
        #expect(try e.get("/v1/citizens/123", opd: "dinkes", purpose: "layanan-kesehatan").0 == 400)
        #expect(try e.get("/v1/citizens/7571019999999999", opd: "dinkes", purpose: "layanan-kesehatan").0 == 404)
        // Reconciliation for the OPD granted it only.
        #expect(try e.get("/v1/reconciliation?tahun=2024", opd: "bpkad").0 == 200)
        #expect(try e.get("/v1/reconciliation?tahun=2024", opd: "dinkes").0 == 403)
        #expect(try e.get("/v1/reconciliation", opd: "bpkad").0 == 400)
        #expect(try e.get("/v1/reconciliation?tahun=2024&x=1", opd: "bpkad").0 == 400)
        // Rate limit.
        let codes = try (0..<3).map { _ in try e.get("/v1/topics", opd: "slow").0 }
        #expect(codes == [200, 200, 429])
        // The refusal says when to ask again: 2 a minute is one every 30 s.
        let limited = try RawClient(port: e.server.port)
        limited.send(Array("GET /v1/topics HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(e.tokens["slow"]!)\r\n\r\n".utf8))
        let refusal = try #require(limited.response())
        #expect(refusal.status == 429)
        #expect(Int(refusal.headers["retry-after"] ?? "").map { (1...30).contains($0) } == true, "Retry-After: \(refusal.headers["retry-after"] ?? "none")")

        // Every personal read and refusal is in the audit chain, with the person.
        let access = try e.t.store.auditAccess(nik: Self.nik)
        #expect(access.count == 8)
        #expect(access.filter { $0.result == "ok" }.count == 1)
        #expect(Set(access.map(\.opd)) == ["dinkes", "-", "revoked", "expired", "bpkad"])
        #expect(try e.t.store.verifyAudit().broken == nil)
    }

    @Test func grantsNameRealSchemasAndFields() throws {
        let t = try TestHub()
        try API.checkGrants(["citizen:nik,nama", "permit:*", "reconciliation:*", "*"], schemas: t.hub.schemas)
        for bad in [["citizen:nama_lengkap"], ["citizens:nik"], ["reconciliation:tahun"], ["citizen:"], ["nik"]] {
            #expect(throws: (any Error).self, "\(bad)") { try API.checkGrants(bad, schemas: t.hub.schemas) }
        }
    }

    @Test func auditVerifyNamesTheTamperedEntry() throws {
        let t = try TestHub()
        for k in 0..<5 { try t.store.appendAudit(opd: "o\(k)", purpose: "p", route: "/v1/citizens/{nik}", persons: [Self.nik], result: "ok", status: 200) }
        #expect(try t.store.verifyAudit().entries == 5)
        try t.store.db.execute("UPDATE audit SET purpose = 'q' WHERE id = 3")
        #expect(try t.store.verifyAudit().broken?.id == 3)
        try t.store.db.execute("UPDATE audit SET purpose = 'p' WHERE id = 3")
        try t.store.db.execute("DELETE FROM audit WHERE id = 2")
        #expect(try t.store.verifyAudit().broken?.id == 2)
    }

    /// What the chain alone cannot show: its newest entries removed, or every hash recomputed after an edit. A head
    /// published before finds both.
    @Test func publishedHeadsFindRemovedAndRewrittenEntries() throws {
        let t = try TestHub()
        func append(_ k: Int) throws { try t.store.appendAudit(opd: "o\(k)", purpose: "p", route: "/v1/citizens/{nik}", persons: [Self.nik], result: "ok", status: 200) }
        #expect(try t.store.auditHead() == AuditHead(id: 0, hash: HubStore.auditGenesis))
        #expect(try t.store.verifyAudit(heads: [AuditHead(id: 0, hash: HubStore.auditGenesis)]).broken == nil)
        for k in 0..<5 { try append(k) }
        let head5 = try t.store.auditHead()
        #expect(head5.id == 5 && head5.at != nil)
        for k in 5..<7 { try append(k) }
        let head7 = try t.store.auditHead()
        #expect(try t.store.verifyAudit(heads: [head5, head7]).broken == nil, "a log that grew still holds its heads")

        // The two newest entries removed: a shorter chain, valid on its own; the head of entry 7 is gone.
        try t.store.db.execute("DELETE FROM audit WHERE id > 5")
        #expect(try t.store.verifyAudit().broken == nil)
        let cut = try t.store.verifyAudit(heads: [head5, head7])
        #expect(cut.broken?.id == 7 && cut.broken?.reason.contains("the log ends at entry 5") == true)

        // Entry 3 edited and every hash from it recomputed, as someone with write access would: the chain verifies,
        // the head of entry 5 does not.
        try t.store.db.execute("UPDATE audit SET opd = 'someone-else' WHERE id = 3")
        var prev = try #require(t.store.db.rows("SELECT hash FROM audit WHERE id = 2").first?[0].text)
        for id in Int64(3)...5 {
            let e = HubStore.decodeAudit(try #require(t.store.db.rows("SELECT \(HubStore.auditColumns) FROM audit WHERE id = ?", [.int(id)]).first))
            let hash = AuditEntry.chainHash(prev: prev, id: id, at: e.at, e.item)
            try t.store.db.run("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", [.text(prev), .text(hash), .int(id)])
            prev = hash
        }
        #expect(try t.store.verifyAudit().broken == nil)
        let rewritten = try t.store.verifyAudit(heads: [head5])
        #expect(rewritten.broken?.id == 5 && rewritten.broken?.reason.contains("rewritten") == true)
        #expect(try t.store.verifyAudit(heads: [AuditHead(id: 0, hash: String(repeating: "a", count: 64))]).broken?.id == 0)

        // The two published forms, and what is not one.
        let line = head5.json.jsonText
        #expect(try AuditHead.parse(line).get() == AuditHead(id: 5, hash: head5.hash))
        #expect(try AuditHead.parse(" 5:\(head5.hash.uppercased()) ").get() == AuditHead(id: 5, hash: head5.hash))
        for bad in ["", "5", "5:abc", "+5:\(head5.hash)", "-1:\(head5.hash)", "x:\(head5.hash)", "{\"id\":5}", "{\"hash\":\"\(head5.hash)\"}", "{nope",
                    "5:\(String(repeating: "g", count: 64))"] {
            #expect(throws: HeadFormatError.self, "\(bad)") { try AuditHead.parse(bad).get() }
        }
    }

    @Test func openAPIListsEveryRouteAndErrorsAreJSON() throws {
        let e = try Env()
        let (st, doc) = try e.get("/openapi.json")
        guard st == 200, case .object(let o) = doc, case .object(let paths)? = o["paths"] else { Issue.record("openapi"); return }
        #expect(o["openapi"] == .string("3.1.0"))
        #expect(paths["/v1/citizens/{nik}"] != nil && paths["/v1/reconciliation"] != nil && paths["/healthz"] != nil)
        let (nf, err) = try e.get("/nope")
        guard case .object(let eo) = err, case .object(let inner)? = eo["error"] else { Issue.record("error shape"); return }
        #expect(nf == 404 && inner["code"] == .string("not_found"))
    }

    /// Out of file descriptors (a low `ulimit -n`), the server answers the connections it cannot keep with 503 and
    /// `Retry-After`, uses no CPU meanwhile, and serves again once connections close. Before, the loops spun on the
    /// readable listener at full CPU and those clients got nothing.
    @Test func outOfDescriptorsTheServerAnswers503AndDoesNotSpin() throws {
        let t = try TestHub()
        let exe = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/simpul").path
        guard FileManager.default.isExecutableFile(atPath: exe), FileManager.default.isExecutableFile(atPath: "/bin/sh") else { return }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "ulimit -n 120 && exec \"$0\" serve --db \"$1\" --port 0 --no-schedule", exe, t.dir + "/simpul.db"]
        var env = ProcessInfo.processInfo.environment
        env["SIMPUL_HOME"] = t.home.root
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        var text = ""
        while !text.contains("\n") {
            let d = out.fileHandleForReading.availableData
            if d.isEmpty { break }
            text += String(decoding: d, as: UTF8.self)
        }
        let port = try #require(text.split(separator: "\n").first.flatMap { Int($0.split(separator: ":").last?.split(separator: " ").first ?? "") })
        func cpuTicks() -> Int {
            let stat = (try? String(contentsOfFile: "/proc/\(p.processIdentifier)/stat", encoding: .utf8)) ?? ""
            let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
            return fields.count > 13 ? (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0) : 0
        }
        var clients: [RawClient] = []
        for _ in 0..<200 { clients.append(try RawClient(port: port)) }
        Thread.sleep(forTimeInterval: 0.5)
        let before = cpuTicks()
        Thread.sleep(forTimeInterval: 1)
        let spent = cpuTicks() - before
        var refused = 0
        for c in clients {
            var tv = timeval(tv_sec: 0, tv_usec: 20_000)
            setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            if c.fill(), String(decoding: c.buf, as: UTF8.self).hasPrefix("HTTP/1.1 503"), String(decoding: c.buf, as: UTF8.self).contains("Retry-After: 1") { refused += 1 }
        }
        #expect(refused > 0, "the connections past the limit are answered 503")
        #expect(spent < 30, "\(spent) ticks of CPU in a second while out of descriptors")
        clients.removeAll()
        Thread.sleep(forTimeInterval: 0.3)
        let c = try RawClient(port: port)
        c.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(c.response()?.status == 200)
        // SIGTERM still stops it, also when sent while it is out of descriptors (a dispatch signal source, which
        // needs a descriptor, once left such a server running after SIGTERM).
        for _ in 0..<200 { clients.append(try RawClient(port: port)) }
        p.terminate()
        var waited = 0.0
        while p.isRunning && waited < 15 { Thread.sleep(forTimeInterval: 0.1); waited += 0.1 }
        #expect(!p.isRunning, "the server ran on after SIGTERM")
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
    }

    @Test func demoServesWithATokenPerOPD() throws {
        let t = try TestHub()
        let exe = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/simpul").path
        guard FileManager.default.isExecutableFile(atPath: exe) else { return }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["demo", "--json", "--port", "0", "--dir", t.dir + "/demo"]
        var env = ProcessInfo.processInfo.environment
        env["SIMPUL_HOME"] = t.home.root
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        var text = ""
        while text.split(separator: "\n").count < 2 {
            let d = out.fileHandleForReading.availableData
            if d.isEmpty { break }
            text += String(decoding: d, as: UTF8.self)
        }
        let lines = text.split(separator: "\n").map { (try? JSONParser.parse(String($0))) ?? .null }
        let tokens = try #require(lines.first?["tokens"]?.objectValue)
        #expect(Set(tokens.keys) == Set(DemoOPD.all.map(\.name)))
        let url = try #require(lines.dropFirst().first?["url"]?.stringValue)
        let port = try #require(Int(url.split(separator: ":").last ?? ""))
        let c = try RawClient(port: port)
        c.send("GET /v1/citizens/\(Self.nik) HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(tokens["dinkes"]?["token"]?.stringValue ?? "")\r\n"
               + "X-Purpose: layanan-kesehatan\r\n\r\n")
        let r = try #require(c.response())
        #expect(r.status == 200 && r.body.contains("SITI AMINAH"))
        p.terminate()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    @Test func serveStopsGracefullyOnSIGTERM() throws {
        let t = try TestHub()
        let exe = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/simpul").path
        guard FileManager.default.isExecutableFile(atPath: exe) else { return }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["serve", "--db", t.dir + "/simpul.db", "--port", "0"]
        var env = ProcessInfo.processInfo.environment
        env["SIMPUL_HOME"] = t.home.root
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        // The first line names the URL; schedule notes may follow in the same read.
        let text = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        let line = String(text.split(separator: "\n").first ?? "")
        let port = Int(line.split(separator: ":").last?.split(separator: " ").first ?? "") ?? 0
        #expect(port > 0, "\(line)")
        let c = try RawClient(port: port)
        c.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(c.response()?.status == 200)
        p.terminate()  // SIGTERM
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(c.closedByServer())
    }

    @Test func recordQueriesFilterOrderAndPage() throws {
        let e = try Env()
        func records(_ body: JSONValue) -> [[String: JSONValue]] { body["records"]?.arrayValue?.compactMap(\.objectValue) ?? [] }
        // Budget lines are not personal: a token is enough.
        let (st, all) = try e.get("/v1/records/budget_line?limit=1000", opd: "bappeda")
        #expect(st == 200 && records(all).count == 14 && all["next_cursor"] == .null)
        // Keyset paging gives the same rows in the same order.
        for order in ["", "&order=pagu.desc", "&order=kode_akun.asc", "&order=tanggal.desc"] {
            var seen: [String] = []
            var cursor: String? = nil
            repeat {
                let (s, page) = try e.get("/v1/records/budget_line?limit=3&select=source_key,pagu\(order)" + (cursor.map { "&cursor=" + $0 } ?? ""), opd: "bappeda")
                #expect(s == 200)
                seen += records(page).compactMap { $0["source_key"]?.stringValue }
                cursor = page["next_cursor"]?.stringValue
            } while cursor != nil && seen.count < 100
            #expect(seen.count == 14 && Set(seen).count == 14, "\(order)")
            if order == "&order=pagu.desc" {
                let (_, p) = try e.get("/v1/records/budget_line?limit=1000&order=pagu.desc", opd: "bappeda")
                let pagu = records(p).compactMap { $0["pagu"]?.stringValue.flatMap(Double.init) }
                #expect(pagu == pagu.sorted(by: >) && pagu.count == 14, "numeric, not text order")
            }
        }
        // Filters.
        let (_, big) = try e.get("/v1/records/budget_line?pagu=gte.1000000000&select=pagu", opd: "bappeda")
        #expect(!records(big).isEmpty && records(big).allSatisfy { (Double($0["pagu"]?.stringValue ?? "") ?? 0) >= 1e9 && $0.count == 1 })
        let (_, murni) = try e.get("/v1/records/budget_line?tahap=in.(murni)&tahun=eq.2024", opd: "bappeda")
        let (_, notMurni) = try e.get("/v1/records/budget_line?tahap=neq.murni", opd: "bappeda")
        #expect(records(murni).count + records(notMurni).count == 14 && records(murni).allSatisfy { $0["tahap"] == .string("murni") })
        // A value holding a comma, in double quotes as in PostgREST (found by scripts/heldout_api.py: an SP2D's
        // keterangan "Belanja ATK, triwulan I" could not be asked for).
        let (_, both) = try e.get("/v1/records/budget_line?tahap=in.(%22murni%22,%22perubahan%22)&tahun=eq.2024", opd: "bappeda")
        #expect(records(both).count == 14)
        #expect(RecordQueries.listValues(#""Belanja ATK, triwulan I",Honor,"a \"b\" \\ c""#) == ["Belanja ATK, triwulan I", "Honor", #"a "b" \ c"#])
        #expect(RecordQueries.listValues("murni,perubahan") == ["murni", "perubahan"] && RecordQueries.listValues(#""unclosed,x"#) == nil)
        let (unclosed, _) = try e.get("/v1/records/budget_line?tahap=in.(%22murni)", opd: "bappeda")
        #expect(unclosed == 400)
        let (_, prefix) = try e.get("/v1/records/budget_line?kode_sub_kegiatan=like.1.02*", opd: "bappeda")
        #expect(!records(prefix).isEmpty && records(prefix).allSatisfy { $0["kode_sub_kegiatan"]?.stringValue?.hasPrefix("1.02") == true })
        // Values are bound, never spliced.
        let (inj, none) = try e.get("/v1/records/budget_line?tahap=eq.murni'%20OR%201=1%20--", opd: "bappeda")
        #expect(inj == 200 && records(none).isEmpty)
        // Mistakes are 400 with a reason; ungranted is 403.
        for bad in ["nope=eq.1", "tahun=eq.abc", "tahap=approx.x", "pagu=like.1", "anggaran_kas=eq.1", "version=eq.1", "limit=1001", "limit=0",
                    "cursor=garbage", "order=nope.asc", "select=", "tahun=in.", "tahun=eq.1%27)--",
                    // A date must be one (it matched nothing before, silently), and an order's direction asc or desc.
                    "tanggal=gte.2024-13-45", "tanggal=eq.2023-02-29", "tanggal=lt.24-01-01", "tanggal=in.(2024-01-01,yesterday)",
                    "order=pagu.sideways"] {
            #expect(try e.get("/v1/records/budget_line?\(bad)", opd: "bappeda").0 == 400, "\(bad)")
        }
        // A year or month is a bound; a leap day is a day.
        for good in ["tanggal=gte.2024", "tanggal=lt.2024-02", "tanggal=eq.2024-02-29", "tanggal=like.2024-01", "tanggal=lte.2024-01-02T00:00:00"] {
            #expect(try e.get("/v1/records/budget_line?\(good)", opd: "bappeda").0 == 200, "\(good)")
        }
        let (_, january) = try e.get("/v1/records/budget_line?tanggal=gte.2024-01&tanggal=lt.2024-02", opd: "bappeda")
        #expect(records(january).count == records(all).filter { ($0["tanggal"]?.stringValue ?? "").hasPrefix("2024-01") }.count)
        #expect(RecordQueries.isDateBound("2024-12-31T23:59:59") && !RecordQueries.isDateBound("2024-12-31T24:00")
                && !RecordQueries.isDateBound("2024-04-31") && !RecordQueries.isDateBound("2024-1-01") && !RecordQueries.isDateBound("202"))
        #expect(try e.get("/v1/records/nope", opd: "bappeda").0 == 404)
        #expect(try e.get("/v1/records/disbursement", opd: "bappeda", purpose: "perencanaan").0 == 403)

        // Permits are personal: a purpose, the grant's fields only, and an audit entry naming the persons.
        #expect(try e.get("/v1/records/permit", opd: "dinkes").0 == 403)
        let (ps, permits) = try e.get("/v1/records/permit", opd: "dinkes", purpose: "layanan-kesehatan")
        #expect(ps == 200 && !records(permits).isEmpty && records(permits).allSatisfy { Set($0.keys).isSubset(of: ["no_izin"]) })
        #expect(try e.get("/v1/records/permit?select=nama_pemohon", opd: "dinkes", purpose: "layanan-kesehatan").0 == 403)
        #expect(try e.get("/v1/records/permit?nik_pemohon=eq.\(Self.nik)", opd: "dinkes", purpose: "layanan-kesehatan").0 == 403, "filtering reveals")
        // Citizen records too (their own NIK is the person they are about), here with only the name selected.
        #expect(try e.get("/v1/records/citizen?select=nama&nik=eq.\(Self.nik)", opd: "dinkes", purpose: "layanan-kesehatan").0 == 200)
        let access = try e.t.store.auditAccess(nik: Self.nik)
        #expect(access.contains { $0.route == "/v1/records/{schema}" && $0.result == "ok" && $0.opd == "dinkes" })
        #expect(access.filter { $0.route == "/v1/records/{schema}" && $0.result == "ok" }.count == 2, "the permits and the citizen record")
        #expect(try e.t.store.verifyAudit().broken == nil)
    }

    @Test func recordQueriesAnswerCSV() throws {
        let e = try Env()
        func csv(_ path: String, accept: String? = nil, opd: String = "bappeda", purpose: String? = nil) throws -> RawClient.Response {
            let c = try RawClient(port: e.server.port)
            var h = "GET \(path) HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(e.tokens[opd]!)\r\n"
            if let accept { h += "Accept: \(accept)\r\n" }
            if let purpose { h += "X-Purpose: \(purpose)\r\n" }
            c.send(Array((h + "\r\n").utf8))
            return try #require(c.response())
        }
        // The selected columns in the order asked, one line per record, keyset paging through X-Next-Cursor.
        var lines: [String] = []
        var cursor: String? = nil
        repeat {
            let r = try csv("/v1/records/budget_line?format=csv&limit=5&select=source_key,pagu,uraian,anggaran_kas" + (cursor.map { "&cursor=" + $0 } ?? ""))
            #expect(r.status == 200 && r.headers["content-type"]?.hasPrefix("text/csv") == true)
            let page = r.body.components(separatedBy: "\r\n").dropLast()
            #expect(page.first == "source_key,pagu,uraian,anggaran_kas")
            lines += page.dropFirst()
            cursor = r.headers["x-next-cursor"]
        } while cursor != nil && lines.count < 100
        #expect(lines.count == 14 && Set(lines).count == 14)
        // Parsed as CSV: a list is its JSON text in one quoted field; decimals as stored.
        let first = try #require(lines.first)
        #expect(first.contains(",\"[\"\"") && first.hasSuffix("\"]\""), "\(first)")
        let json = try e.get("/v1/records/budget_line?limit=1&select=pagu", opd: "bappeda").1
        let pagu = try #require(json["records"]?.arrayValue?.first?["pagu"]?.stringValue)
        #expect(first.split(separator: ",")[1] == Substring(pagu))
        // Accept: text/csv does the same, unless JSON comes first; format= wins; other formats are 400.
        #expect(try csv("/v1/records/budget_line?limit=1", accept: "text/csv").headers["content-type"]?.hasPrefix("text/csv") == true)
        #expect(try csv("/v1/records/budget_line?limit=1", accept: "application/json, text/csv").headers["content-type"]?.hasPrefix("application/json") == true)
        #expect(try csv("/v1/records/budget_line?limit=1&format=json", accept: "text/csv").headers["content-type"]?.hasPrefix("application/json") == true)
        #expect(try csv("/v1/records/budget_line?format=xlsx").status == 400)
        // A personal schema in CSV: the grant's fields only, a purpose needed, and audited like JSON.
        #expect(try csv("/v1/records/permit?format=csv", opd: "dinkes").status == 403)
        let permits = try csv("/v1/records/permit?format=csv", opd: "dinkes", purpose: "layanan-kesehatan")
        #expect(permits.status == 200 && permits.body.hasPrefix("no_izin\r\n"))
        #expect(try e.t.store.auditAccess(nik: Self.nik).contains { $0.route == "/v1/records/{schema}" && $0.opd == "dinkes" && $0.result == "ok" })
    }

    @Test func csvFieldsAreQuotedWhereTheyMustBe() {
        let recs: [JSONValue] = [.object(["a": .string("x,y"), "b": .string("say \"hi\""), "c": .string("two\nlines"), "d": .int(7), "e": .bool(true)]),
                                 .object(["a": .null, "f": .object(["k": .string("v")])])]
        #expect(RecordQueries.csv(columns: ["a", "b", "c", "d", "e", "f"], records: recs)
                == "a,b,c,d,e,f\r\n\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\",7,true,\r\n,,,,,\"{\"\"k\"\":\"\"v\"\"}\"\r\n")
    }

    @Test func citizensByName() throws {
        let e = try Env()
        let (st, found) = try e.get("/v1/citizens?nama=siti%20aminah,%20S.Pd", opd: "dinkes", purpose: "layanan-kesehatan")
        let citizens = found["citizens"]?.arrayValue ?? []
        #expect(st == 200 && citizens.count == 1 && citizens.first?["nik"] == .string(Self.nik))
        #expect(citizens.first?.objectValue.map { Set($0.keys) } == ["nik", "nama"])
        let (_, first) = try e.get("/v1/citizens?nama=SITI&tanggal_lahir=1990-04-05&kode_wilayah=75.71", opd: "dinkes", purpose: "layanan-kesehatan")
        #expect(first["citizens"]?.arrayValue?.count == 1 && first["more"] == .bool(false))
        // More matches than the limit: said so, and only those shown are audited.
        let (_, all) = try e.get("/v1/citizens?nama=MUHAMMAD", opd: "dinkes", purpose: "layanan-kesehatan")
        #expect(all["citizens"]?.arrayValue?.count == 2 && all["more"] == .bool(false), "the samples' two MUHAMMADs")
        let (_, cut) = try e.get("/v1/citizens?nama=MUHAMMAD&limit=1", opd: "dinkes", purpose: "layanan-kesehatan")
        #expect(cut["citizens"]?.arrayValue?.count == 1 && cut["more"] == .bool(true))
        let last = try #require(try e.t.store.db.rows("SELECT persons FROM audit ORDER BY id DESC LIMIT 1").first?[0].text)
        #expect(try JSONParser.parse(last).arrayValue?.count == 1)
        let (_, other) = try e.get("/v1/citizens?nama=SITI&tanggal_lahir=1991-04-05", opd: "dinkes", purpose: "layanan-kesehatan")
        #expect(other["citizens"]?.arrayValue?.isEmpty == true)
        let (_, partial) = try e.get("/v1/citizens?nama=SIT", opd: "dinkes", purpose: "layanan-kesehatan")
        #expect(partial["citizens"]?.arrayValue?.isEmpty == true, "whole names only")
        #expect(try e.get("/v1/citizens?nama=ab", opd: "dinkes", purpose: "layanan-kesehatan").0 == 400)
        #expect(try e.get("/v1/citizens?nama=siti&tanggal_lahir=1990-02-31", opd: "dinkes", purpose: "layanan-kesehatan").0 == 400)
        #expect(try e.get("/v1/citizens?nama=siti", opd: "dinkes").0 == 403)
        #expect(try e.t.store.auditAccess(nik: Self.nik).contains { $0.route == "/v1/citizens" && $0.result == "ok" })
    }

    /// A changed registry row for SITI AMINAH (a new version of citizen 7571014504900002).
    static func changedCitizen(_ t: TestHub, address: String) throws -> String {
        let src = try String(contentsOfFile: t.samples("dukcapil-siak") + "/biodata_2024-12.csv", encoding: .utf8)
        let lines = src.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
        let row = try #require(lines.first { $0.hasPrefix(nik) })
        let changed = row.replacingOccurrences(of: "JL. NANI WARTABONE NO. 3", with: address)
            .replacingOccurrences(of: "2024-12-01 09:30:00", with: "2025-01-05 10:00:00")
        #expect(changed != row)
        return try t.write("biodata-\(UUID().uuidString).csv", lines[0] + "\n" + changed + "\n")
    }

    /// A durable consumer (as a Kafka consumer group or a NATS durable consumer): it reads on from the offset it
    /// committed, after a restart of the client or of the server; consumers are each OPD's own.
    @Test func aDurableConsumerReadsOnFromItsCommittedOffset() throws {
        let e = try Env()
        let path = "/v1/topics/records.budget_line/events"
        let (s1, first) = try e.get(path + "?consumer=dasbor&limit=3", opd: "bappeda")
        let seqs = (first["events"]?.arrayValue ?? []).compactMap { $0["seq"]?.scalarText.flatMap { Int($0) } }
        #expect(s1 == 200 && seqs.count == 3 && seqs.first == 1, "nothing committed yet: from the start")
        // Not committed: the same events again.
        #expect(try e.get(path + "?consumer=dasbor&limit=3", opd: "bappeda").1["events"] == first["events"])
        func commit(_ body: String, opd: String = "bappeda") throws -> (Int, JSONValue) {
            try e.get("/v1/topics/records.budget_line/offsets", opd: opd, method: "POST", body: Array(body.utf8))
        }
        let (cs, committed) = try commit(#"{"consumer":"dasbor","seq":\#(seqs[2])}"#)
        #expect(cs == 200 && committed["seq"]?.scalarText == String(seqs[2]))
        let (_, next) = try e.get(path + "?consumer=dasbor&limit=3", opd: "bappeda")
        #expect(next["events"]?.arrayValue?.first?["seq"]?.scalarText == String(seqs[2] + 1), "after the committed offset")
        #expect(try e.get(path + "?consumer=dasbor&after=0&limit=1", opd: "bappeda").1["events"]?.arrayValue?.first?["seq"] == .int(1),
                "after= wins")
        #expect(try e.get(path + "?consumer=lain&limit=1", opd: "bappeda").1["events"]?.arrayValue?.first?["seq"] == .int(1), "another consumer")
        // Each OPD's own: another OPD's consumer of the same name starts from the beginning.
        e.tokens["bappeda2"] = try e.t.store.addOPD(name: "bappeda2", grants: ["budget_line:*"], purposes: ["perencanaan"]).1
        #expect(try e.get(path + "?consumer=dasbor&limit=1", opd: "bappeda2").1["events"]?.arrayValue?.first?["seq"] == .int(1))
        // Mistakes: a bad name, a seq past the last event, a string seq, a topic not granted or not a records topic.
        #expect(try e.get(path + "?consumer=../x", opd: "bappeda").0 == 400)
        #expect(try commit(#"{"consumer":"dasbor","seq":999999}"#).0 == 400)
        #expect(try commit(#"{"consumer":"dasbor","seq":"3"}"#).0 == 400)
        #expect(try commit(#"{"consumer":"dasbor"}"#).0 == 400)
        #expect(try e.get("/v1/topics/records.citizen/offsets", opd: "bappeda", method: "POST", body: Array(#"{"consumer":"d","seq":1}"#.utf8)).0 == 403)
        #expect(try e.get("/v1/topics/raw.dukcapil-siak/offsets", opd: "bappeda", method: "POST", body: Array(#"{"consumer":"d","seq":1}"#.utf8)).0 == 403)
        #expect(try e.t.store.offset(consumer: "opd:bappeda:dasbor", topic: "records.budget_line") == Int64(seqs[2]))
        // A position past the topic's end (the hub restored from an earlier backup, or a cursor from another hub) is a
        // 416 naming the last event, never an empty page to wait on: the consumer would skip every event up to it.
        let last = try e.t.store.lastSeq(topic: "records.budget_line")
        #expect(try e.get(path + "?after=\(last)", opd: "bappeda").0 == 200, "the end itself: nothing new yet")
        let (past, body) = try e.get(path + "?after=\(last + 1)&wait=1", opd: "bappeda")
        #expect(past == 416 && body["error"]?["detail"]?["last_seq"] == .int(Int(last)))
        try e.t.store.setOffset(consumer: "opd:bappeda:restored", topic: "records.budget_line", seq: last + 50)
        let (stale, why) = try e.get(path + "?consumer=restored", opd: "bappeda")
        #expect(stale == 416 && (why["error"]?["message"]?.stringValue ?? "").contains("consumer restored's committed offset"))
    }

    @Test func changeFeedsLongPollAndStreamGrantedFieldsOnly() throws {
        let e = try Env()
        let (st, page) = try e.get("/v1/topics/records.citizen/events?limit=1000", opd: "dinkes", purpose: "layanan-kesehatan")
        let events = page["events"]?.arrayValue ?? []
        #expect(st == 200 && !events.isEmpty)
        #expect(events.allSatisfy { Set($0["data"]?.objectValue?.keys ?? [:].keys) == ["nik", "nama"] })
        let last = page["next_after"]?.scalarText.flatMap { Int($0) } ?? 0
        #expect(try e.get("/v1/topics/records.citizen/events", opd: "dinkes").0 == 403, "personal: a purpose")
        #expect(try e.get("/v1/topics/raw.dukcapil-siak/events", opd: "dinkes", purpose: "layanan-kesehatan").0 == 403)
        #expect(try e.get("/v1/topics/records.budget_line/events", opd: "bappeda").0 == 200, "not personal")
        #expect(try e.get("/v1/topics/records.citizen/events?wait=31", opd: "dinkes", purpose: "layanan-kesehatan").0 == 400)

        // A stream and a long poll are waiting when a new version arrives.
        let sse = try RawClient(port: e.server.port)
        sse.send("GET /v1/topics/records.citizen/events HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n"
                 + "Authorization: Bearer \(e.tokens["dinkes"]!)\r\nX-Purpose: layanan-kesehatan\r\nLast-Event-ID: \(last)\r\n\r\n")
        #expect(sse.waitFor("retry: 3000"))
        let polled = Mutex<(Int, JSONValue)?>(nil)
        let port = e.server.port, token = e.tokens["dinkes"]!
        let poller = Thread {
            guard let c = try? RawClient(port: port) else { return }
            c.send("GET /v1/topics/records.citizen/events?after=\(last)&wait=10 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\nX-Purpose: layanan-kesehatan\r\n\r\n")
            if let r = c.response() { polled.withLock { $0 = (r.status, (try? JSONParser.parse(r.body)) ?? .null) } }
        }
        poller.start()
        usleep(300_000)
        #expect(polled.withLock { $0 } == nil, "nothing new yet: still waiting")
        let before = try e.t.store.auditAccess(nik: Self.nik).count
        _ = try e.t.ingest("dukcapil-siak", [try Self.changedCitizen(e.t, address: "JL. BARU NO. 9")])
        for _ in 0..<300 where polled.withLock({ $0 }) == nil { usleep(10_000) }
        let (ps, body) = try #require(polled.withLock { $0 })
        let got = body["events"]?.arrayValue ?? []
        #expect(ps == 200 && got.count == 1 && got.first?["key"] == .string(Self.nik))
        #expect(got.first?["data"]?.objectValue.map { Set($0.keys) } == ["nik", "nama"], "no address: not granted")
        #expect(sse.waitFor("id: \(last + 1)\nevent: record\ndata: "))
        let text = String(decoding: sse.buf, as: UTF8.self)
        #expect(!text.contains("JL. BARU"), "the stream cuts to the grant too")
        // Both deliveries were audited with the person.
        for _ in 0..<100 where try e.t.store.auditAccess(nik: Self.nik).count < before + 2 { usleep(10_000) }
        #expect(try e.t.store.auditAccess(nik: Self.nik).filter { $0.route == "/v1/topics/{topic}/events" }.count >= 2)
        #expect(try e.t.store.verifyAudit().broken == nil)
    }

    @Test func pushIngestIsIdempotentAndGranted() throws {
        let e = try Env()
        e.tokens["reader"] = try e.t.store.addOPD(name: "reader", grants: ["citizen:*", "permit:*"], purposes: ["layanan"]).1
        func applicantAddresses() throws -> String {
            let (s, c) = try e.get("/v1/citizens/\(Self.nik)", opd: "reader", purpose: "layanan")
            #expect(s == 200)
            return (c["permits"]?.arrayValue ?? []).compactMap { $0["alamat_pemohon"]?.stringValue }.joined(separator: "|")
        }
        // Read on both event loops first, so that each has its reader (and a round's read transaction) when the push lands.
        for _ in 0..<6 { #expect(try applicantAddresses().contains("JL. PANJAITAN NO. 12 KEL. LIMBA U II")) }
        let body = try [UInt8](Data(contentsOf: URL(fileURLWithPath: e.t.samples("sicantik") + "/permohonan_page1.json")))
        let (s1, first) = try e.get("/v1/ingest/sicantik?file=page1.json", opd: "pusher", method: "POST", body: body)
        #expect(s1 == 200 && first["read"] == .int(6) && first["unchanged"] == .int(6), "the samples were ingested already: \(first)")
        let changed = Array(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "JL. PANJAITAN NO. 12 KEL. LIMBA U II", with: "JL. BARU NO. 9").utf8)
        let (s2, second) = try e.get("/v1/ingest/sicantik?file=page1b.json", opd: "pusher", method: "POST", body: changed)
        #expect(s2 == 200 && (second["accepted"]?.scalarText.flatMap { Int($0) } ?? 0) > 0)
        // Read your writes: a lookup sent after the push was answered sees it, on whichever loop it lands.
        for _ in 0..<6 {
            let now = try applicantAddresses()
            #expect(now.contains("JL. BARU NO. 9"), "\(now)")
        }
        let (s3, third) = try e.get("/v1/ingest/sicantik?file=page1b.json", opd: "pusher", method: "POST", body: changed)
        #expect(s3 == 200 && third["accepted"] == .int(0) && third["unchanged"] == second["accepted"], "idempotent")
        #expect(try e.get("/v1/ingest/sicantik", opd: "pusher", method: "POST", body: Array("{garbage".utf8)).0 == 422)
        #expect(try e.get("/v1/ingest/sicantik", opd: "pusher", method: "POST", body: []).0 == 400)
        // A gzip body (Content-Encoding: gzip, packed by the system's gzip) is unpacked; one that is not gzip is a 400;
        // another coding is refused as such (415), not read as garbage rows; `identity` is no coding at all.
        let packed = try e.t.gzip(try e.t.write("page.json", bytes: changed))
        let (s4, gz) = try e.get("/v1/ingest/sicantik?file=page1b.json", opd: "pusher", method: "POST", body: packed, headers: ["Content-Encoding: gzip"])
        #expect(s4 == 200 && gz["read"] == .int(6) && gz["unchanged"] == .int(6), "the same page, packed: \(gz)")
        let (s5, bad) = try e.get("/v1/ingest/sicantik", opd: "pusher", method: "POST", body: body, headers: ["Content-Encoding: gzip"])
        #expect(s5 == 400 && bad["error"]?["code"] == .string("invalid_body"))
        for coding in ["br", "deflate", "gzip, gzip", "compress"] {
            let (s6, other) = try e.get("/v1/ingest/sicantik", opd: "pusher", method: "POST", body: body, headers: ["Content-Encoding: \(coding)"])
            #expect(s6 == 415 && other["error"]?["code"] == .string("unsupported_encoding"), "\(coding)")
        }
        #expect(try e.get("/v1/ingest/sicantik?file=page1.json", opd: "pusher", method: "POST", body: body, headers: ["Content-Encoding: identity"]).0 == 200)
        #expect(try e.get("/v1/ingest/sicantik?file=../x", opd: "pusher", method: "POST", body: body).0 == 400)
        #expect(try e.get("/v1/ingest/oss-rba", opd: "pusher", method: "POST", body: body).0 == 403)
        #expect(try e.get("/v1/ingest/nope", opd: "pusher", method: "POST", body: body).0 == 404)
        #expect(try e.get("/v1/ingest/sicantik", opd: "dinkes", method: "POST", body: body).0 == 403)
        #expect(try e.get("/v1/ingest/sicantik", method: "POST", body: body).0 == 401)
    }

    /// The server finds a connector by name among the hub's own, never as a path or a folder in its working directory.
    @Test func theServerTakesConnectorsByNameOnly() throws {
        let e = try Env()
        let home = e.t.home
        #expect(try home.connectorDirectory(named: "sicantik") == home.connectorsDir + "/sicantik")
        #expect(throws: HubError.self) { try home.connectorDirectory(named: home.connectorsDir + "/sicantik") }
        #expect(throws: HubError.self) { try home.connectorDirectory(named: "../connectors/sicantik") }
        #expect(throws: HubError.self) { try home.connectorDirectory(named: "nope") }
    }

    /// For each demo OPD, schema and route: exactly the granted fields appear, the rest is refused, and every
    /// personal read and refusal is in the audit log.
    @Test func demoOPDsSeeExactlyTheirGrants() throws {
        let e = try Env()
        for c in ["oss-rba"] { _ = try e.t.ingest(c, [e.t.samples(c)]) }
        let schemas = e.t.hub.schemas.names
        var personalCalls = 0
        let auditBefore = try e.t.store.verifyAudit().entries
        for d in DemoOPD.all {
            let (opd, token) = try e.t.store.addOPD(name: "demo-" + d.name, grants: d.grants, purposes: [d.purpose])
            e.tokens[d.name] = token
            for schema in schemas {
                let personal = e.api.schemas.sources[schema]?["x-personal"] == .bool(true)
                let path = "/v1/records/\(schema)?limit=1000"
                let (st, body) = try e.get(path, opd: d.name, purpose: d.purpose)
                if personal { personalCalls += 1 }
                guard let fields = opd.fields(schema) else {
                    #expect(st == 403, "\(d.name) \(schema)")
                    continue
                }
                #expect(st == 200, "\(d.name) \(schema)")
                var q = RecordQuery(schema: schema)
                q.limit = 1000
                let full = try e.t.store.queryRecords(q).map(\.data)
                let got = body["records"]?.arrayValue ?? []
                #expect(got.count == full.count, "\(d.name) \(schema)")
                for (g, f) in zip(got, full) {
                    guard case .object(let fo) = f else { continue }
                    let want: [String: JSONValue]
                    switch fields {
                    case .all: want = fo
                    case .some(let allowed): want = fo.filter { allowed.contains($0.key) }
                    }
                    #expect(g == .object(want), "\(d.name) \(schema): exactly the granted fields")
                }
                if personal {
                    #expect(try e.get(path, opd: d.name).0 == 403, "\(d.name) \(schema) without a purpose")
                    #expect(try e.get(path, opd: d.name, purpose: "lain-lain").0 == 403, "\(d.name) \(schema) with another purpose")
                    personalCalls += 2
                }
            }
            // The citizen route.
            let (cs, cb) = try e.get("/v1/citizens/\(Self.nik)", opd: d.name, purpose: d.purpose)
            personalCalls += 1
            if let fields = opd.fields("citizen") {
                #expect(cs == 200)
                let full = try #require(try e.t.store.record(schema: "citizen", sourceKey: Self.nik)).data
                #expect(cb["citizen"] == Routes_cut(full, fields), "\(d.name) citizen")
                for (schema, key) in ["permit": "permits", "business": "businesses", "disbursement": "disbursements"] {
                    #expect((cb[key] != nil) == (opd.fields(schema) != nil && cb[key]?.arrayValue?.isEmpty == false), "\(d.name) \(key)")
                }
            } else {
                #expect(cs == 403, "\(d.name) citizen")
            }
        }
        #expect(try e.t.store.verifyAudit().entries == auditBefore + personalCalls, "every personal read and refusal is audited")
        #expect(try e.t.store.verifyAudit().broken == nil)
    }

    @Test func auditIsGroupCommittedAndFailsClosed() throws {
        let e = try Env()
        let before = try e.t.store.verifyAudit().entries
        let n = 48
        let statuses = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: n) { _ in
            let st = (try? e.get("/v1/citizens/\(Self.nik)", opd: "dinkes", purpose: "layanan-kesehatan").0) ?? 0
            statuses.withLock { $0.append(st) }
        }
        #expect(statuses.withLock { $0 } == Array(repeating: 200, count: n))
        #expect(try e.t.store.verifyAudit().entries == before + n && e.t.store.verifyAudit().broken == nil)
        let stats = e.api.auditStats
        #expect(stats.entries == n)
        print("audit group commit: \(stats.entries) entries in \(stats.commits) commits")
        // When the audit log cannot be written, personal data does not leave.
        try e.t.store.db.execute("CREATE TRIGGER auditlog.refuse_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        let (st, body) = try e.get("/v1/citizens/\(Self.nik)", opd: "dinkes", purpose: "layanan-kesehatan")
        #expect(st == 503 && !body.jsonText.contains("SITI"))
        #expect(try e.get("/v1/records/budget_line?limit=1", opd: "bappeda").0 == 200, "non-personal reads go on")
        try e.t.store.db.execute("DROP TRIGGER auditlog.refuse_audit")
        #expect(try e.get("/v1/citizens/\(Self.nik)", opd: "dinkes", purpose: "layanan-kesehatan").0 == 200)
    }

    @Test func stewardsReviewAndDecideOverHTTP() throws {
        let e = try Env()
        for c in ["oss-rba"] { _ = try e.t.ingest(c, [e.t.samples(c)]) }
        try PersonIndex(store: e.t.store, regions: try Regions(file: e.t.home.regionsFile)).update()
        let (st, body) = try e.get("/v1/persons/review", opd: "steward", purpose: "stewardship")
        let items = body["review"]?.arrayValue ?? []
        #expect(st == 200 && !items.isEmpty)
        #expect(try e.get("/v1/persons/review", opd: "dinkes", purpose: "layanan-kesehatan").0 == 403)
        // The whole queue's size, one item at a time, and one kind.
        #expect(body["total"] == .int(items.count))
        let (_, one) = try e.get("/v1/persons/review?limit=1", opd: "steward", purpose: "stewardship")
        #expect(one["review"]?.arrayValue?.count == 1 && one["total"] == .int(items.count))
        let kind = try #require(items.first?["kind"]?.stringValue)
        let (_, ofKind) = try e.get("/v1/persons/review?kind=\(kind)", opd: "steward", purpose: "stewardship")
        #expect(ofKind["review"]?.arrayValue?.allSatisfy { $0["kind"]?.stringValue == kind } == true
                && ofKind["total"] == .int(items.filter { $0["kind"]?.stringValue == kind }.count))
        #expect(try e.get("/v1/persons/review?kind=maybe", opd: "steward", purpose: "stewardship").0 == 400)
        let first = try #require(items.first { $0["candidate"] != nil })
        let mention = try #require(first["mention"]?.stringValue), person = try #require(first["candidate"]?["person_id"]?.stringValue)
        let link = Array(JSONValue.object(["mention": .string(mention), "person": .string(person)]).jsonText.utf8)
        let (ls, linked) = try e.get("/v1/persons/link", opd: "steward", purpose: "stewardship", method: "POST", body: link)
        #expect(ls == 200 && linked["now_with"] == .string(person))
        let (_, after) = try e.get("/v1/persons/review", opd: "steward", purpose: "stewardship")
        #expect(!(after["review"]?.arrayValue ?? []).contains { $0["mention"]?.stringValue == mention })
        let (us, unlinked) = try e.get("/v1/persons/unlink", opd: "steward", purpose: "stewardship", method: "POST", body: link)
        #expect(us == 200 && unlinked["now_with"] != .string(person))
        #expect(try e.get("/v1/persons/link", opd: "steward", purpose: "stewardship", method: "POST", body: Array("{".utf8)).0 == 400)
        let nobody = Array(#"{"mention":"sicantik:999999","person":"P0"}"#.utf8)
        #expect(try e.get("/v1/persons/link", opd: "steward", purpose: "stewardship", method: "POST", body: nobody).0 == 404)
        #expect(try e.t.store.verifyAudit().broken == nil)
        #expect(try e.t.store.db.scalarInt("SELECT count(*) FROM audit WHERE route = '/v1/persons/link' AND result = 'ok'") == 1)

        // One person, by NIK or by id, as `simpul persons show --json`; audited with its NIK.
        let (ps, byNIK) = try e.get("/v1/persons/\(Self.nik)", opd: "steward", purpose: "stewardship")
        let id = try #require(byNIK["person_id"]?.stringValue)
        #expect(ps == 200 && byNIK["golden"]?["nik"] == .string(Self.nik) && !(byNIK["mentions"]?.arrayValue ?? []).isEmpty, "\(byNIK)")
        let (is_, byID) = try e.get("/v1/persons/\(id)", opd: "steward", purpose: "stewardship")
        #expect(is_ == 200 && byID == byNIK)
        #expect(try e.get("/v1/persons/\(id)", opd: "dinkes", purpose: "layanan-kesehatan").0 == 403)
        #expect(try e.get("/v1/persons/\(id)", opd: "steward").0 == 403, "a purpose")
        #expect(try e.get("/v1/persons/P0000000000000000", opd: "steward", purpose: "stewardship").0 == 404)
        #expect(try e.get("/v1/persons/7571019999999999", opd: "steward", purpose: "stewardship").0 == 404)
        #expect(try e.get("/v1/persons/x1", opd: "steward", purpose: "stewardship").0 == 400)
        // A path another route names is not a person id: GET /v1/persons/link is a 405 that allows POST only.
        let c = try RawClient(port: e.server.port)
        c.send(Array("GET /v1/persons/link HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(e.tokens["steward"]!)\r\nX-Purpose: stewardship\r\n\r\n".utf8))
        let wrong = try #require(c.response())
        #expect(wrong.status == 405 && wrong.headers["allow"] == "POST")
        #expect(API.shadowers([["v1", "persons", "{id}"], ["v1", "persons", "link"], ["v1", "citizens", "{nik}"], ["v1", "persons"]]) == [[1], [], [], []])
        #expect(try e.t.store.auditAccess(nik: Self.nik).filter { $0.route == "/v1/persons/{id}" && $0.result == "ok" }.count == 2)
    }

    /// UU PDP Pasal 32: a citizen's access request answers what the hub holds about them and who read it; Pasal 33:
    /// nothing of another person's (the other directors of a business, a parent's NIK) goes with it.
    @Test func aCitizensAccessRequestShowsTheirRecordsAndReadsButNoOneElses() throws {
        let e = try Env()
        _ = try e.t.ingest("oss-rba", [e.t.samples("oss-rba")])
        try PersonIndex(store: e.t.store, regions: try Regions(file: e.t.home.regionsFile)).update()
        e.tokens["ppid"] = try e.t.store.addOPD(name: "ppid", grants: ["persons:*", "audit:*"], purposes: [SubjectReport.purpose]).1
        #expect(try e.get("/v1/citizens/\(Self.nik)", opd: "dinkes", purpose: "layanan-kesehatan").0 == 200)
        // Her permit whose NIK was in scientific notation, found by matching: reading it is in her access log too.
        e.tokens["perizinan"] = try e.t.store.addOPD(name: "perizinan", grants: ["permit:*"], purposes: ["perizinan"]).1
        let (ps, permit) = try e.get("/v1/records/permit?no_permohonan=eq.PMH/100025/DPMPTSP/2024", opd: "perizinan", purpose: "perizinan")
        #expect(ps == 200 && permit["records"]?.arrayValue?.count == 1, "\(permit)")
        let (st, report) = try e.get("/v1/persons/\(Self.nik)/report", opd: "ppid", purpose: SubjectReport.purpose)
        #expect(st == 200 && report["nik"] == .string(Self.nik) && report["report"] == .string("subject_access"))
        #expect(report["data"]?["nama"] == .string("SITI AMINAH"))
        let records = report["records"]?.arrayValue ?? []
        #expect(records.contains { $0["schema"] == .string("citizen") && $0["source_key"] == .string(Self.nik) })
        #expect(records.contains { $0["schema"] == .string("permit") && $0["connector"] == .string("sicantik") })
        // The business she directs with someone else: its record without its list of persons, her own entry as recorded.
        let business = try #require(records.first { $0["schema"] == .string("business") })
        #expect(business["withheld"] == .array([.string("penanggung_jawab")]))
        let current = business["versions"]?.arrayValue?.first?["data"]
        #expect(current?["penanggung_jawab"] == nil && current?["nama_perusahaan"] != nil)
        #expect(business["as_recorded"]?["nama"] == .string("SITI AMINAH"))
        #expect(!report.jsonText.contains("7571011203880001"), "the co-director's NIK is someone else's data")
        // Who read her data: the health office's lookup, by route, purpose and time.
        let access = report["access"]?.arrayValue ?? []
        #expect(access.contains { $0["opd"] == .string("dinkes") && $0["route"] == .string("/v1/citizens/{nik}") && $0["purpose"] == .string("layanan-kesehatan") })
        #expect(access.contains { $0["opd"] == .string("perizinan") && $0["route"] == .string("/v1/records/{schema}") })
        let readIDs = access.compactMap { $0["id"]?.scalarText.flatMap { Int($0) } }
        let headID = try #require(report["audit_head"]?["id"]?.scalarText.flatMap { Int($0) })
        #expect(!readIDs.isEmpty && headID >= readIDs.max()!)
        // The report by person id is the same report; it is itself audited; it needs both grants and a purpose.
        let id = try #require(report["person_id"]?.stringValue)
        #expect(try e.get("/v1/persons/\(id)/report", opd: "ppid", purpose: SubjectReport.purpose).0 == 200)
        #expect(try e.t.store.auditAccess(nik: Self.nik).filter { $0.route == "/v1/persons/{id}/report" && $0.result == "ok" }.count == 2)
        #expect(try e.get("/v1/persons/\(id)/report", opd: "steward", purpose: "stewardship").0 == 403, "the steward lacks the audit grant")
        #expect(try e.get("/v1/persons/\(id)/report", opd: "ppid").0 == 403, "a purpose")
        #expect(try e.get("/v1/persons/P0000000000000000/report", opd: "ppid", purpose: SubjectReport.purpose).0 == 404)
        // Who read her data, asked by her person id (how a person without a NIK is asked about): the same reads.
        let (as_, byID) = try e.get("/v1/audit/access/\(id)", opd: "ppid", purpose: SubjectReport.purpose)
        let byNIK = try e.get("/v1/audit/access?nik=\(Self.nik)", opd: "ppid", purpose: SubjectReport.purpose).1
        #expect(as_ == 200 && byID["person"] == .string(id) && (byID["access"]?.arrayValue?.count ?? 0) >= 4)
        #expect(byID["access"]?.arrayValue?.dropFirst().map(\.jsonText) == byNIK["access"]?.arrayValue?.dropFirst(2).map(\.jsonText),
                "the same reads, but for the two lookups themselves")
        #expect(try e.get("/v1/audit/access/\(Self.nik)", opd: "ppid", purpose: SubjectReport.purpose).1["nik"] == .string(Self.nik))
        for bad in ["/v1/audit/access/p0000000000000000", "/v1/audit/access/757101450490000", "/v1/audit/access"] {
            #expect(try e.get(bad, opd: "ppid", purpose: SubjectReport.purpose).0 == 400, "\(bad)")
        }
        #expect(try e.get("/v1/audit/access/P0000000000000000", opd: "ppid", purpose: SubjectReport.purpose).0 == 404)
        #expect(try e.t.store.verifyAudit().broken == nil)

        // The cut itself: lists of persons and another person's NIK go; the subject's own NIK, in any writing, stays.
        let (kept, withheld) = SubjectReport.withholdOthers(.object([
            "nik": .string(Self.nik), "nik_asli": .string("7571 0145 0490 0002"), "nik_ibu": .string("7571014101650001"),
            "nik_ayah": .string(""), "no_kk": .string("7571010101120003"), "anggota": .array([.object(["nama": .string("X")])]),
            "kbli": .array([.object(["kode": .string("47111")])]),
        ]), subjectNIK: Self.nik)
        #expect(withheld == ["anggota", "nik_ibu"])
        #expect(kept["nik"] != nil && kept["nik_asli"] != nil && kept["nik_ayah"] != nil && kept["no_kk"] != nil && kept["kbli"] != nil)
    }

    /// A permit typed with a relative's NIK but otherwise Siti's, linked to her: looking her up shows that NIK inside
    /// the permit, so the audit entry names its holder too.
    @Test func aCitizenLookupAuditsEveryNIKItShows() throws {
        let e = try Env()
        let page = #"{"status":"success","page":1,"total_page":1,"data":[{"id_permohonan":900001,"no_permohonan":"PMH/900001","jenis_izin":"Izin Usaha Mikro","kode_jenis_izin":"IUM","nik_pemohon":"7571011203880001","nama_pemohon":"SITI AMINAH","alamat_pemohon":"JL","tempat_lahir_pemohon":null,"tgl_lahir_pemohon":"1990-04-05","tgl_pengajuan":"2024-07-01 09:12:00","updated_at":"2024-07-10 14:00:00","tgl_penetapan":null,"masa_berlaku_sampai":null,"no_izin":"503/1","status":"Selesai","retribusi":0,"kode_wilayah":"75.71.02.1003","opd_penerbit":"DPMPTSP"}]}"#
        _ = try e.t.ingest("sicantik", [try e.t.write("borrowed.json", page)])
        try PersonIndex(store: e.t.store, regions: try Regions(file: e.t.home.regionsFile)).update()
        let siti = try #require(try e.t.store.person(nik: Self.nik))
        #expect(try e.t.store.personOf(mention: "sicantik:900001") == siti.id, "linked to Siti by the rest of the record")
        e.tokens["layanan"] = try e.t.store.addOPD(name: "layanan", grants: ["citizen:nik,nama", "permit:*"], purposes: ["layanan"]).1
        let (st, body) = try e.get("/v1/citizens/\(Self.nik)", opd: "layanan", purpose: "layanan")
        #expect(st == 200 && body.jsonText.contains("7571011203880001"))
        #expect(try e.t.store.auditAccess(nik: "7571011203880001").contains { $0.opd == "layanan" && $0.route == "/v1/citizens/{nik}" })
        // An OPD not granted permits is not shown the permit, nor is its NIK logged for it.
        #expect(try e.get("/v1/citizens/\(Self.nik)", opd: "dinkes", purpose: "layanan-kesehatan").0 == 200)
        #expect(try !e.t.store.auditAccess(nik: "7571011203880001").contains { $0.opd == "dinkes" && $0.route == "/v1/citizens/{nik}" })
    }

    /// Pemadanan penerima over HTTP: the SP2D line paid after the registry recorded its recipient's death is found;
    /// the answer names no one, needs the registry-status grant and a purpose, and is audited with that person.
    @Test func recipientsAreCheckedAgainstTheRegistry() throws {
        let e = try Env()
        try PersonIndex(store: e.t.store, regions: try Regions(file: e.t.home.regionsFile)).update()
        e.tokens["auditor"] = try e.t.store.addOPD(name: "auditor", grants: ["reconciliation:*", "citizen:status_penduduk"], purposes: ["pengawasan"]).1
        let (st, body) = try e.get("/v1/reconciliation/recipients?tahun=2024", opd: "auditor", purpose: "pengawasan")
        #expect(st == 200 && body["checked"]?["lines"] == .int(4), "\(body)")
        let findings = body["findings"]?.arrayValue ?? []
        let deceased = try #require(findings.first { $0["kind"] == .string("recipient_deceased") })
        #expect(deceased["source_key"] == .string("00011/SP2D/LS/2024#1") && deceased["registry_since"] == .string("2024-12-03")
                && deceased["amount"] == .string("1500000.00") && deceased["person_id"]?.stringValue?.hasPrefix("P") == true)
        #expect(findings.contains { $0["kind"] == .string("recipient_not_in_registry") && $0["source_key"] == .string("00005/SP2D/LS/2024#3") })
        #expect(!body.jsonText.contains("7571025811750001") && !body.jsonText.contains("NURHAYATI"), "names no one")
        #expect(try e.t.store.auditAccess(nik: "7571025811750001").contains { $0.route == "/v1/reconciliation/recipients" && $0.result == "ok" })
        let c = try RawClient(port: e.server.port)
        c.send(Array("GET /v1/reconciliation/recipients?tahun=2024&format=csv HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(e.tokens["auditor"]!)\r\nX-Purpose: pengawasan\r\n\r\n".utf8))
        let csv = try #require(c.response())
        #expect(csv.status == 200 && csv.body.contains("recipient_deceased;00011/SP2D/LS/2024#1;2024-12-16"))
        #expect(try e.get("/v1/reconciliation/recipients?tahun=2024", opd: "bpkad", purpose: "anggaran").0 == 403, "no registry-status grant")
        #expect(try e.get("/v1/reconciliation/recipients?tahun=2024", opd: "auditor").0 == 403, "a purpose")
        #expect(try e.get("/v1/reconciliation/recipients?tahun=20x4", opd: "auditor", purpose: "pengawasan").0 == 400)
        // The fiscal reconciliation is unchanged by it, and still not personal.
        #expect(try e.get("/v1/reconciliation?tahun=2024", opd: "bpkad").0 == 200)
    }

    /// Father and son of one name on one family card: a record with the card for a NIK and that name scores alike
    /// for both, so it goes to review, and the steward is shown both persons.
    @Test func aReviewItemOfTwoAlikeCandidatesShowsBoth() throws {
        let e = try Env()
        let kk = "7571010101990003"
        func registry(_ nik: String, _ lahir: String) -> (key: String, connector: String, schema: String, sourceKey: String, data: String) {
            ("dukcapil-siak:" + nik, "dukcapil-siak", "citizen", nik,
             JSONValue.object(["nik": .string(nik), "nik_status": .string("valid"), "nama": .string("SALIM ALI"), "no_kk": .string(kk),
                               "tanggal_lahir": .string(lahir), "jenis_kelamin": .string("L"), "kode_wilayah": .string("75.71.01.1001")]).jsonText)
        }
        try e.t.store.insertMentions([
            registry("7571010405730001", "1973-05-04"), registry("7571012605000002", "2000-05-26"),
            ("simda-keuangan:9/SP2D#1", "simda-keuangan", "disbursement", "9/SP2D#1",
             JSONValue.object(["nik": .string(kk), "nik_status": .string("valid"), "nama": .string("SALIM ALI")]).jsonText),
        ])
        try PersonIndex(store: e.t.store, regions: try Regions(file: e.t.home.regionsFile)).update()
        let (st, body) = try e.get("/v1/persons/review", opd: "steward", purpose: "stewardship")
        let item = try #require((body["review"]?.arrayValue ?? []).first { $0["mention"]?.stringValue == "simda-keuangan:9/SP2D#1" })
        #expect(st == 200 && item["evidence"]?["rule"]?.stringValue == "two candidates score alike")
        let a = try #require(item["candidate"]?["person_id"]?.stringValue), b = try #require(item["runner_up"]?["person_id"]?.stringValue)
        #expect(a != b && item["runner_up"]?["golden"]?["nama"]?.stringValue == "SALIM ALI" && item["runner_up"]?["score"] != nil)
        let niks = Set([item["candidate"]?["golden"]?["nik"]?.stringValue, item["runner_up"]?["golden"]?["nik"]?.stringValue].compactMap { $0 })
        #expect(niks == ["7571010405730001", "7571012605000002"])
        // Both persons' reads are in the audit log.
        for nik in niks { #expect(try e.t.store.auditAccess(nik: nik).contains { $0.route == "/v1/persons/review" }) }
        // The export lists the mention once, under its candidate, naming the runner-up.
        let regions = try Regions(file: e.t.home.regionsFile)
        func exported(_ id: String) throws -> [JSONValue] {
            let p = try #require(try e.t.store.person(id: id))
            let g = try GoldenRecord.load(store: e.t.store, person: p, regions: regions, reviewByCandidate: try e.t.store.reviewByCandidate())
            return g.exportJSON["review"]?.arrayValue ?? []
        }
        #expect(try exported(a) == [.object(["key": .string("simda-keuangan:9/SP2D#1"), "kind": .string("possible"), "runner_up": .string(b)])])
        #expect(try exported(b) == [])
        // Merged since the decision: each is shown as the person it went into, and two that are now one are shown once.
        try e.t.store.db.run("UPDATE persons SET status = 'merged', merged_into = ? WHERE id = ?", [.text(a), .text(b)])
        let (_, after) = try e.get("/v1/persons/review", opd: "steward", purpose: "stewardship")
        let again = try #require((after["review"]?.arrayValue ?? []).first { $0["mention"]?.stringValue == "simda-keuangan:9/SP2D#1" })
        #expect(again["candidate"]?["person_id"]?.stringValue == a && again["runner_up"] == nil)
        #expect(try e.t.store.reviewByCandidate()[a]?.first?.runnerUp == nil, "the runner-up went into the candidate")
        try e.t.store.db.run("UPDATE persons SET status = 'active', merged_into = NULL WHERE id = ?", [.text(b)])
        try e.t.store.db.run("UPDATE persons SET status = 'merged', merged_into = ? WHERE id = ?", [.text(b), .text(a)])
        let (_, swapped) = try e.get("/v1/persons/review", opd: "steward", purpose: "stewardship")
        let third = try #require((swapped["review"]?.arrayValue ?? []).first { $0["mention"]?.stringValue == "simda-keuangan:9/SP2D#1" })
        #expect(third["candidate"]?["person_id"]?.stringValue == b && third["runner_up"] == nil)
        // The merged person's NIK answers the person it went into.
        let mergedNIK = try #require(try e.t.store.person(id: a)?.nik)
        let (cs, citizen) = try e.get("/v1/citizens/\(mergedNIK)", opd: "dinkes", purpose: "layanan-kesehatan")
        #expect(cs == 200 && citizen["person_id"]?.stringValue == b && citizen["nik"]?.stringValue == mergedNIK)
    }
}

/// The grant cut, as the API does it (for the expectations above).
func Routes_cut(_ v: JSONValue, _ fields: OPD.Fields) -> JSONValue {
    guard case .object(let o) = v else { return v }
    switch fields {
    case .all: return v
    case .some(let f): return .object(o.filter { f.contains($0.key) })
    }
}
