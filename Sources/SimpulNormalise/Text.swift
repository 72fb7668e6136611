/// Whitespace and case helpers shared by the normalisers.
public enum Text {
    /// Trims and collapses runs of whitespace (including non-breaking spaces) and control characters to one space.
    public static func collapse(_ s: String) -> String {
        // Fast path for ASCII text: most values are already clean and are returned without copying.
        var ascii = true
        var clean = true
        var prevSpace = true  // a leading space is not clean
        for b in s.utf8 {
            if b >= 0x80 {
                ascii = false
                break
            }
            // Spaces, and every control character (a NUL or a stray 0x01 from a broken export is no part of a
            // value): one space between words, none at either end.
            let space = b <= 0x20 || b == 0x7F
            if space && (prevSpace || b != 0x20) { clean = false }
            prevSpace = space
        }
        if ascii {
            if clean && !prevSpace { return s }
            if s.utf8.isEmpty { return s }
            var out: [UInt8] = []
            out.reserveCapacity(s.utf8.count)
            var pending = false
            for b in s.utf8 {
                if b <= 0x20 || b == 0x7F {
                    pending = !out.isEmpty
                    continue
                }
                if pending {
                    out.append(0x20)
                    pending = false
                }
                out.append(b)
            }
            return String(decoding: out, as: UTF8.self)
        }
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var pendingSpace = false
        for ch in s.unicodeScalars {
            if ch.properties.isWhitespace || ch == "\u{00A0}" || ch.properties.generalCategory == .control {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace {
                out.unicodeScalars.append(" ")
                pendingSpace = false
            }
            out.unicodeScalars.append(ch)
        }
        return out
    }

    /// ASCII-fast upper case.
    public static func upper(_ s: String) -> String {
        var ascii = true
        for b in s.utf8 where b >= 0x80 {
            ascii = false
            break
        }
        if !ascii { return s.uppercased() }
        var bytes = Array(s.utf8)
        for k in bytes.indices where bytes[k] >= 0x61 && bytes[k] <= 0x7A { bytes[k] -= 32 }
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func isDigits(_ s: Substring) -> Bool { !s.isEmpty && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
    public static func isDigits(_ s: String) -> Bool { isDigits(s[...]) }
}
