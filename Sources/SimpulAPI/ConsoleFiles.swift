import Foundation
import SimpulHTTP

/// The web console (`console/` in the hub's home): `/` is index.html, `/console/<file>` its CSS and JavaScript.
/// Read once at start; served with a Content-Security-Policy that allows nothing from outside the hub.
struct ConsoleFiles: Sendable {
    let files: [String: (type: String, body: [UInt8])]

    static let types = ["html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8",
                        "svg": "image/svg+xml", "png": "image/png"]

    init(directory: String?) {
        var f: [String: (String, [UInt8])] = [:]
        if let directory, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) {
            for n in names where !n.hasPrefix(".") {
                let ext = (n as NSString).pathExtension
                guard let type = Self.types[ext], let data = FileManager.default.contents(atPath: directory + "/" + n) else { continue }
                f[n] = (type, [UInt8](data))
            }
        }
        files = f
    }

    func response(for req: HTTPRequest) -> HTTPResponse? {
        let name = req.path == "/" ? "index.html" : String(req.path.dropFirst("/console/".count))
        guard req.method == "GET" || req.method == "HEAD" else { return nil }
        guard let file = files[name] else { return nil }
        return HTTPResponse(status: 200, headers: [
            ("Content-Type", file.type),
            ("Cache-Control", "no-cache"),
            ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
            ("X-Frame-Options", "DENY"),
        ], body: req.method == "HEAD" ? [] : file.body)
    }
}
