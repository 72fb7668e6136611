import Foundation
import SimpulConnectors
import SimpulHTTP
import SimpulIngest
import SimpulJSON
import SimpulSync
import SimpulStorage

/// Connector operations for operators (grant `connectors:*`): what is connected, and every run with its counts,
/// status and error. No personal data: counts, states (cursors) and Simpul's own error messages.
enum ConnectorRoutes {
    /// A connector name in a path or query: lower-case letters, digits and '-'.
    static let nameSchema: [String: JSONValue] = ["pattern": .string("^[a-z0-9-]{1,100}$")]

    static func all(_ api: API) -> [Route] {
        [
            Route(method: "GET", pattern: "/v1/connectors",
                  summary: "the hub's connectors: kind (files, http, external), schemas, schedule, saved state and last run (grant connectors:*)",
                  access: .token, tag: "connectors") { r in try list(&r, api: api) },
            Route(method: "GET", pattern: "/v1/connectors/runs",
                  summary: "connector runs, newest first, with counts, status and error (grant connectors:*)",
                  access: .token,
                  query: [QueryParam(name: "connector", required: false, description: "only this connector",
                                     schema: nameSchema),
                          QueryParam(name: "limit", required: false, description: "1 to 500 (default 50)", type: "integer", schema: ParamSchema.range(1, 500))],
                  tag: "connectors") { r in
                try requireGrant(r)
                let runs = try r.store.runs(connector: try connectorParam(r, api: api), limit: try r.int("limit", 50, 1...500))
                return .json(.object(["runs": .array(runs.map(\.json))]))
            },
            Route(method: "POST", pattern: "/v1/connectors/{name}/run",
                  summary: "start a sync of an http or external connector now; answers 202 with the run id at once (follow it in /v1/connectors/runs) (grant connectors:*)",
                  access: .token,
                  query: [QueryParam(name: "full_refresh", required: false, description: "true: ignore the saved state and read everything again",
                                     schema: ["enum": .array([.string("true"), .string("false")])])],
                  tag: "connectors", pathSchemas: ["name": nameSchema],
                  successStatus: 202,
                  extraErrors: [409: "the connector has no source to pull from, or is running already"]) { r in
                try requireGrant(r)
                let name = r.params["name"] ?? ""
                guard let home = api.home, home.connectorNames().contains(name) else { throw APIError(404, "not_found", "no connector '\(name)'") }
                let full = r.http.query("full_refresh") ?? "false"
                guard full == "true" || full == "false" else { throw APIError(400, "invalid_parameter", "full_refresh is true or false") }
                let connector: Connector
                do { connector = try Connector.load(directory: home.connectorsDir + "/" + name) } catch {
                    throw APIError(409, "invalid_connector", "\(name): \(error)")
                }
                guard connector.source != nil else {
                    throw APIError(409, "no_source", "\(name) takes files and pushes; it has no source to pull from")
                }
                var options = SyncRunner.Options()
                options.trigger = "api"
                options.fullRefresh = full == "true"
                let prepared: PreparedSync
                do {
                    prepared = try SyncRunner.prepare(hub: try Hub(home: home, dbPath: api.dbPath), connector: connector, options: options)
                } catch let e as SyncError {
                    throw APIError(409, "busy", "\(e)")
                }
                let thread = Thread {
                    _ = try? prepared.execute()
                    // The person index takes in the synced mentions, never at the same time as a push or steward action.
                    api.withIndexLock {
                        PersonRoutes.update(api: api, after: "a sync of \(name)") { try HubStore(path: api.dbPath) }
                    }
                }
                thread.start()
                return .json(.object(["connector": .string(name), "run_id": .int(Int(prepared.run)), "status": .string("running")]), status: 202)
            },
            Route(method: "GET", pattern: "/v1/dlq",
                  summary: "the dead-letter queue: connector, file, line, field and reason of each rejected row, newest first; the rows themselves are not sent (simpul dlq show ID) (grant connectors:*)",
                  access: .token,
                  query: [QueryParam(name: "connector", required: false, description: "only this connector", schema: nameSchema),
                          QueryParam(name: "status", required: false, description: "open (default), resolved or all", schema: ["enum": .array([.string("open"), .string("resolved"), .string("all")])]),
                          QueryParam(name: "limit", required: false, description: "1 to 1000 (default 100)", type: "integer", schema: ParamSchema.range(1, 1000))],
                  tag: "connectors") { r in
                try requireGrant(r)
                let status = r.http.query("status") ?? "open"
                guard ["open", "resolved", "all"].contains(status) else { throw APIError(400, "invalid_parameter", "status is open, resolved or all") }
                let limit = try r.int("limit", 100, 1...1000)
                // `more` says the list goes on (the console and scripts ask for a larger limit).
                let connector = try connectorParam(r, api: api)
                let (list, more) = try HubStore.firstPage(limit: limit) {
                    try r.store.deadLetters(connector: connector, status: status == "all" ? nil : status, limit: $0)
                }
                return .json(.object(["dead_letters": .array(list.map { $0.json(raw: false) }), "more": .bool(more)]))
            },
            Route(method: "POST", pattern: "/v1/dlq/{id}/retry",
                  summary: "re-normalise a dead-lettered row from the raw log with the connector's current mapping (after a fix) (grant connectors:*)",
                  access: .token, tag: "connectors", pathSchemas: ["id": ["pattern": .string("^[0-9]{1,18}$")]],
                  extraErrors: [409: "the row could not be read at all: ingest the file again", 501: "this server has no connectors"]) { r in
                try requireGrant(r)
                guard let id = Int64(r.params["id"] ?? "") else { throw APIError(400, "invalid_parameter", "id is a dead letter's number") }
                guard let e = try r.store.deadLetter(id: id) else { throw APIError(404, "not_found", "no dead letter \(id)") }
                guard e.rawID != nil else {
                    throw APIError(409, "not_retryable", "dead letter \(id) could not be read as a row at all: fix the source and ingest the file again")
                }
                guard let home = api.home else { throw APIError(501, "not_implemented", "this server has no connectors") }
                let result = try api.withIndexLock { () throws -> RowResult in
                    let ingestor = Ingestor(store: r.store, normaliser: try RowNormaliser(
                        connector: try Connector.load(directory: try home.connectorDirectory(named: e.connector)), schemas: api.schemas))
                    let res = try ingestor.retry(deadLetter: e)
                    if res == .accepted { PersonRoutes.update(api: api, after: "a dead-letter retry") { r.store } }
                    return res
                }
                let now = try r.store.deadLetter(id: id)
                return .json(.object(["id": .int(Int(id)), "resolved": .bool(result == .accepted), "reason": .string(now?.reason ?? e.reason),
                                      "status": .string(now?.status ?? e.status)]))
            },
        ]
    }

    /// The optional `connector` filter: a connector name (lower-case letters, digits, '-') the hub knows, from its
    /// folders or its raw log (a connector whose folder was removed since); a misspelt one is a 404 naming the known
    /// ones, not an empty list.
    static func connectorParam(_ r: APIRequest, api: API) throws -> String? {
        guard let c = r.http.query("connector") else { return nil }
        guard (1...100).contains(c.utf8.count), c.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }) else {
            throw APIError(400, "invalid_parameter", "connector is a connector name: lower-case letters, digits and '-'")
        }
        let folders = api.home?.connectorNames() ?? []
        guard !folders.contains(c) else { return c }
        let known = try r.store.knownConnectors(folders: folders)
        guard known.contains(c) else {
            throw APIError(404, "not_found", "no connector '\(c)'", detail: .object(["connectors": .array(known.sorted().map { .string($0) })]))
        }
        return c
    }

    static func requireGrant(_ r: APIRequest) throws {
        guard r.opd?.fields("connectors") != nil else {
            throw APIError(403, "not_granted", "OPD \(r.opd!.name) was not granted 'connectors' (simpul opd add … --grant connectors:*)")
        }
    }

    static func list(_ r: inout APIRequest, api: API) throws -> HTTPResponse {
        try requireGrant(r)
        guard let home = api.home else { return .json(.object(["connectors": .array([])])) }
        var out: [JSONValue] = []
        for name in home.connectorNames() {
            let last = try r.store.runs(connector: name, limit: 1).first
            do {
                let c = try Connector.load(directory: home.connectorsDir + "/" + name)
                out.append(.object([
                    "name": .string(c.name), "source_system": .string(c.sourceSystem), "kind": .string(c.source?.kind ?? "files"),
                    "format": .string(c.format.rawValue), "schemas": .array(c.schemas.map { .string($0) }),
                    "every_seconds": c.every.map { .int($0) } ?? .null,
                    "state": try r.store.connectorState(name) ?? .null,
                    "last_run": last?.json ?? .null,
                ]))
            } catch {
                out.append(.object(["name": .string(name), "error": .string("\(error)"), "last_run": last?.json ?? .null]))
            }
        }
        return .json(.object(["connectors": .array(out)]))
    }
}
