import Foundation
import SimpulConnectors
import SimpulHTTP
import SimpulJSON
import SimpulStorage

/// Connector operations for operators (grant `connectors:*`): what is connected, and every run with its counts,
/// status and error. No personal data: counts, states (cursors) and Simpul's own error messages.
enum ConnectorRoutes {
    static func all(_ api: API) -> [Route] {
        [
            Route(method: "GET", pattern: "/v1/connectors",
                  summary: "the hub's connectors: kind (files, http, external), schemas, schedule, saved state and last run (grant connectors:*)",
                  access: .token, tag: "connectors") { r in try list(&r, api: api) },
            Route(method: "GET", pattern: "/v1/connectors/runs",
                  summary: "connector runs, newest first, with counts, status and error (grant connectors:*)",
                  access: .token,
                  query: [QueryParam(name: "connector", required: false, description: "only this connector",
                                     schema: ["pattern": .string("^[a-z0-9-]{1,100}$")]),
                          QueryParam(name: "limit", required: false, description: "1 to 500 (default 50)", type: "integer", schema: ParamSchema.range(1, 500))],
                  tag: "connectors") { r in
                try requireGrant(r)
                let limit = try r.http.query("limit").map { v -> Int in
                    guard let n = Int(v), (1...500).contains(n) else { throw APIError(400, "invalid_parameter", "limit is 1 to 500") }
                    return n
                } ?? 50
                let runs = try r.store.runs(connector: r.http.query("connector").flatMap { $0.isEmpty ? nil : $0 }, limit: limit)
                return .json(.object(["runs": .array(runs.map(\.json))]))
            },
        ]
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
