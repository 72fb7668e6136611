/// A small regular-expression engine for JSON Schema `pattern` (ECMA-262 subset):
/// literals, `.`, `^`, `$`, escapes `\d \D \w \W \s \S` and escaped punctuation, classes `[a-z0-9_]` and `[^…]`,
/// groups `(…)` and `(?:…)`, alternation `|`, quantifiers `* + ? {n} {n,} {n,m}` (greedy).
/// Like JSON Schema, a pattern matches anywhere unless anchored. Unsupported syntax is an error at load time.
/// Matching runs an automaton (``RegexAutomaton``: linear in the text); a pattern too large for one is refused.
public struct SchemaRegex: Sendable {
    indirect enum Node: Sendable {
        case char(Unicode.Scalar)
        case any
        case set([ClosedRange<UInt32>], negated: Bool)
        case start
        case end
        case group([[Node]])  // alternatives, each a sequence
        case rep(Node, min: Int, max: Int)  // max -1 = unbounded
    }

    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    let root: [[Node]]
    /// Every alternative starts with `^`: only a match from the first character is tried.
    let anchored: Bool
    public let source: String
    let automaton: RegexAutomaton

    public init(_ pattern: String) throws(SyntaxError) {
        source = pattern
        var p = Parser(s: Array(pattern.unicodeScalars))
        root = try p.alternatives()
        if p.i < p.s.count { throw SyntaxError(message: "unbalanced ')' in pattern") }
        anchored = root.allSatisfy { if case .start = $0.first { return true } else { return false } }
        guard let a = RegexAutomaton(root, anchored: anchored) else {
            throw SyntaxError(message: "pattern too large (its repetitions make more than \(RegexAutomaton.maxStates) states)")
        }
        automaton = a
    }

    struct Parser {
        let s: [Unicode.Scalar]
        var i = 0

        mutating func alternatives() throws(SyntaxError) -> [[Node]] {
            var alts: [[Node]] = [[]]
            while i < s.count {
                let c = s[i]
                if c == ")" { break }
                if c == "|" {
                    i += 1
                    alts.append([])
                    continue
                }
                var atom = try self.atom()
                if i < s.count {
                    switch s[i] {
                    case "*": i += 1; atom = .rep(atom, min: 0, max: -1)
                    case "+": i += 1; atom = .rep(atom, min: 1, max: -1)
                    case "?": i += 1; atom = .rep(atom, min: 0, max: 1)
                    case "{":
                        if let (lo, hi, next) = braces() {
                            i = next
                            atom = .rep(atom, min: lo, max: hi)
                        }
                    default: break
                    }
                    if i < s.count && (s[i] == "?" || s[i] == "+") { throw SyntaxError(message: "lazy or possessive quantifiers are not supported") }
                }
                alts[alts.count - 1].append(atom)
            }
            return alts
        }

        func braces() -> (Int, Int, Int)? {
            var j = i + 1
            var lo = 0, hi = 0, digits = 0
            while j < s.count, let d = s[j].properties.numericType != nil ? Int(String(s[j])) : nil { lo = lo * 10 + d; j += 1; digits += 1 }
            guard digits > 0, j < s.count else { return nil }
            if s[j] == "}" { return (lo, lo, j + 1) }
            guard s[j] == "," else { return nil }
            j += 1
            var hd = 0
            while j < s.count, let d = s[j].properties.numericType != nil ? Int(String(s[j])) : nil { hi = hi * 10 + d; j += 1; hd += 1 }
            guard j < s.count, s[j] == "}" else { return nil }
            return (lo, hd == 0 ? -1 : hi, j + 1)
        }

        static let digit: [ClosedRange<UInt32>] = [48...57]
        static let word: [ClosedRange<UInt32>] = [48...57, 65...90, 95...95, 97...122]
        /// ECMA-262's WhiteSpace and LineTerminator: tab to carriage return, the space separators (Zs), U+2028/9 and
        /// the byte order mark.
        static let space: [ClosedRange<UInt32>] = [9...13, 32...32, 160...160, 0x1680...0x1680, 0x2000...0x200A,
                                                   0x2028...0x2029, 0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000,
                                                   0xFEFF...0xFEFF]

        mutating func escape(inClass: Bool) throws(SyntaxError) -> Node {
            i += 1
            guard i < s.count else { throw SyntaxError(message: "pattern ends with '\\'") }
            let c = s[i]
            i += 1
            switch c {
            case "d": return .set(Parser.digit, negated: false)
            case "D": return .set(Parser.digit, negated: true)
            case "w": return .set(Parser.word, negated: false)
            case "W": return .set(Parser.word, negated: true)
            case "s": return .set(Parser.space, negated: false)
            case "S": return .set(Parser.space, negated: true)
            case "n": return .char("\n")
            case "t": return .char("\t")
            case "r": return .char("\r")
            default:
                if c.properties.isAlphabetic || c.properties.numericType != nil {
                    throw SyntaxError(message: "escape '\\\(c)' is not supported")
                }
                return .char(c)
            }
        }

        mutating func atom() throws(SyntaxError) -> Node {
            let c = s[i]
            switch c {
            case "(":
                i += 1
                if i + 1 < s.count && s[i] == "?" {
                    guard s[i + 1] == ":" else { throw SyntaxError(message: "only (?:…) groups are supported") }
                    i += 2
                }
                let alts = try alternatives()
                guard i < s.count, s[i] == ")" else { throw SyntaxError(message: "unclosed '(' in pattern") }
                i += 1
                return .group(alts)
            case ".": i += 1; return .any
            case "^": i += 1; return .start
            case "$": i += 1; return .end
            case "\\": return try escape(inClass: false)
            case "[": return try charClass()
            case "*", "+", "?": throw SyntaxError(message: "quantifier '\(c)' has nothing to repeat")
            default: i += 1; return .char(c)
            }
        }

        mutating func charClass() throws(SyntaxError) -> Node {
            i += 1
            var negated = false
            if i < s.count && s[i] == "^" {
                negated = true
                i += 1
            }
            var ranges: [ClosedRange<UInt32>] = []
            // `[]` is ECMA-262's empty class (matches nothing) and `[^]` matches any character: a `]` right after
            // `[` closes the class, it is not a member.
            while i < s.count && s[i] != "]" {
                var lo: UInt32
                if s[i] == "\\" {
                    let e = try escape(inClass: true)
                    switch e {
                    case .char(let ch): lo = ch.value
                    case .set(let r, false):
                        // `[\d-a]`: a class escape cannot start a range (a SyntaxError with the `u` flag).
                        if i + 1 < s.count && s[i] == "-" && s[i + 1] != "]" { throw SyntaxError(message: "a range in [] cannot start at a class escape") }
                        ranges += r
                        continue
                    default: throw SyntaxError(message: "negated escapes inside [] are not supported")
                    }
                } else {
                    lo = s[i].value
                    i += 1
                }
                if i + 1 < s.count && s[i] == "-" && s[i + 1] != "]" {
                    i += 1
                    let hi: UInt32
                    if s[i] == "\\" {
                        guard case .char(let ch) = try escape(inClass: true) else { throw SyntaxError(message: "a range in [] cannot end at a class escape") }
                        hi = ch.value
                    } else {
                        hi = s[i].value
                        i += 1
                    }
                    guard lo <= hi else { throw SyntaxError(message: "range out of order in []") }
                    ranges.append(lo...hi)
                } else {
                    ranges.append(lo...lo)
                }
            }
            guard i < s.count else { throw SyntaxError(message: "unclosed '[' in pattern") }
            i += 1
            return .set(ranges, negated: negated)
        }
    }

    /// True when the pattern matches somewhere in `text`. ASCII text (codes, dates, numbers: most values) is
    /// matched on its bytes in place; other text on its Unicode scalars.
    public func matches(_ text: String) -> Bool {
        let a = automaton
        if let dfa = a.dfa, !text.isEmpty {
            var s = text
            // The DFA decides in the one pass over the bytes, unless it meets one that is not ASCII first.
            if let decided = s.withUTF8({ dfa.matches($0) }) { return decided }
        }
        return a.matches(scalars: Array(text.unicodeScalars))
    }

    /// The backtracking matcher the automaton replaced (exponential time on nested repetition, and a recursion as
    /// deep as a repetition is long): kept to check the automaton against (`RegexTests`).
    func backtrackingMatches(_ text: String) -> Bool {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            var s = text
            return s.withUTF8 { run(ASCIIText(bytes: $0)) }
        }
        return run(ScalarText(scalars: Array(text.unicodeScalars)))
    }

    func run<T: MatchText>(_ t: T) -> Bool {
        for start in 0...t.count {
            if SchemaRegex.matchAlts(root, t, start, { _ in true }) { return true }
            if anchored { break }
        }
        return false
    }

    static func matchAlts<T: MatchText>(_ alts: [[Node]], _ t: T, _ i: Int, _ k: (Int) -> Bool) -> Bool {
        for seq in alts where matchSeq(seq[...], t, i, k) { return true }
        return false
    }

    static func matchSeq<T: MatchText>(_ seq: ArraySlice<Node>, _ t: T, _ i: Int, _ k: (Int) -> Bool) -> Bool {
        guard let first = seq.first else { return k(i) }
        let rest = seq.dropFirst()
        return matchNode(first, t, i) { j in matchSeq(rest, t, j, k) }
    }

    static func single(_ n: Node, _ c: UInt32) -> Bool {
        switch n {
        case .char(let x): return x.value == c
        case .any: return c != 0x0A && c != 0x0D && c != 0x2028 && c != 0x2029  // ECMA-262's line terminators
        case .set(let r, let neg): return r.contains(where: { $0.contains(c) }) != neg
        default: return false
        }
    }

    static func matchNode<T: MatchText>(_ n: Node, _ t: T, _ i: Int, _ k: (Int) -> Bool) -> Bool {
        switch n {
        case .char, .any, .set: return i < t.count && single(n, t[i]) && k(i + 1)
        case .start: return i == 0 && k(i)
        case .end: return i == t.count && k(i)
        case .group(let alts): return matchAlts(alts, t, i, k)
        case .rep(let inner, let lo, let hi):
            switch inner {
            case .char, .any, .set:
                // Greedy over single characters without recursion depth per repetition.
                var n = 0
                while (hi < 0 || n < hi) && i + n < t.count && single(inner, t[i + n]) { n += 1 }
                if n < lo { return false }
                var m = n
                while m >= lo {
                    if k(i + m) { return true }
                    m -= 1
                }
                return false
            default:
                return rep(inner, lo, hi, 0, t, i, k)
            }
        }
    }

    /// ECMA-262's RepeatMatcher: an iteration that matches nothing ends the loop only once the minimum is reached
    /// (`(?:a|b*){1,}` matches the empty text: its one required iteration may be empty).
    static func rep<T: MatchText>(_ n: Node, _ lo: Int, _ hi: Int, _ count: Int, _ t: T, _ i: Int, _ k: (Int) -> Bool) -> Bool {
        if hi < 0 || count < hi {
            if matchNode(n, t, i, { j in (j != i || count < lo) && rep(n, lo, hi, count + 1, t, j, k) }) { return true }
        }
        return count >= lo && k(i)
    }
}

/// The text a pattern runs over, as Unicode scalar values by position.
protocol MatchText {
    var count: Int { get }
    subscript(_ i: Int) -> UInt32 { get }
}

/// ASCII text, read in place: a byte is its scalar.
struct ASCIIText: MatchText {
    let bytes: UnsafeBufferPointer<UInt8>
    var count: Int { bytes.count }
    subscript(_ i: Int) -> UInt32 { UInt32(bytes[i]) }
}

struct ScalarText: MatchText {
    let scalars: [Unicode.Scalar]
    var count: Int { scalars.count }
    subscript(_ i: Int) -> UInt32 { scalars[i].value }
}
