import Foundation
import SimpulHTTP
import SimpulJSON

/// A local stand-in for SiCantik Cloud's permit API, for tests and the sync benchmark:
/// `GET /api/v1/permohonan?page=&per_page=&updated_since=` answers `{"status":"success","page","total_page","data"}`
/// with `count` generated applications ordered by (updated_at, id_permohonan). Each request takes the next
/// scripted behaviour (an error status, a delay, a malformed page) before answering normally.
public final class FakeSiCantik: @unchecked Sendable {
    public enum Behaviour: Sendable, Equatable {
        case normal
        case status(Int)
        /// 429 with this `Retry-After` value.
        case busy(String)
        /// Waits this long before answering (to trip the client's timeout).
        case delay(Double)
        /// Answers 200 with a body that is not the expected JSON.
        case malformed
    }

    public let server: HTTPServer
    public var url: String { "http://127.0.0.1:\(server.port)" }
    private let lock = NSLock()
    private var script: [Behaviour] = []
    private var _requests: [String] = []
    private var _count: Int
    /// Records whose updated_at is at or after this are "changed" (to simulate edits at the source).
    private var edits: [Int: String] = [:]
    /// The generated applications in answer order, rebuilt after a change.
    private var cache: [(String, Int, JSONValue)]? = nil

    public init(count: Int) throws {
        _count = count
        let ref = Ref()
        server = try HTTPServer(host: "127.0.0.1", port: 0, workers: 8) { req in ref.fake!.handle(req) }
        ref.fake = self
        Thread.detachNewThread { [server] in server.run() }
    }

    public func stop() {
        server.stop(grace: 1)
        server.wait()
    }

    /// The next requests behave like this, in order; then normally again.
    public func script(_ b: [Behaviour]) { lock.withLock { script += b } }
    public var requests: [String] { lock.withLock { _requests } }
    public func setCount(_ n: Int) { lock.withLock { _count = n; cache = nil } }
    /// Changes application `index` (0-based) at the source: a new updated_at, a new status.
    public func edit(_ index: Int, updatedAt: String) { lock.withLock { edits[index] = updatedAt; cache = nil } }

    public static func item(_ i: Int, updatedAt: String? = nil) -> JSONValue {
        let id = 200_000 + i
        let day = 1 + i % 28, month = 1 + (i / 28) % 12
        let upd = updatedAt ?? String(format: "2024-%02d-%02d %02d:%02d:%02d", month, day, (i / 60) % 24, i % 60, i % 60)
        return .object([
            "id_permohonan": .int(id), "no_permohonan": .string("PMH/\(id)/DPMPTSP/2024"), "jenis_izin": .string("Izin Usaha Mikro"),
            "kode_jenis_izin": .string("IUM"), "nik_pemohon": .string(String(format: "757101%02d%02d%02d%04d", 1 + i % 28, 1 + i % 12, 60 + i % 40, 1 + i % 9000)),
            "nama_pemohon": .string(["hj. siti aminah", "MUH. RIZAL HASAN", "Yusuf Mokodompit", "Rahma Badu"][i % 4] + " \(i)"),
            "alamat_pemohon": .string("JL. PANJAITAN NO. \(i % 200)"), "tempat_lahir_pemohon": .string("GORONTALO"),
            "tgl_lahir_pemohon": .string(String(format: "%02d/%02d/19%02d", 1 + i % 28, 1 + i % 12, 60 + i % 40)),
            "tgl_pengajuan": .string(String(format: "2024-%02d-%02d 09:00:00", month, day)), "updated_at": .string(upd),
            "tgl_penetapan": .null, "masa_berlaku_sampai": .null, "no_izin": .null,
            "status": .string(updatedAt == nil ? "Proses" : "Selesai"), "retribusi": .string("Rp 1.250.000"),
            "kode_wilayah": .string("7571011001"), "opd_penerbit": .string("DPMPTSP Kota Gorontalo"),
        ])
    }

    final class Ref: @unchecked Sendable { weak var fake: FakeSiCantik? }

    func handle(_ req: HTTPRequest) -> HTTPResponse {
        let behaviour: Behaviour = lock.withLock {
            _requests.append(req.target)
            return script.isEmpty ? .normal : script.removeFirst()
        }
        switch behaviour {
        case .normal: break
        case .status(let s): return HTTPResponse(status: s, contentType: "application/json", body: "{\"status\":\"error\",\"message\":\"gangguan\"}")
        case .busy(let after):
            var r = HTTPResponse(status: 429, contentType: "application/json", body: "{\"status\":\"error\",\"message\":\"terlalu banyak permintaan\"}")
            r.headers.append(("Retry-After", after))
            return r
        case .delay(let d): Thread.sleep(forTimeInterval: d)
        case .malformed: return HTTPResponse(status: 200, contentType: "text/html", body: "<html><body>502 Bad Gateway</body></html>")
        }
        guard req.path == "/api/v1/permohonan" else { return HTTPResponse(status: 404, contentType: "application/json", body: "{\"status\":\"error\"}") }
        func q(_ n: String) -> String? { req.query.first { $0.name == n }?.value }
        let page = max(1, Int(q("page") ?? "1") ?? 1), per = max(1, min(1000, Int(q("per_page") ?? "100") ?? 100))
        let since = q("updated_since")
        let all: [(String, Int, JSONValue)] = lock.withLock {
            if let c = cache { return c }
            var items: [(String, Int, JSONValue)] = []
            items.reserveCapacity(_count)
            for i in 0..<_count {
                let item = Self.item(i, updatedAt: edits[i])
                items.append((item["updated_at"]?.stringValue ?? "", i, item))
            }
            items.sort { ($0.0, $0.1) < ($1.0, $1.1) }
            cache = items
            return items
        }
        let items = since.map { s in all.filter { $0.0 >= s } } ?? all
        let total = max(1, (items.count + per - 1) / per)
        let slice = items.dropFirst((page - 1) * per).prefix(per).map(\.2)
        let body = JSONValue.object(["status": .string("success"), "page": .int(page), "total_page": .int(total), "data": .array(Array(slice))])
        return HTTPResponse(status: 200, contentType: "application/json", body: body.jsonText)
    }
}
