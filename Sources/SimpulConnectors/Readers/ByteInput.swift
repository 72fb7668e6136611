import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Buffered, seekable bytes from a file descriptor or memory, so readers stream files of any size in fixed
/// memory and can step back to recover from a malformed record.
///
/// Readers take bytes one at a time (``next()``, ``peek()``) or a whole line at once (``lineSpan(limit:)``, then
/// ``advance(_:)``), which lets a reader split an ordinary line without a call per byte.
public final class ByteInput {
    var fd: Int32 = -1
    let isMemory: Bool
    /// The window of the input held in memory: bytes `start..<end` are unread, `buf[0]` is at absolute `bufOffset`.
    var buf: UnsafeMutablePointer<UInt8>
    var capacity: Int
    var start = 0
    var end = 0
    var bufOffset: Int = 0
    public private(set) var atEOF = false
    public static let chunk = 1 << 20
    /// Lines end with a carriage return alone (a classic Mac spreadsheet's CSV): every CR is read as a line feed,
    /// from the bytes in the window on. Set by a reader that found no line feed at the top of the input.
    public var carriageReturnsEndLines = false {
        didSet { if carriageReturnsEndLines { crToLF(from: start) } }
    }

    func crToLF(from: Int) {
        for k in from..<end where buf[k] == 0x0D { buf[k] = 0x0A }
    }

    /// Reads the file at `path` through a window of `window` bytes (grown for a longer line when asked for one).
    public init(path: String, window: Int = ByteInput.chunk) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw ReaderError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        isMemory = false
        capacity = max(window, 1)
        buf = .allocate(capacity: capacity)
    }

    /// Reads the open file `fd` from its current position, and closes it when done.
    public init(fd: Int32, window: Int = ByteInput.chunk) {
        self.fd = fd
        isMemory = false
        capacity = max(window, 1)
        buf = .allocate(capacity: capacity)
    }

    public init(bytes: [UInt8]) {
        isMemory = true
        capacity = max(bytes.count, 1)
        buf = .allocate(capacity: capacity)
        bytes.withUnsafeBufferPointer { p in
            if let b = p.baseAddress { buf.update(from: b, count: p.count) }
        }
        end = bytes.count
        atEOF = true
    }

    deinit {
        if fd >= 0 { close(fd) }
        buf.deallocate()
    }

    /// Absolute offset of the next byte.
    public var offset: Int { bufOffset + start }

    /// The next byte, or nil at end of input.
    @inline(__always) public func next() -> UInt8? {
        if start == end && !fill() { return nil }
        let b = buf[start]
        start += 1
        return b
    }

    @inline(__always) public func peek() -> UInt8? {
        if start == end && !fill() { return nil }
        return buf[start]
    }

    /// Refills an exhausted window with the next chunk of the file.
    func fill() -> Bool {
        if atEOF { return false }
        bufOffset += end
        start = 0
        end = 0
        return readMore()
    }

    /// Reads into the free space after `end`; false at end of file.
    func readMore() -> Bool {
        if atEOF { return false }
        let n: Int
        while true {
            let r = read(fd, buf + end, capacity - end)
            if r < 0 && errno == EINTR { continue }
            n = r
            break
        }
        if n <= 0 {
            atEOF = true
            return false
        }
        end += n
        if carriageReturnsEndLines { crToLF(from: end - n) }
        return true
    }

    /// The unread bytes up to (not including) the next line feed, read ahead as needed, or nil when there is no line
    /// feed within `limit` bytes or before the end of the input (the caller then reads byte by byte). The span stays
    /// valid until the next call on this input; ``advance(_:)`` consumes it.
    public func lineSpan(limit: Int) -> UnsafeBufferPointer<UInt8>? {
        var searched = 0
        while true {
            let from = start + searched
            if let nl = memchr(buf + from, 0x0A, end - from) {
                let count = buf.distance(to: nl.assumingMemoryBound(to: UInt8.self)) - start
                return count <= limit ? UnsafeBufferPointer(start: buf + start, count: count) : nil
            }
            searched = end - start
            if searched > limit || atEOF || isMemory { return nil }
            // Keep the unread tail: move it to the front (growing the window for a line longer than it) and read on.
            if start > 0 {
                memmove(buf, buf + start, end - start)
                bufOffset += start
                end -= start
                start = 0
            }
            if end == capacity {
                let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                bigger.update(from: buf, count: end)
                buf.deallocate()
                buf = bigger
                capacity *= 2
            }
            if !readMore() { return nil }
        }
    }

    /// Consumes `n` bytes that ``lineSpan(limit:)`` showed.
    @inline(__always) public func advance(_ n: Int) {
        start += n
    }

    /// Moves to an absolute offset (used to resume after an unterminated quote).
    public func seek(to off: Int) {
        if off >= bufOffset && off <= bufOffset + end {
            start = off - bufOffset
            return
        }
        if isMemory { return }
        lseek(fd, off_t(off), SEEK_SET)
        bufOffset = off
        start = 0
        end = 0
        atEOF = false
    }

    /// Reads everything left, up to `limit` bytes; nil when there is more than that.
    public func readAll(limit: Int) -> [UInt8]? {
        var out: [UInt8] = []
        while true {
            if start == end && !fill() { break }
            out.append(contentsOf: UnsafeBufferPointer(start: buf + start, count: end - start))
            start = end
            if out.count > limit { return nil }
        }
        return out
    }

    /// Up to `n` bytes from the start of the input (for reporting a rejected file), copied a window at a time;
    /// leaves the position after them.
    public func prefix(_ n: Int) -> [UInt8] {
        seek(to: 0)
        var out: [UInt8] = []
        while out.count < n, start < end || fill() {
            let k = min(n - out.count, end - start)
            out.append(contentsOf: UnsafeBufferPointer(start: buf + start, count: k))
            start += k
        }
        return out
    }

    /// Up to `n` bytes from the start of the input, leaving the position at the start: what a reader looks at to
    /// tell how the file is written (its encoding, its line ends, JSON lines or one array).
    public func head(_ n: Int) -> [UInt8] {
        let bytes = prefix(n)
        seek(to: 0)
        return bytes
    }

    /// The file size, when it is a file.
    public var size: Int? {
        if isMemory { return end }
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
