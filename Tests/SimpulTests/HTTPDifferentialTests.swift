import Foundation
import SimpulHTTP
import SimpulJSON
import Testing

/// Simpul's HTTP/1.1 request parser against h11 (PyPI), a strict implementation of RFC 9112's message syntax, on
/// random requests, well-formed and broken (`scripts/differential.sh http` writes them with h11's reading and
/// points at the file with `HTTP_DIFFERENTIAL_CORPUS`). Not part of a plain `swift test`.
///
/// Where both read a request, they must read the same method, target, version, header fields, body and length.
/// Simpul must never read a request h11 refuses (that is how smuggling starts). Simpul may refuse what h11 reads
/// only for the reasons listed in ``HTTPDifferentialTests/stricter``, and read what h11 refuses only where RFC 9112
/// allows it (``HTTPDifferentialTests/lenient(_:_:)``); docs/api.md.
@Suite struct HTTPDifferentialTests {
    static let corpus = ProcessInfo.processInfo.environment["HTTP_DIFFERENTIAL_CORPUS"]

    /// Refusals of Simpul's own, on purpose, for requests h11 reads (Simpul's message: why).
    static let stricter: [String: String] = [
        "Transfer-Encoding in an HTTP/1.0 request": "RFC 9112 §6.1: such framing is to be treated as faulty",
        "both Transfer-Encoding and Content-Length": "RFC 9112 §6.3: a server may reject it; the classic smuggling request",
        "invalid character in a header value": "DEL is not a field-vchar (RFC 9110 §5.5)",
        "obsolete line folding is not accepted": "RFC 9112 §5.2: a server may reject it with 400",
        "the request target must be a path": "RFC 9112 §3.2: origin-, absolute- or asterisk-form only",
        "only HTTP/1.1 and HTTP/1.0 are served": "505 for other versions",
        "trailer line not ended by CRLF": "chunked framing is read with CRLF line ends only",
        "invalid chunk size": "hex digits only, at most 15 (more is beyond any body limit), blanks after them only before a ';' (RFC 9112 §7.1)",
        "malformed trailer field": "a trailer line must be a field line (RFC 9112 §7.1.2)",
    ]

    /// Requests h11 refuses that Simpul reads, because RFC 9112 allows them (h11's reason: why).
    static func lenient(_ why: String, _ bytes: [UInt8]) -> String? {
        if why.hasPrefix("no request line received"), bytes.first == 0x0D || bytes.first == 0x0A {
            return "an empty line before the request line (RFC 9112 §2.2: a server should ignore it)"
        }
        if why.hasPrefix("illegal chunk header"), why.contains(" ;") {
            return "blanks before a chunk extension's ';' (BWS in RFC 9112 §7.1.1)"
        }
        return nil
    }

    @Test(.enabled(if: corpus != nil, "set HTTP_DIFFERENTIAL_CORPUS (scripts/differential.sh http)"))
    func againstH11() throws {
        let lines = try String(contentsOfFile: Self.corpus!, encoding: .utf8).split(separator: "\n")
        var same = 0, stricter: [String: Int] = [:], lenient: [String: Int] = [:], failures: [String: (Int, String)] = [:]
        func fail(_ kind: String, _ example: String) {
            let f = failures[kind]
            failures[kind] = ((f?.0 ?? 0) + 1, f?.1 ?? example)
        }
        for line in lines {
            let c = try JSONParser.parse(String(line))
            guard let data = c["bytes"]?.stringValue.flatMap({ Data(base64Encoded: $0) }), let h11 = c["h11"]?.stringValue else { continue }
            let bytes = [UInt8](data)
            let shown = String(decoding: bytes.prefix(200), as: UTF8.self).debugDescription
            switch (h11, HTTPParser.parse(bytes, from: 0, limits: HTTPLimits())) {
            case ("request", .request(let r, let consumed, _)):
                // h11 rewrites the framing fields (one Content-Length, Transfer-Encoding lower-cased); the framing
                // itself is compared through the body and the length read.
                let framing: Set<String> = ["content-length", "transfer-encoding"]
                let headers = (c["headers"]?.arrayValue ?? []).compactMap { h -> String? in
                    guard let n = h.arrayValue?[0].stringValue, !framing.contains(n) else { return nil }
                    return "\(n): \(h.arrayValue?[1].stringValue ?? "")"
                }
                let ours = r.headers.filter { !framing.contains($0.name) }.map { "\($0.name): \($0.value)" }
                let body = c["body"]?.stringValue.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) } ?? []
                var diff: [String] = []
                if r.method != c["method"]?.stringValue { diff.append("method") }
                if r.target != c["target"]?.stringValue { diff.append("target") }
                if r.version != c["version"]?.stringValue { diff.append("version") }
                if ours != headers { diff.append("headers \(ours) vs \(headers)") }
                if r.body != body { diff.append("body") }
                if consumed != c["consumed"]?.scalarText.flatMap({ Int($0) }) { diff.append("length \(consumed)") }
                if diff.isEmpty { same += 1 } else { fail("read differently: \(diff.first!.prefix(40))", "\(shown): \(diff)") }
            case ("request", .error(let status, let message)):
                if Self.stricter[message] != nil { stricter[message, default: 0] += 1 } else { fail("h11 reads it, Simpul \(status): \(message)", shown) }
            case ("error", .request(let r, _, _)):
                if let why = Self.lenient(c["why"]?.stringValue ?? "", bytes) { lenient[why, default: 0] += 1; continue }
                fail("h11 refuses it (\(c["why"]?.stringValue?.prefix(50) ?? "")), Simpul reads it", "\(shown) → \(r.method) \(r.target)")
            case ("error", .error), ("incomplete", .incomplete), ("paused", _):
                same += 1
            case ("error", .incomplete):
                // h11 refuses a head before it is whole; Simpul refuses it once whole, or times out (408).
                let headWhole = zip(bytes, bytes.dropFirst()).contains { $0 == 0x0A && $1 == 0x0A }
                    || zip(bytes, bytes.dropFirst(2)).enumerated().contains { k, p in p.0 == 0x0A && p.1 == 0x0A && bytes[k + 1] == 0x0D }
                if !headWhole { same += 1; continue }
                if let why = Self.lenient(c["why"]?.stringValue ?? "", bytes) { lenient[why, default: 0] += 1; continue }
                fail("h11 refuses it (\(c["why"]?.stringValue?.prefix(50) ?? "")), Simpul waits for more", shown)
            case ("incomplete", .request):
                fail("h11 waits for more, Simpul reads a request", shown)
            case ("incomplete", .error(_, let message)):
                if Self.stricter[message] != nil { stricter[message, default: 0] += 1 } else { fail("h11 waits for more, Simpul refuses: \(message)", shown) }
            case ("request", .incomplete):
                fail("h11 reads it, Simpul waits for more", shown)
            default:
                fail("unknown h11 outcome \(h11)", shown)
            }
        }
        print("HTTP differential: \(lines.count) requests, \(same) read alike by h11 and Simpul, \(failures.values.map(\.0).reduce(0, +)) not")
        for (why, n) in stricter.sorted(by: { $0.key < $1.key }) { print("  refused by Simpul only, on purpose: \(n) × \(why) (\(Self.stricter[why]!))") }
        for (why, n) in lenient.sorted(by: { $0.key < $1.key }) { print("  read by Simpul, refused by h11: \(n) × \(why)") }
        for (kind, (n, example)) in failures.sorted(by: { $0.key < $1.key }) {
            Issue.record(Comment(rawValue: "\(n) × \(kind); e.g. \(example)"))
        }
    }
}
