import Foundation
import SimpulAPI
import SimpulHTTP
import SimpulJSON
import SimpulStorage
import SimpulTestSupport
import Testing

/// The routes the web console uses beyond the query API, and the console's own files.
@Suite struct ConsoleRouteTests {
    @Test func consoleFilesMeDeadLettersAuditVerifyAndReconciliationCSV() throws {
        let t = try TestHub()
        for c in ["dukcapil-siak", "sicantik", "sipd-perencanaan", "sipd-penganggaran", "simda-keuangan"] { _ = try t.ingest(c, [t.samples(c)]) }
        let ops = try t.store.addOPD(name: "diskominfo", grants: ["connectors:*", "audit:*", "reconciliation:*"], purposes: ["pengelolaan-data"]).1
        let dinkes = try t.store.addOPD(name: "dinkes", grants: ["citizen:nik,nama"], purposes: ["layanan-kesehatan"]).1
        let api = try API(dbPath: t.dir + "/simpul.db", schemas: t.hub.schemas, home: t.home)
        defer { api.shutdown() }
        func call(_ target: String, _ token: String?, method: String = "GET") -> HTTPResponse {
            var h: [(name: String, value: String)] = []
            if let token { h.append(("authorization", "Bearer " + token)) }
            return api.handle(HTTPRequest(method: method, target: target, headers: h))
        }
        func json(_ r: HTTPResponse) -> JSONValue { (try? JSONParser.parse(r.body)) ?? .null }

        // The console: no token needed for the page itself, and a CSP that allows nothing from outside.
        let page = call("/", nil)
        #expect(page.status == 200)
        #expect(page.headers.contains { $0.name == "Content-Type" && $0.value.hasPrefix("text/html") })
        #expect(page.headers.contains { $0.name == "Content-Security-Policy" && $0.value.contains("default-src 'self'") })
        #expect(String(decoding: page.body, as: UTF8.self).contains("/console/app.js"))
        #expect(call("/console/app.js", nil).status == 200)
        #expect(call("/console/../Package.swift", nil).status == 404)

        let me = json(call("/v1/me", dinkes))
        #expect(me["opd"] == .string("dinkes"))
        #expect(me["purposes"] == .array([.string("layanan-kesehatan")]))
        #expect(me["grants"]?["citizen"] == .array([.string("nama"), .string("nik")]))
        #expect(call("/v1/me", nil).status == 401)

        let dlq = json(call("/v1/dlq?connector=sicantik", ops))
        let first = try #require(dlq["dead_letters"]?.arrayValue?.first)
        #expect(first["raw"] == nil && first["reason"] != nil)
        let count = dlq["dead_letters"]?.arrayValue?.count ?? 0
        #expect(dlq["more"] == .bool(false) && count >= 2)
        let one = json(call("/v1/dlq?connector=sicantik&limit=1", ops))
        #expect(one["dead_letters"]?.arrayValue?.count == 1 && one["more"] == .bool(true))
        #expect(call("/v1/dlq", dinkes).status == 403)
        #expect(call("/v1/dlq?connector=Bad.Name", ops).status == 400)
        // A misspelt connector is a 404 naming the known ones, not an empty queue.
        #expect(call("/v1/dlq?connector=siak", ops).status == 404 && call("/v1/connectors/runs?connector=siak", ops).status == 404)
        let retryable = try #require(dlq["dead_letters"]?.arrayValue?.first { $0["retryable"] == .bool(true) })
        let id = retryable["id"]?.scalarText ?? ""
        let retried = call("/v1/dlq/\(id)/retry", ops, method: "POST")
        #expect(retried.status == 200 && json(retried)["resolved"] == .bool(false))
        #expect(call("/v1/dlq/999999/retry", ops, method: "POST").status == 404)

        let verify = json(call("/v1/audit/verify", ops))
        #expect(verify["ok"] == .bool(true))
        #expect(call("/v1/audit/verify", dinkes).status == 403)
        let head = json(call("/v1/audit/head", ops))
        let headID = try #require(head["id"]?.scalarText), hash = try #require(head["hash"]?.stringValue)
        #expect(call("/v1/audit/head", dinkes).status == 403)
        let checked = json(call("/v1/audit/verify?heads=\(headID):\(hash),0:\(HubStore.auditGenesis)", ops))
        #expect(checked["ok"] == .bool(true) && checked["heads_checked"] == .int(2))
        let gone = json(call("/v1/audit/verify?heads=999999:\(hash)", ops))
        #expect(gone["ok"] == .bool(false) && gone["broken_entry"] == .int(999999))
        #expect(call("/v1/audit/verify?heads=\(headID):nothex", ops).status == 400)

        let csv = call("/v1/reconciliation?tahun=2024&format=csv", ops)
        #expect(csv.status == 200)
        #expect(csv.headers.contains { $0.name == "Content-Type" && $0.value.hasPrefix("text/csv") })
        #expect(Array(csv.body.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(call("/v1/reconciliation?tahun=2024&format=xml", ops).status == 400)
        // The findings spreadsheet and the pemda, as `simpul reconcile --format csv --findings --pemda`.
        let findings = call("/v1/reconciliation?tahun=2024&format=csv&findings=true", ops)
        #expect(findings.status == 200)
        #expect(findings.headers.contains { $0.name == "Content-Disposition" && $0.value.contains("temuan-2024.csv") })
        #expect(String(decoding: findings.body, as: UTF8.self).contains("Jenis temuan;"))
        #expect(!String(decoding: csv.body, as: UTF8.self).contains("Jenis temuan;"))
        #expect(json(call("/v1/reconciliation?tahun=2024&findings=true", ops))["rollup"] != nil, "the JSON holds both either way")
        #expect(call("/v1/reconciliation?tahun=2024&format=csv&findings=yes", ops).status == 400)
        let asProvince = json(call("/v1/reconciliation?tahun=2024&pemda=75", ops))
        let asKabupaten = json(call("/v1/reconciliation?tahun=2024&pemda=75.71", ops))
        #expect(asProvince["finding_counts"]?["invalid_code"] != asKabupaten["finding_counts"]?["invalid_code"],
                "the level digit is checked against the pemda given")
        #expect(call("/v1/reconciliation?tahun=2024&pemda=7571", ops).status == 400)
    }
}
