/// A pattern as an automaton, so that matching takes time linear in the text whatever the pattern (the backtracking
/// matcher of ``SchemaRegex`` takes exponential time on patterns such as `^(a+)+$` against `aaaa…b`, and a schema a
/// connector author adds is checked against values any pushing OPD sends).
///
/// A Thompson NFA built from the parsed pattern; for ASCII text (codes, dates, numbers: the values patterns check)
/// a DFA built from it in full when the pattern is compiled (subset construction over the 128 ASCII codes), so a
/// match is one table step per byte and nothing shared changes while workers match at once; other text runs the NFA
/// itself, one set of states per character. Only a yes or no is asked, so the pattern's language is all that
/// counts, and the greedy order of the backtracking matcher does not matter. A pattern whose NFA would pass
/// ``maxStates`` (a `{1000}` of a `{1000}`) is refused when it loads.
struct RegexAutomaton: Sendable {
    enum State: Sendable {
        /// One character the node (`.char`, `.any`, `.set`) accepts, then `next`.
        case char(SchemaRegex.Node, next: Int)
        case split([Int])
        /// `^`: only at the start of the text.
        case atStart(next: Int)
        /// `$`: only at its end.
        case atEnd(next: Int)
        case match
    }

    let states: [State]
    let entry: Int
    /// Whether a match may begin anywhere (the pattern is not anchored): the entry is taken again at every position.
    let search: Bool
    /// Whether the empty text matches (where the start is also the end, `$^` included).
    let matchesEmpty: Bool
    let dfa: DFA?

    /// Most NFA states a pattern may have (a larger one is refused at load: "pattern too large"), and DFA states
    /// before it runs its NFA on ASCII text too.
    static let maxStates = 100_000
    static let maxDFAStates = 1024

    init?(_ root: [[SchemaRegex.Node]], anchored: Bool) {
        var b = Builder()
        guard let entry = b.alternatives(root, next: b.add(.match)), b.states.count <= Self.maxStates else { return nil }
        states = b.states
        self.entry = entry
        search = !anchored
        matchesEmpty = Self.hasMatch(states, Self.closure(states, [entry], atStart: true, atEnd: true, Marks(states.count)))
        dfa = DFA(states: states, entry: entry, search: search)
    }

    struct Builder {
        var states: [State] = []
        var tooLarge: Bool { states.count > RegexAutomaton.maxStates }

        mutating func add(_ s: State) -> Int {
            states.append(s)
            return states.count - 1
        }

        /// The states of `alts`, leading to `next`; nil once the automaton is too large.
        mutating func alternatives(_ alts: [[SchemaRegex.Node]], next: Int) -> Int? {
            if alts.count == 1 { return sequence(alts[0], next: next) }
            var outs: [Int] = []
            for a in alts {
                guard let s = sequence(a, next: next) else { return nil }
                outs.append(s)
            }
            return add(.split(outs))
        }

        mutating func sequence(_ seq: [SchemaRegex.Node], next: Int) -> Int? {
            var n = next
            for node in seq.reversed() {
                guard let s = self.node(node, next: n) else { return nil }
                n = s
            }
            return n
        }

        mutating func node(_ node: SchemaRegex.Node, next: Int) -> Int? {
            if tooLarge { return nil }
            switch node {
            case .char, .any, .set: return add(.char(node, next: next))
            case .start: return add(.atStart(next: next))
            case .end: return add(.atEnd(next: next))
            case .group(let alts): return alternatives(alts, next: next)
            case .rep(let inner, let lo, let hi):
                var n = next
                if hi < 0 {
                    // A loop: a split to the body (which leads back to the split) or on.
                    let loop = add(.split([]))
                    guard let body = self.node(inner, next: loop) else { return nil }
                    states[loop] = .split([body, next])
                    n = loop
                } else {
                    // Each optional copy leads on, or to one more copy.
                    for _ in 0..<max(0, hi - lo) {
                        guard let body = self.node(inner, next: n) else { return nil }
                        n = add(.split([body, next]))
                    }
                }
                for _ in 0..<lo {
                    guard let body = self.node(inner, next: n) else { return nil }
                    n = body
                }
                return n
            }
        }
    }

    /// A closure's scratch space, sized for the automaton and used again by every closure: the states it has reached
    /// and kept are marked with its stamp (a closure takes the next one, so marking costs what it reaches, not the
    /// automaton's size: building the DFA of a large pattern computes thousands of closures), and a state is pushed
    /// on its stack, and kept, at most once.
    final class Marks {
        var stamp = 0
        let reached: UnsafeMutablePointer<Int>
        let kept: UnsafeMutablePointer<Int>
        let stack: UnsafeMutablePointer<Int>
        let out: UnsafeMutablePointer<Int>

        init(_ count: Int) {
            let n = max(count, 1)
            reached = .allocate(capacity: n)
            reached.initialize(repeating: 0, count: n)
            kept = .allocate(capacity: n)
            kept.initialize(repeating: 0, count: n)
            stack = .allocate(capacity: n)
            out = .allocate(capacity: n)
        }

        deinit {
            reached.deallocate()
            kept.deallocate()
            stack.deallocate()
            out.deallocate()
        }
    }

    /// The states reachable from `from` without reading a character: through splits, `^` where `atStart`, `$`
    /// where `atEnd`. A `$` not passed stays in the set (the text may end there). Sorted: a DFA state's key.
    static func closure(_ states: [State], _ from: [Int], atStart: Bool, atEnd: Bool, _ m: Marks) -> [Int] {
        m.stamp += 1
        let stamp = m.stamp
        let reached = m.reached, kept = m.kept, stack = m.stack, out = m.out
        var top = 0, count = 0
        for s in from where reached[s] != stamp {
            reached[s] = stamp
            stack[top] = s
            top += 1
        }
        while top > 0 {
            top -= 1
            let s = stack[top]
            var next = -1, next2 = -1
            switch states[s] {
            case .split(let outs):
                if outs.count == 2 {
                    next = outs[0]
                    next2 = outs[1]
                } else {
                    for o in outs where reached[o] != stamp {
                        reached[o] = stamp
                        stack[top] = o
                        top += 1
                    }
                }
            case .atStart(let n): if atStart { next = n }
            case .atEnd(let n):
                if atEnd { next = n } else {
                    out[count] = s
                    count += 1
                }
            case .char, .match:
                out[count] = s
                count += 1
            }
            if next >= 0, reached[next] != stamp {
                reached[next] = stamp
                stack[top] = next
                top += 1
            }
            if next2 >= 0, reached[next2] != stamp {
                reached[next2] = stamp
                stack[top] = next2
                top += 1
            }
        }
        return sortedSet(out, count, kept, stamp)
    }

    /// The `count` states at `out` in order: sorted in place when few, else read off their marks when they lie close
    /// together, else sorted as an array.
    static func sortedSet(_ out: UnsafeMutablePointer<Int>, _ count: Int, _ kept: UnsafeMutablePointer<Int>, _ stamp: Int) -> [Int] {
        if count <= 24 {
            var i = 1
            while i < count {
                let x = out[i]
                var j = i
                while j > 0 && out[j - 1] > x {
                    out[j] = out[j - 1]
                    j -= 1
                }
                out[j] = x
                i += 1
            }
            return Array(UnsafeBufferPointer(start: out, count: count))
        }
        var lowest = out[0], highest = out[0]
        for i in 0..<count {
            kept[out[i]] = stamp
            lowest = min(lowest, out[i])
            highest = max(highest, out[i])
        }
        if highest - lowest < 16 * count {
            var set: [Int] = []
            set.reserveCapacity(count)
            for s in lowest...highest where kept[s] == stamp { set.append(s) }
            return set
        }
        return Array(UnsafeBufferPointer(start: out, count: count)).sorted()
    }

    static func hasMatch(_ states: [State], _ set: [Int]) -> Bool {
        set.contains { if case .match = states[$0] { return true } else { return false } }
    }

    /// Whether the text may end with these states: a match through the `$`s still open.
    static func acceptsAtEnd(_ states: [State], _ set: [Int], _ seen: Marks) -> Bool {
        hasMatch(states, closure(states, set, atStart: false, atEnd: true, seen))
    }

    /// The states after reading `c` from `set` (closed), with the entry again when matches may begin anywhere.
    static func step(_ states: [State], _ set: [Int], _ c: UInt32, entry: Int, search: Bool, _ seen: Marks) -> [Int] {
        var nexts: [Int] = []
        for s in set {
            if case .char(let node, let next) = states[s], SchemaRegex.single(node, c) { nexts.append(next) }
        }
        if search { nexts.append(entry) }
        return closure(states, nexts, atStart: false, atEnd: false, seen)
    }

    /// Runs the NFA over Unicode scalars: one set of states per position.
    func matches(scalars t: [Unicode.Scalar]) -> Bool {
        if t.isEmpty { return matchesEmpty }
        let seen = Marks(states.count)
        var set = Self.closure(states, [entry], atStart: true, atEnd: false, seen)
        for c in t {
            if Self.hasMatch(states, set) { return true }
            set = Self.step(states, set, c.value, entry: entry, search: search, seen)
            if set.isEmpty { return false }
        }
        return Self.hasMatch(states, set) || Self.acceptsAtEnd(states, set, seen)
    }

    /// The automaton's DFA over ASCII: a state per set of NFA states met, its step for each class of ASCII codes
    /// (codes every character state treats alike: digits, `.`, the rest, for most patterns).
    struct DFA: Sendable {
        /// The class of each ASCII code.
        let byteClass: [UInt8]
        let classCount: Int
        /// `next[d * classCount + class]`.
        let next: [Int32]
        /// A match is complete in this state: the text matches whatever follows.
        let matchesNow: [Bool]
        /// The text matches if it ends in this state.
        let matchesAtEnd: [Bool]
        /// The state with no NFA state left: nothing that follows can match.
        let dead: Int32?

        init?(states: [State], entry: Int, search: Bool) {
            // Codes alike for every character state are one class; each character state lists the classes it takes.
            let chars = states.indices.filter { if case .char = states[$0] { return true } else { return false } }
            var classOf: [[Bool]: UInt8] = [:]
            var signatures: [[Bool]] = []
            var byteClass: [UInt8] = []
            for c in 0..<UInt32(128) {
                let signature = chars.map { s -> Bool in
                    if case .char(let node, _) = states[s] { return SchemaRegex.single(node, c) }
                    return false
                }
                if let k = classOf[signature] {
                    byteClass.append(k)
                } else {
                    let k = UInt8(signatures.count)
                    classOf[signature] = k
                    signatures.append(signature)
                    byteClass.append(k)
                }
            }
            let classCount = signatures.count
            var takes = [[Int]](repeating: [], count: states.count)
            for (i, s) in chars.enumerated() {
                for k in 0..<classCount where signatures[k][i] { takes[s].append(k) }
            }
            var ids: [[Int]: Int32] = [:]
            var sets: [[Int]] = []
            func id(_ set: [Int]) -> Int32 {
                if let d = ids[set] { return d }
                let d = Int32(sets.count)
                ids[set] = d
                sets.append(set)
                return d
            }
            let seen = Marks(states.count)
            _ = id(RegexAutomaton.closure(states, [entry], atStart: true, atEnd: false, seen))
            var next: [Int32] = []
            // The states each class leads to from the DFA state being stepped (``RegexAutomaton/step`` for every
            // class in one pass over the set).
            var nexts = [[Int]](repeating: [], count: classCount)
            var d = 0
            while d < sets.count {
                if sets.count > RegexAutomaton.maxDFAStates { return nil }
                for k in 0..<classCount { nexts[k].removeAll(keepingCapacity: true) }
                for s in sets[d] {
                    guard case .char(_, let to) = states[s] else { continue }
                    for k in takes[s] { nexts[k].append(to) }
                }
                for k in 0..<classCount {
                    if search { nexts[k].append(entry) }
                    next.append(id(RegexAutomaton.closure(states, nexts[k], atStart: false, atEnd: false, seen)))
                }
                d += 1
            }
            self.byteClass = byteClass
            self.classCount = classCount
            self.next = next
            matchesNow = sets.map { RegexAutomaton.hasMatch(states, $0) }
            matchesAtEnd = sets.map { RegexAutomaton.hasMatch(states, $0) || RegexAutomaton.acceptsAtEnd(states, $0, seen) }
            dead = ids[[]]
        }

        /// At least one byte (the caller checks). nil when a byte that is not ASCII comes before the answer: the
        /// text is then matched on its scalars. (A match found before it, or a dead state, holds whatever follows.)
        func matches(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
            var d = 0
            for b in bytes {
                if matchesNow[d] { return true }
                if b >= 0x80 { return nil }
                let n = next[d &* classCount &+ Int(byteClass[Int(b)])]
                if n == dead { return false }
                d = Int(n)
            }
            return matchesAtEnd[d]
        }
    }
}
