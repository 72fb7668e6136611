/// JSON assembled from pieces already written as JSON, without parsing them into ``JSONValue``s: a stored record's
/// bytes are cut to some of its members and spliced into an answer as they are. The output is what
/// ``JSONWriter`` would write for the same values when the pieces are its own output (compact, keys sorted).
public enum JSONSplice {
    /// Where one member of an object sits in its text: the key without its quotes, and the value.
    public struct Member: Sendable {
        public var key: Range<Int>
        public var value: Range<Int>
    }

    /// The members of the top-level object in `text`, in their order; nil when `text` is not a well-formed object
    /// or a key has escapes (the caller then parses instead).
    public static func memberRanges(of text: UnsafeBufferPointer<UInt8>) -> [Member]? {
        var i = 0
        let n = text.count
        func skipSpace() { while i < n, text[i] == 0x20 || text[i] == 0x0A || text[i] == 0x0D || text[i] == 0x09 { i += 1 } }
        /// Past a string starting at `i` (on its quote); false if it does not end.
        func skipString() -> Bool {
            i += 1
            while i < n {
                switch text[i] {
                case 0x5C: i += 2
                case 0x22: i += 1; return true
                default: i += 1
                }
            }
            return false
        }
        /// Past one value; false if malformed (nesting is balanced, strings end; scalars are taken as they are).
        func skipValue() -> Bool {
            guard i < n else { return false }
            switch text[i] {
            case 0x22: return skipString()
            case 0x7B, 0x5B:
                var depth = 0
                while i < n {
                    switch text[i] {
                    case 0x22: if !skipString() { return false }; continue
                    case 0x7B, 0x5B: depth += 1
                    case 0x7D, 0x5D:
                        depth -= 1
                        if depth == 0 { i += 1; return true }
                    default: break
                    }
                    i += 1
                }
                return false
            default:
                let start = i
                while i < n, text[i] != 0x2C, text[i] != 0x7D, text[i] != 0x5D, text[i] > 0x20 { i += 1 }
                return i > start
            }
        }
        skipSpace()
        guard i < n, text[i] == 0x7B else { return nil }
        i += 1
        var out: [Member] = []
        skipSpace()
        if i < n, text[i] == 0x7D {
            i += 1
        } else {
            while true {
                skipSpace()
                guard i < n, text[i] == 0x22 else { return nil }
                let keyStart = i
                guard skipString() else { return nil }
                let key = (keyStart + 1)..<(i - 1)
                guard !text[key].contains(0x5C) else { return nil }
                skipSpace()
                guard i < n, text[i] == 0x3A else { return nil }
                i += 1
                skipSpace()
                let valueStart = i
                guard skipValue() else { return nil }
                out.append(Member(key: key, value: valueStart..<i))
                skipSpace()
                guard i < n else { return nil }
                if text[i] == 0x2C { i += 1; continue }
                guard text[i] == 0x7D else { return nil }
                i += 1
                break
            }
        }
        skipSpace()
        guard i == n else { return nil }
        return out
    }

    /// The members of the top-level object in `text` whose key `keep` accepts (every member when `keep` is nil), in
    /// their order, as a compact object; nil when `text` is not a well-formed object or a key has escapes (the caller
    /// then parses instead).
    public static func members(of text: UnsafeBufferPointer<UInt8>, keep: ((String) -> Bool)? = nil) -> [UInt8]? {
        guard let members = memberRanges(of: text) else { return nil }
        var out: [UInt8] = [0x7B]
        out.reserveCapacity(text.count)
        var first = true
        for m in members where keep?(String(decoding: UnsafeBufferPointer(rebasing: text[m.key]), as: UTF8.self)) ?? true {
            if !first { out.append(0x2C) }
            first = false
            out.append(0x22)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[m.key]))
            out.append(contentsOf: [0x22, 0x3A])
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[m.value]))
        }
        out.append(0x7D)
        return out
    }

    /// `[a,b,…]` from values already written as JSON.
    public static func array(_ items: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = [0x5B]
        for (k, item) in items.enumerated() {
            if k > 0 { out.append(0x2C) }
            out.append(contentsOf: item)
        }
        out.append(0x5D)
        return out
    }

    /// An object from members whose values are already written as JSON, keys sorted as ``JSONWriter`` sorts them.
    public struct Object {
        private var members: [(key: String, value: [UInt8])] = []
        public init() {}

        public mutating func set(_ key: String, raw: [UInt8]) { members.append((key, raw)) }

        public mutating func set(_ key: String, _ value: JSONValue) {
            var b: [UInt8] = []
            JSONWriter.write(value, into: &b)
            members.append((key, b))
        }

        public var bytes: [UInt8] {
            var out: [UInt8] = [0x7B]
            for (k, m) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if k > 0 { out.append(0x2C) }
                JSONWriter.writeString(m.key, into: &out)
                out.append(0x3A)
                out.append(contentsOf: m.value)
            }
            out.append(0x7D)
            return out
        }
    }
}
