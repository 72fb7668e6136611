import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Buffered, seekable bytes from a file descriptor or memory, so readers stream files of any size in fixed
/// memory and can step back to recover from a malformed record.
public final class ByteInput {
    var fd: Int32 = -1
    var memory: [UInt8]? = nil
    var buf: [UInt8]
    var start = 0  // read position in buf
    var end = 0  // valid bytes in buf
    var bufOffset: Int = 0  // absolute offset of buf[0]
    public private(set) var atEOF = false
    static let chunk = 1 << 20

    public init(path: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw ReaderError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        buf = [UInt8](repeating: 0, count: ByteInput.chunk)
    }

    public init(bytes: [UInt8]) {
        memory = bytes
        buf = []
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Absolute offset of the next byte.
    public var offset: Int { memory != nil ? start : bufOffset + start }

    /// The next byte, or nil at end of input.
    @inline(__always) public func next() -> UInt8? {
        if let m = memory {
            guard start < m.count else { return nil }
            let b = m[start]
            start += 1
            return b
        }
        if start == end && !fill() { return nil }
        let b = buf[start]
        start += 1
        return b
    }

    @inline(__always) public func peek() -> UInt8? {
        if let m = memory { return start < m.count ? m[start] : nil }
        if start == end && !fill() { return nil }
        return buf[start]
    }

    func fill() -> Bool {
        if atEOF { return false }
        bufOffset += end
        start = 0
        end = 0
        let n = buf.withUnsafeMutableBytes { p -> Int in
            while true {
                let r = read(fd, p.baseAddress, ByteInput.chunk)
                if r < 0 && errno == EINTR { continue }
                return r
            }
        }
        if n <= 0 {
            atEOF = true
            return false
        }
        end = n
        return true
    }

    /// Moves to an absolute offset (used to resume after an unterminated quote).
    public func seek(to off: Int) {
        if memory != nil {
            start = off
            return
        }
        if off >= bufOffset && off <= bufOffset + end {
            start = off - bufOffset
            return
        }
        lseek(fd, off_t(off), SEEK_SET)
        bufOffset = off
        start = 0
        end = 0
        atEOF = false
    }

    /// Reads everything left, up to `limit` bytes; nil when there is more than that.
    public func readAll(limit: Int) -> [UInt8]? {
        var out: [UInt8] = []
        if let m = memory {
            guard m.count - start <= limit else { return nil }
            out = Array(m[start...])
            start = m.count
            return out
        }
        while true {
            if start == end && !fill() { break }
            out.append(contentsOf: buf[start..<end])
            start = end
            if out.count > limit { return nil }
        }
        return out
    }

    /// Up to `n` bytes from the start of the input (for reporting a rejected file); leaves the position at the end.
    public func prefix(_ n: Int) -> [UInt8] {
        seek(to: 0)
        var out: [UInt8] = []
        while out.count < n, let b = next() { out.append(b) }
        return out
    }

    /// The file size, when it is a file.
    public var size: Int? {
        if let m = memory { return m.count }
        var st = stat()
        return fstat(fd, &st) == 0 ? Int(st.st_size) : nil
    }
}

public enum ReaderError: Error, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let p, let r): return "cannot open \(p): \(r)"
        }
    }
}
