import SimpulCompression
import SimpulHTTP

/// A pushed body as the export it carries: `Content-Encoding: gzip` undone (RFC 9110 §8.4), within a cap, since
/// the unpacked body is held in memory like the body itself.
enum PushBody {
    /// Largest unpacked body: a push is an API page or a day's changes, not a whole registry (ingest files for that).
    static let maxUnpackedBytes = 256 << 20

    enum Coding { case identity, gzip }

    /// The coding of a `Content-Encoding` value, or nil when the hub cannot undo it. `identity` entries are no coding;
    /// one gzip (or its old name x-gzip) is undone; two codings, or any other, are not.
    static func coding(_ header: String) -> Coding? {
        let codings = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { $0 != "identity" && !$0.isEmpty }
        switch codings {
        case []: return .identity
        case ["gzip"], ["x-gzip"]: return .gzip
        default: return nil
        }
    }

    static func decoded(_ req: HTTPRequest) throws -> [UInt8] {
        guard let header = req.header("content-encoding"), coding(header) == .gzip else { return req.body }
        do { return try Gzip.decompress(req.body, maxSize: maxUnpackedBytes) } catch let e as CompressionError where e.tooLarge {
            throw APIError(413, "body_too_large", "the gzip body unpacks to more than \(maxUnpackedBytes >> 20) MiB: push smaller parts, or ingest it as a file")
        } catch {
            throw APIError(400, "invalid_body", "the body is sent as gzip (Content-Encoding) but could not be unpacked: \(error)")
        }
    }
}
