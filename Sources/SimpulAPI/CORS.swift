import SimpulHTTP

/// Cross-origin access for OPD web applications calling the API from a browser (`simpul serve --cors-origin`).
/// Off unless an operator names origins: a browser page elsewhere then sees the API's answers only when its origin
/// is listed. Tokens travel in `Authorization`, never in cookies, so no credentials mode is offered. Access rules do
/// not change: a cross-origin request still needs its token, grant and purpose, and is audited the same.
public struct CORSPolicy: Sendable, Equatable {
    /// Lower-cased origins (`https://dashboard.dinkes.go.id`), or `*` for any.
    public let origins: Set<String>

    public static let none = CORSPolicy(validated: [])

    /// Request headers a page may send beyond the CORS-safelisted ones.
    static let allowedHeaders = "Authorization, X-Purpose, Content-Type, Last-Event-ID"
    /// Response headers a page may read beyond the safelisted ones.
    static let exposedHeaders = "Retry-After, Content-Disposition, X-Next-Cursor"
    /// How long a browser may keep a preflight's answer.
    static let maxAge = "600"

    private init(validated: Set<String>) { origins = validated }

    /// From `--cors-origin` values, each a comma-separated list. An origin is `*` or `scheme://host[:port]` (http or
    /// https, no path, no trailing slash), as browsers send it; anything else throws its reason.
    public init(_ values: [String]) throws(CORSPolicy.Invalid) {
        var set: Set<String> = []
        for part in values.flatMap({ $0.split(separator: ",") }) {
            let o = part.trimmingCharacters(in: .whitespaces).lowercased()
            guard o == "*" || Self.isOrigin(o) else { throw Invalid(value: String(part)) }
            set.insert(o)
        }
        origins = set
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let value: String
        public var description: String {
            "'\(value.prefix(80))' is not an origin: write scheme://host[:port] (https://dashboard.dinkes.go.id), without a path, or *"
        }
    }

    static func isOrigin(_ o: String) -> Bool {
        let rest: Substring
        if o.hasPrefix("https://") { rest = o.dropFirst(8) } else if o.hasPrefix("http://") { rest = o.dropFirst(7) } else { return false }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let host = parts.first, !host.isEmpty,
              host.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 46 }) else { return false }
        if parts.count == 2 {
            guard let port = Int(parts[1]), (1...65535).contains(port), parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return false }
        }
        return true
    }

    /// The `Access-Control-Allow-Origin` value for a request's `Origin`, or nil when it gets none (no `Origin`, or
    /// one not listed).
    func allowOrigin(_ req: HTTPRequest) -> String? {
        guard !origins.isEmpty, let origin = req.header("origin") else { return nil }
        if origins.contains("*") { return "*" }
        let o = origin.lowercased()
        return origins.contains(o) ? origin : nil
    }

    /// Headers added to an answer for an allowed origin.
    static func headers(allowOrigin: String) -> [(name: String, value: String)] {
        var h: [(name: String, value: String)] = [("Access-Control-Allow-Origin", allowOrigin),
                                                  ("Access-Control-Expose-Headers", exposedHeaders)]
        if allowOrigin != "*" { h.append(("Vary", "Origin")) }
        return h
    }

    /// A preflight's answer: 204 with the methods the path has.
    static func preflight(allowOrigin: String, methods: [String]) -> HTTPResponse {
        var m = methods
        if m.contains("GET") && !m.contains("HEAD") { m.append("HEAD") }
        var h: [(name: String, value: String)] = [("Access-Control-Allow-Origin", allowOrigin),
                                                  ("Access-Control-Allow-Methods", m.joined(separator: ", ")),
                                                  ("Access-Control-Allow-Headers", allowedHeaders),
                                                  ("Access-Control-Max-Age", maxAge)]
        h.append(("Vary", allowOrigin == "*" ? "Access-Control-Request-Method, Access-Control-Request-Headers"
                                             : "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"))
        return HTTPResponse(status: 204, headers: h)
    }
}
