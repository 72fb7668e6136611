/// Finds a few top-level fields of a JSON object in its bytes without building the whole value: one pass, no
/// allocation. For bulk readers that need 5 of 20 fields of a million records. Nested values are skipped (their byte
/// range is given, to parse with `JSONParser` when wanted). Input must be valid JSON (it is: the store wrote it);
/// on anything unexpected `scan` returns false.
public struct FlatFields: Sendable {
    /// Where one field's value sits: a string's content without its quotes, or a number/literal/array/object.
    public struct Slice: Sendable, Equatable {
        public var range: Range<Int>
        public var isString: Bool
        /// The string contains backslash escapes (decode with `string(_:in:)`).
        public var escaped: Bool

        public init(range: Range<Int>, isString: Bool, escaped: Bool) {
            self.range = range
            self.isString = isString
            self.escaped = escaped
        }
    }

    let keys: [[UInt8]]

    public init(_ keys: [String]) { self.keys = keys.map { Array($0.utf8) } }

    public var count: Int { keys.count }

    /// Fills `out` (resized to the number of keys) with each wanted field's slice, nil when absent.
    @discardableResult
    public func scan(_ b: UnsafeBufferPointer<UInt8>, into out: inout [Slice?]) -> Bool {
        if out.count != keys.count { out = Array(repeating: nil, count: keys.count) } else {
            for k in 0..<out.count { out[k] = nil }
        }
        let n = b.count
        var i = 0
        @inline(__always) func ws() { while i < n, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }
        /// Past a string whose opening quote is at i; returns (end of content, escaped).
        @inline(__always) func skipString() -> (Int, Bool)? {
            i += 1
            var escaped = false
            while i < n {
                let c = b[i]
                if c == 0x22 { let end = i; i += 1; return (end, escaped) }
                if c == 0x5C { escaped = true; i += 2 } else { i += 1 }
            }
            return nil
        }
        ws()
        guard i < n, b[i] == 0x7B else { return false }
        i += 1
        ws()
        if i < n, b[i] == 0x7D { return true }
        while i < n {
            guard b[i] == 0x22 else { return false }
            let kStart = i + 1
            guard let (kEnd, _) = skipString() else { return false }
            var which = -1
            let klen = kEnd - kStart
            for (idx, key) in keys.enumerated() where key.count == klen {
                var same = true
                for j in 0..<klen where key[j] != b[kStart + j] { same = false; break }
                if same { which = idx; break }
            }
            ws()
            guard i < n, b[i] == 0x3A else { return false }
            i += 1
            ws()
            guard i < n else { return false }
            let vStart = i
            var slice: Slice
            switch b[i] {
            case 0x22:
                guard let (end, escaped) = skipString() else { return false }
                slice = Slice(range: (vStart + 1)..<end, isString: true, escaped: escaped)
            case 0x7B, 0x5B:
                var depth = 0
                repeat {
                    let c = b[i]
                    if c == 0x22 { guard skipString() != nil else { return false }; continue }
                    if c == 0x7B || c == 0x5B { depth += 1 } else if c == 0x7D || c == 0x5D { depth -= 1 }
                    i += 1
                } while depth > 0 && i < n
                guard depth == 0 else { return false }
                slice = Slice(range: vStart..<i, isString: false, escaped: false)
            default:
                while i < n, b[i] != 0x2C, b[i] != 0x7D, b[i] != 0x20, b[i] != 0x0A, b[i] != 0x0D, b[i] != 0x09 { i += 1 }
                slice = Slice(range: vStart..<i, isString: false, escaped: false)
            }
            if which >= 0 { out[which] = slice }
            ws()
            guard i < n else { return false }
            if b[i] == 0x2C { i += 1; ws(); continue }
            return b[i] == 0x7D
        }
        return false
    }

    /// The value as text: a string decoded (escapes resolved), anything else as its JSON text; nil for JSON null.
    public static func string(_ s: Slice, in b: UnsafeBufferPointer<UInt8>) -> String? {
        let bytes = UnsafeBufferPointer(rebasing: b[s.range])
        if s.isString && s.escaped {
            let quoted = "\"" + String(decoding: bytes, as: UTF8.self) + "\""
            if case .string(let v)? = try? JSONParser.parse(quoted) { return v }
            return nil
        }
        if !s.isString && bytes.count == 4 && bytes[0] == 0x6E && bytes[1] == 0x75 { return nil }  // null
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether the slice's bytes equal `text` (raw, escapes not resolved).
    public static func equals(_ s: Slice, in b: UnsafeBufferPointer<UInt8>, _ text: [UInt8]) -> Bool {
        guard s.range.count == text.count else { return false }
        var j = 0
        for k in s.range {
            if b[k] != text[j] { return false }
            j += 1
        }
        return true
    }
}
