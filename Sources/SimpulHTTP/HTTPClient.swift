import Foundation
import SimpulCompression
#if canImport(Glibc)
import Glibc
#endif

/// A small blocking HTTP/1.1 client for pulling from source APIs: one GET per connection (`Connection: close`),
/// a deadline over connect + send + receive, Content-Length, chunked or read-to-close bodies, a body size cap.
/// http:// only (TLS is not part of the toolchain; docs/connectors.md says how to reach an https source).
public enum HTTPClient {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
        }

        /// Seconds the server asked the client to wait (`Retry-After`, RFC 9110 §10.2.3: delay-seconds or an
        /// HTTP-date), at least 0; nil when it sent none or none that reads.
        public func retryAfter(now: Double = Date().timeIntervalSince1970) -> Double? {
            header("retry-after").flatMap { HTTPClient.retryAfter($0, now: now) }
        }
    }

    /// `Retry-After` as seconds from `now`: delay-seconds (`120`) or an IMF-fixdate (`Fri, 27 Nov 2026 23:59:00
    /// GMT`); a date in the past is 0. nil for anything else.
    public static func retryAfter(_ value: String, now: Double) -> Double? {
        let v = value.trimmingCharacters(in: .whitespaces)
        if !v.isEmpty, v.utf8.count <= 10, v.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) { return Double(v) }
        // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
        let p = v.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard p.count == 6, p[0].hasSuffix(","), p[5] == "GMT", let day = Int(p[1]), (1...31).contains(day),
              let month = months.firstIndex(of: String(p[2])), let year = Int(p[3]), (1970...9999).contains(year) else { return nil }
        let hms = p[4].split(separator: ":").compactMap { Int($0) }
        guard hms.count == 3, (0...23).contains(hms[0]), (0...59).contains(hms[1]), (0...60).contains(hms[2]) else { return nil }
        var t = tm()
        t.tm_year = Int32(year - 1900); t.tm_mon = Int32(month); t.tm_mday = Int32(day)
        t.tm_hour = Int32(hms[0]); t.tm_min = Int32(hms[1]); t.tm_sec = Int32(hms[2])
        return max(0, Double(timegm(&t)) - now)
    }

    /// What went wrong on the way; none of these carry response bodies (which may hold personal data).
    public enum Failure: Error, Sendable, CustomStringConvertible, Equatable {
        case invalidURL(String)
        case resolve(String)
        case connect(String)
        case timeout(Double)
        case malformedResponse(String)
        case tooLarge(Int)

        public var description: String {
            switch self {
            case .invalidURL(let u): return "not an http:// URL: \(u)"
            case .resolve(let h): return "cannot resolve host \(h)"
            case .connect(let m): return "cannot connect: \(m)"
            case .timeout(let s): return "no complete answer within \(s) s"
            case .malformedResponse(let m): return "malformed HTTP response: \(m)"
            case .tooLarge(let n): return "response body larger than \(n) bytes"
            }
        }
    }

    public struct URLParts: Sendable, Equatable {
        public var host: String
        public var port: Int
        /// Path and query, e.g. `/api/permohonan?page=2`.
        public var target: String

        public init(_ url: String) throws(Failure) {
            guard url.hasPrefix("http://") else { throw .invalidURL(url) }
            let rest = url.dropFirst(7)
            let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            let authority = rest[..<slash]
            var t = String(rest[slash...])
            if t.isEmpty || t.hasPrefix("?") { t = "/" + t }
            guard !authority.isEmpty, !authority.contains("@") else { throw .invalidURL(url) }
            if let colon = authority.lastIndex(of: ":") {
                guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else { throw .invalidURL(url) }
                host = String(authority[..<colon])
                port = p
            } else {
                host = String(authority)
                port = 80
            }
            target = t
        }
    }

    /// `url` with these query parameters added (percent-encoded).
    public static func url(_ base: String, adding params: [(String, String)]) -> String {
        guard !params.isEmpty else { return base }
        let q = params.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
        return base + (base.contains("?") ? "&" : "?") + q
    }

    public static func percentEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += "%" + String(b, radix: 16, uppercase: true).leftPad(2)
            }
        }
        return out
    }

    /// GET `url`. Throws on transport problems; any status (also 4xx/5xx) is a response.
    public static func get(_ url: String, headers: [(String, String)] = [], timeout: Double, maxBody: Int = 64 << 20) throws(Failure) -> Response {
        let parts = try URLParts(url)
        let deadline = Date().addingTimeInterval(timeout)
        let fd = try connect(parts.host, parts.port, deadline: deadline, timeout: timeout)
        defer { close(fd) }
        // gzip is asked for: JSON pages pack 5 – 10 times, and the answer is unpacked here (`decoded`).
        var req = "GET \(parts.target) HTTP/1.1\r\nHost: \(parts.host):\(parts.port)\r\nUser-Agent: simpul\r\nAccept: application/json\r\n"
            + "Accept-Encoding: gzip\r\nConnection: close\r\n"
        for (k, v) in headers where !k.contains(":") && !k.contains("\r") && !v.contains("\r") && !v.contains("\n") {
            req += "\(k): \(v)\r\n"
        }
        req += "\r\n"
        let bytes = Array(req.utf8)
        var sent = 0
        while sent < bytes.count {
            try wait(fd, Int16(POLLOUT), deadline: deadline, timeout: timeout)
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw .connect(String(cString: strerror(errno)))
            }
            sent += n
        }
        // Read until the head is complete, then until the body is.
        var buf: [UInt8] = []
        var head: (status: Int, headers: [(String, String)], bodyStart: Int)? = nil
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            if let h = head, let body = try complete(buf, from: h.bodyStart, headers: h.headers, eof: false) {
                guard body.count <= maxBody else { throw .tooLarge(maxBody) }
                return try decoded(Response(status: h.status, headers: h.headers, body: body), maxBody: maxBody)
            }
            try wait(fd, Int16(POLLIN), deadline: deadline, timeout: timeout)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw .connect("connection lost: \(String(cString: strerror(errno)))")
            }
            if n == 0 {
                guard let h = head else { throw .malformedResponse(buf.isEmpty ? "the server closed the connection without answering" : "the answer ended inside its headers") }
                guard let body = try complete(buf, from: h.bodyStart, headers: h.headers, eof: true) else {
                    throw .malformedResponse("the body ended early")
                }
                guard body.count <= maxBody else { throw .tooLarge(maxBody) }
                return try decoded(Response(status: h.status, headers: h.headers, body: body), maxBody: maxBody)
            }
            buf.append(contentsOf: chunk[0..<n])
            if buf.count > maxBody + 65536 { throw .tooLarge(maxBody) }
            if head == nil { head = try parseHead(buf) }
        }
    }

    /// The answer with a gzip `Content-Encoding` undone (the header then dropped); another coding, which was not
    /// asked for, is a malformed answer.
    static func decoded(_ r: Response, maxBody: Int) throws(Failure) -> Response {
        guard let coding = r.header("content-encoding")?.trimmingCharacters(in: .whitespaces).lowercased(), coding != "identity" else { return r }
        guard coding == "gzip" || coding == "x-gzip" else { throw .malformedResponse("the answer is encoded as '\(coding.prefix(40))', which was not asked for") }
        var out = r
        do { out.body = try Gzip.decompress(r.body, maxSize: maxBody) } catch let e as CompressionError where e.tooLarge {
            throw .tooLarge(maxBody)
        } catch {
            throw .malformedResponse("the gzip body could not be unpacked: \(error)")
        }
        out.headers = r.headers.filter { $0.0.lowercased() != "content-encoding" && $0.0.lowercased() != "content-length" }
        return out
    }

    static func connect(_ host: String, _ port: Int, deadline: Date, timeout: Double) throws(Failure) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>? = nil
        guard getaddrinfo(host, String(port), &hints, &res) == 0, let first = res else { throw .resolve(host) }
        defer { freeaddrinfo(res) }
        var lastError = "no address"
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            ai = a.pointee.ai_next
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), a.pointee.ai_protocol)
            if fd < 0 { lastError = String(cString: strerror(errno)); continue }
            if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return fd }
            if errno != EINPROGRESS {
                lastError = String(cString: strerror(errno))
                close(fd)
                continue
            }
            do { try wait(fd, Int16(POLLOUT), deadline: deadline, timeout: timeout) } catch {
                close(fd)
                throw error
            }
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
            if err == 0 { return fd }
            lastError = String(cString: strerror(err))
            close(fd)
        }
        throw .connect("\(host):\(port): \(lastError)")
    }

    static func wait(_ fd: Int32, _ events: Int16, deadline: Date, timeout: Double) throws(Failure) {
        while true {
            // Capped at poll's largest timeout (a connector may give any number of seconds); the loop waits on.
            let ms = Int32(min(Double(Int32.max), max(0, deadline.timeIntervalSinceNow * 1000).rounded(.up)))
            if ms <= 0 { throw .timeout(timeout) }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let r = poll(&p, 1, ms)
            if r > 0 { return }
            if r == 0 { throw .timeout(timeout) }
            if errno != EINTR { throw .connect(String(cString: strerror(errno))) }
        }
    }

    static func parseHead(_ buf: [UInt8]) throws(Failure) -> (Int, [(String, String)], Int)? {
        guard buf.count >= 4 else { return nil }
        var end = -1
        for i in 0..<(buf.count - 3) where buf[i] == 13 && buf[i + 1] == 10 && buf[i + 2] == 13 && buf[i + 3] == 10 {
            end = i
            break
        }
        if end < 0 {
            if buf.count > 65536 { throw .malformedResponse("headers longer than 64 KiB") }
            return nil
        }
        let text = String(decoding: buf[0..<end], as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]), (100...599).contains(status) else {
            throw .malformedResponse("bad status line")
        }
        var headers: [(String, String)] = []
        for l in lines {
            guard let c = l.firstIndex(of: ":") else { throw .malformedResponse("bad header line") }
            headers.append((String(l[..<c]), l[l.index(after: c)...].trimmingCharacters(in: .whitespaces)))
        }
        return (status, headers, end + 4)
    }

    /// The body if complete (nil: need more bytes).
    static func complete(_ buf: [UInt8], from start: Int, headers: [(String, String)], eof: Bool) throws(Failure) -> [UInt8]? {
        func h(_ n: String) -> String? { headers.first { $0.0.caseInsensitiveCompare(n) == .orderedSame }?.1 }
        if let te = h("Transfer-Encoding"), te.lowercased().contains("chunked") {
            var i = start
            var out: [UInt8] = []
            while true {
                guard let lineEnd = find(buf, from: i) else {
                    if eof { throw .malformedResponse("chunked body ended early") }
                    return nil
                }
                let sizeText = String(decoding: buf[i..<lineEnd], as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else {
                    throw .malformedResponse("bad chunk size")
                }
                i = lineEnd + 2
                if size == 0 { return out }
                guard buf.count >= i + size + 2 else {
                    if eof { throw .malformedResponse("chunked body ended early") }
                    return nil
                }
                out.append(contentsOf: buf[i..<(i + size)])
                i += size + 2
            }
        }
        if let cl = h("Content-Length") {
            guard let n = Int(cl), n >= 0 else { throw .malformedResponse("bad Content-Length") }
            if buf.count - start >= n { return Array(buf[start..<(start + n)]) }
            return nil
        }
        return eof ? Array(buf[start...]) : nil
    }

    static func find(_ buf: [UInt8], from: Int) -> Int? {
        var i = from
        while i + 1 < buf.count {
            if buf[i] == 13 && buf[i + 1] == 10 { return i }
            i += 1
        }
        return nil
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
