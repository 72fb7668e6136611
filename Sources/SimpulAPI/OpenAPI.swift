import SimpulJSON

/// The OpenAPI 3.1 document, generated from the route list so that it cannot drift from what is served.
enum OpenAPI {
    static func document(_ routes: [Route]) -> JSONValue {
        let error: JSONValue = .object([
            "type": .string("object"), "required": .array([.string("error")]),
            "properties": .object(["error": .object([
                "type": .string("object"), "required": .array([.string("code"), .string("message")]),
                "properties": .object(["code": .object(["type": .string("string")]), "message": .object(["type": .string("string")]), "detail": .object([:])]),
            ])]),
        ])
        func errorResponse(_ d: String) -> JSONValue {
            .object(["description": .string(d), "content": .object(["application/json": .object(["schema": .object(["$ref": .string("#/components/schemas/Error")])])])])
        }
        var paths: [String: JSONValue] = [:]
        for r in routes {
            var params: [JSONValue] = []
            for seg in r.segments where seg.hasPrefix("{") {
                let name = String(seg.dropFirst().dropLast())
                params.append(.object(["name": .string(name), "in": .string("path"), "required": .bool(true),
                                       "schema": .object(["type": .string("string")].merging(r.pathSchemas[name] ?? [:]) { a, _ in a })]))
            }
            for q in r.query {
                params.append(.object(["name": .string(q.name), "in": .string("query"), "required": .bool(q.required),
                                       "description": .string(q.description), "schema": .object(["type": .string(q.type)].merging(q.schema) { a, _ in a })]))
            }
            if r.openQuery {
                params.append(.object(["name": .string("filters"), "in": .string("query"), "required": .bool(false), "style": .string("form"), "explode": .bool(true),
                                       "description": .string("FIELD=OP.VALUE filters on the schema's fields: eq, neq, gt, gte, lt, lte, in (a,b; a value with a comma in double quotes), like (prefix); order ties by source key in the same direction"),
                                       "schema": .object(["type": .string("object"), "additionalProperties": .object(["type": .string("string")])])]))
            }
            if r.access == .personal || r.personalWhen != nil {
                params.append(.object(["name": .string("X-Purpose"), "in": .string("header"), "required": .bool(r.access == .personal),
                                       "description": .string(r.access == .personal ? "a purpose code granted to the caller's OPD"
                                                                  : "a purpose code granted to the caller's OPD; required for personal schemas"),
                                       "schema": .object(["type": .string("string")])]))
            }
            var responses: [String: JSONValue] = [
                String(r.successStatus): .object(["description": .string(r.successStatus == 202 ? "Accepted: started" : "OK"), "content": .object(Dictionary(uniqueKeysWithValues:
                    (r.pattern == "/metrics" ? ["text/plain"] : r.responseTypes).map { ($0, JSONValue.object(["schema": .object([:])])) }))]),
                "400": errorResponse("invalid request"), "404": errorResponse("not found"), "503": errorResponse("the hub could not answer"),
            ]
            for (status, d) in r.extraErrors { responses[String(status)] = errorResponse(d) }
            if r.access != .open {
                responses["401"] = errorResponse("missing, unknown, revoked or expired token")
                responses["403"] = errorResponse("not granted (schema, or purpose for personal data)")
                var limited = errorResponse("rate limit of the OPD exceeded")
                if case .object(var o) = limited {
                    o["headers"] = .object(["Retry-After": .object([
                        "description": .string("whole seconds until the OPD's bucket holds a request again"),
                        "schema": .object(["type": .string("integer"), "minimum": .int(1)])])])
                    limited = .object(o)
                }
                responses["429"] = limited
            }
            var op: [String: JSONValue] = [
                "summary": .string(r.summary), "tags": .array([.string(r.tag)]),
                "operationId": .string(r.method.lowercased() + r.segments.map { $0.replacingOccurrences(of: "{", with: "by_").replacingOccurrences(of: "}", with: "") }
                    .joined(separator: "_").replacingOccurrences(of: ".", with: "_")),
                "parameters": .array(params), "responses": .object(responses),
            ]
            op["security"] = r.access == .open ? .array([]) : .array([.object(["bearer": .array([])])])
            if let body = r.requestBody {
                responses["415"] = errorResponse("a Content-Encoding other than gzip or identity (send the body as gzip or uncompressed)")
                op["responses"] = .object(responses)
                op["requestBody"] = .object(["required": .bool(true), "content": .object([body.mediaType: .object(["schema": body.schema])])])
            }
            var item: [String: JSONValue] = [:]
            if case .object(let existing)? = paths[r.pattern] { item = existing }
            item[r.method.lowercased()] = .object(op)
            paths[r.pattern] = .object(item)
        }
        return .object([
            "openapi": .string("3.1.0"),
            "info": .object(["title": .string("Simpul hub API"), "version": .string("1"),
                             "description": .string("One query endpoint for every OPD; fields cut to the caller's grant; personal data needs X-Purpose and is audited.")]),
            "paths": .object(paths),
            "components": .object([
                "schemas": .object(["Error": error]),
                "securitySchemes": .object(["bearer": .object(["type": .string("http"), "scheme": .string("bearer")])]),
            ]),
        ])
    }
}
