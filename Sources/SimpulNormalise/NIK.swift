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

    public static func read(_ raw: String) -> Reading {
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
            case 0x20, 0x2E, 0x2D, 0x09, 0x27:  // space . - tab ' (spreadsheet text prefix)
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
        let d = Array(nik.utf8)
        guard d.count == 16, d.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        func num(_ a: Int, _ n: Int) -> Int { (a..<(a + n)).reduce(0) { $0 * 10 + Int(d[$1] - 0x30) } }
        let s = String(decoding: d, as: UTF8.self)
        let chars = Array(s)
        var day = num(6, 2)
        let female = day > 40
        if female { day -= 40 }
        let month = num(8, 2)
        var problems: [String] = []
        if day < 1 || day > 31 { problems.append("birth day out of range") }
        if month < 1 || month > 12 { problems.append("birth month out of range") }
        if num(12, 4) == 0 { problems.append("serial 0000") }
        if num(0, 2) < 11 { problems.append("province code below 11") }
        return Decoded(
            kodeKecamatan: "\(String(chars[0..<2])).\(String(chars[2..<4])).\(String(chars[4..<6]))",
            birthDay: day, birthMonth: month, birthYear2: num(10, 2), female: female,
            serial: String(chars[12..<16]), problems: problems)
    }
}
