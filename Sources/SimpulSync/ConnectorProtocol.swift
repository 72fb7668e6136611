import SimpulJSON

/// One line a connector program prints: the connector protocol (docs/connectors.md § "External connectors"),
/// modelled on Airbyte; Singer's RECORD and STATE shapes are read too.
public enum ProtocolMessage: Sendable {
    case record(stream: String?, data: [String: JSONValue])
    case state(JSONValue)
    case log(level: String, message: String)
    case error(String)
    case spec(JSONValue)
    case connectionStatus(ok: Bool, message: String)
    case catalog([(name: String, schema: JSONValue)])

    /// What is wrong with a line that is not a message Simpul can use.
    public struct Problem: Error, Sendable {
        public var field: String?
        public var reason: String
    }

    public static func parse(_ line: [UInt8]) -> Result<ProtocolMessage, Problem> {
        guard let v = try? JSONParser.parse(line) else {
            return .failure(Problem(field: nil, reason: "not a JSON message (every line of a connector's output is one JSON object)"))
        }
        guard case .object(let o) = v else { return .failure(Problem(field: nil, reason: "a message is a JSON object")) }
        guard let type = o["type"]?.stringValue else { return .failure(Problem(field: "type", reason: "a message needs a \"type\"")) }
        switch type {
        case "RECORD":
            // Airbyte: {"record":{"stream","data"}}; Singer: {"stream","record":{…}}
            if let r = o["record"], case .object(let data)? = r["data"] {
                return .success(.record(stream: r["stream"]?.stringValue, data: data))
            }
            if case .object(let data)? = o["record"] { return .success(.record(stream: o["stream"]?.stringValue, data: data)) }
            return .failure(Problem(field: "record", reason: "a RECORD carries its fields as an object in record.data"))
        case "STATE":
            let s = o["state"]?["data"] ?? o["state"] ?? o["value"]
            guard let s, s != .null else { return .failure(Problem(field: "state", reason: "a STATE carries its state in state.data")) }
            return .success(.state(s))
        case "LOG":
            let l = o["log"] ?? v
            return .success(.log(level: (l["level"]?.stringValue ?? "INFO").uppercased(), message: l["message"]?.stringValue ?? ""))
        case "ERROR", "TRACE":
            let m = o["error"]?["message"]?.stringValue ?? o["trace"]?["error"]?["message"]?.stringValue ?? o["message"]?.stringValue
            if type == "TRACE" && o["trace"]?["type"]?.stringValue != "ERROR" { return .success(.log(level: "TRACE", message: "")) }
            return .success(.error(m ?? "the connector reported an error without a message"))
        case "SPEC":
            guard let s = o["spec"]?["connectionSpecification"], s.objectValue != nil else {
                return .failure(Problem(field: "spec", reason: "a SPEC carries the config's JSON Schema in spec.connectionSpecification"))
            }
            return .success(.spec(s))
        case "CONNECTION_STATUS":
            guard let st = o["connectionStatus"]?["status"]?.stringValue, st == "SUCCEEDED" || st == "FAILED" else {
                return .failure(Problem(field: "connectionStatus", reason: "connectionStatus.status is SUCCEEDED or FAILED"))
            }
            return .success(.connectionStatus(ok: st == "SUCCEEDED", message: o["connectionStatus"]?["message"]?.stringValue ?? ""))
        case "CATALOG":
            guard let streams = o["catalog"]?["streams"]?.arrayValue else {
                return .failure(Problem(field: "catalog", reason: "a CATALOG lists catalog.streams"))
            }
            var out: [(String, JSONValue)] = []
            for s in streams {
                guard let n = s["name"]?.stringValue, !n.isEmpty else {
                    return .failure(Problem(field: "catalog.streams", reason: "every stream has a name"))
                }
                out.append((n, s["json_schema"] ?? .object([:])))
            }
            return .success(.catalog(out))
        default:
            return .failure(Problem(field: "type", reason: "unknown message type \(type.prefix(40))"))
        }
    }
}
