import Foundation
import SimpulHTTP
import Testing

/// The pull client against our own server: Content-Length, chunked (streamed) bodies, timeouts, refused
/// connections, and URL handling.
@Suite struct HTTPClientTests {
    @Test func readsLengthAndChunkedBodiesAndTimesOut() throws {
        let server = try HTTPServer(port: 0, workers: 2) { req in
            switch req.path {
            case "/chunked":
                return .streaming(headers: [("Content-Type", "application/json")]) { s in
                    for part in ["{\"data\":[", "1,2,", "3]}"] { _ = s.send(Array(part.utf8)) }
                    s.finish()
                }
            case "/slow":
                Thread.sleep(forTimeInterval: 1.5)
                return HTTPResponse(status: 200, contentType: "application/json", body: "{}")
            case "/gz":
                // `printf 'hello hello hello\n' | gzip -n`, sent as a gzip-encoded answer.
                return HTTPResponse(status: 200, headers: [("Content-Type", "text/plain"), ("Content-Encoding", "gzip")],
                                    body: GzipTests.hello)
            case "/bad-gz":
                return HTTPResponse(status: 200, headers: [("Content-Encoding", "gzip")], body: Array(GzipTests.hello.prefix(20)))
            case "/br":
                return HTTPResponse(status: 200, headers: [("Content-Encoding", "br")], body: [1, 2, 3])
            case "/accept-encoding":
                return HTTPResponse(status: 200, contentType: "text/plain", body: req.headers.first { $0.name == "accept-encoding" }?.value ?? "")
            case "/echo":
                return HTTPResponse(status: 200, contentType: "text/plain", body: req.target + " " + (req.headers.first { $0.name == "x-token" }?.value ?? ""))
            default:
                return HTTPResponse(status: 503, contentType: "application/json", body: "{\"status\":\"error\"}")
            }
        }
        server.start()
        defer {
            server.stop(grace: 1)
            server.wait()
        }
        let base = "http://127.0.0.1:\(server.port)"
        let chunked = try HTTPClient.get(base + "/chunked", timeout: 5)
        #expect(chunked.status == 200 && String(decoding: chunked.body, as: UTF8.self) == "{\"data\":[1,2,3]}")
        let failing = try HTTPClient.get(base + "/down", timeout: 5)
        #expect(failing.status == 503 && failing.header("content-type") == "application/json")
        let echo = try HTTPClient.get(HTTPClient.url(base + "/echo?a=1", adding: [("since", "2024-01-01 10:00:00"), ("q", "a&b")]),
                                      headers: [("X-Token", "t0k")], timeout: 5)
        #expect(String(decoding: echo.body, as: UTF8.self) == "/echo?a=1&since=2024-01-01%2010%3A00%3A00&q=a%26b t0k")
        #expect(throws: HTTPClient.Failure.timeout(0.5)) { try HTTPClient.get(base + "/slow", timeout: 0.5) }
        #expect(throws: HTTPClient.Failure.self) { try HTTPClient.get("http://127.0.0.1:1/", timeout: 2) }
        #expect(throws: HTTPClient.Failure.invalidURL("https://example.org/")) { try HTTPClient.get("https://example.org/", timeout: 2) }
        #expect(throws: HTTPClient.Failure.tooLarge(10)) { try HTTPClient.get(base + "/chunked", timeout: 5, maxBody: 10) }
        #expect(try HTTPClient.URLParts("http://h:8081?x=1") == HTTPClient.URLParts("http://h:8081/?x=1"))
        // gzip is asked for and undone; a broken one, or a coding not asked for, is a malformed answer.
        #expect(String(decoding: try HTTPClient.get(base + "/accept-encoding", timeout: 5).body, as: UTF8.self) == "gzip")
        let gz = try HTTPClient.get(base + "/gz", timeout: 5)
        #expect(String(decoding: gz.body, as: UTF8.self) == "hello hello hello\n" && gz.header("content-encoding") == nil)
        #expect(throws: HTTPClient.Failure.tooLarge(5)) { try HTTPClient.get(base + "/gz", timeout: 5, maxBody: 5) }
        for path in ["/bad-gz", "/br"] {
            do {
                _ = try HTTPClient.get(base + path, timeout: 5)
                Issue.record("\(path) was taken")
            } catch {
                if case .malformedResponse = error {} else { Issue.record("\(path): \(error)") }
            }
        }
    }
}
