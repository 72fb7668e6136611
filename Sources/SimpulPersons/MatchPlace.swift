/// Addresses and birthplaces in the forms matching compares them: what a clerk's spelling changes and what it
/// does not. SIAK's `ALAMAT` and SiCantik's `alamat_pemohon` are the same street written by two offices
/// (`JL. PANJAITAN NO. 12` against `Jalan Panjaitan No.12, RT 002/RW 001`); `TMPT_LHR` and `tempat_lahir_pemohon` the
/// same town (`GORONTALO` against `Kota Gorontalo`).
enum MatchPlace {
    /// Words that name the same thing in other spellings, by their canonical word.
    static let addressWords: [String: String] = [
        "JALAN": "JL", "JLN": "JL", "JL": "JL", "GANG": "GG", "GG": "GG", "LORONG": "LR", "LR": "LR",
        "KOMPLEKS": "KOMP", "KOMPLEK": "KOMP", "KOMP": "KOMP", "PERUMAHAN": "PERUM", "PERUM": "PERUM",
        "DUSUN": "DSN", "DSN": "DSN", "BLOK": "BLOK", "BLK": "BLOK",
        "KELURAHAN": "KEL", "KEL": "KEL", "DESA": "DS", "DS": "DS", "KECAMATAN": "KEC", "KEC": "KEC",
    ]
    /// Words that say nothing of their own: a number's label.
    static let addressNoise: Set<String> = ["NO", "NOMOR", "NMR", "NOMER"]

    /// An address as words: upper case, split at anything but letters and digits and where letters meet digits
    /// (`NO.12`, `RT002`), labels dropped (`NO`), spellings of one word made one (`JALAN` → `JL`), numbers without
    /// leading zeros, and RT and RW with their numbers left out (SIAK keeps them in columns of their own, so its
    /// `ALAMAT` never has them; a permit's address often does). Empty when nothing is left.
    static func addressTokens(_ s: String) -> [String] {
        var words: [String] = []
        words.reserveCapacity(8)
        var cur: [UInt8] = []
        var curDigits = false
        func flush() {
            guard !cur.isEmpty else { return }
            if curDigits {
                while cur.count > 1, cur.first == 0x30 { cur.removeFirst() }
            }
            let w = String(decoding: cur, as: UTF8.self)
            cur.removeAll(keepingCapacity: true)
            if addressNoise.contains(w) { return }
            words.append(addressWords[w] ?? w)
        }
        for var b in s.utf8 {
            if b >= 0x61 && b <= 0x7A { b -= 0x20 }
            let digit = b >= 0x30 && b <= 0x39, letter = (b >= 0x41 && b <= 0x5A) || b >= 0x80
            if !digit && !letter { flush(); continue }
            if !cur.isEmpty && digit != curDigits { flush() }
            curDigits = digit
            cur.append(b)
        }
        flush()
        // RT 2, RW 1 (and `RT/RW 2/1`): the number after each left out with it.
        guard words.contains(where: { $0 == "RT" || $0 == "RW" }) else { return words }
        var out: [String] = []
        var i = 0
        while i < words.count {
            let w = words[i]
            if w == "RT" || w == "RW" {
                i += 1
                while i < words.count, words[i] == "RW" || words[i] == "RT" { i += 1 }
                while i < words.count, words[i].utf8.first.map({ $0 >= 0x30 && $0 <= 0x39 }) == true { i += 1 }
                continue
            }
            out.append(w)
            i += 1
        }
        return out
    }

    /// A birthplace as one word run: upper-case letters, `KOTA`, `KAB`, `KABUPATEN` dropped (`Kota Gorontalo` and
    /// `GORONTALO` are one town). nil when nothing is left.
    static func birthplace(_ s: String) -> String? {
        var words: [String] = []
        var cur: [UInt8] = []
        func flush() {
            guard !cur.isEmpty else { return }
            let w = String(decoding: cur, as: UTF8.self)
            cur.removeAll(keepingCapacity: true)
            if w != "KOTA" && w != "KAB" && w != "KABUPATEN" { words.append(w) }
        }
        for var b in s.utf8 {
            if b >= 0x61 && b <= 0x7A { b -= 0x20 }
            if (b >= 0x41 && b <= 0x5A) || b >= 0x80 { cur.append(b) } else { flush() }
        }
        flush()
        return words.isEmpty ? nil : words.joined(separator: " ")
    }

    /// An address in the forms ``address(_:_:)`` compares, worked out once (a person is compared with many mentions).
    struct Address: Sendable, Equatable {
        let tokens: [String]
        /// The number words, in order, and the other words joined by spaces.
        let numbers: [String]
        let street: String

        init(_ tokens: [String]) {
            self.tokens = tokens
            func isNumber(_ w: String) -> Bool { w.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
            numbers = tokens.filter(isNumber)
            street = tokens.filter { !isNumber($0) }.joined(separator: " ")
        }
    }

    /// An address's level: `exact` (the same words), `similar` (one a start of the other, two words at least and a
    /// number among them: a permit that adds the village; or the same numbers and streets a typo or two apart), or
    /// `disagree`.
    static func address(_ a: Address, _ b: Address) -> Int {
        if a.tokens == b.tokens { return 0 }
        let (short, long) = a.tokens.count <= b.tokens.count ? (a, b) : (b, a)
        if short.tokens.count >= 2, !short.numbers.isEmpty, long.tokens.starts(with: short.tokens) { return 1 }
        if !a.numbers.isEmpty, a.numbers == b.numbers, a.street.utf8.count >= 4, MatchName.jaroWinkler(a.street, b.street) >= 0.92 { return 1 }
        return 2
    }

    /// A birthplace's level: `exact`, `similar` (a typo apart, or Jaro–Winkler ≥ 0.92), or `disagree`.
    static func birthplace(_ a: String, _ b: String) -> Int {
        if a == b { return 0 }
        if min(a.utf8.count, b.utf8.count) >= 4, Compare.oneEditApart(a, b) || MatchName.jaroWinkler(a, b) >= 0.92 { return 1 }
        return 2
    }
}
