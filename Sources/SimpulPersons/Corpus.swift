import Foundation
import SimpulJSON

/// A synthetic population and its person mentions across sources, with the truth, for testing and measuring the
/// person index. Indonesian names, real kecamatan codes, and the noise of SOURCES.md: NIKs missing, in scientific
/// notation (six significant digits: the kecamatan survives), with a typo or two digits swapped, with a letter
/// (a look-alike for a digit, or not), or a family-card number typed instead; abbreviated first names
/// (MUH., MOH.), typos and dropped middle names; birth dates missing or with day and month swapped; another person's
/// NIK, with a clashing sex or birth date, or on a record with only a NIK and a name. Deterministic for a seed.
public struct SyntheticCorpus {
    public struct Mention: Sendable {
        public var key: String
        public var connector: String
        public var schema: String
        public var sourceKey: String
        public var data: JSONValue
        /// The true person (index into the population).
        public var person: Int
    }

    public var mentions: [Mention] = []
    /// Mentions carrying another person's NIK with a clashing sex or birth date → that NIK's registry mention key.
    /// They must never be merged with it.
    public var nikClashes: [String: String] = [:]
    public var personCount = 0
    /// Each person's true NIK, birth date (`YYYY-MM-DD`) and family card, by person index.
    public var truth: [(nik: String, birth: String, kk: String)] = []

    static let male = ["MUHAMMAD", "AHMAD", "ABDUL", "RIZAL", "ARIFIN", "YUSUF", "IBRAHIM", "HASAN", "BUDI", "AGUS", "RAHMAT", "FAJAR",
                       "HENDRA", "IRFAN", "SUPRIYADI", "JEFRI", "RAMLI", "ISMAIL", "SALIM", "SYAMSUDIN", "ANDI", "DEDI", "HARIS", "ZULKIFLI",
                       "NOVAL", "REZA", "TAUFIK", "WAHYU", "YAHYA", "ILHAM", "KURNIAWAN", "SAPUTRA", "HIDAYAT", "FIRMANSYAH", "GUNAWAN"]
    static let female = ["SITI", "NUR", "SRI", "FITRIANI", "RAHMA", "AISYAH", "DEWI", "WAHYUNI", "FATIMAH", "HALIMAH", "YULIANTI", "NURHAYATI",
                         "RATNA", "LESTARI", "MARYAM", "KARTINI", "ANISA", "INDAH", "PUTRI", "RISKA", "SULASTRI", "NOVITA", "MEGAWATI",
                         "HASNAH", "SALMA", "ZAHRA", "AMINAH", "KHADIJAH", "SUSANTI", "ROSMAWATI", "HERLINA", "YUNITA", "NURUL", "ASTUTI"]
    static let family = ["HASAN", "PAPUTUNGAN", "MOKODOMPIT", "LATIF", "BADU", "DAUD", "MOHAMAD", "HABIBI", "GOBEL", "HULUDU", "NUSI",
                         "ISMAIL", "PAKAYA", "KATILI", "MOOTALU", "AMU", "LAHAY", "POHA", "TANGAHU", "YUSUF", "DJAFAR", "ABAS", "MAHMUD",
                         "PANIGORO", "KADIR", "ALI", "MUSA", "UMAR", "SALEH", "RAUF", "HIOLA", "TALIB", "DUNDA", "BIYA", "NANI", "WAHAB"]

    /// SplitMix64: deterministic for a seed.
    public struct Rng {
        var state: UInt64
        public init(state: UInt64) { self.state = state }
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        public mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
        public mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < p }
        public mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }
    }

    struct Person {
        var nik: String
        var noKK: String
        var nama: String
        var sex: String
        var birth: String
        var wilayah: String
        /// The household's street address and the person's birthplace (a town), as the registry has them.
        var alamat = ""
        var tempatLahir = ""
    }

    static let streets = ["MERDEKA", "PANJAITAN", "SUDIRMAN", "AHMAD YANI", "DIPONEGORO", "KALIMANTAN", "SULAWESI", "JAWA",
                          "NANI WARTABONE", "RAJA EYATO", "SAM RATULANGI", "PANGERAN HIDAYAT", "TRANS SULAWESI", "BERINGIN",
                          "MANGGA", "DURIAN", "CEMPAKA", "MELATI", "KENANGA", "ANGGREK", "POHON", "PELABUHAN", "PASAR",
                          "MASJID", "SEKOLAH", "PEMUDA", "PAHLAWAN", "KARTINI", "IMAM BONJOL", "HASANUDDIN"]

    /// A street address as clerks write it: `JL.`, `JALAN` or `Jl`, `NO.` or `No`, now and then the RT and RW
    /// added, in any case.
    static func writeAddress(_ a: String, _ r: inout Rng) -> String {
        var s = a
        switch r.int(4) {
        case 0: s = s.replacingOccurrences(of: "JL. ", with: "JALAN ")
        case 1: s = s.replacingOccurrences(of: "JL. ", with: "JL ").replacingOccurrences(of: "NO. ", with: "NO.")
        default: break
        }
        if r.chance(0.25) { s += ", RT \(String(format: "%03d", 1 + r.int(9))) / RW \(String(format: "%03d", 1 + r.int(5)))" }
        if r.chance(0.3) { s = s.capitalized }
        return s
    }

    /// A NIK as a spreadsheet shows a 16-digit number: six significant digits, rounded half up, trailing zeros
    /// dropped (`7571014504900002` → `7.57101E+15`).
    static func scientific(_ nik: String) -> String {
        let d = Array(nik.utf8).map { Int($0) - 0x30 }
        let head = d[0..<6].reduce(0) { $0 * 10 + $1 } + (d[6] >= 5 ? 1 : 0)
        if head == 1_000_000 { return "1E+16" }
        var digits = Array(String(head).utf8)
        while digits.count > 1, digits.last == 0x30 { digits.removeLast() }
        let mantissa = String(decoding: digits.prefix(1), as: UTF8.self) + (digits.count > 1 ? "." + String(decoding: digits.dropFirst(), as: UTF8.self) : "")
        return mantissa + "E+15"
    }

    /// How the last four digits of a NIK are given: `random` (1 – 9998, the corpus before 2026-11-28, still the
    /// default) or `sequential`, as Dukcapil issues them: 0001, 0002, … for the people of one kecamatan, birth date
    /// and sex, so two people born the same day in the same kecamatan hold NIKs one digit apart.
    public enum Serials: String, Sendable { case random, sequential }

    /// About `mentions` mentions (about 2.2 per person), from a registry and three other sources. With `families`
    /// (the default) persons live in households of one to six on one family card in one village: a head, often a
    /// spouse, children with the head's family name; without, every person has a card and village of their own
    /// (the corpus before 2026-11-26). With `region` (a province or kab/kota code such as `75.01`), everyone lives
    /// and was registered in that region's kecamatan, as in one pemda's hub; without, in any of Indonesia's. `serials`:
    /// how NIK serials are given (``Serials``).
    public init(mentions target: Int, seed: UInt64 = 42, regions: Regions, families: Bool = true, region: String? = nil,
                serials: Serials = .random) {
        var r = Rng(state: seed)
        let kecamatan = regions.names.keys.filter { k in k.count == 8 && (region.map { k.hasPrefix($0 + ".") } ?? true) }.sorted()
        var persons: [Person] = []
        var usedNIK = Set<String>()
        let people = max(10, target * 10 / 22)
        var issued: [String: Int] = [:]
        func newNIK(_ kec6: String, _ day: Int, _ month: Int, _ year: Int, _ female: Bool) -> String {
            var nik = ""
            let prefix = kec6 + Compare.two(day + (female ? 40 : 0)) + Compare.two(month) + Compare.two(year % 100)
            repeat {
                // The random serial is drawn either way, so the rest of a seed's corpus is the same with both kinds.
                let drawn = 1 + r.int(9998)
                let serial = serials == .random ? drawn : issued[prefix, default: 0] + 1
                if serials == .sequential { issued[prefix] = serial }
                nik = prefix + String(format: "%04d", serial)
            } while usedNIK.contains(nik)
            usedNIK.insert(nik)
            return nik
        }
        func given(_ female: Bool) -> String { female ? r.pick(Self.female) : r.pick(Self.male) }
        // Addresses and birthplaces come from a random stream of their own (2026-11-28), so the rest of a seed's
        // corpus is what it was before they were added.
        var place = Rng(state: seed ^ 0x616C_616D_6174)
        let kabupaten = regions.names.filter { $0.key.count == 5 }.map { (code: $0.key, town: Self.town($0.value)) }.sorted { $0.code < $1.code }
        let towns = Dictionary(kabupaten.map { ($0.code, $0.town) }, uniquingKeysWith: { a, _ in a })
        func birthplace(_ kec: String) -> String {
            place.chance(0.8) ? towns[String(kec.prefix(5))] ?? "GORONTALO" : (kabupaten.isEmpty ? "MANADO" : place.pick(kabupaten).town)
        }
        while persons.count < people {
            // A household on one family card in one village: a head, often a spouse, children. Children carry the
            // head's family name (a marga, as in Gorontalo and North Sulawesi); a wife keeps her own.
            let kec = kecamatan.isEmpty ? "75.71.01" : r.pick(kecamatan)
            let kec6 = kec.replacingOccurrences(of: ".", with: "")
            let wilayah = kec + "." + String(1000 + 1 + r.int(20))
            let kk = kec6 + String(format: "%010d", r.int(1_000_000_000))
            let size = families ? [1, 1, 2, 2, 3, 3, 4, 4, 5, 6][r.int(10)] : 1
            let headYear = 1940 + r.int(families ? 60 : 82)
            let marga = r.pick(Self.family)
            let alamat = (place.chance(0.8) ? "JL. " : "GG. ") + place.pick(Self.streets) + " NO. " + String(1 + place.int(150))
            for member in 0..<min(size, people - persons.count) {
                // The second member is the spouse (a wife), or now and then a child of a single parent.
                let child = member >= 2 || (member == 1 && r.chance(0.15))
                let spouse = member == 1 && !child
                let female = spouse || r.chance(member == 0 && families ? 0.2 : 0.5)
                var parts = [given(female)]
                if r.chance(0.45) { parts.append(given(female)) }
                parts.append(member == 0 || child ? marga : r.pick(Self.family))
                let year = member == 0 ? headYear : child ? min(2021, headYear + 18 + r.int(25)) : max(1940, headYear - 3 + r.int(10))
                let month = 1 + r.int(12), day = 1 + r.int(28)
                persons.append(Person(nik: newNIK(kec6, day, month, year, female), noKK: kk, nama: parts.joined(separator: " "), sex: female ? "P" : "L",
                                      birth: "\(year)-\(Compare.two(month))-\(Compare.two(day))", wilayah: wilayah,
                                      alamat: alamat, tempatLahir: birthplace(kec)))
            }
        }
        personCount = persons.count
        truth = persons.map { ($0.nik, $0.birth, $0.noKK) }
        var serial = 0
        func add(_ connector: String, _ schema: String, _ data: [String: JSONValue], _ p: Int, key given: String? = nil) {
            serial += given == nil ? 1 : 0
            let key: String
            switch connector {
            case _ where given != nil: key = given!
            case "dukcapil-siak": key = data["nik"]?.stringValue ?? "x\(serial)"
            case "oss-rba": key = String(format: "%013d", serial) + "#0"
            case "simda-keuangan": key = String(format: "%05d/SP2D/LS/2024#1", serial)
            default: key = String(100_000 + serial)
            }
            mentions.append(Mention(key: connector + ":" + key, connector: connector, schema: schema, sourceKey: key.split(separator: "#").first.map(String.init) ?? key,
                                    data: .object(data), person: p))
        }
        // Records carrying another person's NIK and nothing to clash with it are drawn from a stream of their own, with
        // keys of their own, so the rest of the corpus is what it was before they were added (2026-11-28).
        var borrowing = Rng(state: seed ^ 0x626F_7272_6F77)
        var borrowed = 0
        for (i, p) in persons.enumerated() {
            // The registry knows 92% of the population.
            if r.chance(0.92) {
                add("dukcapil-siak", "citizen", ["nik": .string(p.nik), "nik_status": .string("valid"), "no_kk": .string(p.noKK), "nama": .string(p.nama),
                                                  "tanggal_lahir": .string(p.birth), "jenis_kelamin": .string(p.sex), "kode_wilayah": .string(p.wilayah),
                                                  "alamat": .string(p.alamat), "tempat_lahir": .string(p.tempatLahir)], i)
            }
            let others = [0, 1, 1, 1, 2, 2, 3][r.int(7)]
            for _ in 0..<others {
                let (connector, schema) = r.pick([("sicantik", "permit"), ("oss-rba", "business"), ("simda-keuangan", "disbursement")])
                var d: [String: JSONValue] = [:]
                // NIK noise.
                let roll = r.int(100)
                switch roll {
                case 0..<68: d["nik"] = .string(p.nik); d["nik_status"] = .string("valid")
                case 68..<78: d["nik_status"] = .string("kosong")
                case 78..<83: d["nik_asli"] = .string(Self.scientific(p.nik)); d["nik_status"] = .string("notasi_ilmiah")
                case 83..<89:
                    var c = Array(p.nik.utf8)
                    let k = 6 + r.int(10)
                    let digit: Int = (Int(c[k] - 0x30) + 1 + r.int(8)) % 10
                    c[k] = UInt8(0x30 + digit)
                    d["nik"] = .string(String(decoding: c, as: UTF8.self)); d["nik_status"] = .string("valid")
                case 89..<93:
                    var c = Array(p.nik.utf8)
                    let k = 6 + r.int(9)
                    if c[k] == c[k + 1] {
                        let digit: Int = (Int(c[k + 1] - 0x30) + 1) % 10
                        c[k + 1] = UInt8(0x30 + digit)
                    } else { c.swapAt(k, k + 1) }
                    d["nik"] = .string(String(decoding: c, as: UTF8.self)); d["nik_status"] = .string("valid")
                case 93..<97: d["nik"] = .string(p.noKK); d["nik_status"] = .string("valid")
                default:
                    // A look-alike letter typed for a digit (O for 0, l for 1), or some other letter in its place.
                    var c = Array(p.nik.utf8)
                    let k = 6 + r.int(10)
                    c[k] = c[k] == 0x30 ? UInt8(ascii: "O") : c[k] == 0x31 ? UInt8(ascii: "l") : r.pick(Array("ABCDEFGHJKMNPRTUVWXY".utf8))
                    d["nik_asli"] = .string(String(decoding: c, as: UTF8.self)); d["nik_status"] = .string("mengandung_huruf")
                }
                // Name noise.
                var tokens = p.nama.split(separator: " ").map(String.init)
                let nroll = r.int(100)
                if nroll < 8, tokens[0] == "MUHAMMAD" { tokens[0] = r.pick(["MUH.", "MOH.", "M.", "MOHAMMAD"]) }
                else if nroll < 16 {
                    var c = Array(tokens[tokens.count - 1])
                    if c.count > 3 { c[1 + r.int(c.count - 2)] = r.pick(["A", "I", "U", "E", "O", "H"]) }
                    tokens[tokens.count - 1] = String(c)
                } else if nroll < 22, tokens.count == 3 { tokens.remove(at: 1) }
                d["nama"] = .string(tokens.joined(separator: " "))
                // Birth date: permits have it, the others rarely.
                if connector == "sicantik" || r.chance(0.15) {
                    var b = p.birth
                    let broll = r.int(100)
                    if broll < 3, Int(b.suffix(2))! <= 12 { b = String(b.prefix(5)) + b.suffix(2) + "-" + b.dropFirst(5).prefix(2) }
                    else if broll < 6 { b = String(b.prefix(8)) + Compare.two(1 + r.int(28)) }
                    d["tanggal_lahir"] = .string(b)
                }
                if r.chance(0.75) { d["kode_wilayah"] = .string(r.chance(0.8) ? p.wilayah : String(p.wilayah.prefix(8)) + "." + String(1001 + r.int(20))) }
                // A permit application also records the applicant's address (the registry's, or where they live now)
                // and, often, their birthplace.
                if connector == "sicantik" {
                    let roll = place.int(100)
                    if roll < 60 { d["alamat"] = .string(Self.writeAddress(p.alamat, &place)) }
                    else if roll < 85 { d["alamat"] = .string(Self.writeAddress("JL. " + place.pick(Self.streets) + " NO. " + String(1 + place.int(150)), &place)) }
                    let b = place.int(100)
                    if b < 55 { d["tempat_lahir"] = .string(place.chance(0.3) ? p.tempatLahir.capitalized : p.tempatLahir) }
                    else if b < 60 { d["tempat_lahir"] = .string(birthplace("")) }
                }
                add(connector, schema, d, i)
            }
            // One person in 400: another person's NIK typed with a clashing sex and birth date (same NIK, different
            // people: must go to review, never be merged).
            if i > 0 && r.int(400) == 0 {
                let q = persons[i - 1]
                var d: [String: JSONValue] = ["nik": .string(q.nik), "nik_status": .string("valid"), "nama": .string(p.nama),
                                              "tanggal_lahir": .string(p.birth)]
                if p.sex != q.sex { d["jenis_kelamin"] = .string(p.sex) }
                if p.birth != q.birth {
                    add("sicantik", "permit", d, i)
                    nikClashes[mentions.last!.key] = "dukcapil-siak:" + q.nik
                }
            }
            // One person in 400 also appears on a record that carries only a NIK and a name (an OSS responsible
            // person, an SP2D recipient) with the NIK of the person listed before them, most often a relative: no sex
            // or birth date to clash with the NIK's holder, only the name tells them apart (SOURCES.md: "one NIK on
            // records of two different people").
            if i > 0 && borrowing.int(400) == 0 {
                let q = persons[i - 1]
                borrowed += 1
                var d: [String: JSONValue] = ["nik": .string(q.nik), "nik_status": .string("valid"), "nama": .string(p.nama)]
                if borrowing.chance(0.75) { d["kode_wilayah"] = .string(p.wilayah) }
                if borrowing.chance(0.5) {
                    add("oss-rba", "business", d, i, key: "9" + String(format: "%012d", borrowed) + "#0")
                } else {
                    d["kode_wilayah"] = nil
                    add("simda-keuangan", "disbursement", d, i, key: String(format: "%05d/SP2D/PJ/2024#1", borrowed))
                }
            }
        }
    }

    /// A kabupaten or kota's name as a birthplace is written: `Kabupaten Gorontalo` → `GORONTALO`.
    static func town(_ name: String) -> String {
        var n = name.uppercased()
        for prefix in ["KABUPATEN ", "KOTA ", "KAB. "] where n.hasPrefix(prefix) { n.removeFirst(prefix.count) }
        return n
    }

    /// Pairwise precision and recall of a clustering (mention key → cluster id; missing keys are singletons)
    /// against the truth.
    public func evaluate(_ clusterOf: [String: String]) -> (precision: Double, recall: Double, f1: Double, predictedPairs: Int, truePairs: Int) {
        func pairs(_ n: Int) -> Int { n * (n - 1) / 2 }
        var pred: [String: Int] = [:], truth: [Int: Int] = [:], both: [String: Int] = [:]
        for m in mentions {
            let c = clusterOf[m.key] ?? "single:" + m.key
            pred[c, default: 0] += 1
            truth[m.person, default: 0] += 1
            both[c + "|" + String(m.person), default: 0] += 1
        }
        let tp = both.values.reduce(0) { $0 + pairs($1) }
        let pp = pred.values.reduce(0) { $0 + pairs($1) }
        let tt = truth.values.reduce(0) { $0 + pairs($1) }
        let p = pp == 0 ? 1 : Double(tp) / Double(pp), rc = tt == 0 ? 1 : Double(tp) / Double(tt)
        return (p, rc, p + rc == 0 ? 0 : 2 * p * rc / (p + rc), pp, tt)
    }
}
