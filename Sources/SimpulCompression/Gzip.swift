import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// gzip files (RFC 1952): one or more members, each a header, a DEFLATE stream, its CRC-32 and size.
public enum Gzip {
    /// Unpacked data may be at most this many times the packed size (and 64 MiB more): a guard against a
    /// decompression bomb filling the disk. Exports compress 5 – 20 times.
    public static let ratioLimit = 250

    public static func isGzip(_ head: [UInt8]) -> Bool { head.count >= 2 && head[0] == 0x1F && head[1] == 0x8B }

    /// Decompresses every member of `data`, handing the output to `sink` in pieces of up to 4 MiB; returns the
    /// unpacked size. Checks each member's CRC-32 and size; anything after the last member but zero padding is an error.
    /// `maxSize`, when given, caps the unpacked size below the ratio limit (a body held in memory).
    @discardableResult
    public static func decompress(_ data: UnsafeRawBufferPointer, maxSize: Int? = nil,
                                  sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        guard let base = data.baseAddress?.assumingMemoryBound(to: UInt8.self), data.count > 0 else { throw CompressionError("empty file") }
        var limit = data.count.multipliedReportingOverflow(by: ratioLimit).overflow ? Int.max : data.count * ratioLimit + (64 << 20)
        if let maxSize { limit = min(limit, maxSize) }
        var pos = 0, total = 0, members = 0
        while pos < data.count {
            if members > 0 && data[pos...].allSatisfy({ $0 == 0 }) { break }  // zero padding after the last member
            guard data.count - pos >= 18, data[pos] == 0x1F, data[pos + 1] == 0x8B else {
                throw CompressionError(members == 0 ? "not a gzip file" : "data after the gzip stream that is not another gzip member")
            }
            guard data[pos + 2] == 8 else { throw CompressionError("a gzip member compressed with a method other than DEFLATE") }
            let flags = data[pos + 3]
            guard flags & 0xE0 == 0 else { throw CompressionError("a gzip header with reserved flags set") }
            var p = pos + 10
            func need(_ n: Int) throws(CompressionError) { if data.count - p < n { throw CompressionError("the gzip header is cut short") } }
            if flags & 4 != 0 {  // FEXTRA
                try need(2)
                let xlen = Int(data[p]) | Int(data[p + 1]) << 8
                p += 2
                try need(xlen)
                p += xlen
            }
            for flag: UInt8 in [8, 16] where flags & flag != 0 {  // FNAME, FCOMMENT: zero-terminated
                while true {
                    try need(1)
                    p += 1
                    if data[p - 1] == 0 { break }
                }
            }
            if flags & 2 != 0 {  // FHCRC
                try need(2)
                p += 2
            }
            var inflater = Inflater(src: base, count: data.count, at: p, limit: limit - total, sink: sink)
            defer { inflater.release() }
            try inflater.run()
            p = inflater.pos
            guard data.count - p >= 8 else { throw CompressionError("the gzip member ends without its CRC and size (truncated file?)") }
            func le32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(data[at + $1]) << (8 * UInt32($1)) } }
            guard le32(p) == inflater.crc.value else { throw CompressionError("the unpacked data does not match its CRC-32 (corrupt file)") }
            guard le32(p + 4) == UInt32(truncatingIfNeeded: inflater.total) else {
                throw CompressionError("the unpacked data does not have the size the gzip member records (corrupt file)")
            }
            total += inflater.total
            pos = p + 8
            members += 1
        }
        return total
    }

    /// Unpacks gzip data held in memory (a pushed body, an HTTP answer) to at most `maxSize` bytes.
    public static func decompress(_ bytes: [UInt8], maxSize: Int) throws -> [UInt8] {
        final class Sink: @unchecked Sendable { var bytes: [UInt8] = [] }
        let sink = Sink()
        try bytes.withUnsafeBytes { raw in _ = try decompress(raw, maxSize: maxSize) { sink.bytes += $0 } }
        return sink.bytes
    }

    /// Unpacks the gzip file at `path` into a temporary file that has no name (created in `TMPDIR` and unlinked at
    /// once, so nothing outlives the process, even a killed one); returns its descriptor, positioned at the start.
    public static func unpackToUnnamedFile(_ path: String) throws -> Int32 {
        try MappedFile.with(path) { data in
            try UnnamedFile.fill { sink in _ = try decompress(data, sink: sink) }
        }
    }
}

/// A file mapped read-only for the length of `body`.
enum MappedFile {
    static func with<T>(_ path: String, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        let src = open(path, O_RDONLY | O_CLOEXEC)
        guard src >= 0 else { throw CompressionError("cannot open: \(String(cString: strerror(errno)))") }
        defer { close(src) }
        var st = stat()
        guard fstat(src, &st) == 0 else { throw CompressionError("cannot read its size: \(String(cString: strerror(errno)))") }
        let size = Int(st.st_size)
        guard size > 0 else { throw CompressionError("empty file") }
        guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE, src, 0), map != MAP_FAILED else {
            throw CompressionError("cannot map: \(String(cString: strerror(errno)))")
        }
        defer { munmap(map, size) }
        _ = madvise(map, size, MADV_SEQUENTIAL)
        return try body(UnsafeRawBufferPointer(start: map, count: size))
    }
}

/// A temporary file without a name: created in `TMPDIR` and unlinked at once, so nothing outlives the process.
enum UnnamedFile {
    /// Creates one, lets `produce` write to it through the sink it is given, and returns its descriptor at offset 0.
    static func fill(_ produce: (@escaping (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws -> Int32 {
        var template = Array((NSTemporaryDirectory() + "/simpul-unpacked-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw CompressionError("cannot create a temporary file in \(NSTemporaryDirectory()): \(String(cString: strerror(errno)))") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        do {
            try produce { piece in
                var done = 0
                while done < piece.count {
                    let n = write(fd, piece.baseAddress! + done, piece.count - done)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else {
                        throw CompressionError("cannot write the unpacked file in \(NSTemporaryDirectory()): \(String(cString: strerror(errno)))")
                    }
                    done += n
                }
            }
        } catch {
            close(fd)
            throw error
        }
        _ = lseek(fd, 0, SEEK_SET)
        return fd
    }
}
