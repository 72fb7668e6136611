import Foundation
import SimpulAPI
import SimpulHTTP
import SimpulJSON
import SimpulTestSupport
import Testing

/// Odd requests to every route of the API, handled in process: crafted filters, operators, orders, selects, limits
/// and cursors (valid base64 of JSON with the wrong shapes), broken percent-encoding, odd path values and bodies.
/// Every answer must be a deliberate one: a status below 500 (503 is the hub failing, and a filter must never make
/// it fail) with a JSON error body when it is an error. schemathesis (scripts/schemathesis.sh) sends what the
/// OpenAPI document describes; this sends what it does not. Deterministic (a fixed seed).
@Suite struct APIFuzzTests {
    static func cursor(_ json: String) -> String {
        Data(json.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static let segments = ["7571014504900002", "citizen", "permit", "budget_line", "disbursement", "records.citizen",
                           "raw.sicantik", "dlq.sicantik", "persons", "sicantik", "dukcapil-siak", "1", "0", "-1",
                           "99999999999999999999", "%zz", "%", "%00", "a%2Fb", "é", "..", "x y", String(repeating: "9", count: 300)]
    static let names = ["nama", "nik", "tanggal_lahir", "kode_wilayah", "tahun", "pagu", "status", "select", "order",
                        "limit", "cursor", "after", "wait", "year", "mention", "person_id", "id", "x", "", "nama[]", "heads"]
    static let values = ["eq.SITI", "neq.", "gt.1e400", "gte.-99999999999999999999", "lt.2024-01-01", "lte.0x10",
                         "in.(a,b", "in.()", "in.(" + String(repeating: "1,", count: 2000) + "1)", "like.%", "like.SITI*",
                         "like.%25", "cs.{1}", "eq", ".", "nama", "nama,nik,zzz", "*", "tahun.desc,nama.asc",
                         "nama.desc.nullsfirst", "x.y", "0", "-1", "1001", "99999999999999999999", "1.5", "NaN", "",
                         "%zz", "SITI%20AMINAH", "'; DROP TABLE records; --", "\u{0}", "é",
                         "1:" + String(repeating: "a", count: 64), "0:" + String(repeating: "0", count: 64) + ",99999999999999999999:x",
                         cursor(#"{"o":"nama","v":{"i":"99999999999999999999"},"k":"x"}"#),
                         cursor(#"{"o":"","v":{"d":"1e400"},"k":"x"}"#), cursor(#"{"o":1,"v":[],"k":{}}"#),
                         cursor(#"{"o":"source_key","v":null,"k":"zzz"}"#), cursor("not json"), "!!!!"]

    static let count = 3_000

    @Test func oddRequestsGetDeliberateAnswers() throws {
        let t = try TestHub()
        for c in ["dukcapil-siak", "sicantik", "sipd-penganggaran", "simda-keuangan"] { _ = try t.ingest(c, [t.samples(c)]) }
        let token = try t.store.addOPD(name: "fuzz", grants: ["*"], purposes: ["uji"], ratePerMinute: 10_000_000).1
        let api = try API(dbPath: t.dir + "/simpul.db", schemas: t.hub.schemas, home: t.home)
        defer { api.shutdown(); api.close() }
        let routes: [(String, String)] = [
            ("GET", "/v1/citizens/{}"), ("GET", "/v1/citizens"), ("GET", "/v1/records/{}"), ("GET", "/v1/topics/{}/events"),
            ("GET", "/v1/topics"), ("GET", "/v1/schemas/{}"), ("GET", "/v1/audit/access"), ("GET", "/v1/persons/review"),
            ("GET", "/v1/reconciliation"), ("GET", "/v1/dlq"), ("GET", "/v1/connectors/runs"), ("POST", "/v1/persons/link"),
            ("POST", "/v1/persons/unlink"), ("POST", "/v1/dlq/{}/retry"), ("POST", "/v1/ingest/{}"), ("GET", "/v1/me"),
            ("GET", "/{}"), ("DELETE", "/v1/records/{}"), ("GET", "/v1/audit/verify"), ("GET", "/v1/audit/head"),
        ]
        var r = FuzzTests.Random(state: 7)
        var failures: [String] = []
        var statuses: [Int: Int] = [:]
        for _ in 0..<Self.count {
            let (method, pattern) = r.pick(routes)
            // Mostly real path values and parameter names, so that most requests get past routing to the query itself.
            let segment = r.below(10) < 7 ? r.pick(Array(Self.segments.prefix(11))) : r.pick(Self.segments)
            var target = pattern.replacingOccurrences(of: "{}", with: segment)
            var q: [String] = []
            for _ in 0..<r.below(4) {
                let name = r.below(10) < 8 ? r.pick(Array(Self.names.prefix(12))) : r.pick(Self.names)
                q.append("\(name)=\(r.pick(Self.values).addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&+="))) ?? "")")
            }
            if r.below(10) == 0 { q.append("wait=0") }
            if !q.isEmpty { target += "?" + q.joined(separator: "&") }
            var headers: [(name: String, value: String)] = [("host", "t")]
            if r.below(10) != 0 { headers.append(("authorization", "Bearer " + (r.below(20) == 0 ? "smp_nope" : token))) }
            if r.below(5) != 0 { headers.append(("x-purpose", r.below(10) == 0 ? "lain" : "uji")) }
            let body: [UInt8] = method == "POST" ? Array(r.pick([#"{"mention":"sicantik:1","person_id":"P1"}"#, "{}", "[", "",
                                                                  #"{"mention":1}"#, "not json", #"{"status":"success","data":[{}]}"#]).utf8) : []
            var resp = api.handle(HTTPRequest(method: method, target: target, headers: headers, body: body))
            if let later = resp.deferred {
                let done = DispatchSemaphore(value: 0)
                let box = Box()
                later { answer in box.set(answer); done.signal() }
                if done.wait(timeout: .now() + 10) == .timedOut { failures.append("\(method) \(target): no answer in 10 s"); continue }
                resp = box.get()!
            }
            statuses[resp.status, default: 0] += 1
            if resp.status >= 500 && resp.status != 501 {
                failures.append("\(method) \(target): \(resp.status) \(String(decoding: resp.body.prefix(200), as: UTF8.self))")
            } else if resp.status >= 400, (try? JSONParser.parse(resp.body))?["error"] == nil {
                failures.append("\(method) \(target): \(resp.status) without a JSON error")
            }
        }
        print("API fuzz: \(Self.count) requests, statuses \(statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")), \(failures.count) not deliberate")
        for f in failures.prefix(30) { Issue.record(Comment(rawValue: f)) }
    }

    final class Box: @unchecked Sendable {
        private let lock = NSLock()
        private var value: HTTPResponse?
        func set(_ v: HTTPResponse) { lock.lock(); value = v; lock.unlock() }
        func get() -> HTTPResponse? { lock.lock(); defer { lock.unlock() }; return value }
    }
}
