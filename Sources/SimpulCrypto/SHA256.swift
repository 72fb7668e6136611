import CSHA256

/// SHA-256 (FIPS 180-4), incremental. Used for idempotency keys and content hashes, and later for token hashes.
/// On CPUs with the x86 SHA extensions the compression function runs on them (the `CSHA256` target); elsewhere,
/// or with `software: true`, in Swift.
///
/// Tested against the NIST example vectors in `Tests/SimpulTests/SHA256Tests.swift`, both ways.
public struct SHA256: Sendable {
    /// Whether this CPU has the SHA extensions.
    public static let hardwareAvailable = simpul_sha256_hardware() != 0

    /// FIPS 180-4's round constants, from the C target (one table for both implementations).
    nonisolated(unsafe) static let k = UnsafeBufferPointer(start: simpul_sha256_constants(), count: 64)

    var h: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
    var buffer: [UInt8] = []
    var length: UInt64 = 0
    let hardware: Bool

    /// `software`: compress in Swift even where the CPU could (for tests of both paths).
    public init(software: Bool = false) {
        hardware = !software && SHA256.hardwareAvailable
        buffer.reserveCapacity(64)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var p = 0
        let n = bytes.count
        length &+= UInt64(n)
        if !buffer.isEmpty {
            while p < n && buffer.count < 64 {
                buffer.append(bytes[p])
                p += 1
            }
            if buffer.count == 64 {
                buffer.withUnsafeBufferPointer { compress($0.baseAddress!, blocks: 1) }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        if n - p >= 64 {
            let blocks = (n - p) / 64
            compress(bytes.baseAddress!.advanced(by: p).assumingMemoryBound(to: UInt8.self), blocks: blocks)
            p += 64 * blocks
        }
        while p < n {
            buffer.append(bytes[p])
            p += 1
        }
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    public mutating func update(_ s: String) {
        var s = s
        s.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    public mutating func finalize() -> [UInt8] {
        let bitLength = length &* 8
        var pad: [UInt8] = [0x80]
        let rem = (buffer.count + 1) % 64
        pad.append(contentsOf: repeatElement(0, count: rem <= 56 ? 56 - rem : 120 - rem))
        for s in stride(from: 56, through: 0, by: -8) { pad.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(s))) }
        let saved = length
        pad.withUnsafeBytes { update($0) }
        length = saved
        precondition(buffer.isEmpty)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for w in [h.0, h.1, h.2, h.3, h.4, h.5, h.6, h.7] {
            out.append(UInt8(w >> 24)); out.append(UInt8(truncatingIfNeeded: w >> 16))
            out.append(UInt8(truncatingIfNeeded: w >> 8)); out.append(UInt8(truncatingIfNeeded: w))
        }
        return out
    }

    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var s = SHA256()
        s.update(bytes)
        return s.finalize()
    }

    public static func hash(_ s: String) -> [UInt8] {
        var h = SHA256()
        h.update(s)
        return h.finalize()
    }

    @inline(__always) static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    /// Compresses `blocks` consecutive 64-byte blocks into the state.
    mutating func compress(_ p: UnsafePointer<UInt8>, blocks: Int) {
        if hardware {
            withUnsafeMutableBytes(of: &h) { state in
                simpul_sha256_blocks(state.baseAddress!.assumingMemoryBound(to: UInt32.self), p, blocks)
            }
            return
        }
        for b in 0..<blocks { compress(p + 64 * b) }
    }

    mutating func compress(_ p: UnsafePointer<UInt8>) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { m in
            for t in 0..<16 {
                m[t] = UInt32(p[4 * t]) << 24 | UInt32(p[4 * t + 1]) << 16 | UInt32(p[4 * t + 2]) << 8
                    | UInt32(p[4 * t + 3])
            }
            for t in 16..<64 {
                let s0 = SHA256.rotr(m[t - 15], 7) ^ SHA256.rotr(m[t - 15], 18) ^ (m[t - 15] >> 3)
                let s1 = SHA256.rotr(m[t - 2], 17) ^ SHA256.rotr(m[t - 2], 19) ^ (m[t - 2] >> 10)
                m[t] = m[t - 16] &+ s0 &+ m[t - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, hh) = h
            do {
                let k = SHA256.k
                for t in 0..<64 {
                    let s1 = SHA256.rotr(e, 6) ^ SHA256.rotr(e, 11) ^ SHA256.rotr(e, 25)
                    let ch = (e & f) ^ (~e & g)
                    let t1 = hh &+ s1 &+ ch &+ k[t] &+ m[t]
                    let s0 = SHA256.rotr(a, 2) ^ SHA256.rotr(a, 13) ^ SHA256.rotr(a, 22)
                    let maj = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = s0 &+ maj
                    hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
                }
            }
            h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e, h.5 &+ f, h.6 &+ g, h.7 &+ hh)
        }
    }
}

extension Array where Element == UInt8 {
    /// Lower-case hexadecimal text of the bytes.
    public var hexString: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(count * 2)
        for b in self {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
