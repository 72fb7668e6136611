/// Writes ``JSONValue`` as compact canonical JSON: object keys sorted, strings escaped per RFC 8259.
public enum JSONWriter {
    public static func string(_ v: JSONValue) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(v, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public static func bytes(_ v: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(v, into: &out)
        return out
    }

    /// Pretty text with two-space indent, for people reading CLI output.
    public static func pretty(_ v: JSONValue) -> String {
        var out: [UInt8] = []
        writePretty(v, indent: 0, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public static func write(_ v: JSONValue, into out: inout [UInt8]) {
        switch v {
        case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.utf8)
        case .string(let s): writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (k, e) in a.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                write(e, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            writeObject(o, into: &out)
        }
    }

    /// An object with its keys in `String` order (as `sorted(by: <)` gives). Keys are compared by their first eight
    /// UTF-8 bytes as one integer, and in full only when those are equal: for ASCII keys (field names) that is the same
    /// order, without reference counting or string comparison per step. The order is sorted in a buffer on the stack
    /// (objects here are small), so writing an object allocates nothing; a key that is not ASCII, or an object of more
    /// than 64 keys, falls back to sorting the keys as strings.
    static func writeObject(_ o: [String: JSONValue], into out: inout [UInt8]) {
        typealias Index = Dictionary<String, JSONValue>.Index
        func member(_ key: String, _ value: JSONValue, first: Bool) {
            if !first { out.append(UInt8(ascii: ",")) }
            writeString(key, into: &out)
            out.append(UInt8(ascii: ":"))
            write(value, into: &out)
        }
        out.append(UInt8(ascii: "{"))
        let n = o.count
        if n == 0 {
            out.append(UInt8(ascii: "}"))
            return
        }
        let sortedInPlace: Bool = n > 64 ? false : withUnsafeTemporaryAllocation(of: (prefix: UInt64, at: Index).self, capacity: n) { buf in
            var ascii = true
            var i = o.startIndex
            var k = 0
            while i != o.endIndex {
                let prefix = o.keys[i].utf8.withContiguousStorageIfAvailable { b -> UInt64 in
                    var p: UInt64 = 0
                    for j in 0..<Swift.min(8, b.count) { p |= UInt64(b[j]) << UInt64(56 - 8 * j) }
                    for x in b where x >= 0x80 { ascii = false; break }
                    return p
                }
                if prefix == nil { ascii = false }
                buf.initializeElement(at: k, to: (prefix ?? 0, i))
                k += 1
                o.formIndex(after: &i)
            }
            defer { buf.baseAddress!.deinitialize(count: k) }
            guard ascii else { return false }
            // Insertion sort: objects here are small, and the comparison is mostly one integer compare.
            var s = 1
            while s < k {
                let x = buf[s]
                var j = s - 1
                while j >= 0 {
                    let y = buf[j]
                    let before = x.prefix != y.prefix ? x.prefix < y.prefix : o.keys[x.at] < o.keys[y.at]
                    if !before { break }
                    buf[j + 1] = y
                    j -= 1
                }
                buf[j + 1] = x
                s += 1
            }
            for j in 0..<k {
                let (key, value) = o[buf[j].at]
                member(key, value, first: j == 0)
            }
            return true
        }
        if !sortedInPlace {
            for (j, key) in o.keys.sorted().enumerated() { member(key, o[key]!, first: j == 0) }
        }
        out.append(UInt8(ascii: "}"))
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let plain: Bool? = s.utf8.withContiguousStorageIfAvailable { buf in
            for b in buf where b < 0x20 || b == 0x22 || b == 0x5C { return false }
            out.append(contentsOf: buf)
            return true
        }
        if plain == true {
            out.append(UInt8(ascii: "\""))
            return
        }
        for c in s.utf8 {
            switch c {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
            case 0..<0x20:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 15)]])
            default: out.append(c)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func writePretty(_ v: JSONValue, indent: Int, into out: inout [UInt8]) {
        let pad = { (n: Int) in Array(repeating: UInt8(ascii: " "), count: n) }
        switch v {
        case .array(let a) where !a.isEmpty:
            out.append(contentsOf: Array("[\n".utf8))
            for (k, e) in a.enumerated() {
                out.append(contentsOf: pad(indent + 2))
                writePretty(e, indent: indent + 2, into: &out)
                out.append(contentsOf: Array((k + 1 < a.count ? ",\n" : "\n").utf8))
            }
            out.append(contentsOf: pad(indent))
            out.append(UInt8(ascii: "]"))
        case .object(let o) where !o.isEmpty:
            out.append(contentsOf: Array("{\n".utf8))
            let keys = o.keys.sorted()
            for (k, key) in keys.enumerated() {
                out.append(contentsOf: pad(indent + 2))
                writeString(key, into: &out)
                out.append(contentsOf: Array(": ".utf8))
                writePretty(o[key]!, indent: indent + 2, into: &out)
                out.append(contentsOf: Array((k + 1 < keys.count ? ",\n" : "\n").utf8))
            }
            out.append(contentsOf: pad(indent))
            out.append(UInt8(ascii: "}"))
        default:
            write(v, into: &out)
        }
    }
}
