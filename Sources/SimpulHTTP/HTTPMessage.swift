import Foundation

/// An HTTP/1.1 request as the server hands it to a handler: the body complete, chunked bodies decoded.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The request target as sent (`/v1/records/citizen?limit=10`).
    public var target: String
    /// The path, percent-decoded per segment is left to the router (`/v1/records/citizen`).
    public var path: String
    /// Query parameters in order, percent-decoded (`+` as space).
    public var query: [(name: String, value: String)]
    /// Header fields in order; names lower-cased.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public var version: String
    /// The peer's address (`127.0.0.1`), for logs and rate limits.
    public var peer: String = ""

    public init(method: String, target: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [], version: String = "HTTP/1.1") {
        self.method = method
        self.target = target
        let (p, q) = HTTPRequest.split(target)
        self.path = p
        self.query = q
        self.headers = headers
        self.body = body
        self.version = version
    }

    /// The first value of a header (name case-insensitive; stored names are lower case).
    public func header(_ name: String) -> String? {
        headers.first { HTTPRequest.sameName($0.name, name) }?.value
    }

    /// Whether a stored (lower-case) header name is `name` in any case, compared byte by byte: header names are
    /// ASCII tokens, and no string is made per lookup.
    static func sameName(_ stored: String, _ name: String) -> Bool {
        var a = stored, b = name
        return a.withUTF8 { x in
            b.withUTF8 { y in
                guard x.count == y.count else { return false }
                for k in 0..<x.count where x[k] != y[k].asciiLowercased { return false }
                return true
            }
        }
    }

    /// The first value of a query parameter.
    public func query(_ name: String) -> String? { query.first { $0.name == name }?.value }

    static func split(_ target: String) -> (String, [(name: String, value: String)]) {
        // Searched as bytes ("?" is ASCII), not characters: most targets have no query at all.
        guard let q = target.utf8.firstIndex(of: 0x3F) else { return (target, []) }
        let path = String(target[..<q])
        var out: [(name: String, value: String)] = []
        for part in target[target.index(after: q)...].split(separator: "&", omittingEmptySubsequences: true) {
            if let eq = part.firstIndex(of: "=") {
                out.append((percentDecode(part[..<eq], plusIsSpace: true), percentDecode(part[part.index(after: eq)...], plusIsSpace: true)))
            } else {
                out.append((percentDecode(part, plusIsSpace: true), ""))
            }
        }
        return (path, out)
    }

    /// Percent-decoding; malformed escapes are kept as they are; invalid UTF-8 becomes U+FFFD.
    public static func percentDecode<S: StringProtocol>(_ s: S, plusIsSpace: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        let u = Array(s.utf8)
        var i = 0
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x41...0x46: return c - 0x41 + 10
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }
        while i < u.count {
            if u[i] == 0x25, i + 2 < u.count, let h = hex(u[i + 1]), let l = hex(u[i + 2]) {
                bytes.append(h << 4 | l)
                i += 3
            } else {
                bytes.append(plusIsSpace && u[i] == 0x2B ? 0x20 : u[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A response. The server adds Content-Length, Date and Connection.
///
/// Two kinds answer later instead of at once, without holding a worker thread:
/// - `deferred`: the handler keeps the `answer` callback and calls it once, from any thread (long polling);
///   the connection waits, and its next pipelined request with it.
/// - `stream`: the head is sent at once with chunked transfer coding; the body follows as the producer calls
///   `ResponseStream.send` until `finish()` (server-sent events).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public var deferred: (@Sendable (_ answer: @escaping @Sendable (HTTPResponse) -> Void) -> Void)?
    public var stream: (@Sendable (ResponseStream) -> Void)?

    /// A response that the handler answers later through `answer`.
    public static func later(_ start: @escaping @Sendable (_ answer: @escaping @Sendable (HTTPResponse) -> Void) -> Void) -> HTTPResponse {
        var r = HTTPResponse(status: 200)
        r.deferred = start
        return r
    }

    /// A streamed response: the head now, the body chunk by chunk from `start`'s stream.
    public static func streaming(status: Int = 200, headers: [(name: String, value: String)],
                                 _ start: @escaping @Sendable (ResponseStream) -> Void) -> HTTPResponse {
        var r = HTTPResponse(status: status, headers: headers)
        r.stream = start
        return r
    }

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: Int, contentType: String, body: String) {
        self.init(status: status, headers: [("Content-Type", contentType)], body: Array(body.utf8))
    }

    public func header(_ name: String) -> String? {
        let n = name.lowercased()
        return headers.first { $0.name.lowercased() == n }?.value
    }

    public static func reason(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status \(status)"
        }
    }

    /// The wire form: status line, the response's headers, Content-Length, Date and Connection.
    func serialized(keepAlive: Bool, date: String, headOnly: Bool = false, chunked: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        serialize(into: &out, keepAlive: keepAlive, date: date, headOnly: headOnly, chunked: chunked)
        return out
    }

    /// Appends the wire form to `out` (a connection's output buffer), byte by byte: no head built as a `String`
    /// first. CR and LF are dropped from header names and values, so a header cannot split the head.
    func serialize(into out: inout [UInt8], keepAlive: Bool, date: String, headOnly: Bool = false, chunked: Bool = false) {
        func put(_ s: String) {
            var s = s
            s.withUTF8 { out.append(contentsOf: $0) }
        }
        func putHeaderText(_ s: String) {
            var s = s
            s.withUTF8 { b in
                if !b.contains(where: { $0 == 0x0D || $0 == 0x0A }) { out.append(contentsOf: b); return }
                for c in b where c != 0x0D && c != 0x0A { out.append(c) }
            }
        }
        // Only into an empty buffer: reserving a little more each time on a buffer that already holds answers
        // (pipelined requests) would reallocate it exactly to size, again and again, instead of growing it geometrically.
        if out.isEmpty { out.reserveCapacity(160 + headers.count * 48 + (headOnly ? 0 : body.count)) }
        put("HTTP/1.1 ")
        put(String(status))
        out.append(0x20)
        put(Self.reason(status))
        out.append(contentsOf: [0x0D, 0x0A])
        for (n, v) in headers where !n.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) {
            put(n)
            out.append(contentsOf: [0x3A, 0x20])
            putHeaderText(v)
            out.append(contentsOf: [0x0D, 0x0A])
        }
        if chunked {
            put("Transfer-Encoding: chunked\r\n")
        } else if status != 204 && status != 304 && status >= 200 {
            put("Content-Length: ")
            put(String(body.count))
            out.append(contentsOf: [0x0D, 0x0A])
        }
        put("Date: ")
        put(date)
        out.append(contentsOf: [0x0D, 0x0A])
        if !keepAlive { put("Connection: close\r\n") }
        out.append(contentsOf: [0x0D, 0x0A])
        if !headOnly { out.append(contentsOf: body) }
    }
}

/// The body of a streamed response, fed from any thread. Each `send` goes out as one chunk.
public final class ResponseStream: @unchecked Sendable {
    weak var server: HTTPServer?
    let connection: UInt64
    private let lock = NSLock()
    private var closed = false

    init(server: HTTPServer, connection: UInt64) {
        self.server = server
        self.connection = connection
    }

    /// False once the client went away, the server stopped, or `finish()` was called: stop producing then.
    public var isOpen: Bool { lock.withLock { !closed } && server != nil }

    /// Queues bytes as one chunk; false if the stream is no longer open.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return isOpen }
        guard isOpen, let server else { return false }
        server.streamOutput(connection, .chunk(bytes))
        return true
    }

    /// Ends the body (the terminating chunk); the connection then serves its next request.
    public func finish() {
        let was = lock.withLock { () -> Bool in
            defer { closed = true }
            return closed
        }
        if !was { server?.streamOutput(connection, .end) }
    }

    func markClosed() { lock.withLock { closed = true } }
}

extension UInt8 {
    /// The byte lower-cased if it is an ASCII capital letter (header names, auth schemes: ASCII tokens compared
    /// without Unicode case rules or a new string).
    @inlinable public var asciiLowercased: UInt8 { self >= 0x41 && self <= 0x5A ? self | 0x20 : self }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace); cheaper than Foundation's trimming.
    public var trimmedOWS: String {
        // Usually there is nothing to trim: then no byte array, just the string (the same storage for a `String`).
        let s = String(self)
        if let f = s.utf8.first, f != 0x20, f != 0x09, let l = s.utf8.last, l != 0x20, l != 0x09 { return s }
        let u = Array(s.utf8)
        var a = 0, b = u.count
        while a < b, u[a] == 0x20 || u[a] == 0x09 { a += 1 }
        while b > a, u[b - 1] == 0x20 || u[b - 1] == 0x09 { b -= 1 }
        return String(decoding: u[a..<b], as: UTF8.self)
    }
}
