import Foundation
import SimpulIngest

/// Deterministic synthetic SIAK exports: unique, structurally valid NIKs on real Gorontalo kecamatan codes,
/// Indonesian names, the column layout of SOURCES.md.
enum SIAKGenerator {
    static let kecamatan = ["757101", "757102", "757103", "757104", "757105", "757106", "757107", "757108", "757109",
                            "750101", "750102", "750103", "750104", "750201", "750202", "750301", "750302", "750401"]
    static let first = ["MUHAMMAD", "SITI", "NUR", "AHMAD", "ABDUL", "SRI", "RAHMAT", "FITRIANI", "YUSUF", "RAHMA",
                        "ARIFIN", "DEWI", "HENDRA", "WAHYUNI", "IBRAHIM", "AMINAH", "RIZAL", "NURHAYATI", "FAJAR", "MARIA"]
    static let last = ["HASAN", "DJAFAR", "MOKODOMPIT", "PAKAYA", "PAPUTUNGAN", "BADU", "LATIF", "HABIBI", "MOHAMAD",
                       "DAUD", "GOBEL", "HUNTA", "NUSI", "POLAPA", "TULIABU", "ALI", "KATILI", "ISMAIL", "MOO", "LAMATENGGO"]
    static let header = "NIK;NO_KK;NAMA_LGKP;JENIS_KLMIN;TMPT_LHR;TGL_LHR;AGAMA;STAT_KWN;STAT_HBKEL;PDDK_AKH;JENIS_PKRJN;ALAMAT;NO_RT;NO_RW;NO_PROP;NO_KAB;NO_KEC;NO_KEL;NIK_IBU;NIK_AYAH;STAT_PDDK;TGL_UPDATE"

    static func pad(_ v: Int, _ w: Int) -> String {
        let s = String(v)
        return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
    }

    static func row(_ i: Int) -> String {
        let serial = i % 9999 + 1
        let rest = i / 9999
        let dayIndex = rest % 3650
        let kec = kecamatan[(rest / 3650) % kecamatan.count]
        let year = 1950 + dayIndex / 73
        let month = (dayIndex % 72) / 6 + 1
        let day = (dayIndex % 6) * 5 + 1 + (i % 3)
        let female = i % 2 == 1
        let nik = kec + pad(day + (female ? 40 : 0), 2) + pad(month, 2) + pad(year % 100, 2) + pad(serial, 4)
        let kk = kec + "0101" + pad(year % 100, 2) + pad(serial, 4)
        let nama = first[i % first.count] + " " + first[(i / 7) % first.count] + " " + last[(i / 3) % last.count]
        let prop = kec.prefix(2), kab = Int(kec.dropFirst(2).prefix(2))!, kc = Int(kec.suffix(2))!
        return "\(nik);\(kk);\(nama);\(female ? 2 : 1);GORONTALO;\(pad(day, 2))-\(pad(month, 2))-\(year);1;\(i % 4 + 1);\(i % 11 + 1);\(i % 9 + 1);\(i % 89 + 1);JL. PANJAITAN NO. \(i % 200 + 1);\(pad(i % 20 + 1, 3));\(pad(i % 9 + 1, 3));\(prop);\(kab);\(kc);\(1001 + i % 12);;;HIDUP;2024-11-02 08:14:55"
    }

    /// Writes `rows` rows to `path`; returns the file size.
    static func write(rows: Int, to path: String) throws -> Int {
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw HubError.failed("cannot create \(path)") }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? h.close() }
        var buf = header + "\n"
        var size = 0
        for i in 0..<rows {
            buf += row(i)
            buf += "\n"
            if buf.utf8.count > 1 << 20 {
                size += buf.utf8.count
                h.write(Data(buf.utf8))
                buf = ""
            }
        }
        size += buf.utf8.count
        h.write(Data(buf.utf8))
        return size
    }
}
