/// Person names: trimmed, spaces collapsed, upper case, with academic and religious titles split off.
///
/// `"hj. siti  aminah, s.pd"` → nama `SITI AMINAH`, gelar `HJ., S.PD`. Abbreviations such as `MUH.` are kept
/// as written here; the person index expands them when comparing.
public enum PersonName {
    public static let prefixTitles: Set<String> = [
        "H", "HJ", "HAJI", "HAJJAH", "DR", "DRS", "DRA", "IR", "PROF", "KH", "K.H", "HM", "H.M", "TGH", "UST", "USTADZ",
        "USTADZAH", "BPK", "IBU", "SDR", "SDRI", "TN", "NY", "NN", "NS", "APT", "ALM", "ALMH", "ALMARHUM", "ALMARHUMAH",
    ]

    /// What a name may end with in parentheses: deceased (`AHMAD (ALM)`).
    static let parenthesisedTitles: Set<String> = ["(ALM)", "(ALMH)", "(ALM.)", "(ALMH.)", "(ALMARHUM)", "(ALMARHUMAH)"]

    public static let suffixTitles: Set<String> = [
        "S.PD", "S.PD.I", "S.H", "S.E", "S.T", "S.KOM", "S.SOS", "S.AG", "S.IP", "S.KM", "S.KEP", "S.FARM", "S.SI", "S.P",
        "S.PSI", "S.AP", "S.STP", "S.TR", "S.AK", "S.HUT", "S.GZ", "S.KED", "S.S", "S.PT", "S.HI", "S.TH", "S.SY",
        "M.PD", "M.SI", "M.M", "M.H", "M.KES", "M.KOM", "M.T", "M.AP", "M.AG", "M.E", "M.SC", "M.A", "M.PH", "MBA",
        "PH.D", "SP.A", "SP.OG", "SP.PD", "A.MD", "AMD", "A.MA", "A.MD.KEP", "A.MD.KEB", "LC", "MA", "DR", "S.H.I",
        "S.PD.SD", "S.E.I", "S.AN", "SE", "SH", "ST", "SPD", "MM", "MSI", "MPD", "SKOM", "SSOS", "AMKEB", "AMKEP",
        "S.TP", "S.PI", "S.PT.", "S.IKOM", "S.TEKS", "S.DS", "M.SI.", "M.B.A", "S.ST", "S.KEB", "NS",
    ]

    public struct Result: Sendable, Equatable {
        public var nama: String
        public var gelar: [String]
    }

    static func key(_ token: String) -> String {
        var t = Text.upper(token)
        while t.hasSuffix(".") || t.hasSuffix(",") { t.removeLast() }
        return t
    }

    /// Prefix titles that may come without a dot ("HAJI AHMAD", "DRS AHMAD").
    static let undottedPrefixes: Set<String> = ["HAJI", "HJ", "KH", "DRS", "DRA", "IR", "PROF", "DR"]

    /// Degrees that may come without dots or a comma at the end ("BUDI SANTOSO SE"): only those no Indonesian name
    /// word is spelled as.
    static let undottedSuffixes: Set<String> = [
        "SE", "SH", "ST", "SPD", "SPDI", "SKOM", "SSOS", "SAG", "SIP", "SKM", "SKEP", "SFARM", "SSI", "SPSI", "SAP",
        "SSTP", "SEI", "MM", "MSI", "MPD", "MH", "MKES", "MKOM", "MAP", "AMD", "AMKEB", "AMKEP",
    ]

    public static func normalise(_ raw: String) -> Result {
        var s = Text.upper(Text.collapse(raw))
        // Most names have no dot, no comma and no undotted title in front or at the end: nothing to split off.
        if !s.utf8.contains(where: { $0 == 0x2E || $0 == 0x2C || $0 == 0x28 }) {
            guard let space = s.utf8.firstIndex(of: 0x20), let last = s.utf8.lastIndex(of: 0x20) else { return Result(nama: s, gelar: []) }
            if !undottedPrefixes.contains(String(s[..<space])) && !undottedSuffixes.contains(String(s[s.index(after: last)...])) {
                return Result(nama: s, gelar: [])
            }
        }
        var gelar: [String] = []
        // Suffix titles come after the first comma: "SITI AMINAH, S.PD, M.PD".
        if let comma = s.firstIndex(of: ",") {
            let tail = s[s.index(after: comma)...].split(separator: ",").map { Text.collapse(String($0)) }
            if !tail.isEmpty && tail.allSatisfy({ looksLikeTitle($0) }) {
                gelar.append(contentsOf: tail.filter { !$0.isEmpty })
                s = Text.collapse(String(s[s.startIndex..<comma]))
            }
        }
        var tokens = s.split(separator: " ").map(String.init)
        var prefixes: [String] = []
        while let t = tokens.first {
            let k = key(t)
            if tokens.count > 1, prefixTitles.contains(k) && (t.hasSuffix(".") || undottedPrefixes.contains(k)) {
                prefixes.append(t)
                tokens.removeFirst()
            } else if let (title, rest) = gluedTitle(t) {
                // A title glued to the name by its dot: "HJ.SITI", "K.H.AHMAD".
                prefixes.append(title)
                tokens[0] = rest
            } else {
                break
            }
        }
        // Deceased, in parentheses at the end: "AHMAD (ALM)".
        var deceased = 0
        if tokens.count > 1, let last = tokens.last, parenthesisedTitles.contains(last) {
            gelar.insert(last, at: 0)
            tokens.removeLast()
            deceased = 1
        }
        // Suffix titles without a comma: "AHMAD S.PD", "BUDI SANTOSO SE", in the order written, before those after
        // a comma.
        var trailing: [String] = []
        while tokens.count > 1, let last = tokens.last,
              last.utf8.contains(UInt8(ascii: ".")) ? suffixTitles.contains(key(last)) : undottedSuffixes.contains(last) {
            trailing.append(last)
            tokens.removeLast()
        }
        gelar.insert(contentsOf: trailing.reversed(), at: deceased)
        return Result(nama: tokens.joined(separator: " "), gelar: prefixes + gelar)
    }

    /// A prefix title and the name word it is glued to by its dot (`HJ.SITI` → `HJ.`, `SITI`; `K.H.AHMAD` → `K.H.`,
    /// `AHMAD`): the longest title before a dot, when a letter follows it. nil for a dotted abbreviation that is
    /// part of the name (`MUH.RIZAL`: the person index expands it).
    static func gluedTitle(_ t: String) -> (String, String)? {
        let b = Array(t.utf8)
        var found: Int? = nil
        for i in b.indices where b[i] == 0x2E && i + 1 < b.count {
            if prefixTitles.contains(key(String(decoding: b[..<i], as: UTF8.self))) { found = i }
        }
        guard let i = found, case let next = b[i + 1], (next >= 0x41 && next <= 0x5A) || next >= 0x80 else { return nil }
        return (String(decoding: b[...i], as: UTF8.self), String(decoding: b[(i + 1)...], as: UTF8.self))
    }

    static func looksLikeTitle(_ t: String) -> Bool {
        let k = key(t)
        if suffixTitles.contains(k) { return true }
        // Short dotted tokens such as "S.Kep.Ns" are titles too.
        return k.count <= 12 && k.utf8.contains(UInt8(ascii: ".")) && !k.utf8.contains(UInt8(ascii: " "))
    }
}
