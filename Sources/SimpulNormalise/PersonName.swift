/// Person names: trimmed, spaces collapsed, upper case, with academic and religious titles split off.
///
/// `"hj. siti  aminah, s.pd"` → nama `SITI AMINAH`, gelar `HJ., S.PD`. Abbreviations such as `MUH.` are kept
/// as written here; the person index expands them when comparing.
public enum PersonName {
    public static let prefixTitles: Set<String> = [
        "H", "HJ", "HAJI", "HAJJAH", "DR", "DRS", "DRA", "IR", "PROF", "KH", "K.H", "HM", "H.M", "TGH", "UST", "USTADZ",
        "USTADZAH", "dr", "BPK", "IBU", "SDR", "SDRI", "TN", "NY", "NN",
    ]

    public static let suffixTitles: Set<String> = [
        "S.PD", "S.PD.I", "S.H", "S.E", "S.T", "S.KOM", "S.SOS", "S.AG", "S.IP", "S.KM", "S.KEP", "S.FARM", "S.SI", "S.P",
        "S.PSI", "S.AP", "S.STP", "S.TR", "S.AK", "S.HUT", "S.GZ", "S.KED", "S.S", "S.PT", "S.HI", "S.TH", "S.SY",
        "M.PD", "M.SI", "M.M", "M.H", "M.KES", "M.KOM", "M.T", "M.AP", "M.AG", "M.E", "M.SC", "M.A", "M.PH", "MBA",
        "PH.D", "SP.A", "SP.OG", "SP.PD", "A.MD", "AMD", "A.MA", "A.MD.KEP", "A.MD.KEB", "LC", "MA", "DR", "S.H.I",
        "S.PD.SD", "S.E.I", "S.AN", "SE", "SH", "ST", "SPD", "MM", "MSI", "MPD", "SKOM", "SSOS", "AMKEB", "AMKEP",
        "S.TP", "S.PI", "S.PT.", "S.IKOM", "S.TEKS", "S.DS", "M.SI.", "M.B.A", "S.ST", "S.KEB",
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

    public static func normalise(_ raw: String) -> Result {
        var s = Text.upper(Text.collapse(raw))
        // Most names have no dot, no comma and no undotted title in front: nothing to split off.
        if !s.utf8.contains(where: { $0 == 0x2E || $0 == 0x2C }) {
            guard let space = s.utf8.firstIndex(of: 0x20) else { return Result(nama: s, gelar: []) }
            if !undottedPrefixes.contains(String(s[..<space])) { return Result(nama: s, gelar: []) }
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
        while tokens.count > 1 {
            let t = tokens[0]
            let k = key(t)
            if prefixTitles.contains(k) && (t.hasSuffix(".") || undottedPrefixes.contains(k)) {
                prefixes.append(t)
                tokens.removeFirst()
            } else {
                break
            }
        }
        // Suffix titles without a comma: "AHMAD S.PD".
        while tokens.count > 1, let last = tokens.last, last.contains("."), suffixTitles.contains(key(last)) {
            gelar.append(last)
            tokens.removeLast()
        }
        return Result(nama: tokens.joined(separator: " "), gelar: prefixes + gelar)
    }

    static func looksLikeTitle(_ t: String) -> Bool {
        let k = key(t)
        if suffixTitles.contains(k) { return true }
        // Short dotted tokens such as "S.Kep.Ns" are titles too.
        return k.count <= 12 && k.contains(".") && !k.contains(" ")
    }
}
