/// Kemendagri region codes (kode wilayah) to the canonical dotted form:
/// `75` provinsi, `75.71` kab/kota, `75.71.01` kecamatan, `75.71.01.1001` desa/kelurahan.
public enum Wilayah {
    static let widths = [2, 2, 2, 4]

    /// Reads dotted (`75.71.01.1001`, also `75.71.1.1001`) or undotted (`7571011001`) codes.
    public static func normalise(_ raw: String) throws(NormaliseError) -> String {
        var s = Text.collapse(raw)
        // A spreadsheet's mark that a cell is text (`'7571011001`).
        if s.hasPrefix("'") { s = Text.collapse(String(s.dropFirst())) }
        guard !s.isEmpty else { throw NormaliseError("kode wilayah is empty") }
        // Segments written apart by spaces or dashes (`75 71 01 1001`, `75-71-01`): as if by dots.
        if !s.utf8.contains(UInt8(ascii: ".")), s.utf8.contains(where: { $0 == 0x20 || $0 == 0x2D }) {
            s = String(s.map { $0 == " " || $0 == "-" ? "." : $0 })
        }
        if s.utf8.contains(UInt8(ascii: ".")) {
            var parts = s.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard parts.count <= 4 else { throw NormaliseError("kode wilayah '\(s)' has more than 4 segments") }
            // A kabupaten or kecamatan code that lost its leading zero (`75.71.1.1001`, as SIAK's integers and
            // spreadsheets write it): padded. Province and village codes never start with 0.
            for k in parts.indices where (k == 1 || k == 2) && parts[k].utf8.count == 1 && Text.isDigits(parts[k]) && parts[k] != "0" {
                parts[k] = "0" + parts[k]
            }
            for (k, p) in parts.enumerated() where !(Text.isDigits(p) && p.count == widths[k]) {
                throw NormaliseError("kode wilayah '\(s)': segment \(k + 1) must be \(widths[k]) digits")
            }
            return parts.joined(separator: ".")
        }
        guard Text.isDigits(s), [2, 4, 6, 10].contains(s.count) else {
            throw NormaliseError("kode wilayah '\(s)' is not 2, 4, 6 or 10 digits")
        }
        var out: [Substring] = []
        var i = s.startIndex
        for w in widths {
            guard i < s.endIndex else { break }
            let j = s.index(i, offsetBy: w)
            out.append(s[i..<j])
            i = j
        }
        return out.joined(separator: ".")
    }

    /// SIAK's unpadded integers (`NO_PROP=75; NO_KAB=71; NO_KEC=1; NO_KEL=1001`) to `75.71.01.1001`.
    public static func fromParts(_ parts: [String]) throws(NormaliseError) -> String {
        guard !parts.isEmpty, parts.count <= 4 else { throw NormaliseError("kode wilayah needs 1 to 4 parts") }
        var out: [String] = []
        for (k, raw) in parts.enumerated() {
            let p = Text.collapse(raw)
            guard Text.isDigits(p), let v = Int(p), v > 0 else {
                throw NormaliseError("kode wilayah part \(k + 1) is not a positive integer")
            }
            let s = String(v)
            guard s.count <= widths[k] else {
                throw NormaliseError("kode wilayah part \(k + 1) has more than \(widths[k]) digits")
            }
            out.append(String(repeating: "0", count: widths[k] - s.count) + s)
        }
        return out.joined(separator: ".")
    }
}
