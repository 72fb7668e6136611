/// DEFLATE (RFC 1951) decompression, written here (the toolchain has no zlib): stored, fixed-Huffman and
/// dynamic-Huffman blocks, a 32 KiB window, output handed on in large pieces so memory stays fixed whatever the size.
/// Every malformed stream is a thrown `CompressionError`, never a crash or a read out of bounds.
public struct CompressionError: Error, Sendable, CustomStringConvertible {
    public let message: String
    /// The data would unpack past its limit (a decompression bomb, or more than the caller holds).
    public let tooLarge: Bool
    public init(_ message: String, tooLarge: Bool = false) {
        self.message = message
        self.tooLarge = tooLarge
    }
    public var description: String { message }
}

struct Inflater {
    // Input: the compressed bytes, read little-endian into a 64-bit bit buffer.
    let src: UnsafePointer<UInt8>
    let count: Int
    var pos: Int
    var bits: UInt64 = 0
    var nbits = 0

    // Output: a buffer whose first 32 KiB, after the first flush, are the window the next matches refer to.
    static let window = 32_768
    static let bufferSize = 4 << 20
    let out = UnsafeMutablePointer<UInt8>.allocate(capacity: Inflater.bufferSize)
    var outPos = 0
    /// Bytes of `out` before this index were handed on already.
    var written = 0
    /// All bytes produced, for the distance check and the size limit.
    var total = 0
    let limit: Int
    let sink: (UnsafeRawBufferPointer) throws -> Void
    var crc = CRC32()

    init(src: UnsafePointer<UInt8>, count: Int, at pos: Int, limit: Int, sink: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.src = src
        self.count = count
        self.pos = pos
        self.limit = limit
        self.sink = sink
    }

    func release() { out.deallocate() }

    // MARK: bits

    /// Loads whole bytes until at least `n` bits are buffered, or the input ends.
    @inline(__always) mutating func refill(_ n: Int) {
        while nbits < n && nbits <= 56 && pos < count {
            bits |= UInt64(src[pos]) << UInt64(nbits)
            pos += 1
            nbits += 8
        }
    }

    @inline(__always) mutating func take(_ n: Int) throws(CompressionError) -> Int {
        if n == 0 { return 0 }
        refill(n)
        guard nbits >= n else { throw CompressionError("the compressed data ends in the middle (truncated file?)") }
        let v = Int(bits & ((1 << UInt64(n)) - 1))
        bits >>= UInt64(n)
        nbits -= n
        return v
    }

    /// The next symbol of a Huffman code: its table holds, at each index of as many bits as its longest code
    /// (`mask`, from ``build(_:into:)``), symbol << 4 | length (0: no code).
    @inline(__always) mutating func decode(_ table: UnsafePointer<UInt16>, _ mask: UInt64) throws(CompressionError) -> Int {
        refill(15)
        let e = Int(table[Int(bits & mask)])
        let len = e & 15
        guard len != 0 else { throw CompressionError("invalid Huffman code in the compressed data") }
        guard len <= nbits else { throw CompressionError("the compressed data ends in the middle (truncated file?)") }
        bits >>= UInt64(len)
        nbits -= len
        return e >> 4
    }

    // MARK: output

    @inline(__always) mutating func ensureRoom() throws {
        if outPos > Inflater.bufferSize - 300 { try flush() }
    }

    /// Hands on what was produced and keeps the last 32 KiB as the window.
    mutating func flush() throws {
        if outPos > written {
            crc.update(UnsafeRawBufferPointer(start: out + written, count: outPos - written))
            try sink(UnsafeRawBufferPointer(start: out + written, count: outPos - written))
        }
        if outPos > Inflater.window {
            (out).update(from: out + (outPos - Inflater.window), count: Inflater.window)
            outPos = Inflater.window
        }
        written = outPos
    }

    // MARK: blocks

    /// Decompresses one DEFLATE stream from `pos`; afterwards `pos` is the first byte after it.
    mutating func run() throws {
        let litTable = UnsafeMutablePointer<UInt16>.allocate(capacity: 1 << 15)
        let distTable = UnsafeMutablePointer<UInt16>.allocate(capacity: 1 << 15)
        defer { litTable.deallocate(); distTable.deallocate() }
        var last = false
        while !last {
            last = try take(1) == 1
            switch try take(2) {
            case 0: try stored()
            case 1:
                var lengths = [UInt8](repeating: 8, count: 288)
                for i in 144..<256 { lengths[i] = 9 }
                for i in 256..<280 { lengths[i] = 7 }
                let litMask = try Self.build(lengths, into: litTable)
                let distMask = try Self.build([UInt8](repeating: 5, count: 30), into: distTable)
                try codes(litTable, litMask, distTable, distMask)
            case 2:
                let (litMask, distMask) = try dynamicTables(litTable, distTable)
                try codes(litTable, litMask, distTable, distMask)
            default:
                throw CompressionError("invalid block type in the compressed data")
            }
        }
        // Unused bits of the last byte are dropped; whole bytes read ahead are given back.
        let back = nbits / 8
        pos -= back
        bits = 0
        nbits = 0
        try flush()
    }

    mutating func stored() throws {
        // To the byte boundary, then LEN and its one's complement.
        let drop = nbits % 8
        bits >>= UInt64(drop)
        nbits -= drop
        let len = try take(16), nlen = try take(16)
        guard len == (~nlen & 0xFFFF) else { throw CompressionError("a stored block's length does not match its check") }
        var left = len
        // Bytes already in the bit buffer first.
        while left > 0 && nbits >= 8 {
            try ensureRoom()
            out[outPos] = UInt8(bits & 0xFF)
            bits >>= 8
            nbits -= 8
            outPos += 1
            left -= 1
        }
        guard count - pos >= left else { throw CompressionError("the compressed data ends in the middle (truncated file?)") }
        while left > 0 {
            try ensureRoom()
            let n = min(left, Inflater.bufferSize - outPos)
            (out + outPos).update(from: src + pos, count: n)
            outPos += n
            pos += n
            left -= n
        }
        total += len
        guard total <= limit else { throw tooLarge() }
    }

    func tooLarge() -> CompressionError {
        CompressionError("unpacked, it would be larger than \(limit / 1_048_576) MiB (at most \(Gzip.ratioLimit) times its packed size): not unpacked",
                         tooLarge: true)
    }

    static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
                                  4097, 6145, 8193, 12289, 16385, 24577]
    static let distExtra: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    mutating func codes(_ lit: UnsafePointer<UInt16>, _ litMask: UInt64, _ dist: UnsafePointer<UInt16>, _ distMask: UInt64) throws {
        while true {
            try ensureRoom()
            let sym = try decode(lit, litMask)
            if sym < 256 {
                out[outPos] = UInt8(sym)
                outPos += 1
                total += 1
                continue
            }
            if sym == 256 { break }
            let li = sym - 257
            guard li < 29 else { throw CompressionError("invalid length code in the compressed data") }
            let length = Self.lengthBase[li] + (try take(Self.lengthExtra[li]))
            let di = try decode(dist, distMask)
            guard di < 30 else { throw CompressionError("invalid distance code in the compressed data") }
            let distance = Self.distBase[di] + (try take(Self.distExtra[di]))
            guard distance <= total else { throw CompressionError("a match reaches back before the start of the data") }
            var from = outPos - distance
            if distance >= length {
                (out + outPos).update(from: out + from, count: length)
                outPos += length
            } else {
                // Overlapping: the copy repeats what it has just written.
                for _ in 0..<length {
                    out[outPos] = out[from]
                    outPos += 1
                    from += 1
                }
            }
            total += length
            if total > limit { throw tooLarge() }
        }
        if total > limit { throw tooLarge() }
    }

    static let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// Reads a dynamic block's codes into `lit` and `dist`; returns their masks.
    mutating func dynamicTables(_ lit: UnsafeMutablePointer<UInt16>, _ dist: UnsafeMutablePointer<UInt16>) throws -> (UInt64, UInt64) {
        let hlit = try take(5) + 257, hdist = try take(5) + 1, hclen = try take(4) + 4
        guard hlit <= 286, hdist <= 30 else { throw CompressionError("too many codes in a dynamic block's header") }
        var clLengths = [UInt8](repeating: 0, count: 19)
        for i in 0..<hclen { clLengths[Self.order[i]] = UInt8(try take(3)) }
        let clTable = UnsafeMutablePointer<UInt16>.allocate(capacity: 1 << 7)  // code lengths are coded in 3 bits: at most 7
        defer { clTable.deallocate() }
        let clMask = try Self.build(clLengths, into: clTable)
        var lengths = [UInt8](repeating: 0, count: hlit + hdist)
        var i = 0
        while i < hlit + hdist {
            let sym = try decode(clTable, clMask)
            var repeatValue: UInt8 = 0, times = 0
            switch sym {
            case 0...15:
                lengths[i] = UInt8(sym)
                i += 1
                continue
            case 16:
                guard i > 0 else { throw CompressionError("a repeat code with nothing before it in a dynamic block's header") }
                repeatValue = lengths[i - 1]
                times = 3 + (try take(2))
            case 17: times = 3 + (try take(3))
            default: times = 11 + (try take(7))
            }
            guard i + times <= hlit + hdist else { throw CompressionError("code lengths overrun a dynamic block's header") }
            for _ in 0..<times {
                lengths[i] = repeatValue
                i += 1
            }
        }
        guard lengths[256] != 0 else { throw CompressionError("a dynamic block has no end-of-block code") }
        return (try Self.build(Array(lengths[0..<hlit]), into: lit), try Self.build(Array(lengths[hlit...]), into: dist))
    }

    /// Fills a lookup table (room for 2^15 entries) for the canonical Huffman code of `lengths` (RFC 1951 §3.2.2):
    /// each entry, indexed by the next input bits (first bit lowest), as many as the longest code has, holds
    /// symbol << 4 | code length; returns the mask of those bits. An over-subscribed code is refused; an incomplete
    /// one leaves entries at 0 (an invalid code if ever met). Sized by the longest code, a table costs a block
    /// what its code needs (a code-length code's 7 bits, a literal code's 9 to 15), not 2^15 entries every time.
    static func build(_ lengths: [UInt8], into table: UnsafeMutablePointer<UInt16>) throws(CompressionError) -> UInt64 {
        var count = [Int](repeating: 0, count: 16)
        var longest = 0
        for l in lengths {
            count[Int(l)] += 1
            longest = max(longest, Int(l))
        }
        let size = 1 << longest
        table.initialize(repeating: 0, count: size)
        count[0] = 0
        var left = 1
        for len in 1...15 {
            left <<= 1
            left -= count[len]
            guard left >= 0 else { throw CompressionError("an over-subscribed Huffman code in the compressed data") }
        }
        var next = [Int](repeating: 0, count: 16)
        var code = 0
        for len in 1...15 {
            code = (code + count[len - 1]) << 1
            next[len] = code
        }
        for (sym, l8) in lengths.enumerated() where l8 != 0 {
            let len = Int(l8)
            let c = next[len]
            next[len] += 1
            // Reverse the code's bits: DEFLATE sends Huffman codes first bit first.
            var r = 0
            for b in 0..<len where c & (1 << b) != 0 { r |= 1 << (len - 1 - b) }
            let entry = UInt16(sym << 4 | len)
            var k = r
            while k < size {
                table[k] = entry
                k += 1 << len
            }
        }
        return UInt64(size - 1)
    }
}

/// A raw DEFLATE stream (a ZIP entry's data) and what it unpacked to.
enum Deflate {
    /// Unpacks the stream starting at `at` in `data`; returns the unpacked size and CRC-32.
    static func inflate(_ data: UnsafeRawBufferPointer, at: Int, limit: Int,
                        sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws -> (size: Int, crc: UInt32) {
        guard let base = data.baseAddress?.assumingMemoryBound(to: UInt8.self) else { throw CompressionError("empty data") }
        var inflater = Inflater(src: base, count: data.count, at: at, limit: limit, sink: sink)
        defer { inflater.release() }
        try inflater.run()
        return (inflater.total, inflater.crc.value)
    }
}

/// CRC-32 (ISO-HDLC, the one gzip and ZIP use), table-driven.
struct CRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
    private(set) var value: UInt32 = 0

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var c = ~value
        Self.table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        value = ~c
    }
}
