import Foundation
import SimpulConnectors
import SimpulHTTP
import SimpulIngest
import SimpulJSON
import SimpulNormalise
import SimpulPersons
import SimpulReconcile
import SimpulStorage

/// The routes of ARCHITECTURE.md that exist so far. The OpenAPI document is generated from this list.
enum Routes {
    static func all(_ api: API) -> [Route] {
        [
            Route(method: "GET", pattern: "/healthz", summary: "liveness and database reachability", access: .open, tag: "operations", quick: true) { r in
                _ = try r.store.topics()
                return .json(.object(["status": .string("ok"), "schema_version": .int(HubStore.schemaVersion)]))
            },
            Route(method: "GET", pattern: "/metrics", summary: "Prometheus metrics: requests by route and status, latency, ingest and dead letters",
                  access: .open, tag: "operations") { _ in
                HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4", body: api.metricsText())
            },
            Route(method: "GET", pattern: "/openapi.json", summary: "this API as OpenAPI 3.1", access: .open, tag: "operations") { _ in
                .json(api.openAPI)
            },
            Route(method: "GET", pattern: "/v1/schemas", summary: "the shared schemas", access: .token, tag: "schemas") { _ in
                .json(.object(["schemas": .array(api.schemas.names.map { .string($0) })]))
            },
            Route(method: "GET", pattern: "/v1/schemas/{name}", summary: "one shared schema (JSON Schema)", access: .token, tag: "schemas") { r in
                let name = r.params["name"] ?? ""
                guard let source = api.schemas.sources[name] else { throw APIError(404, "not_found", "no schema named '\(name)'") }
                return HTTPResponse(status: 200, contentType: "application/schema+json", body: source.jsonText)
            },
            Route(method: "GET", pattern: "/v1/topics", summary: "topics with their last sequence number", access: .token, tag: "feeds") { r in
                .json(.object(["topics": .array(try r.store.topics().map { .object(["name": .string($0.name), "last_seq": .int(Int($0.lastSeq))]) })]))
            },
            Route(method: "GET", pattern: "/v1/topics/{topic}/events",
                  summary: "a change feed (records.<schema>): events after a sequence number, granted fields only; wait=SECONDS long-polls; Accept: text/event-stream streams",
                  access: .token,
                  query: [QueryParam(name: "after", required: false, description: "the last sequence number already seen (default 0)", type: "integer",
                                     schema: ParamSchema.range(0, Int(Int32.max))),
                          QueryParam(name: "limit", required: false, description: "1 to 1000 (default 100)", type: "integer", schema: ParamSchema.range(1, 1000)),
                          QueryParam(name: "wait", required: false, description: "seconds to wait for new events when there are none (0 to 30)", type: "integer",
                                     schema: ParamSchema.range(0, 30)),
                          QueryParam(name: "consumer", required: false,
                                     description: "a durable consumer of this OPD: without after, read on from the offset it committed (POST /v1/topics/{topic}/offsets)",
                                     schema: ["pattern": .string(RecordQueries.consumerPattern)])],
                  tag: "feeds",
                  personalWhen: { p in
                      let t = p["topic"] ?? ""
                      return t.hasPrefix("records.") && RecordQueries.isPersonal(api, String(t.dropFirst(8)))
                  },
                  extraErrors: [416: "after (or Last-Event-ID, or the consumer's offset) is past the topic's last event: a position from another hub, or the hub was restored from an earlier backup"]) { r in try RecordQueries.events(&r, api: api) },
            Route(method: "POST", pattern: "/v1/topics/{topic}/offsets",
                  summary: "commit a durable consumer's offset (body {\"consumer\",\"seq\"}): the last event it has processed; GET …/events?consumer= reads on after it",
                  access: .token, tag: "feeds", requestBody: RecordQueries.offsetBody) { r in try RecordQueries.commitOffset(&r, api: api) },
            Route(method: "GET", pattern: "/v1/citizens/{nik}",
                  summary: "a citizen's registry record and linked permits, businesses and disbursements, cut to the caller's grant (audited)",
                  access: .personal, tag: "citizens", pathSchemas: ["nik": ParamSchema.nik], quick: true) { r in try citizen(&r, api: api) },
            Route(method: "GET", pattern: "/v1/citizens",
                  summary: "registry citizens by name (the whole name, or its first names), optionally birth date and region (audited)",
                  access: .personal,
                  query: [QueryParam(name: "nama", required: true, description: "name, at least 3 letters; titles and case do not matter",
                                     schema: ["pattern": .string("[A-Za-z].*[A-Za-z].*[A-Za-z]")]),
                          QueryParam(name: "tanggal_lahir", required: false, description: "birth date YYYY-MM-DD, e.g. 1990-04-05", schema: ParamSchema.date),
                          QueryParam(name: "kode_wilayah", required: false, description: "region code or its prefix, e.g. 75.71 or 75.71.01", schema: ParamSchema.wilayah),
                          QueryParam(name: "limit", required: false, description: "1 to 100 (default 20)", type: "integer", schema: ParamSchema.range(1, 100))],
                  tag: "citizens", quick: true) { r in try RecordQueries.searchCitizens(&r) },
            Route(method: "GET", pattern: "/v1/records/{schema}",
                  summary: "current records of a schema: filters FIELD=OP.VALUE (eq, neq, gt, gte, lt, lte, in, like = prefix), select, order, keyset cursor; personal schemas need X-Purpose and are audited",
                  access: .token,
                  query: [QueryParam(name: "select", required: false, description: "comma-separated fields (default: every granted field)"),
                          QueryParam(name: "order", required: false, description: "FIELD.asc or FIELD.desc (default source_key.asc)"),
                          QueryParam(name: "limit", required: false, description: "1 to 1000 (default 100)", type: "integer", schema: ParamSchema.range(1, 1000)),
                          QueryParam(name: "cursor", required: false, description: "next_cursor of the previous page"),
                          QueryParam(name: "format", required: false, description: "json (default) or csv (RFC 4180; the next page's cursor in the X-Next-Cursor header); also Accept: text/csv",
                                     schema: ["enum": .array([.string("json"), .string("csv")])])],
                  tag: "records", openQuery: true,
                  personalWhen: { p in RecordQueries.isPersonal(api, p["schema"] ?? "") }, responseTypes: ["application/json", "text/csv"]) { r in try RecordQueries.records(&r, api: api) },
            Route(method: "POST", pattern: "/v1/ingest/{connector}",
                  summary: "push an export in the connector's format; idempotent; answers the ingest run summary once every row is durable",
                  access: .token,
                  query: [QueryParam(name: "file", required: false, description: "a file name for provenance and dead letters (default push-<time>)",
                                     schema: ["pattern": .string(#"^[^/\\.\x00-\x1F\x7F][^/\\\x00-\x1F\x7F]{0,199}$"#)])],
                  tag: "ingest", requestBody: ("application/octet-stream", .object(["type": .string("string"), "format": .string("binary"), "minLength": .int(1)]))) { r in
                      try push(&r, api: api)
                  },
            Route(method: "GET", pattern: "/v1/reconciliation", summary: "plan ↔ budget ↔ realisation for a fiscal year (docs/reconciliation.md)",
                  access: .token,
                  query: [QueryParam(name: "tahun", required: true, description: "fiscal year, e.g. 2024", type: "integer", schema: ParamSchema.year),
                          QueryParam(name: "kode_skpd", required: false, description: "only this SKPD, e.g. 1.02.0.00.0.00.01.0000",
                                     schema: ["pattern": .string(#"^[0-9]\.[0-9]{2}\.[0-9]\.[0-9]{2}\.[0-9]\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$"#)]),
                          QueryParam(name: "format", required: false, description: "json (default) or csv (UTF-8 with BOM, ';', decimal comma, as simpul reconcile --format csv)",
                                     schema: ["enum": .array([.string("json"), .string("csv")])]),
                          QueryParam(name: "findings", required: false, description: "with format=csv: the findings instead of the roll-up (as simpul reconcile --format csv --findings); the JSON holds both either way",
                                     schema: ["enum": .array([.string("true"), .string("false")])]),
                          QueryParam(name: "pemda", required: false, description: "kode pemda whose level digit the code checks expect: 75 (provinsi) or 75.71 (kabupaten/kota); default kode_pemda of the DPA",
                                     schema: ["pattern": .string(#"^[0-9]{2}(\.[0-9]{2})?$"#)])],
                  tag: "reconciliation", responseTypes: ["application/json", "text/csv"]) { r in try reconciliation(&r) },
            Route(method: "GET", pattern: "/v1/reconciliation/recipients",
                  summary: "pemadanan penerima: a fiscal year's SP2D lines to individuals checked against the population registry (recipient deceased or moved away at the SP2D date, or not in the registry); names no one, but is about persons: grants reconciliation and citizen:status_penduduk, audited (docs/reconciliation.md)",
                  access: .personal,
                  query: [QueryParam(name: "tahun", required: true, description: "fiscal year, e.g. 2024", type: "integer", schema: ParamSchema.year),
                          QueryParam(name: "kode_skpd", required: false, description: "only this SKPD, e.g. 1.02.0.00.0.00.01.0000",
                                     schema: ["pattern": .string(#"^[0-9]\.[0-9]{2}\.[0-9]\.[0-9]{2}\.[0-9]\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$"#)]),
                          QueryParam(name: "format", required: false, description: "json (default) or csv (UTF-8 with BOM, ';', decimal comma, as simpul reconcile --recipients --format csv)",
                                     schema: ["enum": .array([.string("json"), .string("csv")])])],
                  tag: "reconciliation", responseTypes: ["application/json", "text/csv"]) { r in try recipients(&r) },
            Route(method: "GET", pattern: "/v1/me", summary: "the calling OPD: its name, purposes and grants (what the console offers)",
                  access: .token, tag: "access", quick: true) { r in
                let opd = r.opd!
                var grants: [String: JSONValue] = [:]
                for (k, f) in opd.grants {
                    switch f {
                    case .all: grants[k] = .string("*")
                    case .some(let s): grants[k] = .array(s.sorted().map { .string($0) })
                    }
                }
                if opd.allSchemas { grants["*"] = .string("*") }
                return .json(.object(["opd": .string(opd.name), "purposes": .array(opd.purposes.map { .string($0) }), "grants": .object(grants),
                                      "expires_at": opd.expiresAt.map { .string(HubStore.isoTime($0)) } ?? .null]))
            },
            Route(method: "GET", pattern: "/v1/audit/verify",
                  summary: "checks the audit log's hash chain, and that heads published earlier are still in it; names the first edited, deleted or reordered entry (grant audit)",
                  access: .token,
                  query: [QueryParam(name: "heads", required: false,
                                     description: "heads published earlier (GET /v1/audit/head), as ID:HASH, comma-separated: each entry must still be there with that hash",
                                     schema: ["pattern": .string("^[0-9]{1,18}:[0-9a-fA-F]{64}(,[0-9]{1,18}:[0-9a-fA-F]{64})*$")])],
                  tag: "audit") { r in
                guard r.opd?.fields("audit") != nil else { throw APIError(403, "not_granted", "OPD \(r.opd!.name) was not granted 'audit'") }
                var heads: [AuditHead] = []
                if let text = r.http.query("heads"), !text.isEmpty {
                    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                        guard case .success(let h) = AuditHead.parse(String(part)) else {
                            throw APIError(400, "invalid_head", "heads are ID:HASH (an entry id and 64 hexadecimal digits), comma-separated")
                        }
                        heads.append(h)
                    }
                }
                let (entries, broken) = try r.store.verifyAudit(heads: heads)
                return .json(.object(["ok": .bool(broken == nil), "entries": .int(entries), "heads_checked": .int(heads.count),
                                      "broken_entry": broken.map { .int(Int($0.id)) } ?? .null, "reason": broken.map { .string($0.reason) } ?? .null]))
            },
            Route(method: "GET", pattern: "/v1/audit/head",
                  summary: "the audit chain's newest entry and its hash, for a witness outside the hub to keep (grant audit)",
                  access: .token, tag: "audit") { r in
                guard r.opd?.fields("audit") != nil else { throw APIError(403, "not_granted", "OPD \(r.opd!.name) was not granted 'audit'") }
                return .json(try r.store.auditHead().json)
            },
            Route(method: "GET", pattern: "/v1/audit/access", summary: "who read this person's data, when and for what purpose (audited)",
                  access: .personal, query: [QueryParam(name: "nik", required: true, description: "the person's NIK (16 digits)", schema: ParamSchema.nik)],
                  tag: "audit") { r in
                try access(&r, key: try validNIK(r.http.query("nik") ?? ""))
            },
            Route(method: "GET", pattern: "/v1/audit/access/{id}",
                  summary: "the same, the person named by their NIK or person id (a person without a NIK is known only by the id) (audited)",
                  access: .personal, tag: "audit", pathSchemas: ["id": ["pattern": .string(PersonRoutes.personKey)]]) { r in
                let key = r.params["id"] ?? ""
                guard key.wholeMatch(of: PersonRoutes.personKeyRegex) != nil else {
                    throw APIError(400, "invalid_parameter", "a person is named by its id (P and 16 hexadecimal digits) or a NIK (16 digits)")
                }
                return try access(&r, key: key)
            },
        ]
    }

    /// Who read a person's data: the entries naming them by any id of theirs (`HubStore.auditSubjects`).
    static func access(_ r: inout APIRequest, key: String) throws -> HTTPResponse {
        guard r.opd?.fields("audit") != nil else { throw APIError(403, "not_granted", "OPD \(r.opd!.name) was not granted 'audit'") }
        guard let subjects = try r.store.auditSubjects(nikOrID: key) else { throw APIError(404, "not_found", "no such person") }
        return .json(.object([key.first == "P" ? "person" : "nik": .string(key),
                              "access": .array(try r.store.auditAccess(subjects: subjects).map(\.json))]))
    }

    static func validNIK(_ s: String) throws -> String {
        guard NIK.isSixteenDigits(s) else {
            throw APIError(400, "invalid_nik", "a NIK is 16 digits")
        }
        return s
    }

    /// Only the granted fields of a record (absent, not null, when not granted).
    static func cut(_ v: JSONValue, _ fields: OPD.Fields) -> JSONValue {
        guard case .object(let o) = v else { return v }
        switch fields {
        case .all: return v
        case .some(let f): return .object(o.filter { f.contains($0.key) })
        }
    }

    static let plural = ["permit": "permits", "business": "businesses", "disbursement": "disbursements", "citizen": "citizens"]

    /// A stored record's JSON cut to `fields` without parsing it into values (the stored bytes are spliced into the
    /// answer); a record whose bytes the splicer does not take is parsed and cut instead (null if unreadable).
    static func cut(json: [UInt8], _ fields: OPD.Fields) -> [UInt8] {
        let spliced = json.withUnsafeBufferPointer { buf in
            switch fields {
            case .all: JSONSplice.members(of: buf)
            case .some(let f): JSONSplice.members(of: buf) { f.contains($0) }
            }
        }
        if let spliced { return spliced }
        var out: [UInt8] = []
        JSONWriter.write(cut((try? JSONParser.parse(String(decoding: json, as: UTF8.self))) ?? .null, fields), into: &out)
        return out
    }

    /// The records linked to a citizen, cut to the grant, grouped under their schemas' plural names.
    private static func linked(_ records: [(schema: String, sourceKey: String)], opd: OPD, store: HubStore, into out: inout JSONSplice.Object) throws {
        var groups: [String: [[UInt8]]] = [:]
        var seen = Set<String>()
        for (schema, key) in records where schema != "citizen" && seen.insert(schema + "|" + key).inserted {
            guard let fields = opd.fields(schema), let rec = try store.recordJSON(schema: schema, sourceKey: key) else { continue }
            groups[plural[schema] ?? schema + "s", default: []].append(cut(json: rec.data, fields))
        }
        for (k, v) in groups { out.set(k, raw: JSONSplice.array(v)) }
    }

    static func citizen(_ r: inout APIRequest, api: API) throws -> HTTPResponse {
        let nik = try validNIK(r.params["nik"] ?? "")
        let opd = r.opd!
        guard let citizenFields = opd.fields("citizen") else { throw APIError(403, "not_granted", "OPD \(opd.name) was not granted citizen data") }
        var out = JSONSplice.Object()
        out.set("nik", .string(nik))
        // The person index's golden record when it knows the NIK: linked records are the person's mentions,
        // including those without a usable NIK that were linked to them.
        if let personID = try r.store.personIDHolding(nik: nik) {
            out.set("person_id", .string(personID))
            r.persons = [nik]
            // The golden record is written from the linked mentions' stored bytes, without parsing them.
            let mentions = try r.store.linkedMentionBytes(person: personID)
            let others = otherNIKs(nik, mentions: mentions, opd: opd)
            if let g = GoldenRecord.spliced(mentions.map { ($0.key, $0.connector, $0.data, $0.version, $0.at) },
                                            keep: { citizenFields.allows($0) }) {
                out.set("status", .string(GoldenRecord.status(connectors: mentions.map(\.connector), nik: nik)))
                out.set("citizen", raw: g.golden)
                out.set("provenance", raw: g.provenance)
                try linked(mentions.map { ($0.schema, $0.sourceKey) }, opd: opd, store: r.store, into: &out)
                let body = out.bytes
                r.persons = [nik] + shown(others, in: body)
                return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: body)
            }
            guard let person = try r.store.person(id: personID) else { throw APIError(404, "not_found", "no citizen with this NIK") }
            let g = try GoldenRecord.load(store: r.store, person: person, regions: api.regions, fieldsOnly: true)
            out.set("status", .string(g.status))
            out.set("citizen", cut(.object(g.golden), citizenFields))
            out.set("provenance", cut(.object(g.provenance), citizenFields))
            try linked(g.mentions.map { ($0.schema, $0.sourceKey) }, opd: opd, store: r.store, into: &out)
            let body = out.bytes
            r.persons = [nik] + shown(others, in: body)
            return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: body)
        }
        let registry = try r.store.recordJSON(schema: "citizen", sourceKey: nik)
        let mentioned = try r.store.mentionedRecords(nik: nik)
        guard registry != nil || !mentioned.isEmpty else { throw APIError(404, "not_found", "no citizen with this NIK") }
        if let registry {
            out.set("citizen", raw: cut(json: registry.data, citizenFields))
            out.set("source", .object(["connector": .string(registry.connector), "version": .int(Int(registry.version))]))
        } else {
            out.set("citizen", .null)
        }
        try linked(mentioned, opd: opd, store: r.store, into: &out)
        return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: out.bytes)
    }

    /// Other NIKs the linked records of a citizen's answer may carry (a permit typed with a relative's NIK, linked to
    /// this person by the rest of the record), from the mentions of the schemas the OPD may see.
    static func otherNIKs(_ nik: String, mentions: [(key: String, connector: String, schema: String, sourceKey: String, data: [UInt8],
                                                     version: Int64, at: Int64)], opd: OPD) -> [String] {
        var out: [String] = []
        var slot: [FlatFields.Slice?] = []
        for m in mentions where m.schema != "citizen" && opd.fields(m.schema) != nil {
            m.data.withUnsafeBufferPointer { b in
                guard nikField.scan(b, into: &slot), let s = slot[0], s.isString, let other = FlatFields.string(s, in: b),
                      other != nik, !out.contains(other) else { return }
                out.append(other)
            }
        }
        return out
    }

    static let nikField = FlatFields(["nik"])

    /// Those of `niks` the answer shows (its grant may leave the field out): each shown goes into the audit entry.
    static func shown(_ niks: [String], in body: [UInt8]) -> [String] {
        niks.filter { body.firstRange(of: Array($0.utf8)) != nil }
    }

    static func push(_ r: inout APIRequest, api: API) throws -> HTTPResponse {
        let name = r.params["connector"] ?? ""
        let opd = r.opd!
        guard let home = api.home else { throw APIError(501, "not_implemented", "this server does not take pushes") }
        guard home.connectorNames().contains(name) else { throw APIError(404, "not_found", "no connector '\(name)'") }
        switch opd.fields("ingest") {
        case .all?: break
        case .some(let names)? where names.contains(name): break
        default: throw APIError(403, "not_granted", "OPD \(opd.name) may not push to \(name) (simpul opd add … --grant ingest:\(name))")
        }
        var file = r.http.query("file") ?? ""
        if file.isEmpty { file = "push-" + HubStore.isoTime(Int64(Date().timeIntervalSince1970)) }
        guard file.count <= 200, !file.contains("/"), !file.contains("\\"), !file.hasPrefix("."),
              file.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
            throw APIError(400, "invalid_parameter", "file is a plain file name (no folders), up to 200 characters")
        }
        guard !r.http.body.isEmpty else { throw APIError(400, "empty_body", "send the export as the request body") }
        let body = try PushBody.decoded(r.http)
        let summary: RunSummary = try api.pushLock.withLock {
            let ingestor = Ingestor(store: r.store, normaliser: try RowNormaliser(connector: try Connector.load(directory: try home.connectorDirectory(named: name)),
                                                                                  schemas: api.schemas))
            let s = try ingestor.ingest(body: body, name: "push:\(opd.name)/\(file)")
            // The person index takes in the pushed mentions (a failure is logged; the answer stays the run summary).
            PersonRoutes.update(api: api, after: "a push to \(name)") { r.store }
            return s
        }
        api.metrics.countIngest(summary)
        if let reason = summary.files.first?.rejectedFile {
            throw APIError(422, "rejected_file", "the body could not be read as \(name)'s format: \(reason)", detail: summary.json)
        }
        return .json(summary.json)
    }

    /// The recipient check says who died or moved away: the reconciliation grant and the registry's status field
    /// both, a purpose, and an audit entry naming the persons the findings are about.
    static func recipients(_ r: inout APIRequest) throws -> HTTPResponse {
        let (y, skpd, format) = try reconciliationRequest(r)
        guard r.opd?.fields("citizen")?.allows("status_penduduk") == true else {
            throw APIError(403, "not_granted", "OPD \(r.opd!.name) was not granted the registry status (--grant citizen:status_penduduk)")
        }
        let check = try RecipientCheck.run(store: r.store, tahun: y, skpd: skpd)
        r.persons = check.persons
        if format == "csv" {
            return HTTPResponse(status: 200, headers: [("Content-Type", "text/csv; charset=utf-8"),
                                                       ("Content-Disposition", "attachment; filename=\"pemadanan-penerima-\(y).csv\"")],
                                body: Array(check.csv().utf8))
        }
        return .json(check.json)
    }

    /// The reconciliation routes' grant, then their `tahun`, `kode_skpd` and `format`, checked.
    static func reconciliationRequest(_ r: APIRequest) throws -> (year: Int, skpd: String?, format: String) {
        guard r.opd?.fields("reconciliation") != nil else {
            throw APIError(403, "not_granted", "OPD \(r.opd!.name) was not granted 'reconciliation' (simpul opd add … --grant reconciliation:*)")
        }
        guard let y = Int(r.http.query("tahun") ?? ""), (2000...2100).contains(y) else {
            throw APIError(400, "invalid_parameter", "tahun is a year such as 2024")
        }
        var skpd: String? = nil
        if let s = r.http.query("kode_skpd"), !s.isEmpty {
            do { skpd = try BudgetCodes.skpd(s) } catch { throw APIError(400, "invalid_parameter", "kode_skpd: \(error.reason)") }
        }
        let format = r.http.query("format") ?? "json"
        guard format == "json" || format == "csv" else { throw APIError(400, "invalid_parameter", "format is json or csv") }
        return (y, skpd, format)
    }

    static func reconciliation(_ r: inout APIRequest) throws -> HTTPResponse {
        let (y, skpd, format) = try reconciliationRequest(r)
        let findings: Bool
        switch r.http.query("findings") ?? "false" {
        case "true": findings = true
        case "false": findings = false
        default: throw APIError(400, "invalid_parameter", "findings is true or false")
        }
        let pemda = r.http.query("pemda").flatMap { $0.isEmpty ? nil : $0 }
        if let pemda, !BudgetCodes.isKodePemda(pemda) {
            throw APIError(400, "invalid_parameter", "pemda is a kode pemda: 75 (provinsi) or 75.71 (kabupaten/kota)")
        }
        var report = Reconciler(data: try FiscalData.load(store: r.store, tahun: y, skpd: skpd), kodePemda: pemda).run()
        report.kodeSkpd = skpd
        if format == "csv" {
            let name = findings ? "temuan-\(y).csv" : "rekonsiliasi-\(y).csv"
            return HTTPResponse(status: 200, headers: [("Content-Type", "text/csv; charset=utf-8"),
                                                       ("Content-Disposition", "attachment; filename=\"\(name)\"")],
                                body: Array(report.csv(findings: findings).utf8))
        }
        return .json(report.json)
    }
}
