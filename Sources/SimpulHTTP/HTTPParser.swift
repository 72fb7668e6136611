/// Limits the server enforces, each with its status code.
public struct HTTPLimits: Sendable {
    /// Request line plus header fields, bytes (431).
    public var maxHeadBytes = 16 * 1024
    /// Header field count (431).
    public var maxHeaderCount = 100
    /// Body bytes, after chunked decoding (413).
    public var maxBodyBytes = 16 * 1024 * 1024
    /// Seconds to receive a whole request once its first byte arrived (408).
    public var requestTimeout: Double = 10
    /// Seconds an idle keep-alive connection is kept.
    public var idleTimeout: Double = 75
    /// Open connections; beyond, new ones get 503 and are closed.
    public var maxConnections = 4096
    public init() {}
}

/// Parses HTTP/1.1 requests (RFC 9112) from a connection's buffered bytes. Strict where leniency is a smuggling
/// risk: Content-Length together with Transfer-Encoding, obsolete line folding, a space before the colon, invalid
/// header names, conflicting Content-Lengths and unknown transfer codings are refused.
public enum HTTPParser {
    public enum Result {
        /// More bytes are needed: at least `need` bytes from the request's start before parsing again can succeed.
        /// `expectsContinue`: the head is complete and asked for `100 Continue`.
        case incomplete(expectsContinue: Bool, need: Int)
        case request(HTTPRequest, consumed: Int, keepAlive: Bool)
        /// The connection must answer `status` and close.
        case error(status: Int, message: String)
    }

    static let tchar: [Bool] = {
        var t = [Bool](repeating: false, count: 256)
        for c in UInt8(ascii: "a")...UInt8(ascii: "z") { t[Int(c)] = true }
        for c in UInt8(ascii: "A")...UInt8(ascii: "Z") { t[Int(c)] = true }
        for c in UInt8(ascii: "0")...UInt8(ascii: "9") { t[Int(c)] = true }
        for c in "!#$%&'*+-.^_`|~".utf8 { t[Int(c)] = true }
        return t
    }()

    /// How far a chunked body was decoded when more bytes were needed; the next parse of the same request resumes
    /// there instead of decoding the body again from its start.
    public struct ChunkedProgress: Sendable {
        /// Where the next chunk-size line starts, relative to the request's start.
        var pos: Int
        var body: [UInt8]
    }

    /// Parses one request starting at `start` of `buf`.
    public static func parse(_ buf: [UInt8], from start: Int, limits: HTTPLimits) -> Result {
        var progress: ChunkedProgress? = nil
        return parse(buf, from: start, limits: limits, progress: &progress)
    }

    /// Parses one request starting at `start` of `buf`, resuming a chunked body from `progress` (kept by the caller
    /// between reads of the same request, reset after it).
    public static func parse(_ buf: [UInt8], from start: Int, limits: HTTPLimits, progress: inout ChunkedProgress?) -> Result {
        // Find the end of the head: CRLF CRLF (bare LF line ends are tolerated, RFC 9112 §2.2).
        var i = start
        // Leading empty lines before a request line are ignored (RFC 9112 §2.2).
        while i < buf.count, buf[i] == 0x0D || buf[i] == 0x0A { i += 1 }
        let headStart = i
        var headEnd = -1, bodyStart = -1
        while i < buf.count {
            if buf[i] == 0x0A {
                if i + 1 < buf.count, buf[i + 1] == 0x0A { headEnd = i; bodyStart = i + 2; break }
                if i + 2 < buf.count, buf[i + 1] == 0x0D, buf[i + 2] == 0x0A { headEnd = i; bodyStart = i + 3; break }
            }
            i += 1
            if i - headStart > limits.maxHeadBytes { return .error(status: 431, message: "request line and headers exceed \(limits.maxHeadBytes) bytes") }
        }
        if headEnd < 0 { return .incomplete(expectsContinue: false, need: buf.count - start + 1) }

        // Lines of the head.
        var lines: [ArraySlice<UInt8>] = []
        var ls = headStart
        for k in headStart...headEnd where buf[k] == 0x0A {
            var e = k
            if e > ls, buf[e - 1] == 0x0D { e -= 1 }
            lines.append(buf[ls..<e])
            ls = k + 1
        }
        guard let requestLine = lines.first else { return .error(status: 400, message: "empty request") }
        let parts = requestLine.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy({ tchar[Int($0)] }) else {
            return .error(status: 400, message: "malformed request line")
        }
        let method = String(decoding: parts[0], as: UTF8.self)
        let target = String(decoding: parts[1], as: UTF8.self)
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version.utf8.count == 8, version.hasPrefix("HTTP/") else { return .error(status: 400, message: "malformed HTTP version") }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else { return .error(status: 505, message: "only HTTP/1.1 and HTTP/1.0 are served") }
        guard !target.isEmpty, target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return .error(status: 400, message: "malformed request target") }
        var path = target
        if target.hasPrefix("http://") || target.hasPrefix("https://") {  // absolute-form
            let rest = target.drop(while: { $0 != ":" }).dropFirst(3)
            path = rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? "/"
        } else if !(target.hasPrefix("/") || (target == "*" && method == "OPTIONS")) {
            return .error(status: 400, message: "the request target must be a path")
        }

        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            if line.isEmpty { continue }
            if line.first == 0x20 || line.first == 0x09 { return .error(status: 400, message: "obsolete line folding is not accepted") }
            guard let colon = line.firstIndex(of: 0x3A) else { return .error(status: 400, message: "header line without a colon") }
            let name = line[line.startIndex..<colon]
            guard !name.isEmpty, name.allSatisfy({ tchar[Int($0)] }) else { return .error(status: 400, message: "invalid header name") }
            var v = line[(colon + 1)...]
            while let f = v.first, f == 0x20 || f == 0x09 { v = v.dropFirst() }
            while let l = v.last, l == 0x20 || l == 0x09 { v = v.dropLast() }
            if v.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) { return .error(status: 400, message: "invalid character in a header value") }
            // Names are tokens (ASCII): lower-cased byte by byte into the new string, not by Unicode rules.
            let lower = String(unsafeUninitializedCapacity: name.count) { out in
                for (k, c) in name.enumerated() { out[k] = c.asciiLowercased }
                return name.count
            }
            headers.append((lower, String(decoding: v, as: UTF8.self)))
            if headers.count > limits.maxHeaderCount { return .error(status: 431, message: "more than \(limits.maxHeaderCount) header fields") }
        }
        func values(_ n: String) -> [String] { headers.filter { $0.name == n }.map(\.value) }
        // The usual request has a Host and none of the framing headers: counted in one pass, without arrays.
        var hosts = 0, hasConnection = false, hasTE = false, hasCL = false
        for h in headers {
            switch h.name {
            case "host": hosts += 1
            case "connection": hasConnection = true
            case "transfer-encoding": hasTE = true
            case "content-length": hasCL = true
            default: break
            }
        }
        // RFC 9112 §3.2: an HTTP/1.1 request without Host, and any request with two, is refused.
        if hosts > 1 || (version == "HTTP/1.1" && hosts == 0) { return .error(status: 400, message: "exactly one Host header is required") }

        let connection = hasConnection ? values("connection").joined(separator: ",").lowercased().split(separator: ",").map { $0.trimmedOWS } : []
        let keepAlive = version == "HTTP/1.1" ? !connection.contains("close") : connection.contains("keep-alive")

        // Body framing (RFC 9112 §6.3).
        let te = hasTE ? values("transfer-encoding") : [], cl = hasCL ? values("content-length") : []
        var body: [UInt8] = []
        var end = bodyStart
        if !te.isEmpty {
            if !cl.isEmpty { return .error(status: 400, message: "both Transfer-Encoding and Content-Length") }
            if version == "HTTP/1.0" { return .error(status: 400, message: "Transfer-Encoding in an HTTP/1.0 request") }
            let codings = te.joined(separator: ",").lowercased().split(separator: ",").map { $0.trimmedOWS }
            guard codings == ["chunked"] else { return .error(status: 501, message: "only the chunked transfer coding is supported") }
            var p = progress ?? ChunkedProgress(pos: bodyStart - start, body: [])
            let result = decodeChunked(buf, requestStart: start, progress: &p, limit: limits.maxBodyBytes)
            progress = p
            switch result {
            case .incomplete(let need): return .incomplete(expectsContinue: expectsContinue(headers), need: need - start)
            case .error(let status, let m): return .error(status: status, message: m)
            case .done(let b, let e): body = b; end = e
            }
        } else if !cl.isEmpty {
            let all = cl.joined(separator: ",").split(separator: ",").map { $0.trimmedOWS }
            guard let first = all.first, all.allSatisfy({ $0 == first }), !first.isEmpty, first.count <= 15,
                  first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(first)
            else { return .error(status: 400, message: "invalid Content-Length") }
            if n > limits.maxBodyBytes { return .error(status: 413, message: "the body exceeds \(limits.maxBodyBytes) bytes") }
            if buf.count - bodyStart < n { return .incomplete(expectsContinue: expectsContinue(headers), need: bodyStart + n - start) }
            body = Array(buf[bodyStart..<(bodyStart + n)])
            end = bodyStart + n
        }
        var req = HTTPRequest(method: method, target: path, headers: headers, body: body, version: version)
        req.target = target
        return .request(req, consumed: end - start, keepAlive: keepAlive)
    }

    static func expectsContinue(_ headers: [(name: String, value: String)]) -> Bool {
        headers.contains { $0.name == "expect" && $0.value.lowercased() == "100-continue" }
    }

    enum Chunked {
        /// More bytes needed: at least `need` bytes in the buffer (an absolute index).
        case incomplete(need: Int)
        case error(Int, String)
        case done([UInt8], Int)
    }

    /// Decodes a chunked body: `size[;ext] CRLF data CRLF … 0 CRLF [trailers] CRLF`, resuming at `progress`: each
    /// complete chunk is taken once, however many reads the body arrives in. Strict, as framing must be: the size is
    /// hex digits only (no sign, no space inside; blanks only before a `;` extension), every line of the body ends in
    /// CRLF, and a trailer line is a well-formed field.
    static func decodeChunked(_ buf: [UInt8], requestStart: Int, progress: inout ChunkedProgress, limit: Int) -> Chunked {
        var i = requestStart + progress.pos
        defer { progress.pos = i - requestStart }
        /// The line at i without its CRLF, and the index after it; -1: too long; -2: ends in a bare LF.
        func line() -> (ArraySlice<UInt8>, Int)? {
            var k = i
            while k < buf.count, buf[k] != 0x0A {
                k += 1
                if k - i > 4096 { return (buf[i..<k], -1) }
            }
            guard k < buf.count else { return nil }
            guard k > i, buf[k - 1] == 0x0D else { return (buf[i..<k], -2) }
            return (buf[i..<(k - 1)], k + 1)
        }
        func isHex(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66) }
        while true {
            guard let (sizeLine, next) = line() else { return .incomplete(need: buf.count + 1) }
            if next == -1 { return .error(400, "chunk size line too long") }
            if next == -2 { return .error(400, "chunk size line not ended by CRLF") }
            let digits = sizeLine.prefix(while: isHex)
            let afterDigits = sizeLine.dropFirst(digits.count)
            let ext = afterDigits.drop { $0 == 0x20 || $0 == 0x09 }
            guard !digits.isEmpty, digits.count <= 15, afterDigits.isEmpty || ext.first == 0x3B,
                  let size = Int(String(decoding: digits, as: UTF8.self), radix: 16)
            else { return .error(400, "invalid chunk size") }
            if size == 0 {
                // Trailer fields until an empty line; they are checked, then dropped (resumed from the size line).
                var k = next
                while true {
                    let save = i
                    i = k
                    guard let (t, n) = line() else { i = save; return .incomplete(need: buf.count + 1) }
                    if n == -1 { return .error(431, "trailer line too long") }
                    if n == -2 { return .error(400, "trailer line not ended by CRLF") }
                    k = n
                    if t.isEmpty {
                        i = k
                        return .done(progress.body, k)
                    }
                    guard let colon = t.firstIndex(of: 0x3A), colon > t.startIndex, t[..<colon].allSatisfy({ tchar[Int($0)] }),
                          !t[(colon + 1)...].contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) else {
                        return .error(400, "malformed trailer field")
                    }
                    i = save
                }
            }
            if progress.body.count + size > limit { return .error(413, "the body exceeds \(limit) bytes") }
            // The whole chunk with its CRLF must be here before it is taken (so a resumed decode never takes half a
            // chunk).
            let end = next + size
            guard buf.count >= end + 2 else { return .incomplete(need: end + 2) }
            guard buf[end] == 0x0D, buf[end + 1] == 0x0A else { return .error(400, "chunk data not followed by CRLF") }
            progress.body.append(contentsOf: buf[next..<end])
            i = end + 2
        }
    }
}

import Foundation
