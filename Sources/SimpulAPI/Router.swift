import Foundation
import SimpulHTTP
import SimpulJSON
import SimpulStorage

/// An error answered as `{"error":{"code","message","detail"}}` with its status.
public struct APIError: Error {
    public var status: Int
    public var code: String
    public var message: String
    public var detail: JSONValue = .null
    /// Seconds after which asking again can succeed: sent as `Retry-After` (RFC 9110 §10.2.3).
    public var retryAfter: Int? = nil

    public init(_ status: Int, _ code: String, _ message: String, detail: JSONValue = .null, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
        self.retryAfter = retryAfter
    }

    public var response: HTTPResponse {
        let body = JSONValue.object(["error": .object(["code": .string(code), "message": .string(message), "detail": detail])])
        var r = HTTPResponse(status: status, contentType: "application/json", body: body.jsonText)
        if let retryAfter { r.headers.append(("Retry-After", String(retryAfter))) }
        return r
    }

    /// The error code the server uses for a status it answers on its own.
    public static func code(for status: Int) -> String {
        switch status {
        case 400: "bad_request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 408: "request_timeout"
        case 413: "body_too_large"
        case 429: "rate_limited"
        case 431: "headers_too_large"
        case 501: "not_implemented"
        case 503: "unavailable"
        case 505: "http_version_not_supported"
        default: status >= 500 ? "server_error" : "bad_request"
        }
    }
}

/// What a route needs before its handler runs.
public enum Access: Sendable {
    /// Anyone (health, metrics, the OpenAPI document).
    case open
    /// A valid OPD token.
    case token
    /// A valid OPD token and an `X-Purpose` the OPD was granted; every answer and refusal is audited.
    case personal
}

/// One query parameter of a route, for validation messages and the OpenAPI document.
public struct QueryParam: Sendable {
    public var name: String
    public var required: Bool
    public var description: String
    public var type: String = "string"
    /// More of the parameter's JSON Schema for the OpenAPI document (pattern, minimum, format…), so that what the
    /// document calls valid is what the handler accepts.
    public var schema: [String: JSONValue] = [:]
}

/// JSON Schema pieces shared by routes' parameters.
enum ParamSchema {
    static let nik: [String: JSONValue] = ["pattern": .string("^[0-9]{16}$")]
    static let year: [String: JSONValue] = ["minimum": .int(2000), "maximum": .int(2100)]
    static func range(_ lo: Int, _ hi: Int) -> [String: JSONValue] { ["minimum": .int(lo), "maximum": .int(hi)] }
    static let wilayah: [String: JSONValue] = ["pattern": .string("^([0-9]{2}(\\.[0-9]{2}(\\.[0-9]{2}(\\.[0-9]{4})?)?)?|[0-9]{4}|[0-9]{6}|[0-9]{10})$")]
    /// ISO dates in the years the normalisers accept (1800–2199).
    static let date: [String: JSONValue] = ["format": .string("date"), "pattern": .string("^(1[89]|2[01])[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
}

/// A request on its way through a route: the HTTP request, the path parameters and the caller.
public struct APIRequest {
    public var http: HTTPRequest
    public var params: [String: String]
    public var opd: OPD?
    public var purpose: String?
    public var store: HubStore
    /// Set by personal-data handlers: the NIKs the response is about (written to the audit log).
    public var persons: [String] = []
    /// Whether this request reads personal data (the route's access, or `personalWhen`).
    public var personal = false

    /// A whole-number query parameter within `range`, or `def` when absent; anything else is a 400 naming the range.
    func int(_ name: String, _ def: Int, _ range: ClosedRange<Int>) throws -> Int {
        guard let v = http.query(name) else { return def }
        guard let n = Int(v), range.contains(n) else {
            throw APIError(400, "invalid_parameter", "\(name) is \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }
}

public struct Route: @unchecked Sendable {
    public var method: String
    public var pattern: String
    public var summary: String
    public var access: Access
    public var query: [QueryParam] = []
    public var tag: String
    /// The request body for the OpenAPI document: media type and JSON Schema.
    public var requestBody: (mediaType: String, schema: JSONValue)? = nil
    /// JSON Schema pieces for path parameters, by name (e.g. the NIK's pattern).
    public var pathSchemas: [String: [String: JSONValue]] = [:]
    /// Query parameters beyond `query` are the handler's to check (record filters `field=op.value`).
    public var openQuery = false
    /// For `.token` routes: personal data after all when this says so for the path parameters (a personal
    /// schema's records); then the route needs a purpose and is audited like a `.personal` one.
    public var personalWhen: (@Sendable ([String: String]) -> Bool)? = nil
    /// The status of a successful answer (200, or 202 for work started in the background).
    public var successStatus = 200
    /// Media types of a successful answer, for the OpenAPI document (the first is the default).
    public var responseTypes: [String] = ["application/json"]
    /// Error statuses beyond the common ones this route can answer (e.g. 409), for the OpenAPI document.
    public var extraErrors: [Int: String] = [:]
    /// Answers at once (a few indexed reads, no lock held for long): handled on the server's event loop instead of
    /// being handed to a worker thread. Anything that may take long (a big page, a report, a write) stays false.
    public var quick = false
    public var handler: (inout APIRequest) throws -> HTTPResponse

    var segments: [String] { pattern.split(separator: "/").map(String.init) }

    /// A request path's segments after the leading "/", empty ones kept (`/a//b/` → a, "", b, ""), as
    /// `split(separator: "/", omittingEmptySubsequences: false).dropFirst()` gives them, found by byte.
    public static func pathSegments(_ path: String) -> [Substring] {
        var out: [Substring] = []
        let u = path.utf8
        var start = u.startIndex
        var first = true
        var i = u.startIndex
        while i < u.endIndex {
            if u[i] == 0x2F {
                if !first { out.append(path[start..<i]) }
                first = false
                start = u.index(after: i)
            }
            i = u.index(after: i)
        }
        if !first { out.append(path[start..<u.endIndex]) }
        else { return [] }  // no "/" at all: what dropFirst() of the whole path leaves
        return out
    }

    /// Whether the path fits the pattern's segments (`want`), without splitting it or decoding the parameters.
    static func fits(_ want: [String], path: String) -> Bool {
        var path = path
        return path.withUTF8 { p in
            guard p.first == UInt8(ascii: "/") else { return false }
            if want.isEmpty { return p.count == 1 }
            var i = 1
            for (k, w) in want.enumerated() {
                var j = i
                while j < p.count, p[j] != UInt8(ascii: "/") { j += 1 }
                let segment = UnsafeBufferPointer(rebasing: p[i..<j])
                if w.utf8.first == UInt8(ascii: "{") {
                    if segment.isEmpty { return false }
                } else if !w.utf8.elementsEqual(segment) {
                    return false
                }
                if k == want.count - 1 { return j == p.count }
                guard j < p.count else { return false }
                i = j + 1
            }
            return false
        }
    }

    /// Path parameters if the path's segments match the pattern's (`want`: this route's `segments`, split once).
    static func match(_ want: [String], _ got: [Substring]) -> [String: String]? {
        guard want.count == got.count else { return nil }
        var out: [String: String] = [:]
        for (w, g) in zip(want, got) {
            if w.utf8.first == 0x7B {  // {name}
                guard !g.isEmpty else { return nil }
                out[String(w.dropFirst().dropLast())] = HTTPRequest.percentDecode(String(g))
            } else if w != g {
                return nil
            }
        }
        return out
    }
}

extension HTTPResponse {
    public static func json(_ v: JSONValue, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: v.jsonText)
    }
}
