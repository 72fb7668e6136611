import Foundation
import SimpulHTTP
import SimpulIngest
import SimpulJSON
import SimpulPersons
import SimpulStorage

/// The data steward's routes: a person, the review queue and link/unlink decisions (grant `persons:*`, audited).
enum PersonRoutes {
    static func all(_ api: API) -> [Route] {
        [
            Route(method: "GET", pattern: "/v1/persons/review",
                  summary: "the person index's review queue: each doubtful mention with its candidate person (and the runner-up when two score alike) and the per-field evidence (stewards, audited)",
                  access: .personal,
                  query: [QueryParam(name: "limit", required: false, description: "1 to 1000 (default 100)", type: "integer", schema: ParamSchema.range(1, 1000)),
                          QueryParam(name: "kind", required: false, description: "only items of this kind",
                                     schema: ["enum": .array(HubStore.reviewKinds.map { .string($0) })])],
                  tag: "persons") { r in try review(&r, api: api) },
            Route(method: "GET", pattern: "/v1/persons/{id}",
                  summary: "one person, as simpul persons show --json: the golden record with each field's source, every linked mention with how it was decided, the NIK check and open review items (stewards, audited); a person id (a merged one's followed to the person it went into) or a NIK",
                  access: .personal, tag: "persons", pathSchemas: ["id": ["pattern": .string(personKey)]]) { r in
                      try show(&r, api: api)
                  },
            Route(method: "GET", pattern: "/v1/persons/{id}/report",
                  summary: "a citizen's access request under UU PDP (Pasal 32): the golden record with its sources, every linked record in all its versions (other persons' data withheld, Pasal 33) and every audited read of the person, with the audit chain's head (grants persons and audit; audited)",
                  access: .personal, tag: "persons", pathSchemas: ["id": ["pattern": .string(personKey)]]) { r in
                      try report(&r, api: api)
                  },
            Route(method: "POST", pattern: "/v1/persons/link",
                  summary: "steward: this mention is this person (body {\"mention\",\"person\"}: a person id or NIK); later runs respect it (audited)",
                  access: .personal, tag: "persons", requestBody: decisionBody) { r in try decide(&r, api: api, rule: "must") },
            Route(method: "POST", pattern: "/v1/persons/unlink",
                  summary: "steward: this mention is not this person (body {\"mention\",\"person\"}); it is decided again without them (audited)",
                  access: .personal, tag: "persons", requestBody: decisionBody) { r in try decide(&r, api: api, rule: "cannot") },
        ]
    }

    static let decisionBody: (mediaType: String, schema: JSONValue) = ("application/json", .object([
        "type": .string("object"), "required": .array([.string("mention"), .string("person")]),
        "properties": .object(["mention": .object(["type": .string("string"), "minLength": .int(1)]),
                               "person": .object(["type": .string("string"), "minLength": .int(1)])]),
    ]))

    static func steward(_ r: APIRequest) throws {
        guard r.opd?.fields("persons") != nil else {
            throw APIError(403, "not_granted", "OPD \(r.opd!.name) is not a data steward (simpul opd add … --grant persons:*)")
        }
    }

    static func index(_ r: APIRequest, api: API) -> PersonIndex { index(store: r.store, api: api) }

    static func index(store: HubStore, api: API) -> PersonIndex {
        PersonIndex(store: store, regions: api.regions, thresholds: api.home.map { MatchThresholds(file: $0.matchingFile) } ?? MatchThresholds())
    }

    /// Takes newly stored mentions into the person index after a push, a sync or a retry. The rows are durable
    /// already: if this fails, the answer stays what it was, the server log says so (the kind of failure only,
    /// never personal data), and the next update catches up.
    static func update(api: API, after what: String, store: () throws -> HubStore) {
        do {
            try index(store: try store(), api: api).update()
        } catch {
            ServerLog.line("the person index was not updated after \(what) (\(type(of: error))); run simpul persons update")
        }
    }

    /// A person's id (`P` and 16 hexadecimal digits) or a NIK: the document's pattern and the route's check.
    static let personKey = "^(P[0-9a-f]{16}|[0-9]{16})$"
    nonisolated(unsafe) static let personKeyRegex = try! Regex(personKey)

    static func show(_ r: inout APIRequest, api: API) throws -> HTTPResponse {
        try steward(r)
        let p = try person(&r, api: api)
        let g = try GoldenRecord.load(store: r.store, person: p, regions: api.regions)
        return .json(g.json)
    }

    /// The person the path names (a person id or a NIK), recorded as the persons the request touches (until it is
    /// found, the key as given: `API.answer`).
    static func person(_ r: inout APIRequest, api: API) throws -> PersonRow {
        let key = r.params["id"] ?? ""
        // Neither the id nor a NIK goes into the error: a NIK is personal data.
        guard key.wholeMatch(of: personKeyRegex) != nil else {
            throw APIError(400, "invalid_parameter", "a person is named by its id (P and 16 hexadecimal digits) or a NIK (16 digits)")
        }
        guard let p = try index(r, api: api).resolve(key) else { throw APIError(404, "not_found", "no such person") }
        r.persons = [p.nik ?? p.id]
        return p
    }

    /// Who answers a citizen's access request needs both the steward's grant and the audit grant: the report shows
    /// the person's records and the reads of them.
    static func report(_ r: inout APIRequest, api: API) throws -> HTTPResponse {
        try steward(r)
        guard r.opd?.fields("audit") != nil else { throw APIError(403, "not_granted", "OPD \(r.opd!.name) was not granted 'audit'") }
        let p = try person(&r, api: api)
        return .json(try SubjectReport.build(store: r.store, person: p, regions: api.regions).json)
    }

    static func review(_ r: inout APIRequest, api: API) throws -> HTTPResponse {
        try steward(r)
        let limit = try r.int("limit", 100, 1...1000)
        let kind = r.http.query("kind")
        if let kind, !HubStore.reviewKinds.contains(kind) {
            throw APIError(400, "invalid_parameter", "kind is one of \(HubStore.reviewKinds.joined(separator: ", "))")
        }
        let items = try r.store.reviewItems(kind: kind, limit: limit)
        var persons = Set<String>()
        var out: [JSONValue] = []
        for it in items {
            let evidence = (try? JSONParser.parse(it.evidence)) ?? .null
            var o: [String: JSONValue] = ["mention": .string(it.mentionKey), "kind": .string(it.kind), "mention_data": it.data,
                                          "evidence": evidence]
            if let n = it.data["nik"]?.stringValue { persons.insert(n) }
            // The persons as they are now: one merged since the decision is shown as the person it went into.
            var shown = Set<String>()
            func person(_ id: String, score: JSONValue? = nil) throws -> JSONValue? {
                guard let p = try r.store.currentPerson(id: id), shown.insert(p.id).inserted else { return nil }
                let g = try GoldenRecord.load(store: r.store, person: p, regions: api.regions)
                persons.insert(p.nik ?? p.id)
                var c: [String: JSONValue] = ["person_id": .string(p.id), "status": .string(g.status), "golden": .object(g.golden)]
                if let score { c["score"] = score }
                return .object(c)
            }
            if let c = it.candidate, let v = try person(c) { o["candidate"] = v }
            // Two candidates that score alike: the other one too, so the steward compares both (unless the two have
            // been merged since).
            if let ru = evidence["runner_up"], let id = ru["person_id"]?.stringValue, let v = try person(id, score: ru["score"]) {
                o["runner_up"] = v
            }
            out.append(.object(o))
        }
        r.persons = persons.sorted()
        // `total`: the whole queue (of that kind), so a client knows when it holds only the first `limit`.
        return .json(.object(["review": .array(out), "total": .int(try r.store.reviewCount(kind: kind))]))
    }

    static func decide(_ r: inout APIRequest, api: API, rule: String) throws -> HTTPResponse {
        try steward(r)
        guard let body = try? JSONParser.parse(r.http.body), let mention = body["mention"]?.stringValue, let person = body["person"]?.stringValue,
              !mention.isEmpty, !person.isEmpty
        else { throw APIError(400, "invalid_body", "send JSON {\"mention\": \"sicantik:100025\", \"person\": \"P… or a NIK\"}") }
        do {
            let (p, now, _) = try api.pushLock.withLock { try index(r, api: api).applyRule(mention: mention, person: person, rule: rule) }
            r.persons = [p.nik ?? p.id]
            return .json(.object(["mention": .string(mention), "person": .string(p.id), "rule": .string(rule == "must" ? "link" : "unlink"),
                                  "now_with": now.map { .string($0) } ?? .null]))
        } catch PersonIndex.StewardError.noMention {
            throw APIError(404, "not_found", "no mention '\(mention)'")
        } catch PersonIndex.StewardError.noPerson {
            throw APIError(404, "not_found", "no person '\(person)'")
        }
    }
}
