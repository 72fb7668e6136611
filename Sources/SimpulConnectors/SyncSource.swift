import Foundation
import SimpulJSON

/// Where a sync connector gets its rows when Simpul fetches them itself (instead of being handed files or
/// pushes): an external program speaking the connector protocol, or a JSON API paged over HTTP.
/// The `source` object of connector.json; docs/connectors.md § "Sync connectors".
public enum SyncSource: Sendable {
    case external(ExternalSource)
    case http(HTTPSource)

    public var kind: String {
        switch self {
        case .external: return "external"
        case .http: return "http"
        }
    }

    static func parse(_ v: JSONValue, format: Connector.Format) throws(ConfigError) -> SyncSource {
        guard let type = v["type"]?.stringValue else { throw ConfigError("connector.json: source.type must be external or http") }
        switch type {
        case "external": return .external(try ExternalSource(v))
        case "http":
            guard format == .json else {
                throw ConfigError("connector.json: an http source reads each page with input.format json and input.records")
            }
            return .http(try HTTPSource(v))
        default: throw ConfigError("connector.json: source.type must be external or http, not \(type)")
        }
    }
}

/// An executable that speaks the connector protocol (spec, check, discover, read) as NDJSON on stdout.
public struct ExternalSource: Sendable {
    /// The program and its first arguments, run in the connector's folder; the verb and options are appended.
    public var command: [String]
    /// Written to a file passed as `--config FILE`.
    public var config: JSONValue
    /// Streams whose RECORDs the mapping reads; nil = all. A RECORD of another stream is dead-lettered.
    public var streams: Set<String>?
    /// The run fails when the program prints nothing for this long.
    public var idleTimeout: Double

    init(_ v: JSONValue) throws(ConfigError) {
        guard let cmd = v["command"]?.arrayValue?.compactMap({ $0.stringValue }), !cmd.isEmpty else {
            throw ConfigError("connector.json: source.command is the program and its arguments, e.g. [\"python3\", \"connector.py\"]")
        }
        command = cmd
        config = v["config"] ?? .object([:])
        streams = v["streams"]?.arrayValue.map { Set($0.compactMap { $0.stringValue }) }
        let idle = v["idle_timeout_seconds"]?.scalarText.flatMap { Double($0) } ?? 300
        guard idle.isFinite, idle > 0 else { throw ConfigError("connector.json: source.idle_timeout_seconds must be a positive number") }
        idleTimeout = min(idle, 1e9)
    }
}

/// A JSON API read page by page; each page body is read with the connector's `input` (records path, require).
public struct HTTPSource: Sendable {
    public enum Pagination: Sendable, Equatable {
        /// No paging: one request.
        case none
        /// `?page=1&per_page=100`, …; stops at a page with fewer than `size` records, or at the page count the
        /// document states at `totalPath` (e.g. SiCantik's `total_page`).
        case page(param: String, sizeParam: String?, size: Int, start: Int, totalPath: [String]?)
        /// `?offset=0&limit=100`, …; stops at a page with fewer than `size` records.
        case offset(param: String, limitParam: String, size: Int)
        /// `?cursor=<value of nextPath in the last page>`; stops when the page has no next cursor.
        case cursor(param: String, nextPath: [String], sizeParam: String?, size: Int?)
    }

    /// http:// URL; `${NAME}` is replaced by the environment variable NAME when the run starts.
    public var url: String
    public var headers: [(String, String)]
    public var query: [(String, String)]
    public var pagination: Pagination
    /// Incremental sync: the record field (input side) holding the source's updated-at, and the query parameter
    /// that asks for records changed since the saved value.
    public var incremental: (field: String, param: String)?
    /// The source answers in ascending updated-at order (`incremental.sorted: true`): the cursor may then be saved
    /// after every committed page, so a failed run resumes mid-way. Otherwise it is saved only when every page of
    /// the run was committed (a failed run starts again from the previous run's cursor: safe, just slower).
    public var incrementalSorted: Bool
    /// Attempts after the first on a 5xx, 429, timeout, refused connection or malformed page.
    public var retries: Int
    public var backoff: Double
    public var maxBackoff: Double
    public var timeout: Double
    public var maxPages: Int
    public var maxBodyBytes: Int

    init(_ v: JSONValue) throws(ConfigError) {
        guard let url = v["url"]?.stringValue, url.hasPrefix("http://") || url.hasPrefix("${") else {
            throw ConfigError("connector.json: source.url is an http:// URL (for https, see docs/connectors.md)")
        }
        self.url = url
        headers = (v["headers"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.compactMap { k, v in v.stringValue.map { (k, $0) } }
        query = (v["query"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.compactMap { k, v in v.scalarText.map { (k, $0) } }
        let p = v["pagination"] ?? .object(["type": .string("none")])
        func size(_ def: Int) throws(ConfigError) -> Int {
            let n = p["size"]?.scalarText.flatMap { Int($0) } ?? def
            guard n > 0 else { throw ConfigError("connector.json: source.pagination.size must be positive") }
            return n
        }
        switch p["type"]?.stringValue ?? "none" {
        case "none": pagination = .none
        case "page":
            pagination = .page(param: p["param"]?.stringValue ?? "page", sizeParam: p["size_param"]?.stringValue,
                               size: try size(100), start: p["start"]?.scalarText.flatMap { Int($0) } ?? 1,
                               totalPath: p["total_pages"]?.stringValue.map { $0.split(separator: ".").map(String.init) })
        case "offset":
            pagination = .offset(param: p["param"]?.stringValue ?? "offset", limitParam: p["limit_param"]?.stringValue ?? "limit",
                                 size: try size(100))
        case "cursor":
            guard let next = p["next"]?.stringValue, !next.isEmpty else {
                throw ConfigError("connector.json: source.pagination.next is the path of the next cursor in a page, e.g. meta.next_cursor")
            }
            pagination = .cursor(param: p["param"]?.stringValue ?? "cursor", nextPath: next.split(separator: ".").map(String.init),
                                 sizeParam: p["size_param"]?.stringValue, size: p["size"]?.scalarText.flatMap { Int($0) })
        case let t: throw ConfigError("connector.json: source.pagination.type must be none, page, offset or cursor, not \(t)")
        }
        if let inc = v["incremental"] {
            guard let f = inc["field"]?.stringValue, let q = inc["param"]?.stringValue else {
                throw ConfigError("connector.json: source.incremental needs field (the records' updated-at) and param (the query parameter)")
            }
            incremental = (f, q)
            incrementalSorted = inc["sorted"] == .bool(true)
        } else {
            incremental = nil
            incrementalSorted = false
        }
        // A finite number, at most 1e15 (so any of them converts to Int); a typo is told, not trapped on.
        func num(_ k: String, _ d: Double) throws(ConfigError) -> Double {
            guard let given = v[k] else { return d }
            guard let x = given.scalarText.flatMap({ Double($0) }), x.isFinite else {
                throw ConfigError("connector.json: source.\(k) must be a number, got \(given.jsonText)")
            }
            return min(x, 1e15)
        }
        retries = max(0, Int(try num("retries", 4)))
        backoff = max(0, try num("backoff_seconds", 0.5))
        maxBackoff = max(backoff, try num("max_backoff_seconds", 30))
        timeout = max(0.05, try num("timeout_seconds", 30))
        maxPages = max(1, Int(try num("max_pages", 100_000)))
        maxBodyBytes = max(1024, Int(try num("max_page_bytes", Double(64 << 20))))
    }
}

extension HTTPSource {
    /// The URL and headers with `${NAME}` replaced from the environment (when a run starts).
    public func resolved(_ env: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> (url: String, headers: [(String, String)]) {
        var h: [(String, String)] = []
        for (k, v) in headers { h.append((k, try expandEnvironment(v, env))) }
        return (try expandEnvironment(url, env), h)
    }
}

/// How often `simpul serve` runs a sync connector: `"schedule": {"every": "15m"}` (s, m, h, d or plain seconds).
public enum Interval {
    public static func seconds(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard let last = t.last else { return nil }
        let unit: Int
        var digits = Substring(t)
        switch last {
        case "s": unit = 1
        case "m": unit = 60
        case "h": unit = 3600
        case "d": unit = 86400
        default: unit = 1
        }
        if !last.isNumber { digits = t.dropLast() }
        // At most about 30 years: a larger number is a typo, and would overflow a multiplication.
        guard let n = Int(digits), n > 0, n <= 1_000_000_000 / unit else { return nil }
        return n * unit
    }
}

/// Replaces `${NAME}` by the environment variable NAME (`${NAME:-default}` when it may be unset); a variable that
/// is not set and has no default is an error naming it.
public func expandEnvironment(_ text: String, _ env: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> String {
    var out = ""
    var rest = Substring(text)
    while let open = rest.range(of: "${") {
        out += rest[..<open.lowerBound]
        guard let close = rest[open.upperBound...].firstIndex(of: "}") else { throw ConfigError("unterminated ${ in \(text)") }
        let inner = rest[open.upperBound..<close]
        if let d = inner.range(of: ":-") {
            let name = String(inner[..<d.lowerBound])
            out += env[name].flatMap { $0.isEmpty ? nil : $0 } ?? String(inner[d.upperBound...])
        } else {
            guard let value = env[String(inner)] else { throw ConfigError("the environment variable \(inner) is not set") }
            out += value
        }
        rest = rest[rest.index(after: close)...]
    }
    return out + rest
}
