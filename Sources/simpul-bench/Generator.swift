import Foundation
import SimpulIngest

/// Deterministic synthetic SIAK exports: unique, structurally valid NIKs on real Gorontalo kecamatan codes,
/// Indonesian names, the column layout of SOURCES.md.
enum SIAKGenerator {
    static let kecamatan = ["757101", "757102", "757103", "757104", "757105", "757106", "757107", "757108", "757109",
                            "750101", "750102", "750103", "750104", "750201", "750202", "750301", "750302", "750401"].sorted()
    static let male = ["MUHAMMAD", "AHMAD", "ABDUL", "RIZAL", "ARIFIN", "YUSUF", "IBRAHIM", "HASAN", "BUDI", "AGUS", "RAHMAT",
                       "FAJAR", "HENDRA", "IRFAN", "SUPRIYADI", "JEFRI", "RAMLI", "ISMAIL", "SALIM", "SYAMSUDIN", "ANDI", "DEDI",
                       "HARIS", "ZULKIFLI", "NOVAL", "REZA", "TAUFIK", "WAHYU", "YAHYA", "ILHAM", "KURNIAWAN", "SAPUTRA", "HIDAYAT",
                       "FIRMANSYAH", "GUNAWAN", "ROMI", "SUKRI", "ARDI", "FIKRI", "RIDWAN"]
    static let female = ["SITI", "NUR", "SRI", "FITRIANI", "RAHMA", "AISYAH", "DEWI", "WAHYUNI", "FATIMAH", "HALIMAH", "YULIANTI",
                         "NURHAYATI", "RATNA", "LESTARI", "MARYAM", "KARTINI", "ANISA", "INDAH", "PUTRI", "RISKA", "SULASTRI", "NOVITA",
                         "MEGAWATI", "HASNAH", "SALMA", "ZAHRA", "AMINAH", "KHADIJAH", "SUSANTI", "ROSMAWATI", "HERLINA", "YUNITA",
                         "NURUL", "ASTUTI", "WIDYA", "SARTIKA", "ERNA", "FAUZIAH"]
    static let family = ["HASAN", "DJAFAR", "MOKODOMPIT", "PAKAYA", "PAPUTUNGAN", "BADU", "LATIF", "HABIBI", "MOHAMAD", "DAUD",
                         "GOBEL", "HUNTA", "NUSI", "POLAPA", "TULIABU", "ALI", "KATILI", "ISMAIL", "MOO", "LAMATENGGO", "HULUDU",
                         "MOOTALU", "AMU", "LAHAY", "POHA", "TANGAHU", "ABAS", "MAHMUD", "PANIGORO", "KADIR", "MUSA", "UMAR", "SALEH",
                         "RAUF", "HIOLA", "TALIB", "DUNDA", "BIYA", "NANI", "WAHAB", "YUSUF", "USMAN"]
    /// Birth dates over 70 years (1940–2009), so that, as in a real registry, few people share a name and a birth
    /// date; before, every 9,999 rows shared three dates and 420 names, and the person index rightly flagged
    /// nearly all of them as possible duplicates.
    static let firstDay = 1940 * 366, days = 70 * 365

    static let header = "NIK;NO_KK;NAMA_LGKP;JENIS_KLMIN;TMPT_LHR;TGL_LHR;AGAMA;STAT_KWN;STAT_HBKEL;PDDK_AKH;JENIS_PKRJN;ALAMAT;NO_RT;NO_RW;NO_PROP;NO_KAB;NO_KEC;NO_KEL;NIK_IBU;NIK_AYAH;STAT_PDDK;TGL_UPDATE"

    static func pad(_ v: Int, _ w: Int) -> String {
        let s = String(v)
        return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
    }

    /// The kecamatan of row `i` of `rows`: equal shares, in order, a family (four rows) never split.
    static func kecamatanIndex(_ i: Int, of rows: Int) -> Int {
        min(kecamatan.count - 1, (i / 4 * 4) * kecamatan.count / max(1, rows))
    }

    /// A row's own random numbers (SplitMix64 of its index): the same file for the same row count.
    static func mix(_ i: Int, _ salt: UInt64) -> Int {
        var z = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 &+ salt
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) >> 1)
    }

    /// Row `i` of `rows`; `serials` numbers the people of one kecamatan, birth date and sex, so every NIK is unique.
    /// Families of four share a family card and a kecamatan; `write` puts the rows in NIK order.
    static func row(_ i: Int, of rows: Int, serials: inout [Int: Int]) -> String {
        let kecIndex = kecamatanIndex(i, of: rows)
        let kec = kecamatan[kecIndex]
        let dayIndex = mix(i, 2) % days
        // Day, month and year from the day number (a 365-day calendar with February at 28: every date valid).
        let year = 1940 + dayIndex / 365
        var doy = dayIndex % 365, month = 1
        let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        while doy >= lengths[month - 1] { doy -= lengths[month - 1]; month += 1 }
        let day = doy + 1
        let female = i % 2 == 1
        let key = (kecIndex * days + dayIndex) * 2 + (female ? 1 : 0)
        let serial = serials[key, default: 0] + 1
        serials[key] = serial
        let nik = kec + pad(day + (female ? 40 : 0), 2) + pad(month, 2) + pad(year % 100, 2) + pad(serial, 4)
        let kk = kec + pad(i / 4 + 1, 10)
        let given = female ? Self.female : Self.male
        var nama = given[mix(i, 3) % given.count]
        if mix(i, 4) % 2 == 0 { nama += " " + given[mix(i, 5) % given.count] }
        nama += " " + family[mix(i, 6) % family.count]
        let prop = kec.prefix(2), kab = Int(kec.dropFirst(2).prefix(2))!, kc = Int(kec.suffix(2))!
        return "\(nik);\(kk);\(nama);\(female ? 2 : 1);GORONTALO;\(pad(day, 2))-\(pad(month, 2))-\(year);1;\(i % 4 + 1);\(i % 11 + 1);\(i % 9 + 1);\(i % 89 + 1);JL. PANJAITAN NO. \(i % 200 + 1);\(pad(i % 20 + 1, 3));\(pad(i % 9 + 1, 3));\(prop);\(kab);\(kc);\(1001 + i % 12);;;HIDUP;2024-11-02 08:14:55"
    }

    /// Writes `rows` rows to `path`; returns the file size.
    /// `household`: each kecamatan's rows in no NIK order, as an export by family card lists them (`nik`: by NIK).
    static func write(rows: Int, to path: String, order: String = "nik") throws -> Int {
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw HubError.failed("cannot create \(path)") }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? h.close() }
        var size = 0
        func emit(_ text: String) {
            size += text.utf8.count
            h.write(Data(text.utf8))
        }
        emit(header + "\n")
        var serials: [Int: Int] = [:]
        // Kecamatan by kecamatan, each sorted by NIK as a database export by key comes out (the NIK starts with
        // the kecamatan, so the whole file is in NIK order).
        var chunk: [String] = []
        var chunkKec = -1
        func flush() {
            if order == "household" {
                // A fixed pseudo-random order: by a hash of the line (FNV-1a), the same in every run.
                func h(_ s: String) -> UInt64 { s.utf8.reduce(14695981039346656037) { ($0 ^ UInt64($1)) &* 1099511628211 } }
                chunk = chunk.map { (h($0), $0) }.sorted { $0.0 < $1.0 }.map(\.1)
            } else {
                chunk.sort()
            }
            var buf = ""
            for line in chunk {
                buf += line
                buf += "\n"
                if buf.utf8.count > 1 << 20 { emit(buf); buf = "" }
            }
            emit(buf)
            chunk.removeAll(keepingCapacity: true)
        }
        for i in 0..<rows {
            let kec = kecamatanIndex(i, of: rows)
            if kec != chunkKec { flush(); chunkKec = kec }
            chunk.append(row(i, of: rows, serials: &serials))
        }
        flush()
        return size
    }
}

/// A synthetic SiCantik API page of `records` permit applications, one record per line (so the baseline can store
/// each record's line): the identities of the SIAK generator, with the noise SOURCES.md lists (dotted NIKs, titles,
/// birth dates in the three shapes, `Rp` amounts).
enum SiCantikGenerator {
    static func write(records: Int, to path: String) throws -> Int {
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw HubError.failed("cannot create \(path)") }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? h.close() }
        var size = 0
        var buf = "{\"status\":\"success\",\"page\":1,\"total_page\":1,\"data\":[\n"
        var serials: [Int: Int] = [:]
        let months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"]
        for i in 0..<records {
            let f = SIAKGenerator.row(i, of: records, serials: &serials).split(separator: ";", omittingEmptySubsequences: false).map(String.init)
            let nik = i % 5 == 0 ? "\(f[0].prefix(6)).\(f[0].dropFirst(6).prefix(6)).\(f[0].suffix(4))" : f[0]
            let d = f[5].split(separator: "-")
            let lahir: String
            switch i % 3 {
            case 0: lahir = "\(d[2])-\(d[1])-\(d[0])"
            case 1: lahir = "\(d[0])/\(d[1])/\(d[2])"
            default: lahir = "\(Int(d[0])!) \(months[Int(d[1])! - 1]) \(d[2])"
            }
            let nama = i % 7 == 0 ? "H. \(f[2])" : f[2].capitalized
            let kode = "\(f[14])\(SIAKGenerator.pad(Int(f[15])!, 2))\(SIAKGenerator.pad(Int(f[16])!, 2))\(f[17])"
            buf += #"{"id_permohonan":\#(i + 1),"no_permohonan":"PMH-\#(i + 1)","jenis_izin":"Izin Usaha Mikro","kode_jenis_izin":"IUM","nik_pemohon":"\#(nik)","nama_pemohon":"\#(nama)","alamat_pemohon":"\#(f[11])","tempat_lahir_pemohon":"GORONTALO","tgl_lahir_pemohon":"\#(lahir)","tgl_pengajuan":"2024-0\#(i % 9 + 1)-1\#(i % 9)","updated_at":"2024-10-01 08:00:00","tgl_penetapan":null,"masa_berlaku_sampai":null,"no_izin":null,"status":"Proses","retribusi":"Rp \#(i % 90 + 10).000","kode_wilayah":"\#(kode)","opd_penerbit":"DPMPTSP"}"#
            buf += i == records - 1 ? "\n" : ",\n"
            if buf.utf8.count > 1 << 20 {
                size += buf.utf8.count
                h.write(Data(buf.utf8))
                buf = ""
            }
        }
        buf += "]}\n"
        size += buf.utf8.count
        h.write(Data(buf.utf8))
        return size
    }
}
