/// NIK (Nomor Induk Kependudukan): 16 digits `PPKKCC DDMMYY SSSS`.
///
/// Ingest only decides whether the text *is* a NIK (16 digits once spaces, dots and dashes are removed).
/// Whether it is plausible (a real kecamatan, a real date, serial ≠ 0000) is evidence for the person index,
/// not a reason to drop a record: see ``NIK/decode(_:)``.
public enum NIK {
    /// The outcome of reading NIK text from a source.
    public enum Reading: Sendable, Equatable {
        case valid(String)
        case empty
        /// Spreadsheet scientific notation (`7.57101E+15`): digits were lost, it cannot be a NIK.
        case scientificNotation
        case containsLetter
        case wrongLength(Int)

        /// Machine-readable status, stored beside the field as `<field>_status`.
        public var status: String {
            switch self {
            case .valid: return "valid"
            case .empty: return "kosong"
            case .scientificNotation: return "notasi_ilmiah"
            case .containsLetter: return "mengandung_huruf"
            case .wrongLength: return "bukan_16_digit"
            }
        }

        public var reason: String {
            switch self {
            case .valid: return "valid"
            case .empty: return "NIK is empty"
            case .scientificNotation: return "NIK is in spreadsheet scientific notation: digits were lost"
            case .containsLetter: return "NIK contains a letter"
            case .wrongLength(let n): return "NIK has \(n) digits, not 16"
            }
        }
    }

    /// What people type inside a NIK that is not part of it: space, dot, dash, tab, and the `'` a spreadsheet puts
    /// in front of a number kept as text.
    static func isSeparator(_ b: UInt8) -> Bool { b == 0x20 || b == 0x2E || b == 0x2D || b == 0x09 || b == 0x27 }

    /// The NIKs written in a text (a dead letter's raw row): runs of digit groups joined by one space, dot or dash
    /// (as people type them inside a NIK: `7571 0145 0490 0002`, `757101.450490.0002`), and in each run every span of
    /// whole groups that holds exactly 16 digits, in the order they appear, once each. So a NIK written next to
    /// another number in free text (`NIK 7571014504900002 1 orang`) is found, and a longer number is not a NIK. A tab
    /// ends a run: it separates fields (TSV), not a NIK's groups. A family-card number or a parent's NIK in the row is
    /// found too: the row is their data as well.
    public static func written(in text: [UInt8]) -> [String] {
        var out: [String] = []
        var groups: [Range<Int>] = []
        var start = -1
        func isDigit(_ i: Int) -> Bool { i >= 0 && i < text.count && text[i] >= 0x30 && text[i] <= 0x39 }
        func endRun() {
            for first in groups.indices {
                var total = 0
                for last in first..<groups.count {
                    total += groups[last].count
                    guard total >= 16 else { continue }
                    if total == 16 {
                        let nik = String(decoding: groups[first...last].flatMap { text[$0] }, as: UTF8.self)
                        if !out.contains(nik) { out.append(nik) }
                    }
                    break
                }
            }
            groups.removeAll(keepingCapacity: true)
        }
        var i = 0
        while i <= text.count {
            if isDigit(i) {
                if start < 0 { start = i }
            } else {
                if start >= 0 { groups.append(start..<i) }
                start = -1
                // One space, dot or dash between two digit groups keeps the run going; anything else ends it.
                let joins = i < text.count && (text[i] == 0x20 || text[i] == 0x2E || text[i] == 0x2D) && isDigit(i - 1) && isDigit(i + 1)
                if !joins { endRun() }
            }
            i += 1
        }
        return out
    }

    public static func read(_ raw: String) -> Reading {
        if let r = floatWritten(raw) { return r }
        var digits: [UInt8] = []
        digits.reserveCapacity(16)
        var sawLetter = false
        var sawE = false
        var nonSpace = 0
        for b in raw.utf8 {
            switch b {
            case 0x30...0x39:
                digits.append(b)
                nonSpace += 1
            case _ where isSeparator(b):
                continue
            case 0x2B where sawE:  // the + of E+15
                nonSpace += 1
            case 0x45, 0x65:
                sawE = true
                sawLetter = true
                nonSpace += 1
            default:
                if b >= 0x80 || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) { sawLetter = true }
                nonSpace += 1
            }
        }
        if nonSpace == 0 { return .empty }
        if sawE && !digits.isEmpty
            && raw.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || [0x2E, 0x2C, 0x2B, 0x45, 0x65, 0x20].contains($0) })
        {
            return .scientificNotation
        }
        if sawLetter { return .containsLetter }
        if digits.count != 16 { return .wrongLength(digits.count) }
        return .valid(String(decoding: digits, as: UTF8.self))
    }

    /// A number that a program held as floating point and wrote back with a fraction of zeros
    /// (`7571014504900002.0`: pandas does this to a column with an empty cell): the whole part's digits, read as
    /// the number they are, so the `.` is not taken for a separator. 16 digits make a NIK only below 2^53, where a
    /// double holds every whole number exactly (every NIK of a province code below 90); above it the last digit may
    /// have been rounded, and the text is read as written (17 digits: not a NIK).
    static func floatWritten(_ raw: String) -> Reading? {
        let u = raw.utf8
        guard u.count >= 3, u.last == 0x30 else { return nil }
        var digits = 0
        var value = 0
        var seenDot = false
        for b in u {
            if b == 0x2E {
                if seenDot || digits == 0 { return nil }
                seenDot = true
            } else if b >= 0x30 && b <= 0x39 {
                if seenDot {
                    if b != 0x30 { return nil }
                } else {
                    digits += 1
                    if digits > 16 { return nil }
                    value = value * 10 + Int(b - 0x30)
                }
            } else {
                return nil
            }
        }
        guard seenDot else { return nil }
        if digits != 16 { return .wrongLength(digits) }
        return value < 1 << 53 ? .valid(String(decoding: u.prefix(16), as: UTF8.self)) : nil
    }

    /// What a NIK's digits say: issuing kecamatan, birth date and sex. `nil` parts are implausible.
    public struct Decoded: Sendable, Equatable {
        public var kodeKecamatan: String  // "75.71.01"
        public var birthDay: Int
        public var birthMonth: Int
        public var birthYear2: Int
        public var female: Bool
        public var serial: String
        /// Problems with the structure (day out of range, serial 0000), empty when none.
        public var problems: [String]
    }

    public static func decode(_ nik: String) -> Decoded? {
        guard let b = birth(nik) else { return nil }
        let d = Array(nik.utf8)
        func num(_ a: Int, _ n: Int) -> Int { (a..<(a + n)).reduce(0) { $0 * 10 + Int(d[$1] - 0x30) } }
        var problems: [String] = []
        if b.day < 1 || b.day > 31 { problems.append("birth day out of range") }
        if b.month < 1 || b.month > 12 { problems.append("birth month out of range") }
        if num(12, 4) == 0 { problems.append("serial 0000") }
        if num(0, 2) < 11 { problems.append("province code below 11") }
        func digits(_ r: Range<Int>) -> String { String(decoding: d[r], as: UTF8.self) }
        return Decoded(
            kodeKecamatan: digits(0..<2) + "." + digits(2..<4) + "." + digits(4..<6),
            birthDay: b.day, birthMonth: b.month, birthYear2: b.year2, female: b.female,
            serial: digits(12..<16), problems: problems)
    }

    /// Whether the text is 16 ASCII digits: a NIK as the API, the CLI and the audit log name one (any other shape, a
    /// digit of another script included, is not).
    public static func isSixteenDigits(_ s: String) -> Bool { s.utf8.count == 16 && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }

    /// Only the birth digits of a NIK of 16 digits: day (40 taken off for a woman), month, two-digit year, sex;
    /// not checked for range. Without allocating: the person index reads them for every candidate it compares.
    public static func birth(_ nik: String) -> (day: Int, month: Int, year2: Int, female: Bool)? {
        var out: (day: Int, month: Int, year2: Int, female: Bool)? = nil
        var n = nik
        n.withUTF8 { d in
            guard d.count == 16, d.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return }
            func two(_ a: Int) -> Int { Int(d[a] - 0x30) * 10 + Int(d[a + 1] - 0x30) }
            let day = two(6)
            out = (day > 40 ? day - 40 : day, two(8), two(10), day > 40)
        }
        return out
    }
}

// MARK: - What an unusable NIK still tells the person index

extension NIK {
    /// The significant digits a NIK in spreadsheet scientific notation still shows (`7.57101E+15` → `757101`),
    /// when the exponent says it was a 16-digit number; nil otherwise. A spreadsheet rounds the last shown digit
    /// and drops trailing zeros: when five digits are shown, the sixth was a zero (`3.4021E+15` → `340210`).
    public static func scientificDigits(_ raw: String) -> String? {
        var mantissa: [UInt8] = []
        var exponent: [UInt8] = []
        var inExponent = false, sawPoint = false, digitsBeforePoint = 0
        for b in raw.utf8 {
            switch b {
            case 0x30...0x39:
                if inExponent { exponent.append(b) } else {
                    mantissa.append(b)
                    if !sawPoint { digitsBeforePoint += 1 }
                }
            case 0x2E, 0x2C:  // . or , (decimal comma in an Indonesian locale)
                if inExponent || sawPoint { return nil }
                sawPoint = true
            case 0x45, 0x65:
                if inExponent { return nil }
                inExponent = true
            case 0x2B: if !inExponent || !exponent.isEmpty { return nil }
            case 0x20: continue
            default: return nil
            }
        }
        guard inExponent, digitsBeforePoint == 1, let first = mantissa.first, first != 0x30, mantissa.count <= 15,
              String(decoding: exponent, as: UTF8.self) == "15" else { return nil }
        if mantissa.count == 5 { mantissa.append(0x30) }
        return String(decoding: mantissa, as: UTF8.self)
    }

    /// Whether `nik`, rounded half up to `digits.count` significant digits as a spreadsheet shows it, gives
    /// exactly `digits`. Trailing zeros a spreadsheet drops (`7.5E+15`) count as given digits only.
    public static func rounds(_ nik: String, to digits: String) -> Bool {
        let n = Array(nik.utf8), d = Array(digits.utf8)
        guard n.count == 16, !d.isEmpty, d.count < 16 else { return false }
        var head = 0, shown = 0
        for i in 0..<d.count {
            head = head * 10 + Int(n[i]) - 0x30
            shown = shown * 10 + Int(d[i]) - 0x30
        }
        if n[d.count] >= 0x35 { head += 1 }
        return head == shown
    }

    /// A NIK with one digit too few or too many (15 or 17 digits once spaces and dots are removed): one dropped or
    /// doubled digit away from a NIK. Nil otherwise. Evidence for matching, never a NIK.
    public static func oneDigitOff(_ raw: String) -> String? {
        var out: [UInt8] = []
        for b in raw.utf8 {
            switch b {
            case 0x30...0x39: out.append(b)
            case _ where isSeparator(b): continue
            default: return nil
            }
        }
        return out.count == 15 || out.count == 17 ? String(decoding: out, as: UTF8.self) : nil
    }

    /// A NIK typed with letters that look like digits (O for 0, I or l for 1, S for 5, B for 8, …), read as those
    /// digits. One other letter stands for a digit nobody can read and becomes `?` (15 known digits still say a
    /// lot). Nil when the length is not 16, or more than one letter is unreadable. Evidence for matching, never a
    /// NIK: the record keeps its `mengandung_huruf` status.
    public static func readingLetters(_ raw: String) -> String? {
        var out: [UInt8] = []
        var changed = false, unreadable = 0
        for b in raw.utf8 {
            let d: UInt8
            switch b {
            case 0x30...0x39: d = b
            case _ where isSeparator(b): continue
            case UInt8(ascii: "O"), UInt8(ascii: "o"), UInt8(ascii: "Q"): d = 0x30
            case UInt8(ascii: "I"), UInt8(ascii: "i"), UInt8(ascii: "l"), UInt8(ascii: "|"): d = 0x31
            case UInt8(ascii: "Z"), UInt8(ascii: "z"): d = 0x32
            case UInt8(ascii: "S"), UInt8(ascii: "s"): d = 0x35
            case UInt8(ascii: "G"), UInt8(ascii: "b"): d = 0x36
            case UInt8(ascii: "B"): d = 0x38
            case UInt8(ascii: "g"), UInt8(ascii: "q"): d = 0x39
            case 0x41...0x5A, 0x61...0x7A:
                unreadable += 1
                d = UInt8(ascii: "?")
            default: return nil
            }
            if d != b { changed = true }
            out.append(d)
        }
        guard changed, out.count == 16, unreadable <= 1 else { return nil }
        return String(decoding: out, as: UTF8.self)
    }
}
