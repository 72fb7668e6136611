import Foundation
import SimpulNormalise

/// Name handling for matching: abbreviations expanded, titles already split off by the connectors.
enum MatchName {
    /// Common abbreviations of Indonesian (often Arabic-derived) first names.
    static let expansions: [String: String] = [
        "MUH": "MUHAMMAD", "MUH.": "MUHAMMAD", "MOH": "MUHAMMAD", "MOH.": "MUHAMMAD", "MUHD": "MUHAMMAD", "MHD": "MUHAMMAD",
        "MHD.": "MUHAMMAD", "M": "MUHAMMAD", "M.": "MUHAMMAD", "MOHAMMAD": "MUHAMMAD", "MOHAMAD": "MUHAMMAD", "MUHAMAD": "MUHAMMAD",
        "MOCH": "MUHAMMAD", "MOCH.": "MUHAMMAD", "MOCHAMAD": "MUHAMMAD", "MOCHAMMAD": "MUHAMMAD", "AHMAD": "AHMAD", "ACHMAD": "AHMAD",
        "ABD": "ABDUL", "ABD.": "ABDUL", "NUR": "NUR", "NOOR": "NUR",
        "MOHD": "MUHAMMAD", "MOHD.": "MUHAMMAD", "MUCH": "MUHAMMAD", "MUCH.": "MUHAMMAD", "MUCHAMAD": "MUHAMMAD",
        "MUCHAMMAD": "MUHAMMAD", "MOHAMED": "MUHAMMAD", "MOHAMMED": "MUHAMMAD", "MUHAMMED": "MUHAMMAD",
    ]

    /// A word in the spelling before 1972 (Ejaan Republik/Soewandi and Van Ophuijsen, still on older persons' records
    /// and in many family names) in today's (EYD): `SOEHARTO` → `SUHARTO`, `DJOKO` → `JOKO`, `TJAHJONO` → `CAHYONO`,
    /// `JOESOEF` → `YUSUF`, `SJAMSUDIN` → `SYAMSUDIN`, `SANDJAJA` → `SANJAYA`. A word shows the old spelling by OE,
    /// DJ, TJ or SJ; only then is a lone J (the old Y) read as Y and NJ as NY, since today's spelling writes J and NJ
    /// too (`JOKO`, `PANJI`: the old spelling wrote `PANDJI`). nil when the word shows no old spelling (nearly every
    /// word: nothing is copied then).
    static func modernSpelling(_ w: [UInt8]) -> [UInt8]? {
        var old = false
        var i = 0
        while i + 1 < w.count {
            let a = w[i], b = w[i + 1]
            if (a == 0x4F && b == 0x45) || (b == 0x4A && (a == 0x44 || a == 0x54 || a == 0x53)) { old = true; break }
            i += 1
        }
        guard old else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(w.count)
        i = 0
        while i < w.count {
            let a = w[i], b: UInt8 = i + 1 < w.count ? w[i + 1] : 0
            switch (a, b) {
            case (0x4F, 0x45): out.append(0x55); i += 2                 // OE → U
            case (0x44, 0x4A): out.append(0x4A); i += 2                 // DJ → J
            case (0x54, 0x4A): out.append(0x43); i += 2                 // TJ → C
            case (0x53, 0x4A), (0x4E, 0x4A): out += [a, 0x59]; i += 2   // SJ → SY, NJ → NY
            case (0x4A, _): out.append(0x59); i += 1                    // J → Y
            default: out.append(a); i += 1
            }
        }
        return out
    }

    /// Upper-case tokens (split at spaces, commas and dots) with abbreviations expanded, words in the old spelling
    /// in today's (`modernSpelling`), and other punctuation dropped (apostrophes too: `NUR'AINI` is `NURAINI`;
    /// other letters kept). Without `expanding`, the words as written.
    static func tokens(_ name: String, expanding: Bool = true) -> [String] {
        var expanded = false
        return tokens(name, expanding: expanding, expanded: &expanded)
    }

    /// The same, telling whether an abbreviation was expanded or a word respelled (when neither, the tokens as written
    /// are these).
    static func tokens(_ name: String, expanding: Bool, expanded: inout Bool) -> [String] {
        var out: [String] = []
        out.reserveCapacity(4)
        var cur: [UInt8] = []
        // One buffer for every word's letters (a name is matched for every mention and every candidate read).
        var letters: [UInt8] = []
        func flush() {
            guard !cur.isEmpty else { return }
            let t = String(decoding: cur, as: UTF8.self)
            if expanding, let e = expansions[t] {
                out.append(e)
                expanded = true
            } else {
                letters.removeAll(keepingCapacity: true)
                var i = 0
                while i < cur.count {
                    let b = cur[i]
                    // Apostrophes in any form (' ’ ‘ ʼ ´) are dropped: NUR'AINI, NUR’AINI and NURAINI are one name.
                    if b == 0xE2, i + 2 < cur.count, cur[i + 1] == 0x80, cur[i + 2] == 0x98 || cur[i + 2] == 0x99 { i += 3; continue }
                    if (b == 0xCA && i + 1 < cur.count && cur[i + 1] == 0xBC) || (b == 0xC2 && i + 1 < cur.count && cur[i + 1] == 0xB4) { i += 2; continue }
                    if (b >= 0x41 && b <= 0x5A) || b >= 0x80 { letters.append(b) }
                    i += 1
                }
                if expanding, let modern = modernSpelling(letters) {
                    out.append(String(decoding: modern, as: UTF8.self))
                    expanded = true
                } else if !letters.isEmpty {
                    out.append(String(decoding: letters, as: UTF8.self))
                }
            }
            cur.removeAll(keepingCapacity: true)
        }
        for b in name.utf8 {
            // Space, comma, tab, and a dot that ends an abbreviation glued to the next word (`MUH.RIZAL`).
            if b == 0x20 || b == 0x2C || b == 0x09 || b == 0x2E { flush(); continue }
            cur.append(b >= 0x61 && b <= 0x7A ? b - 0x20 : b)
        }
        flush()
        // `ST.` leading a name is SITI (`ST. AMINAH`); elsewhere ST is the title Sarjana Teknik, which the connectors
        // split off, or a name of its own.
        if expanding, out.count >= 2, out[0] == "ST" {
            out[0] = "SITI"
            expanded = true
        }
        return out
    }

    static func canonical(_ name: String) -> String { tokens(name).joined(separator: " ") }

    /// A name in the forms ``Compare/name(_:_:)`` compares, worked out once.
    struct Form: Sendable, Equatable {
        let raw: String
        /// Abbreviations expanded, the old spelling respelled.
        let tokens: [String]
        /// As written (abbreviations and old spellings kept).
        let written: [String]
        /// The tokens joined by spaces.
        let canonical: String
        /// The letters of the tokens: two names with the same words in another order, or a word split or joined,
        /// have as many.
        let letterCount: Int

        init(_ raw: String) {
            self.raw = raw
            var expanded = false
            tokens = MatchName.tokens(raw, expanding: true, expanded: &expanded)
            written = expanded ? MatchName.tokens(raw, expanding: false) : tokens
            canonical = tokens.joined(separator: " ")
            letterCount = tokens.reduce(0) { $0 + $1.utf8.count }
        }
    }

    /// A phonetic key for blocking: first letter, then consonant classes without vowels and repeats, per token,
    /// on the first two tokens (spelling variants such as SITI/SYTI, RAHMAN/RACHMAN share it).
    static func phonetic(_ name: String) -> String {
        var out: [UInt8] = []
        for (n, token) in tokens(name).prefix(2).enumerated() {
            if n > 0 { out.append(0x2D) }
            // Old and variant spellings first: CH, KH → K; SY → S; DJ → J; TJ → C; OE → U; PH → F; DH → D; TH → T.
            let t = Array(token.utf8)
            var u: [UInt8] = []
            var i = 0
            while i < t.count {
                let a = t[i], b: UInt8 = i + 1 < t.count ? t[i + 1] : 0
                var r: UInt8? = nil
                switch (a, b) {
                case (0x43, 0x48), (0x4B, 0x48): r = 0x4B
                case (0x53, 0x59): r = 0x53
                case (0x44, 0x4A): r = 0x4A
                case (0x54, 0x4A): r = 0x43
                case (0x4F, 0x45): r = 0x55
                case (0x50, 0x48): r = 0x46
                case (0x44, 0x48): r = 0x44
                case (0x54, 0x48): r = 0x54
                default: break
                }
                if let r { u.append(r); i += 2 } else { u.append(a); i += 1 }
            }
            var last: UInt8 = 0
            for (k, c) in u.enumerated() {
                let cls: UInt8
                switch c {
                case 0x41, 0x45, 0x49, 0x4F, 0x55, 0x59, 0x48, 0x57, 0x27: cls = k == 0 ? 0x41 : 0
                case 0x42, 0x50, 0x46, 0x56: cls = 0x42
                case 0x43, 0x4B, 0x51, 0x47, 0x58: cls = 0x4B
                case 0x44, 0x54: cls = 0x44
                case 0x4A, 0x5A, 0x53: cls = 0x53
                case 0x4C: cls = 0x4C
                case 0x4D, 0x4E: cls = 0x4D
                case 0x52: cls = 0x52
                default: cls = 0
                }
                if cls != 0 && cls != last { out.append(cls) }
                last = cls
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One name word a typo away from another (words of four letters or more; shorter words are too easily
    /// another name).
    static func oneEditApart(_ a: String, _ b: String) -> Bool {
        min(a.utf8.count, b.utf8.count) >= 4 && Compare.oneEditApart(a, b)
    }

    /// Jaro–Winkler similarity in 0…1. On the strings' bytes in place, its match flags on the stack: matching
    /// computes it for most candidates whose names differ.
    static func jaroWinkler(_ a: String, _ b: String) -> Double {
        var a = a, b = b
        return a.withUTF8 { x in b.withUTF8 { y in jaroWinkler(x, y) } }
    }

    static func jaroWinkler(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Double {
        if x.isEmpty || y.isEmpty { return x.count == y.count ? 1 : 0 }
        if x.elementsEqual(y) { return 1 }
        let window = max(0, max(x.count, y.count) / 2 - 1)
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: x.count + y.count) { flags in
            flags.initialize(repeating: false)
            var matches = 0
            for i in 0..<x.count {
                let lo = max(0, i - window), hi = min(y.count - 1, i + window)
                if lo > hi { continue }
                for j in lo...hi where !flags[x.count + j] && x[i] == y[j] {
                    flags[i] = true
                    flags[x.count + j] = true
                    matches += 1
                    break
                }
            }
            if matches == 0 { return 0 }
            var t = 0, k = 0
            for i in 0..<x.count where flags[i] {
                while !flags[x.count + k] { k += 1 }
                if x[i] != y[k] { t += 1 }
                k += 1
            }
            let m = Double(matches)
            let jaro = (m / Double(x.count) + m / Double(y.count) + (m - Double(t / 2)) / m) / 3
            var prefix = 0
            while prefix < min(4, x.count, y.count) && x[prefix] == y[prefix] { prefix += 1 }
            return jaro + Double(prefix) * 0.1 * (1 - jaro)
        }
    }
}

/// The compared fields and their agreement levels (Fellegi–Sunter comparison vector).
enum Field: String, CaseIterable, Sendable {
    case nama, tanggal_lahir, nik, kode_wilayah, jenis_kelamin
    /// The region digits a NIK in scientific notation still shows, against the other side's NIK.
    case wilayah_nik
    /// The street address (`MatchPlace`) and the birthplace: what a registry row and a permit application both
    /// record beside the name (since 2026-11-28).
    case alamat, tempat_lahir

    /// The fields in the order of their names: the order a match weight is summed in (explanations list them so).
    static let inNameOrder = allCases.sorted { $0.rawValue < $1.rawValue }

    /// The field's place in a ``Comparison`` and in a model's weight table.
    var slot: Int {
        switch self {
        case .nama: 0
        case .tanggal_lahir: 1
        case .nik: 2
        case .kode_wilayah: 3
        case .jenis_kelamin: 4
        case .wilayah_nik: 5
        case .alamat: 6
        case .tempat_lahir: 7
        }
    }

    /// Whether the levels are steps down one scale, each agreeing less than the one before (``MatchModel``).
    var isScale: Bool { self != .nama && self != .nik }

    /// Level names, best first; the last is "disagree". A missing value on either side is no evidence (weight 0).
    var levels: [String] {
        switch self {
        case .nama: ["exact", "abbreviation", "one_edit", "similar", "subset", "disagree"]
        case .tanggal_lahir: ["exact", "day_month_swapped", "one_part_differs", "disagree"]
        case .nik: ["read_from_letters", "one_typo", "same_region_and_birth", "family_card", "disagree"]
        case .kode_wilayah: ["same_desa", "same_kecamatan", "same_kabupaten", "disagree"]
        case .jenis_kelamin: ["agree", "disagree"]
        case .wilayah_nik: ["same_kecamatan", "same_kabupaten", "disagree"]
        case .alamat: ["exact", "similar", "disagree"]
        case .tempat_lahir: ["exact", "similar", "disagree"]
        }
    }
}

/// A comparison vector: each field's agreement level, or none where a side records nothing (no evidence). Kept in
/// one value of eight bytes: matching builds one for every candidate it scores (a dictionary was an allocation and
/// a hash per field).
struct Comparison: Sequence, ExpressibleByDictionaryLiteral, Equatable, Sendable {
    private var levels = SIMD8<Int8>(repeating: -1)
    private var region: Int8 = -1

    /// Two NIKs one typo apart whose difference the recorded birth dates already tell: they differ outside the birth
    /// digits while the dates agree (a serial or a kecamatan one digit apart, beside the same birth date), or inside
    /// them while the dates differ too. Then the NIK adds no more than its region digits say: their `wilayah_nik`
    /// level, set here (``MatchModel``). nil otherwise.
    var nikAddsOnlyItsRegion: Int? {
        get { region < 0 ? nil : Int(region) }
        set { region = newValue.map { Int8($0) } ?? -1 }
    }

    init() {}

    init(dictionaryLiteral elements: (Field, Int)...) {
        for (f, l) in elements { self[f] = l }
    }

    subscript(_ f: Field) -> Int? {
        get { levels[f.slot] < 0 ? nil : Int(levels[f.slot]) }
        set { levels[f.slot] = newValue.map { Int8($0) } ?? -1 }
    }

    /// The fields with a level, in `Field.allCases` order.
    func makeIterator() -> AnyIterator<(Field, Int)> {
        var i = 0
        return AnyIterator {
            while i < Field.allCases.count {
                let f = Field.allCases[i]
                i += 1
                if let l = self[f] { return (f, l) }
            }
            return nil
        }
    }
}

/// What is compared of a mention or a person.
public struct MatchFacts: Sendable, Equatable {
    public var nama: String? { didSet { name = nama.map(MatchName.Form.init) } }
    /// The name's words, worked out once: a person is compared with many mentions, a mention with many persons.
    private(set) var name: MatchName.Form?
    public var tanggalLahir: String?
    public var nik: String? { didSet { nikBirth = Self.birth(comparableNIK) } }
    public var noKK: String?
    public var kodeWilayah: String?
    public var jenisKelamin: String?
    /// An unusable NIK read as digits: look-alike letters read (`75O1…` → `7501…`, one unreadable letter as `?`),
    /// or 15 or 17 digits (one dropped or doubled). Compared like a NIK, never one.
    public var nikRead: String? { didSet { nikBirth = Self.birth(comparableNIK) } }
    /// The leading digits a NIK in scientific notation still shows (`7.57101E+15` → `757101`).
    public var nikDigits: String?
    /// The street address and the birthplace as written, and as compared (`MatchPlace`), worked out once; in one
    /// box, so that copying a person's facts (matching does, for every candidate it scores) retains one reference
    /// for them, not six. nil when neither is known.
    private(set) var place: Place?

    final class Place: Sendable, Equatable {
        static func == (a: Place, b: Place) -> Bool { a.alamat == b.alamat && a.tempatLahir == b.tempatLahir }

        let alamat: String?
        let address: MatchPlace.Address?
        let tempatLahir: String?
        let birthplace: String?

        init?(alamat: String?, tempatLahir: String?) {
            guard alamat != nil || tempatLahir != nil else { return nil }
            self.alamat = alamat
            self.tempatLahir = tempatLahir
            address = MatchFacts.address(alamat)
            birthplace = tempatLahir.flatMap(MatchPlace.birthplace)
        }
    }

    public var alamat: String? {
        get { place?.alamat }
        set { place = Place(alamat: newValue, tempatLahir: tempatLahir) }
    }
    public var tempatLahir: String? {
        get { place?.tempatLahir }
        set { place = Place(alamat: alamat, tempatLahir: newValue) }
    }
    var address: MatchPlace.Address? { place?.address }
    var birthplace: String? { place?.birthplace }

    public init(nama: String?, tanggalLahir: String?, nik: String?, noKK: String?, kodeWilayah: String?, jenisKelamin: String?,
                nikRead: String? = nil, nikDigits: String? = nil, alamat: String? = nil, tempatLahir: String? = nil) {
        self.nama = nama
        place = Place(alamat: alamat, tempatLahir: tempatLahir)
        self.tanggalLahir = tanggalLahir
        self.nik = nik
        self.noKK = noKK
        self.kodeWilayah = kodeWilayah
        self.jenisKelamin = jenisKelamin
        self.nikRead = nikRead
        self.nikDigits = nikDigits
        name = nama.map(MatchName.Form.init)
        nikBirth = Self.birth(nik ?? nikRead)
    }

    /// An address's words, when they name more than one thing (a street alone, `JL`, or a lone number says nothing).
    static func address(_ s: String?) -> MatchPlace.Address? {
        guard let s else { return nil }
        let t = MatchPlace.addressTokens(s)
        return t.count >= 2 ? MatchPlace.Address(t) : nil
    }

    /// The NIK to compare: a usable one, else the reading of an unusable one.
    var comparableNIK: String? { nik ?? nikRead }

    /// The birth date and sex the NIK encodes (day, month, two-digit year; 40 added to the day for women), when its
    /// digits are all readable and the day and month are possible.
    /// Decoded once, when the NIK is set.
    private(set) var nikBirth: NIKBirth?

    struct NIKBirth: Sendable, Equatable {
        var day: Int, month: Int, year2: Int, female: Bool
    }

    static func birth(_ nik: String?) -> NIKBirth? {
        guard let n = nik, let d = NIK.birth(n), (1...31).contains(d.day), (1...12).contains(d.month) else { return nil }
        return NIKBirth(day: d.day, month: d.month, year2: d.year2, female: d.female)
    }

    /// The kecamatan (`75.71.01`) the NIK was issued in, when its first six digits are readable.
    var nikKecamatan: String? { comparableNIK.flatMap { Compare.kecamatan(digits: $0.prefix(6)) } }

    /// The birth dates the NIK can stand for (`YYYY-MM-DD`): the two-digit year in the 1900s, and in the 2000s too
    /// when that is not in the future. For blocking a mention that records no birth date.
    var nikBirthDates: [String] {
        guard let b = nikBirth else { return [] }
        let tail = "-" + Compare.two(b.month) + "-" + Compare.two(b.day)
        var out = ["19" + Compare.two(b.year2) + tail]
        if b.year2 <= Compare.currentYear2 { out.append("20" + Compare.two(b.year2) + tail) }
        return out
    }
}

enum Compare {
    /// The agreement level index of each field (nil: no evidence).
    static func vector(_ a: borrowing MatchFacts, _ b: borrowing MatchFacts) -> Comparison {
        var v = Comparison()
        if let x = a.name, let y = b.name { v[.nama] = name(x, y) }
        if let x = a.comparableNIK, let y = b.comparableNIK {
            // Two usable NIKs that are equal are decided by the exact-NIK rule, not scored.
            if x == y { if a.nik == nil || b.nik == nil { v[.nik] = 0 } }
            else if oneEditApart(x, y) { v[.nik] = 1 }
            else if samePrefix(x, y, 12) { v[.nik] = 2 }
            else if x == b.noKK || y == a.noKK { v[.nik] = 3 }
            else { v[.nik] = 4 }
        } else if let x = a.comparableNIK, x == b.noKK {
            v[.nik] = 3
        } else if let y = b.comparableNIK, y == a.noKK {
            v[.nik] = 3
        } else if let k = a.noKK, a.comparableNIK == nil, k == b.noKK {
            // One side known only by its family card (a record whose NIK a member of that family lent it): the other
            // is on the card.
            v[.nik] = 3
        } else if let k = b.noKK, b.comparableNIK == nil, k == a.noKK {
            v[.nik] = 3
        } else if let d = a.nikDigits, let y = b.comparableNIK {
            v[.wilayah_nik] = regionLevel(digits: d, nik: y)
        } else if let d = b.nikDigits, let x = a.comparableNIK {
            v[.wilayah_nik] = regionLevel(digits: d, nik: x)
        }
        // What one side records against what the other side's NIK encodes (birth date, sex, kecamatan): evidence
        // when that side records none, unless the two NIKs already agree (their agreement counts those digits).
        var nikAgrees = false
        if let x = a.comparableNIK, let y = b.comparableNIK { nikAgrees = x == y || (v[.nik] ?? 4) <= 2 }
        // Decoded once each, and only if needed. A family-card number typed for the NIK encodes the card's date of
        // issue, not its holder's birth date or sex.
        lazy var birthA = nikAgrees || (a.comparableNIK != nil && a.comparableNIK == b.noKK) ? nil : a.nikBirth
        lazy var birthB = nikAgrees || (b.comparableNIK != nil && b.comparableNIK == a.noKK) ? nil : b.nikBirth
        if let x = a.tanggalLahir, let y = b.tanggalLahir {
            let level = date(x, y)
            v[.tanggal_lahir] = level
            if v[.nik] == 1, let n = a.comparableNIK, let m = b.comparableNIK, let inBirth = differenceInBirthDigits(n, m), inBirth == (level != 0) {
                v.nikAddsOnlyItsRegion = samePrefix(n, m, 6) ? 0 : samePrefix(n, m, 4) ? 1 : 2
            }
        }
        else if let x = a.tanggalLahir, let d = birthB { v[.tanggal_lahir] = date(x, encoded(d, like: x)) }
        else if let y = b.tanggalLahir, let d = birthA { v[.tanggal_lahir] = date(encoded(d, like: y), y) }
        if let x = a.kodeWilayah, let y = b.kodeWilayah {
            let nx = x.utf8.count, ny = y.utf8.count
            if x == y && nx >= 13 { v[.kode_wilayah] = 0 }
            else if samePrefix(x, y, 8) && nx >= 8 && ny >= 8 { v[.kode_wilayah] = 1 }
            else if samePrefix(x, y, 5) && nx >= 5 && ny >= 5 { v[.kode_wilayah] = 2 }
            else { v[.kode_wilayah] = 3 }
        } else if !nikAgrees, v[.wilayah_nik] == nil {
            let pair = a.kodeWilayah != nil ? (a.kodeWilayah, b.nikKecamatan) : (b.kodeWilayah, a.nikKecamatan)
            if let x = pair.0, let k = pair.1, x.utf8.count >= 8 {
                v[.kode_wilayah] = x.utf8.prefix(8).elementsEqual(k.utf8) ? 1 : samePrefix(x, k, 5) ? 2 : 3
            }
        }
        // A family card names a household at one address: agreeing on the region as well says nothing more, and
        // counting it twice made a relative of the same name look like the person.
        if v[.nik] == 3, let w = v[.kode_wilayah], w < 3 { v[.kode_wilayah] = nil }
        if let p = a.place, let q = b.place {
            if let x = p.address, let y = q.address { v[.alamat] = MatchPlace.address(x, y) }
            if let x = p.birthplace, let y = q.birthplace { v[.tempat_lahir] = MatchPlace.birthplace(x, y) }
        }
        if let x = a.jenisKelamin, let y = b.jenisKelamin { v[.jenis_kelamin] = x == y ? 0 : 1 }
        else if let x = a.jenisKelamin, let d = birthB { v[.jenis_kelamin] = (x == "P") == d.female ? 0 : 1 }
        else if let y = b.jenisKelamin, let d = birthA { v[.jenis_kelamin] = (y == "P") == d.female ? 0 : 1 }
        return v
    }

    static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// Where two sixteen-digit NIKs of the same length differ (a digit changed, or two adjacent swapped): true when
    /// only in the birth digits (7 – 12), false when only outside them, nil when both or neither, or when a digit
    /// was dropped or doubled (lengths differ).
    static func differenceInBirthDigits(_ x: String, _ y: String) -> Bool? {
        let a = Array(x.utf8), b = Array(y.utf8)
        guard a.count == 16, b.count == 16 else { return nil }
        var inside = false, outside = false
        for k in 0..<16 where a[k] != b[k] {
            if (6..<12).contains(k) { inside = true } else { outside = true }
        }
        return inside == outside ? nil : inside
    }

    /// Six digits as a dotted kecamatan code (`757101` → `75.71.01`); nil unless they are six digits.
    static func kecamatan(digits d: some StringProtocol) -> String? {
        let a = Array(d.utf8)
        guard a.count == 6, a.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return String(decoding: a[0..<2], as: UTF8.self) + "." + String(decoding: a[2..<4], as: UTF8.self) + "." + String(decoding: a[4..<6], as: UTF8.self)
    }

    /// The last two digits of this year (a NIK's two-digit birth year above it is in the 1900s).
    static let currentYear2 = Calendar(identifier: .gregorian).component(.year, from: Date()) % 100

    /// A NIK's birth date written like a recorded one (`YYYY-MM-DD`), in the recorded date's century: the NIK
    /// has only two digits of the year.
    static func encoded(_ d: MatchFacts.NIKBirth, like recorded: String) -> String {
        let century = recorded.utf8.count == 10 ? String(recorded.prefix(2)) : "19"
        return century + two(d.year2) + "-" + two(d.month) + "-" + two(d.day)
    }

    /// One edit apart (Damerau–Levenshtein distance 1): a character substituted, inserted or deleted, or two
    /// adjacent characters swapped. For NIKs (a digit mistyped, swapped, dropped or doubled) and name words alike.
    static func oneEditApart(_ a: String, _ b: String) -> Bool {
        guard abs(a.utf8.count - b.utf8.count) <= 1 else { return false }
        var a = a, b = b
        return a.withUTF8 { x in b.withUTF8 { y in
            guard !x.elementsEqual(y) else { return false }
            var i = 0
            while i < min(x.count, y.count) && x[i] == y[i] { i += 1 }
            if x.count == y.count {
                if x[(i + 1)...].elementsEqual(y[(i + 1)...]) { return true }
                return i + 1 < x.count && x[i] == y[i + 1] && x[i + 1] == y[i] && x[(i + 2)...].elementsEqual(y[(i + 2)...])
            }
            let (long, short) = x.count > y.count ? (x, y) : (y, x)
            return long[(i + 1)...].elementsEqual(short[i...])
        } }
    }

    /// Whether two strings' first `n` bytes are equal (the whole strings when shorter): codes and dates, which are
    /// ASCII, without the character-by-character walk of `prefix(_:)`.
    static func samePrefix(_ a: String, _ b: String, _ n: Int) -> Bool {
        a.utf8.prefix(n).elementsEqual(b.utf8.prefix(n))
    }

    /// How the digits shown by a NIK in scientific notation agree with a NIK: all of them (kecamatan, when six are
    /// shown), the first four (kabupaten), or not. Too few digits to place a kabupaten: no evidence.
    static func regionLevel(digits: String, nik: String) -> Int? {
        guard digits.utf8.count >= 4 else { return nil }
        if NIK.rounds(nik, to: digits) { return digits.utf8.count >= 6 ? 0 : 1 }
        return NIK.rounds(nik, to: String(digits.prefix(4))) ? 1 : 2
    }

    /// Given names that lead many names and that people often leave off (after the expansions: `MUH.` is MUHAMMAD).
    static let leadingNames: Set<String> = ["MUHAMMAD", "AHMAD", "ABDUL", "SITI", "NUR", "NURUL"]

    /// The name level of two names that share nothing the levels above describe.
    static let nameDisagrees = 5

    static func name(_ a: String, _ b: String) -> Int { name(MatchName.Form(a), MatchName.Form(b)) }

    static func name(_ a: MatchName.Form, _ b: MatchName.Form) -> Int {
        if a.raw == b.raw { return 0 }
        let ta = a.tokens, tb = b.tokens
        if ta == tb {
            // Only case, spacing or punctuation differ (`NUR'AINI`, `Nur’aini`): the same name. An abbreviation
            // expanded (`MUH.` for `MUHAMMAD`) or a word in the old spelling (`SOEHARTO` for `SUHARTO`) is a level of
            // its own.
            return a.written == b.written ? 0 : 1
        }
        // One word with one typo (a letter changed, added, dropped, or two swapped), the others equal: more
        // specific than a high Jaro–Winkler, so a level of its own (Splink's Damerau–Levenshtein ≤ 1).
        // Also on the words as written: a typo in a surname such as MOHAMAD (`MOHAIAD`) is one edit from the
        // written word, not from its expansion MUHAMMAD.
        if ta.count == tb.count {
            let differing = ta.indices.filter { ta[$0] != tb[$0] }
            if differing.count == 1 {
                let i = differing[0]
                if MatchName.oneEditApart(ta[i], tb[i]) { return 2 }
                let ra = a.written, rb = b.written
                if ra.count == ta.count, rb.count == tb.count, ra[i] != ta[i] || rb[i] != tb[i], MatchName.oneEditApart(ra[i], rb[i]) { return 2 }
            }
        }
        // Other spellings, or the same words in another order (`SARTIKA DEWI` for `DEWI SARTIKA`), or the same
        // letters with a word split or joined (`SRIWAHYUNI` for `SRI WAHYUNI`: that shifts every letter after it and
        // costs Jaro–Winkler more than a typo does, 0.928 here).
        if MatchName.jaroWinkler(a.canonical, b.canonical) >= 0.94
            || (a.letterCount == b.letterCount && ((ta.count == tb.count && ta.count >= 2 && ta.sorted() == tb.sorted()) || ta.joined() == tb.joined())) {
            return 3
        }
        // A dropped name: one name's tokens are a subset of the other's, first tokens equal (a middle name left
        // out); a given name alone; or the shorter name's words, two or more, appear in the longer one in the same
        // order (also a leading name the person does not go by: `RIZAL HASAN` for `MUHAMMAD RIZAL HASAN`).
        if ta.first == tb.first, min(ta.count, tb.count) >= 2, ta.allSatisfy(tb.contains) || tb.allSatisfy(ta.contains) { return 4 }
        let (short, long) = ta.count <= tb.count ? (ta, tb) : (tb, ta)
        // A given name alone, the other name's first word (`FITRIANI` for `FITRIANI MOHAMAD`: a father's name left
        // off); five letters at least (`SITI`, `BUDI` alone say too little).
        if short.count == 1, long.count >= 2, short[0] == long[0], short[0].utf8.count >= 5 { return 4 }
        // A leading MUHAMMAD (AHMAD, ABDUL, SITI, NUR) the person does not go by, one word left (`RIZAL` for
        // `MUHAMMAD RIZAL`): the same as a leading name dropped from a longer name, below.
        if short.count == 1, long.count == 2, leadingNames.contains(long[0]), short[0] == long[1], short[0].utf8.count >= 4 { return 4 }
        if short.count >= 2, short.count < long.count {
            var k = 0
            for t in long where k < short.count && t == short[k] { k += 1 }
            if k == short.count { return 4 }
        }
        if initialsAgree(ta, tb) { return 4 }
        return nameDisagrees
    }

    /// The same words where one name writes some as their initials (`SITI A. HASAN`, `A. RAHMAN` for `SITI AMINAH
    /// HASAN`, `ABDUL RAHMAN`), at least one word of three letters or more written out on both sides: a name with
    /// words left out in all but their first letter, so the level of a dropped name (`subset`). (`M.` is read as
    /// MUHAMMAD before this, as the expansions say.)
    static func initialsAgree(_ a: [String], _ b: [String]) -> Bool {
        guard a.count == b.count, a.count >= 2 else { return false }
        var initials = 0, words = 0
        for (x, y) in zip(a, b) {
            if x == y {
                if x.utf8.count >= 3 { words += 1 }
                continue
            }
            let (i, w) = x.utf8.count <= y.utf8.count ? (x, y) : (y, x)
            guard i.utf8.count == 1, w.utf8.count >= 2, w.utf8.first == i.utf8.first else { return false }
            initials += 1
        }
        return initials > 0 && words > 0
    }

    static func date(_ a: String, _ b: String) -> Int {
        if a == b { return 0 }
        guard a.utf8.count == 10, b.utf8.count == 10 else { return 3 }
        // Year, month and day as numbers from the bytes of YYYY-MM-DD (any byte: equal bytes, equal numbers).
        func parts(_ s: String) -> (Int, Int, Int) {
            var y = 0, m = 0, d = 0
            for (i, c) in s.utf8.enumerated() {
                switch i {
                case 0..<4: y = y << 8 | Int(c)
                case 5, 6: m = m << 8 | Int(c)
                case 8, 9: d = d << 8 | Int(c)
                default: break
                }
            }
            return (y, m, d)
        }
        let (ya, ma, da) = parts(a), (yb, mb, db) = parts(b)
        if ya == yb && ma == db && da == mb { return 1 }
        let same = (ya == yb ? 1 : 0) + (ma == mb ? 1 : 0) + (da == db ? 1 : 0)
        return same == 2 ? 2 : 3
    }
}

/// Fellegi–Sunter weights: for each field and level, m = P(level | same person), u = P(level | different
/// persons); a pair's match weight is the sum of log2(m/u) over the fields with evidence.
public struct MatchModel: Sendable {
    var m: [Field: [Double]] { didSet { weights = Self.table(m, u) } }
    var u: [Field: [Double]] { didSet { weights = Self.table(m, u) } }
    /// log2(m/u) of every field and level, by `Field.slot`: worked out when m or u change, not per candidate.
    private var weights: [[Double]] = []
    /// Where the numbers came from (estimated from the data, or the defaults).
    public var source: [String: String]

    /// Priors for a hub with too little data to estimate from (documented in docs/persons.md).
    static let defaults = MatchModel(
        m: [.nama: [0.80, 0.08, 0.04, 0.02, 0.03, 0.03], .tanggal_lahir: [0.90, 0.03, 0.04, 0.03], .nik: [0.45, 0.45, 0.25, 0.10, 0.05],
            .kode_wilayah: [0.70, 0.15, 0.08, 0.07], .jenis_kelamin: [0.98, 0.02], .wilayah_nik: [0.90, 0.05, 0.05],
            .alamat: [0.50, 0.15, 0.35], .tempat_lahir: [0.80, 0.05, 0.15]],
        u: [.nama: [0.0005, 0.0002, 0.0002, 0.001, 0.002, 0.9961], .tanggal_lahir: [0.00005, 0.00001, 0.002, 0.99794],
            .nik: [0.0000001, 0.000001, 0.0001, 0.00001, 0.999889], .kode_wilayah: [0.001, 0.02, 0.15, 0.829], .jenis_kelamin: [0.5, 0.5],
            .wilayah_nik: [0.05, 0.15, 0.80], .alamat: [0.0005, 0.001, 0.9985], .tempat_lahir: [0.05, 0.01, 0.94]],
        source: ["m": "defaults", "u": "defaults"])

    init(m: [Field: [Double]], u: [Field: [Double]], source: [String: String]) {
        self.m = m
        self.u = u
        self.source = source
        weights = Self.table(m, u)
    }

    /// The weight of each level, with two limits estimated figures can break. A field whose levels are steps down one
    /// scale (a place, a date, a sex) never weighs a step more than the one above it, and no field's `disagree`
    /// weighs more than nothing. Both break where the hub's data leave a level almost unseen among different persons:
    /// in one kabupaten's hub no two sampled persons live in different kabupaten, so u of `kode_wilayah: disagree`
    /// is the smoothing's floor, and the few same-NIK pairs that disagree (an address another source gave) made
    /// living elsewhere worth +9.6, more than living in the same desa. (Names and NIKs vary in kinds, not steps:
    /// an abbreviation is not a lesser exact name, a family card not a lesser one-typo NIK.)
    private static func table(_ m: [Field: [Double]], _ u: [Field: [Double]]) -> [[Double]] {
        Field.allCases.map { f in
            var w = f.levels.indices.map { weight(m, u, f, $0, tfU: nil) }
            if f.isScale {
                for k in w.indices.dropFirst() { w[k] = min(w[k], w[k - 1]) }
            }
            w[w.count - 1] = min(w[w.count - 1], 0)
            return w
        }
    }

    private static func weight(_ m: [Field: [Double]], _ u: [Field: [Double]], _ f: Field, _ level: Int, tfU: Double?) -> Double {
        let mv = max(m[f]?[level] ?? 0.01, 1e-6)
        let uv = max(tfU ?? u[f]?[level] ?? 0.5, 1e-9)
        return log2(mv / uv)
    }

    func weight(_ f: Field, _ level: Int, tfU: Double? = nil) -> Double {
        if tfU == nil, f.slot < weights.count, level < weights[f.slot].count { return weights[f.slot][level] }
        return Self.weight(m, u, f, level, tfU: tfU)
    }

    /// The match weight of a comparison vector, with each field's contribution (for explanations).
    func score(_ v: Comparison, nameFrequency: Double?) -> (Double, [String: FieldWeight]) {
        var total = 0.0
        var parts: [String: FieldWeight] = [:]
        for f in Field.inNameOrder {
            guard let level = v[f] else { continue }
            let w = fieldWeight(f, level, v, nameFrequency)
            total += w
            parts[f.rawValue] = FieldWeight(level: f.levels[level], weight: w)
        }
        return (total, parts)
    }

    /// The match weight alone, summed in the same order as ``score(_:nameFrequency:)`` (so equal to its total to the
    /// last bit): what ranking every candidate needs; the parts are built only for the ones a decision explains.
    func total(_ v: Comparison, nameFrequency: Double?) -> Double {
        var total = 0.0
        for f in Field.inNameOrder {
            if let level = v[f] { total += fieldWeight(f, level, v, nameFrequency) }
        }
        return total
    }

    private func fieldWeight(_ f: Field, _ level: Int, _ v: Comparison, _ nameFrequency: Double?) -> Double {
        // Term frequency: agreeing on a common name says less than agreeing on a rare one.
        let tf = (f == .nama && level == 0) ? nameFrequency : nil
        var w = weight(f, level, tfU: tf)
        // The kecamatan that scientific notation kept, when the addresses already agree on the kecamatan:
        // people mostly live where their NIK was issued, so agreeing is the same fact twice (it had outweighed
        // a name that disagrees outright). Counted relative to agreeing: 0 when it agrees, less when it does
        // not, so it still tells two relatives of one name and village apart.
        // (An agreeing street address stands for the region, below.)
        if f == .wilayah_nik, (v[.kode_wilayah] ?? 3) <= 1 || (v[.alamat] ?? 2) <= 1 { w -= weight(f, 0) }
        // The street address names the place more closely than the region: where both agree, the region says nothing
        // more (as with a family card, counting both made one fact two); and one household has one address, which
        // the family card already said. Dropped here, not from the comparison vector, so that m and u of each field
        // are still estimated from all pairs that record it.
        if f == .kode_wilayah, level < 3, (v[.alamat] ?? 2) <= 1 { w = 0 }
        if f == .alamat, level <= 1, v[.nik] == 3 { w = 0 }
        // Two NIKs sharing their first twelve digits (kecamatan and birth date) but not the serial, when the recorded
        // birth dates already agree: the birth digits are that agreement again, and people born the same day in one
        // kecamatan are many in a kabupaten's population (the whole weight had linked a permit holder whose own NIK
        // nobody held to a registry person of another name, born the same day in the same kecamatan). The NIK then
        // adds what its region digits say, as the kecamatan that scientific notation keeps does.
        if f == .nik, level == 2, v[.tanggal_lahir] == 0 { w = min(w, weight(.wilayah_nik, 0)) }
        // Likewise two NIKs one typo apart whose difference the recorded birth dates tell already (above,
        // ``Comparison/nikAddsOnlyItsRegion``). With serials issued in order, 0001 is most people's serial, so two
        // people born the same day in kecamatan 02 and 20, or in 75.01.10 and 75.03.10, or born in 1950 and 1954
        // in one kecamatan, hold NIKs a digit apart; a typo in the person's own NIK leaves its birth digits
        // disagreeing with the birth date recorded beside it, and keeps the whole weight.
        if f == .nik, level == 1, let r = v.nikAddsOnlyItsRegion { w = min(w, weight(.wilayah_nik, r)) }
        // A birthplace is mostly where one lives: where the region or the address agrees already, agreeing on it is
        // the same fact again and counts a bit at most (its u, from random pairs across the hub, would make it far
        // rarer than it is among neighbours). A birthplace that disagrees counts in full.
        if f == .tempat_lahir, level < 2, (v[.kode_wilayah] ?? 3) <= 2 || (v[.alamat] ?? 2) <= 1 || (v[.wilayah_nik] ?? 2) <= 1 { w = min(w, 1) }
        return w
    }
}

/// One field's part of a match weight: the level it agreed at and its weight (for explanations).
struct FieldWeight: Sendable {
    var level: String
    var weight: Double
}
