/// Exact money: an amount in sen (1/100 rupiah), read from text or JSON number literals and written as decimal text
/// (`"1250000.00"`). Binary floating point is never involved. One amount is at most `Int64.max` sen (about 92
/// quadrillion rupiah); sums are held in 128 bits, so no total of amounts a hub can store overflows (a sum of two
/// absurd amounts trapped and took the process with it, until 2026-11-27).
public struct Money: Sendable, Equatable, Comparable, Hashable, CustomStringConvertible {
    public var sen: Int128
    public init(sen: Int128) { self.sen = sen }

    public static func < (a: Money, b: Money) -> Bool { a.sen < b.sen }
    public static func + (a: Money, b: Money) -> Money { Money(sen: a.sen + b.sen) }
    public static func - (a: Money, b: Money) -> Money { Money(sen: a.sen - b.sen) }
    public static let zero = Money(sen: 0)

    /// Decimal text with two places: `1250000.00`, `-5.10`.
    public var description: String {
        let neg = sen < 0
        let v = neg ? -sen : sen
        let frac = v % 100
        return (neg ? "-" : "") + String(v / 100) + "." + (frac < 10 ? "0" : "") + String(frac)
    }

    /// Which character separates decimals in text input.
    public enum DecimalMark: String, Sendable {
        /// Indonesian: `.` groups thousands, `,` marks decimals (`Rp 1.250.000,00`).
        case comma
        /// `.` marks decimals (SQL Server exports, JSON numbers: `116054631.00`).
        case dot
    }

    /// Reads an amount. `Rp`/`IDR`, spaces and grouping marks are dropped; `(…)` or a leading `-` (before or after
    /// the currency) is negative.
    public static func parse(_ raw: String, decimal: DecimalMark) throws(NormaliseError) -> Money {
        var s = Text.collapse(raw)
        if s.isEmpty { throw NormaliseError("amount is empty") }
        // A dash alone is nil: a spreadsheet's accounting format shows zero as `-` (`Rp -`, `Rp. -`).
        if Self.isDashForZero(s) { return .zero }
        var negative = false
        if s.hasPrefix("(") && s.hasSuffix(")") {
            negative = true
            s = String(s.dropFirst().dropLast())
        }
        // The sign may come before the currency too (`-Rp 5.000`).
        if s.hasPrefix("-") {
            negative.toggle()
            s = String(s.dropFirst()).trimmingCharacters(in: " ")
        }
        s = String(droppingCurrency(s)).trimmingCharacters(in: " ")
        if s.hasPrefix("-") {
            negative.toggle()
            s = String(s.dropFirst())
        } else if s.hasPrefix("+") {
            s = String(s.dropFirst())
        }
        if s.utf8.contains(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            throw NormaliseError("amount is in scientific notation: not exact")
        }
        // The other convention, where the amount cannot be written in this one (see `otherConvention`).
        var decimal = decimal
        if let other = Self.otherConvention(s, decimal) { decimal = other }
        let groupMark: UInt8 = decimal == .comma ? 0x2E : 0x2C
        let decimalMark: UInt8 = decimal == .comma ? 0x2C : 0x2E
        var whole: Int64 = 0
        var frac: [UInt8] = []
        var inFrac = false
        var digits = 0
        // Grouping marks must stand between groups of three digits (`1.250.000`): `1250000000.50` read with `.`
        // grouping is a decimal point in the wrong convention, and taking it for grouping would make the amount a
        // hundred times larger without a word.
        var groups = 0, sinceGroup = 0
        let misplaced = NormaliseError("amount has a misplaced '\(Character(Unicode.Scalar(groupMark)))': groups of three digits expected")
        func groupsEnd() throws(NormaliseError) {
            if groups > 0 && sinceGroup != 3 { throw misplaced }
        }
        var dashes = false  // `Rp 1.250.000,-`: no sen
        for b in s.utf8 {
            switch b {
            case 0x30...0x39:
                if dashes { throw NormaliseError("amount is not a number") }
                digits += 1
                if inFrac {
                    frac.append(b - 0x30)
                } else {
                    sinceGroup += 1
                    let (m, o1) = whole.multipliedReportingOverflow(by: 10)
                    let (a, o2) = m.addingReportingOverflow(Int64(b - 0x30))
                    if o1 || o2 || a > Int64.max / 100 { throw NormaliseError("amount is too large") }
                    whole = a
                }
            case groupMark where !inFrac:
                if groups == 0 ? (sinceGroup == 0 || sinceGroup > 3) : sinceGroup != 3 { throw misplaced }
                groups += 1
                sinceGroup = 0
            case 0x20, 0x27:  // spaces and apostrophes group thousands in some exports
                continue
            case decimalMark where !inFrac:
                try groupsEnd()
                inFrac = true
            case 0x2D where inFrac && frac.isEmpty:
                dashes = true
            default:
                throw NormaliseError("amount is not a number")
            }
        }
        if !inFrac { try groupsEnd() }
        guard digits > 0 else { throw NormaliseError("amount is not a number") }
        if frac.count > 2 && frac[2...].contains(where: { $0 != 0 }) {
            throw NormaliseError("amount has more precision than one sen")
        }
        let sen = Int128(whole) * 100 + Int128(frac.count > 0 ? frac[0] : 0) * 10 + Int128(frac.count > 1 ? frac[1] : 0)
        return Money(sen: negative ? -sen : sen)
    }

    /// The convention `s` can only be written in when it is not `decimal`'s, or nil; the groups of three are still
    /// checked after it:
    /// - a mark that occurs twice groups thousands (`1,250,000` under `,` decimals, `1.250.000` under `.` decimals);
    /// - where both marks occur, the last one is the decimal mark (`1,250,000.50`, `1.250.000,50`);
    /// - the other decimal mark alone, with two digits after it and three or more before (`1250000.00` as APIs send
    ///   decimals as text; `24500000,00` from SIMDA saved in an Indonesian locale), cannot group thousands. Shorter
    ///   shapes (`1.25`, `12.50`) stay ambiguous and are refused.
    static func otherConvention(_ s: String, _ decimal: DecimalMark) -> DecimalMark? {
        let mark: UInt8 = decimal == .comma ? 0x2C : 0x2E  // this convention's decimal mark
        let other: UInt8 = decimal == .comma ? 0x2E : 0x2C
        var marks = 0, others = 0, lastIsOther = false
        var digitsBefore = 0, digitsAfter = 0, onlyDigits = true
        for b in s.utf8 {
            if b == mark {
                marks += 1
                lastIsOther = false
            } else if b == other {
                others += 1
                lastIsOther = true
            } else if b >= 0x30 && b <= 0x39 {
                if others == 0 { digitsBefore += 1 } else { digitsAfter += 1 }
            } else {
                onlyDigits = false
            }
        }
        let flipped: DecimalMark = decimal == .comma ? .dot : .comma
        if marks >= 2 && others == 0 { return flipped }
        if marks >= 1 && others == 1 && lastIsOther { return flipped }
        if marks == 0 && others == 1 && onlyDigits && digitsAfter == 2 && digitsBefore >= 3 { return flipped }
        return nil
    }

    /// The amount after its currency: `Rp`, `Rp.` (the abbreviation's dot, as often written) or `IDR`, any case.
    static func droppingCurrency(_ s: String) -> Substring {
        let b = s.utf8
        func starts(_ p: String) -> Bool {
            b.count >= p.utf8.count && zip(b, p.utf8).allSatisfy { ($0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0) == $1 }
        }
        if starts("RP.") { return s.dropFirst(3) }
        if starts("RP") { return s.dropFirst(2) }
        if starts("IDR") { return s.dropFirst(3) }
        return Substring(s)
    }

    /// `-`, `–`, `--`, `Rp -`, `Rp. –`, `IDR -`: nothing but dashes after the currency.
    static func isDashForZero(_ s: String) -> Bool {
        func dash(_ c: Character) -> Bool { c == "-" || c == "–" || c == "—" }
        // Most amounts have no dash at all: nothing else to look at.
        guard s.contains(where: dash) else { return false }
        let rest = droppingCurrency(s).filter { $0 != " " }
        return !rest.isEmpty && rest.allSatisfy(dash)
    }

    /// Reads a JSON number literal (`1250000`, `1250000.5`, `1.25E+9`) exactly. A JSON number's text is its exact
    /// value, exponent and all (exporters such as Jackson's BigDecimal write `1.25E+9`), unlike scientific notation
    /// in a text field, which a spreadsheet rounded for display and ``parse(_:decimal:)`` refuses.
    public static func parseNumberLiteral(_ literal: String) throws(NormaliseError) -> Money {
        try parse(plainDecimal(literal) ?? literal, decimal: .dot)
    }

    /// A JSON number literal with an exponent written out without it (`1.25E+9` → `1250000000`, `5e-1` → `0.5`);
    /// nil when it has no exponent, or is not such a literal, or its exponent is past ±40 (no amount is that large,
    /// or that small and not zero).
    static func plainDecimal(_ literal: String) -> String? {
        let b = Array(literal.utf8)
        guard let e = b.firstIndex(where: { $0 == 0x65 || $0 == 0x45 }) else { return nil }
        var mantissa = b[..<e], negative = false
        if mantissa.first == 0x2D { negative = true; mantissa = mantissa.dropFirst() }
        let point = mantissa.firstIndex(of: 0x2E)
        let whole = point.map { mantissa[..<$0] } ?? mantissa[...]
        let fraction = point.map { mantissa[($0 + 1)...] } ?? []
        let digits = Array(whole) + Array(fraction)
        guard !whole.isEmpty, !digits.isEmpty, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let exp = Int(String(decoding: b[(e + 1)...], as: UTF8.self)), abs(exp) <= 40 else { return nil }
        let at = whole.count + exp  // where the decimal point falls in `digits`
        var out: [UInt8] = negative ? [0x2D] : []
        if at <= 0 {
            out += [0x30, 0x2E] + Array(repeating: 0x30, count: -at) + digits
        } else if at >= digits.count {
            out += digits + Array(repeating: 0x30, count: at - digits.count)
        } else {
            out += digits[..<at] + [0x2E] + digits[at...]
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
