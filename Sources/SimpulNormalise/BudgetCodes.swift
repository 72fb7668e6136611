/// Permendagri 90 budget codes: organisation (SKPD), sub kegiatan and account (rekening) codes.
public enum BudgetCodes {
    /// A kode pemda: `75` (a provinsi) or `75.71` (a kabupaten/kota).
    public static func isKodePemda(_ s: String) -> Bool { s.wholeMatch(of: /[0-9]{2}(\.[0-9]{2})?/) != nil }

    static func segments(_ s: String) -> [Substring] { s.split(separator: ".", omittingEmptySubsequences: false) }

    /// `U.BB.PP.L.KK.SSSS`; a 2-digit last segment (files before 2024) is widened to 4 (`01` → `0001`).
    /// The generic urusan/bidang `X.XX` of supporting programmes (program penunjang) is accepted.
    public static func subKegiatan(_ raw: String) throws(NormaliseError) -> String {
        let s = Text.upper(Text.collapse(raw))
        let p = segments(s)
        let widths = [1, 2, 2, 1, 2]
        guard p.count == 6 else {
            throw NormaliseError("kode sub kegiatan '\(s)' is not U.BB.PP.L.KK.SSSS (6 segments)")
        }
        let generic = p[0] == "X" && p[1] == "XX"
        for k in 0..<5 where !(generic && k < 2) && !(Text.isDigits(p[k]) && p[k].count == widths[k]) {
            throw NormaliseError("kode sub kegiatan '\(s)': segment \(k + 1) must be \(widths[k]) digit(s)")
        }
        guard Text.isDigits(p[5]), p[5].count == 2 || p[5].count == 4 else {
            throw NormaliseError("kode sub kegiatan '\(s)': the last segment must be 2 or 4 digits")
        }
        let last = p[5].count == 2 ? "00" + p[5] : String(p[5])
        return p[0..<5].joined(separator: ".") + "." + last
    }

    /// 8-segment organisation code `1.02.0.00.0.00.01.0000`.
    public static func skpd(_ raw: String) throws(NormaliseError) -> String {
        let s = Text.collapse(raw)
        let p = segments(s)
        let widths = [1, 2, 1, 2, 1, 2, 2, 4]
        guard p.count == 8 else { throw NormaliseError("kode SKPD '\(s)' is not 8 segments (1.02.0.00.0.00.01.0000)") }
        for k in 0..<8 where !(Text.isDigits(p[k]) && p[k].count == widths[k]) {
            throw NormaliseError("kode SKPD '\(s)': segment \(k + 1) must be \(widths[k]) digit(s)")
        }
        return s
    }

    /// 6-segment account code `5.1.02.01.01.0024` (akun.kelompok.jenis.objek.rincian.sub-rincian).
    public static func akun(_ raw: String) throws(NormaliseError) -> String {
        let s = Text.collapse(raw)
        let p = segments(s)
        let widths = [1, 1, 2, 2, 2, 4]
        guard p.count == 6 else { throw NormaliseError("kode akun '\(s)' is not 6 segments (5.1.02.01.01.0024)") }
        for k in 0..<6 where !(Text.isDigits(p[k]) && p[k].count == widths[k]) {
            throw NormaliseError("kode akun '\(s)': segment \(k + 1) must be \(widths[k]) digit(s)")
        }
        return s
    }
}
