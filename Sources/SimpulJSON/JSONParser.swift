/// Why a JSON text could not be read, with the 1-based line and column where reading stopped.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var line: Int
    public var column: Int
    public var description: String { "\(message) at line \(line), column \(column)" }
}

/// A strict RFC 8259 parser over UTF-8 bytes.
///
/// Numbers keep their literal text. Invalid UTF-8 inside strings is an error, never replaced silently.
/// `trackArrayAt` names a path of object keys (e.g. `["data"]`): the 1-based line on which each element of the
/// array at that path starts is returned, so a bad element can be reported by line.
public struct JSONParser {
    public static let maxDepth = 256

    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try parse(bytes, trackArrayAt: nil).value
    }

    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    public static func parse(_ bytes: [UInt8], trackArrayAt path: [String]?)
        throws(JSONParseError) -> (value: JSONValue, elementLines: [Int])
    {
        var p = JSONParser(bytes: bytes, track: path)
        p.skipSpace()
        let v = try p.value(depth: 0, path: [])
        p.skipSpace()
        if p.i < bytes.count { throw p.fail("unexpected text after the JSON value") }
        return (v, p.elementLines)
    }

    let b: [UInt8]
    var i = 0
    var line = 1
    var lineStart = 0
    let track: [String]?
    var elementLines: [Int] = []

    init(bytes: [UInt8], track: [String]?) {
        b = bytes
        self.track = track
    }

    func fail(_ m: String) -> JSONParseError {
        JSONParseError(message: m, line: line, column: i - lineStart + 1)
    }

    mutating func skipSpace() {
        while i < b.count {
            let c = b[i]
            if c == 0x20 || c == 0x09 || c == 0x0D {
                i += 1
            } else if c == 0x0A {
                i += 1
                line += 1
                lineStart = i
            } else {
                break
            }
        }
    }

    mutating func value(depth: Int, path: [String]) throws(JSONParseError) -> JSONValue {
        guard depth < JSONParser.maxDepth else { throw fail("nesting deeper than \(JSONParser.maxDepth)") }
        guard i < b.count else { throw fail("unexpected end of the JSON text") }
        switch b[i] {
        case UInt8(ascii: "{"):
            i += 1
            skipSpace()
            if i < b.count && b[i] == UInt8(ascii: "}") {
                i += 1
                return .object([:])
            }
            // Members are gathered first and the object made once at its size: a dictionary grown key by key
            // reallocates and hashes every key again at each growth (a 22-key row: four times).
            var members: [(key: String, value: JSONValue, line: Int, column: Int)] = []
            while true {
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let keyLine = line, keyColumn = i - lineStart + 1
                let k = try string()
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':' after a key") }
                i += 1
                skipSpace()
                let childPath = track == nil ? path : path + [k]
                members.append((k, try value(depth: depth + 1, path: childPath), keyLine, keyColumn))
                skipSpace()
                guard i < b.count else { throw fail("unexpected end of the JSON text inside an object") }
                if b[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                if b[i] == UInt8(ascii: "}") {
                    i += 1
                    break
                }
                throw fail("expected ',' or '}' in an object")
            }
            var o = [String: JSONValue](minimumCapacity: members.count)
            for m in members {
                if o.updateValue(m.value, forKey: m.key) != nil, let kept = o.index(forKey: m.key),
                   !o.keys[kept].utf8.elementsEqual(m.key.utf8) {
                    // Swift strings compare canonically: `é` and `e` + U+0301 are one key, and one value would be
                    // lost without a word. A key given twice byte for byte keeps its last value, as RFC 8259 allows.
                    throw JSONParseError(message: "two keys of one object differ only in Unicode normalisation", line: m.line,
                                         column: m.column)
                }
            }
            return .object(o)
        case UInt8(ascii: "["):
            i += 1
            var a: [JSONValue] = []
            let tracking = track != nil && path == track!
            skipSpace()
            if i < b.count && b[i] == UInt8(ascii: "]") {
                i += 1
                return .array(a)
            }
            while true {
                skipSpace()
                if tracking { elementLines.append(line) }
                a.append(try value(depth: depth + 1, path: tracking ? ["\u{0}"] : path))
                skipSpace()
                guard i < b.count else { throw fail("unexpected end of the JSON text inside an array") }
                if b[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                if b[i] == UInt8(ascii: "]") {
                    i += 1
                    return .array(a)
                }
                throw fail("expected ',' or ']' in an array")
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default:
            return .number(try number())
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { throw fail("unexpected end of the JSON text") }
        let p = word.utf8Start
        for k in 0..<n where b[i + k] != p[k] { throw fail("invalid literal") }
        i += n
    }

    mutating func number() throws(JSONParseError) -> String {
        let start = i
        if i < b.count && b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count, b[i] >= 0x30 && b[i] <= 0x39 else { throw fail("invalid value") }
        if b[i] == 0x30 {
            i += 1
        } else {
            while i < b.count && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
        }
        if i < b.count && b[i] == UInt8(ascii: ".") {
            i += 1
            guard i < b.count, b[i] >= 0x30 && b[i] <= 0x39 else { throw fail("invalid number") }
            while i < b.count && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
        }
        if i < b.count && (b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E")) {
            i += 1
            if i < b.count && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < b.count, b[i] >= 0x30 && b[i] <= 0x39 else { throw fail("invalid number") }
            while i < b.count && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
        }
        return String(decoding: b[start..<i], as: UTF8.self)
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard i + 4 <= b.count else { throw fail("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw fail("invalid \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    mutating func string() throws(JSONParseError) -> String {
        i += 1  // opening quote
        let start = i
        // Fast path: no escapes.
        var ascii = true
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                let end = i
                i += 1
                // ASCII is valid UTF-8 as it stands: made without the validating initialiser, which is generic and
                // looked up its type metadata on every call (3 % of a JSON document's reading).
                if ascii { return b.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self) } }
                guard let s = String(validating: b[start..<end], as: UTF8.self) else {
                    throw fail("invalid UTF-8 in a string")
                }
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw fail("control character in a string") }
            if c >= 0x80 { ascii = false }
            i += 1
        }
        var out = Array(b[start..<i])
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                guard let s = String(validating: out, as: UTF8.self) else {
                    throw fail("invalid UTF-8 in a string")
                }
                return s
            }
            if c < 0x20 { throw fail("control character in a string") }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < b.count else { break }
            let e = b[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var cp = try hex4()
                if cp >= 0xD800 && cp < 0xDC00 {
                    guard i + 6 <= b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else {
                        throw fail("unpaired surrogate in \\u escape")
                    }
                    i += 2
                    let lo = try hex4()
                    guard lo >= 0xDC00 && lo < 0xE000 else { throw fail("unpaired surrogate in \\u escape") }
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                } else if cp >= 0xDC00 && cp < 0xE000 {
                    throw fail("unpaired surrogate in \\u escape")
                }
                guard let scalar = Unicode.Scalar(cp) else { throw fail("invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw fail("invalid escape in a string")
            }
        }
        throw fail("unterminated string")
    }
}
