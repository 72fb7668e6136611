import Foundation
import SimpulJSON

/// The synthetic corpus written as the source systems export it (SOURCES.md), with the truth beside it, so the
/// person index can be judged end to end through the connectors, the way an independent held-out corpus is:
/// `simpul ingest` each folder, then `simpul persons export`, then `scripts/eval_persons.py`
/// (`scripts/eval-persons.sh` does all of it).
///
/// On top of the corpus's identity noise, each file carries its format's own noise: SiCantik NIKs with spaces or
/// dots, names in any case with titles (`H.`, `DRS.`, `, S.PD`), birth dates as `YYYY-MM-DD`, `DD/MM/YYYY` or
/// `D NamaBulan YYYY`, dotted and undotted kode wilayah; a SIAK file with a BOM and CRLF line ends. A source
/// keeps only what its format can carry: an OSS responsible person has a NIK and a name (and the business's
/// village), an SP2D recipient a NIK and a name, nothing else.
///
/// Files: `dukcapil-siak/biodata.csv`, `sicantik/permohonan_NNNN.json` (pages of 1,000), `oss-rba/nib.ndjson`,
/// `simda-keuangan/sp2d.csv`, and `truth.ndjson`: `{"key": mention key, "person": n}` per mention, plus
/// `"clash_with": registry mention key` for a mention carrying another person's NIK with a clashing birth date,
/// `"name_only": true` for a record with nothing but a name, `"date_clash": true` for a record with its person's
/// NIK but another birth date (not its day and month swapped).
extension SyntheticCorpus {
    public struct FileError: Error, CustomStringConvertible {
        public let description: String
    }

    static let monthNames = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
                             "Oktober", "November", "Desember"]

    struct Writer {
        let handle: FileHandle
        var buffer: [UInt8] = []
        init(_ path: String) throws {
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw FileError(description: "cannot create \(path)") }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        }
        mutating func write(_ s: String) {
            buffer.append(contentsOf: s.utf8)
            if buffer.count > 1 << 20 { flush() }
        }
        mutating func flush() {
            handle.write(Data(buffer))
            buffer.removeAll(keepingCapacity: true)
        }
        mutating func close() { flush(); try? handle.close() }
    }

    /// Writes the files into `dir` (format noise drawn from `seed`); returns the number of SiCantik pages.
    /// `monthFirst`: the share of SiCantik birth dates whose day is past 12 written month first (`04/25/1990`, a
    /// clerk's US-style entry), from a random stream of its own, so every other value is as without it (0 by default:
    /// the corpus of the figures in docs/persons.md).
    @discardableResult
    public func writeSourceFiles(to dir: String, seed: UInt64, monthFirst: Double = 0) throws -> Int {
        var r = Rng(state: seed ^ 0x5EED_F11E)
        var usStyle = Rng(state: seed ^ 0x4D44_5959)
        for sub in ["dukcapil-siak", "sicantik", "oss-rba", "simda-keuangan"] {
            try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
        }
        var siak = try Writer(dir + "/dukcapil-siak/biodata.csv")
        siak.write("\u{FEFF}NIK;NO_KK;NAMA_LGKP;JENIS_KLMIN;TMPT_LHR;TGL_LHR;AGAMA;STAT_KWN;STAT_HBKEL;PDDK_AKH;JENIS_PKRJN;ALAMAT;NO_RT;NO_RW;"
            + "NO_PROP;NO_KAB;NO_KEC;NO_KEL;NIK_IBU;NIK_AYAH;STAT_PDDK;TGL_UPDATE\r\n")
        var oss = try Writer(dir + "/oss-rba/nib.ndjson")
        var simda = try Writer(dir + "/simda-keuangan/sp2d.csv")
        simda.write("Tahun,No_SP2D,Tgl_SP2D,No_SPM,Tgl_SPM,Jn_SPM,Kd_Urusan,Kd_Bidang,Kd_Unit,Kd_Sub,Kd_Prog,Kd_Keg,Kd_Rek_1,Kd_Rek_2,Kd_Rek_3,Kd_Rek_4,Kd_Rek_5,Nilai,Potongan,Nm_Penerima,NIK_Penerima,NPWP,Bank_Penerima,Rek_Penerima,Keterangan\n")
        var truthFile = try Writer(dir + "/truth.ndjson")
        var permits: [JSONValue] = []
        var page = 0
        let pages = (mentions.lazy.filter { $0.connector == "sicantik" }.count + 999) / 1000
        func flushPermits(final: Bool) throws {
            guard permits.count >= 1000 || (final && !permits.isEmpty) else { return }
            page += 1
            let body: JSONValue = .object(["status": .string("success"), "page": .number(String(page)), "total_page": .number(String(pages)), "data": .array(permits)])
            try Data(body.jsonText.utf8).write(to: URL(fileURLWithPath: dir + "/sicantik/" + String(format: "permohonan_%04d.json", page)))
            permits = []
        }

        for m in mentions {
            let d = m.data
            let nik = d["nik"]?.stringValue ?? d["nik_asli"]?.stringValue ?? ""
            let nama = d["nama"]?.stringValue ?? ""
            let birth = d["tanggal_lahir"]?.stringValue
            let wilayah = d["kode_wilayah"]?.stringValue
            var t: [String: JSONValue] = ["key": .string(m.key), "person": .number(String(m.person))]
            if let holder = nikClashes[m.key] { t["clash_with"] = .string(holder) }
            // What no matcher may use: a record with nothing but a name in its format, and a record with its
            // person's true NIK but another birth date (a same-NIK clash: review, never an automatic link; a day and
            // month swapped is the same date read the other way, not a clash).
            let hasRegion = wilayah != nil && m.connector != "simda-keuangan"
            let hasBirth = birth != nil && (m.connector == "sicantik" || m.connector == "dukcapil-siak")
            if nik.isEmpty && !hasRegion && !hasBirth { t["name_only"] = .bool(true) }
            if d["nik"]?.stringValue == truth[m.person].nik, hasBirth, let b = birth, b != truth[m.person].birth,
               Compare.date(b, truth[m.person].birth) != 1 {
                t["date_clash"] = .bool(true)
            }
            truthFile.write(JSONValue.object(t).jsonText + "\n")
            switch m.connector {
            case "dukcapil-siak":
                let w = (wilayah ?? "00.00.00.0000").split(separator: ".").map { String(Int($0) ?? 0) }
                let b = (birth ?? "1970-01-01").split(separator: "-")
                let sex = d["jenis_kelamin"]?.stringValue == "P" ? "2" : "1"
                let kk = d["no_kk"]?.stringValue ?? ""
                // (The address drawn as before keeps the format noise of every later record as it was.)
                let drawn = "JL. MERDEKA NO. \(1 + r.int(200))"
                let alamat = d["alamat"]?.stringValue ?? drawn, tempat = d["tempat_lahir"]?.stringValue ?? "GORONTALO"
                siak.write("\(nik);\(kk);\(nama);\(sex);\(tempat);\(b[2])-\(b[1])-\(b[0]);1;2;1;5;88;\(alamat);001;002;"
                    + "\(w[0]);\(w[1]);\(w[2]);\(w[3]);;;HIDUP;2024-11-02 08:14:55\r\n")
            case "sicantik":
                var item: [String: JSONValue] = [
                    "id_permohonan": .number(m.sourceKey), "no_permohonan": .string("PMH/\(m.sourceKey)/DPMPTSP/2024"),
                    "jenis_izin": .string("Izin Usaha Mikro"), "kode_jenis_izin": .string("IUM"),
                    "nik_pemohon": .string(Self.formatNIK(nik, &r)), "nama_pemohon": .string(Self.formatName(nama, &r, titles: true)),
                    "alamat_pemohon": .string("JL. MERDEKA NO. \(1 + r.int(200))"),
                    "tempat_lahir_pemohon": d["tempat_lahir"] ?? .null,
                    "tgl_lahir_pemohon": birth.map { b in
                        let written = Self.formatDate(b, &r)
                        guard monthFirst > 0, usStyle.chance(monthFirst), let day = Int(b.suffix(2)), day > 12 else { return .string(written) }
                        return .string("\(b.dropFirst(5).prefix(2))/\(b.suffix(2))/\(b.prefix(4))")
                    } ?? .null,
                    "tgl_pengajuan": .string("2024-07-01 09:12:00"), "updated_at": .string("2024-07-10 14:00:00"),
                    "tgl_penetapan": .null, "masa_berlaku_sampai": .null, "no_izin": .null, "status": .string("Proses"),
                    "retribusi": .string("Rp 1.250.000"), "opd_penerbit": .string("DPMPTSP"),
                ]
                // The corpus's address where it has one; else none (the address drawn above keeps later noise as it was).
                item["alamat_pemohon"] = d["alamat"] ?? .null
                item["kode_wilayah"] = wilayah.map { .string(r.chance(0.5) ? $0 : $0.replacingOccurrences(of: ".", with: "")) } ?? .null
                permits.append(.object(item))
                try flushPermits(final: false)
            case "oss-rba":
                var pj: [String: JSONValue] = ["nik": .string(nik), "nama": .string(Self.formatName(nama, &r, titles: r.chance(0.3))), "jabatan": .string("Pemilik")]
                if nik.isEmpty { pj["nik"] = r.chance(0.5) ? .null : .string("") }
                let line: JSONValue = .object([
                    "nib": .string(m.sourceKey), "tgl_terbit_nib": .string("2023-01-02"), "nama_perusahaan": .string("CV USAHA \(m.sourceKey)"),
                    "jenis_perseroan": .string("CV"), "npwp_perseroan": .string("01.234.567.8-901.000"), "alamat_usaha": .string("JL. NIAGA NO. 1"),
                    "kd_daerah": wilayah.map { .string($0.replacingOccurrences(of: ".", with: "")) } ?? .null,
                    "penanggung_jawab": .array([.object(pj)]), "kbli": .array([]), "izin": .array([]),
                    "updated_at": .string("2023-01-02 10:00:00"),
                ])
                oss.write(line.jsonText + "\n")
            default:  // simda-keuangan: one SP2D of one line paying an individual (bantuan sosial)
                let name = Self.formatName(nama, &r, titles: false).uppercased()
                simda.write("2024,\(m.sourceKey),2024-09-28 00:00:00.000,\(m.sourceKey.replacingOccurrences(of: "SP2D", with: "SPM")),2024-09-28 00:00:00.000,5,1,2,1,1,15,1,5,2,2,1,4,"
                    + "2500000.00,0.00,\(Self.csv(name)),\(nik),,BANK SULUTGO,6595576860,Bantuan sosial\n")
            }
        }
        try flushPermits(final: true)
        siak.close(); oss.close(); simda.close(); truthFile.close()
        return page
    }

    static func csv(_ s: String) -> String { s.contains(",") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }

    /// A 16-digit NIK as SiCantik's clerks type it: as is, in groups of four, or dotted after region and birth date.
    static func formatNIK(_ nik: String, _ r: inout Rng) -> String {
        guard nik.utf8.count == 16, nik.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nik }
        let c = Array(nik)
        switch r.int(10) {
        case 0: return String(c[0..<4]) + " " + String(c[4..<8]) + " " + String(c[8..<12]) + " " + String(c[12..<16])
        case 1: return String(c[0..<6]) + "." + String(c[6..<12]) + "." + String(c[12..<16])
        default: return nik
        }
    }

    /// A name in upper, lower or title case, sometimes with a title before or a degree after it.
    static func formatName(_ name: String, _ r: inout Rng, titles: Bool) -> String {
        var s = name
        if titles {
            switch r.int(20) {
            case 0: s = "H. " + s
            case 1: s = "DRS. " + s
            case 2: s += ", S.PD"
            case 3: s += ", S.E."
            default: break
            }
        }
        switch r.int(10) {
        case 0, 1: return s.lowercased()
        case 2, 3: return s.capitalized
        default: return s
        }
    }

    /// `YYYY-MM-DD` as one of SiCantik's shapes.
    static func formatDate(_ iso: String, _ r: inout Rng) -> String {
        let p = iso.split(separator: "-").map(String.init)
        guard p.count == 3, let m = Int(p[1]), let day = Int(p[2]), (1...12).contains(m) else { return iso }
        switch r.int(3) {
        case 0: return iso
        case 1: return "\(p[2])/\(p[1])/\(p[0])"
        default: return "\(day) \(monthNames[m - 1]) \(p[0])"
        }
    }
}
