import Foundation
import SimpulJSON
import SimpulNormalise
import SimpulReconcile
import SimpulTestSupport
import Testing

/// A fiscal year 2025 written in the three source formats (RKPD CSV, DPA JSON per version, SIMDA SP2D CSV with its
/// own crosswalk), ingested through the connectors, with one or more planted anomalies of every finding kind and
/// look-alikes that must not be flagged (RKPD beside Renja, a draft plan, a generic X.XX program, a multi-line SP2D,
/// realisation exactly at the ceiling in odd sen, another year's records).
enum Fixture2025 {
    static let dinkes = "1.02.0.00.0.00.01.0000"
    static let disdik = "1.01.0.00.0.00.01.0000"

    static let rkpd = """
        "tahun","dokumen","tahapan","kode_skpd","nama_skpd","kode_sub_kegiatan","nama_sub_kegiatan","indikator","target","satuan","pagu_indikatif","kode_lokasi"
        "2025","RKPD","final","\(dinkes)","Dinas Kesehatan","1.02.02.2.01.0001","Pelayanan Ibu Hamil","x","1","Orang","1.000.000.000,00","75.71.01"
        "2025","RENJA","final","\(dinkes)","Dinas Kesehatan","1.02.02.2.01.0001","Pelayanan Ibu Hamil","x","1","Orang","900.000.000,00","75.71.01"
        "2025","RKPD","final","\(dinkes)","Dinas Kesehatan","1.02.02.2.01.0002","Pelayanan Ibu Bersalin","x","1","Orang","500.000.000,00","75.71.01"
        "2025","RKPD","rancangan","\(dinkes)","Dinas Kesehatan","1.02.02.2.01.0003","Pelayanan Bayi Baru Lahir","x","1","Orang","200.000.000,00","75.71.01"
        "2025","RKPD","final","\(disdik)","Dinas Pendidikan","1.01.02.2.01.0001","Pembangunan Unit Sekolah Baru","x","1","Unit","2.000.000.000,00","75.71.03"
        "2025","RKPD","final","\(disdik)","Dinas Pendidikan","1.01.02.2.01.0002","Rehabilitasi Ruang Kelas","x","1","Unit","300.000.000,00","75.71.03"
        "2025","RKPD","final","\(dinkes)","Dinas Kesehatan","X.XX.01.2.01.0001","Penyusunan Dokumen Perencanaan","x","1","Dokumen","100.000.000,00","75.71.01"
        "2025","RKPD","final","\(dinkes)","Dinas Kesehatan","1.02.02.1.01.0009","Kode tingkat provinsi","x","1","Unit","10.000.000,00","75.71.01"
        "2025","RKPD","final","\(dinkes)","Dinas Kesehatan","1.03.03.2.01.0001","Urusan PU di Dinkes","x","1","Meter","20.000.000,00","75.71.01"
        "2024","RKPD","final","\(dinkes)","Dinas Kesehatan","1.02.02.2.01.0007","Tahun lain","x","1","Orang","999.000.000,00","75.71.01"

        """

    static func item(_ skpd: String, _ sub: String, _ akun: String, _ pagu: String, kas: [String]? = nil) -> String {
        let k = kas.map { ", \"anggaran_kas\": [\($0.joined(separator: ", "))]" } ?? ""
        return "{\"kode_skpd\": \"\(skpd)\", \"kode_sub_kegiatan\": \"\(sub)\", \"kode_akun\": \"\(akun)\", \"uraian\": \"x\", \"pagu\": \(pagu)\(k)}"
    }

    static func dpa(_ tahap: String, _ items: [String]) -> String {
        "{\"tahun\": 2025, \"kode_pemda\": \"75.71\", \"dokumen\": \"DPA\", \"tahap\": \"\(tahap)\", \"tanggal\": \"2025-01-02\", \"items\": [\n"
            + items.joined(separator: ",\n") + "\n]}\n"
    }

    static let murni = dpa("murni", [
        item(dinkes, "1.02.02.2.01.0001", "5.1.02.01.01.0024", "400000000",
             kas: Array(repeating: "33333333.33", count: 11) + ["33333333.37"]),
        item(dinkes, "1.02.02.2.01.0001", "5.1.02.01.01.0052", "600000000", kas: Array(repeating: "50000000", count: 12)),
        item(dinkes, "1.02.02.2.01.0001", "5.1.02.01.01.0026", "120000000", kas: Array(repeating: "10000001", count: 12)),
        item(dinkes, "1.02.02.2.01.0001", "4.1.01.06.01.0001", "5000000"),
        item(dinkes, "1.02.02.2.01.0003", "5.1.02.01.01.0024", "200000000"),
        item(dinkes, "X.XX.01.2.01.0001", "5.1.02.01.01.0024", "100000000"),
        item(dinkes, "1.02.02.1.01.0009", "5.1.02.01.01.0024", "10000000"),
        item(dinkes, "1.03.03.2.01.0001", "5.1.02.01.01.0024", "20000000"),
        item(disdik, "1.01.02.2.01.0001", "5.2.03.01.01.0001", "2000000000"),
        item(disdik, "1.01.02.2.01.0001", "5.1.02.01.01.0052", "50000000"),
        item(disdik, "1.01.02.2.01.0002", "5.1.02.01.01.0024", "300000000"),
    ])

    /// Only the Dinas Pendidikan changed in the perubahan; its 5.1.02.01.01.0052 line was dropped (ceiling 0).
    static let perubahan = dpa("perubahan", [
        item(disdik, "1.01.02.2.01.0001", "5.2.03.01.01.0001", "1500000000"),
        item(disdik, "1.01.02.2.01.0002", "5.1.02.01.01.0024", "100000000"),
    ])

    static let crosswalkKegiatan = """
        Kd_Urusan,Kd_Bidang,Kd_Unit,Kd_Sub,Kd_Prog,Kd_Keg,kode_skpd,kode_sub_kegiatan
        1,2,1,1,15,1,\(dinkes),1.02.02.2.01.0001
        1,1,1,1,16,1,\(disdik),1.01.02.2.01.0001
        1,1,1,1,16,2,\(disdik),1.01.02.2.01.0002

        """
    static let crosswalkRekening = """
        Kd_Rek_1,Kd_Rek_2,Kd_Rek_3,Kd_Rek_4,Kd_Rek_5,kode_akun
        5,2,2,1,4,5.1.02.01.01.0024
        5,2,2,11,2,5.1.02.01.01.0052
        5,2,1,2,1,5.1.02.02.01.0029
        5,2,3,26,1,5.2.03.01.01.0001

        """

    static func sp2d(_ tahun: Int, _ no: Int, _ date: String, spm: Int, keg: String, rek: String, _ nilai: String, pot: String = "0.00") -> String {
        let n = String(format: "%05d", no), s = String(format: "%05d", spm)
        return "\(tahun),\(n)/SP2D/LS/\(tahun),\(date) 00:00:00.000,\(s)/SPM/LS/\(tahun),\(date) 00:00:00.000,5,\(keg),\(rek),\(nilai),\(pot),,,,BANK SULUTGO,1,x"
    }

    static let sp2dCSV: String = {
        let header = "Tahun,No_SP2D,Tgl_SP2D,No_SPM,Tgl_SPM,Jn_SPM,Kd_Urusan,Kd_Bidang,Kd_Unit,Kd_Sub,Kd_Prog,Kd_Keg,Kd_Rek_1,Kd_Rek_2,Kd_Rek_3,Kd_Rek_4,Kd_Rek_5,Nilai,Potongan,Nm_Penerima,NIK_Penerima,NPWP,Bank_Penerima,Rek_Penerima,Keterangan"
        let kes = "1,2,1,1,15,1", usb = "1,1,1,1,16,1", rehab = "1,1,1,1,16,2"
        let atk = "5,2,2,1,4", mamin = "5,2,2,11,2", honor = "5,2,1,2,1", modal = "5,2,3,26,1"
        let lines = [
            header,
            sp2d(2025, 1, "2025-02-10", spm: 1, keg: kes, rek: atk, "33333333.33"),
            sp2d(2025, 1, "2025-02-10", spm: 1, keg: kes, rek: mamin, "100000000.00", pot: "10000000.00"),
            sp2d(2025, 2, "2025-03-10", spm: 2, keg: kes, rek: atk, "33333333.33"),
            sp2d(2025, 3, "2025-04-10", spm: 3, keg: kes, rek: atk, "333333333.34"),
            sp2d(2025, 4, "2025-05-05", spm: 4, keg: kes, rek: honor, "7500000.00"),
            sp2d(2025, 5, "2025-06-01", spm: 5, keg: usb, rek: modal, "900000000.00"),
            sp2d(2025, 6, "2025-08-01", spm: 6, keg: usb, rek: modal, "700000000.00"),
            sp2d(2025, 7, "2025-09-01", spm: 7, keg: usb, rek: mamin, "10000000.00"),
            sp2d(2025, 8, "2025-03-15", spm: 8, keg: rehab, rek: atk, "20000000.00"),
            sp2d(2025, 8, "2025-03-16", spm: 9, keg: rehab, rek: atk, "30000000.00"),
            sp2d(2025, 9, "2025-10-01", spm: 10, keg: kes, rek: mamin, "1000000.00", pot: "2000000.00"),
            sp2d(2024, 99, "2024-12-01", spm: 99, keg: kes, rek: honor, "5000000.00"),
        ]
        return lines.joined(separator: "\r\n") + "\r\n"
    }()

    /// Ingests the fixture into the test hub through the connectors (SIMDA through a copy with the fixture's crosswalk).
    static func load(into t: TestHub) throws {
        let plan = try t.write("rkpd_2025.csv", rkpd)
        let m = try t.write("dpa_2025_murni.json", murni)
        let p = try t.write("dpa_2025_perubahan.json", perubahan)
        let simda = try t.copyConnector("simda-keuangan", as: "simda-fixture")
        try crosswalkKegiatan.write(toFile: simda + "/crosswalk_kegiatan.csv", atomically: true, encoding: .utf8)
        try crosswalkRekening.write(toFile: simda + "/crosswalk_rekening.csv", atomically: true, encoding: .utf8)
        let s = try t.write("sp2d_2025.csv", sp2dCSV)
        for (connector, file) in [("sipd-perencanaan", plan), ("sipd-penganggaran", m), ("sipd-penganggaran", p), (simda, s)] {
            let summary = try t.ingest(connector, [file])
            #expect(summary.deadLettered == 0 && summary.rejectedFiles == 0, "fixture row rejected by \(connector)")
        }
    }
}

@Suite struct ReconcileTests {
    struct Expected: Hashable, CustomStringConvertible {
        var kind: String, skpd: String, sub: String?, akun: String?, amount: String
        var description: String { "\(kind) \(skpd) \(sub ?? "-") \(akun ?? "-") \(amount)" }
    }

    static func report(_ t: TestHub, year: Int = 2025, skpd: String? = nil) throws -> ReconciliationReport {
        Reconciler(data: try FiscalData.load(store: t.store, tahun: year, skpd: skpd)).run()
    }

    @Test func everyPlantedAnomalyIsFoundAndNothingElse() throws {
        let t = try TestHub()
        try Fixture2025.load(into: t)
        let r = try Self.report(t)
        let ks = Fixture2025.dinkes, dk = Fixture2025.disdik
        let expected: [Expected] = [
            .init(kind: "planned_not_budgeted", skpd: ks, sub: "1.02.02.2.01.0002", akun: nil, amount: "500000000.00"),
            .init(kind: "budgeted_not_planned", skpd: ks, sub: "1.02.02.2.01.0003", akun: nil, amount: "200000000.00"),
            .init(kind: "orphan_disbursement", skpd: ks, sub: "1.02.02.2.01.0001", akun: "5.1.02.02.01.0029", amount: "7500000.00"),
            // Above the perubahan ceiling (1.5 M) though below the murni one (2 M): the latest version is in force.
            .init(kind: "over_ceiling", skpd: dk, sub: "1.01.02.2.01.0001", akun: "5.2.03.01.01.0001", amount: "100000000.00"),
            // A line dropped in the perubahan has ceiling 0.
            .init(kind: "over_ceiling", skpd: dk, sub: "1.01.02.2.01.0001", akun: "5.1.02.01.01.0052", amount: "10000000.00"),
            .init(kind: "duplicate_sp2d_number", skpd: dk, sub: "1.01.02.2.01.0002", akun: nil, amount: "50000000.00"),
            // Level digit 1 in a kabupaten/kota (75.71), in the plan and in the DPA.
            .init(kind: "invalid_code", skpd: ks, sub: "1.02.02.1.01.0009", akun: nil, amount: "10000000.00"),
            .init(kind: "invalid_code", skpd: ks, sub: "1.02.02.1.01.0009", akun: "5.1.02.01.01.0024", amount: "10000000.00"),
            // A public-works sub kegiatan (1.03) under the health SKPD (1.02).
            .init(kind: "invalid_code", skpd: ks, sub: "1.03.03.2.01.0001", akun: nil, amount: "20000000.00"),
            .init(kind: "invalid_code", skpd: ks, sub: "1.03.03.2.01.0001", akun: "5.1.02.01.01.0024", amount: "20000000.00"),
            // A revenue account (4.x) in a spending budget.
            .init(kind: "invalid_code", skpd: ks, sub: "1.02.02.2.01.0001", akun: "4.1.01.06.01.0001", amount: "5000000.00"),
            // Anggaran kas 12 × 10,000,001 against a pagu of 120,000,000; potongan above nilai.
            .init(kind: "inconsistent_amounts", skpd: ks, sub: "1.02.02.2.01.0001", akun: "5.1.02.01.01.0026", amount: "12.00"),
            .init(kind: "inconsistent_amounts", skpd: ks, sub: "1.02.02.2.01.0001", akun: "5.1.02.01.01.0052", amount: "1000000.00"),
        ]
        let found = r.findings.map { Expected(kind: $0.kind.rawValue, skpd: $0.skpd, sub: $0.sub, akun: $0.akun, amount: $0.amount.description) }
        #expect(found.count == expected.count, "\(found)")
        #expect(Set(found) == Set(expected), "missing: \(Set(expected).subtracting(found)); unexpected: \(Set(found).subtracting(expected))")
        #expect(Set(Finding.Kind.allCases.map(\.rawValue)) == Set(found.map(\.kind)), "every kind is planted")
        #expect(r.notes.isEmpty)

        // Findings name their source records.
        let pnb = try #require(r.findings.first { $0.kind == .plannedNotBudgeted })
        #expect(pnb.records == ["2025|RKPD|final|\(ks)|1.02.02.2.01.0002"])
        let dup = try #require(r.findings.first { $0.kind == .duplicateSP2DNumber })
        #expect(dup.records.count == 2 && dup.records.allSatisfy { $0.hasPrefix("00008/SP2D/LS/2025#") })
        let over = try #require(r.findings.first { $0.kind == .overCeiling && $0.akun == "5.2.03.01.01.0001" })
        #expect(over.records.first == "2025|perubahan|\(dk)|1.01.02.2.01.0001|5.2.03.01.01.0001")
        #expect(over.records.count == 3)
    }

    /// A record whose codes break several rules is one `invalid_code` finding naming them all, as
    /// docs/reconciliation.md says: a finding per rule counted its amount once per rule in the findings' totals.
    @Test func aRecordBreakingTwoCodeRulesIsOneFinding() throws {
        let t = try TestHub()
        let ks = Fixture2025.dinkes
        // A provinsi's level digit (1) in a kabupaten's DPA, and a revenue account.
        let dpa = Fixture2025.dpa("murni", [Fixture2025.item(ks, "1.02.02.1.01.0009", "4.1.01.06.01.0001", "7000000")])
        _ = try t.ingest("sipd-penganggaran", [try t.write("dpa_2025_murni.json", dpa)])
        let invalid = try Self.report(t).findings.filter { $0.kind == .invalidCode }
        #expect(invalid.count == 1)
        #expect(invalid.first?.amount.description == "7000000.00")
        #expect(invalid.first.map { $0.message.contains("level digit 1") && $0.message.contains("is not a spending") } == true,
                "\(invalid.first?.message ?? "")")
    }

    @Test func totalsAreExactToTheSen() throws {
        let t = try TestHub()
        try Fixture2025.load(into: t)
        let r = try Self.report(t)
        // Plan in force: RKPD final (not the Renja, not the draft, not 2024).
        #expect(r.totalPlan.description == "3930000000.00")
        // Dinkes murni (no perubahan) + Disdik perubahan.
        #expect(r.totalBudget.description == "3055000000.00")
        #expect(r.totalRealisation.description == "2168500000.00")
        guard case .object(let o) = r.json, case .object(let versions)? = o["budget_versions"] else { Issue.record("json shape"); return }
        #expect(versions["murni"] == .string("3805000000.00") && versions["perubahan"] == .string("1600000000.00"))

        // Roll-up: sub kegiatan 1.02.02.2.01.0001 of Dinkes, its monthly realisation and cash plan.
        let dinkes = try #require(r.rollup.first { $0.kode == Fixture2025.dinkes })
        #expect(dinkes.level == "skpd" && dinkes.nama == "Dinas Kesehatan")
        let program = try #require(dinkes.children.first { $0.kode == "1.02.02" })
        let kegiatan = try #require(program.children.first { $0.kode == "1.02.02.2.01" })
        let sub = try #require(kegiatan.children.first { $0.kode == "1.02.02.2.01.0001" })
        #expect(sub.plan.description == "1000000000.00")
        #expect(sub.budgetInForce.description == "1125000000.00")
        #expect(sub.realisation.description == "508500000.00")
        #expect(sub.absorption == "45.20")
        #expect(sub.monthly[1].description == "133333333.33" && sub.monthly[3].description == "333333333.34")
        #expect(sub.kas[11].description == "93333334.37")
        #expect(kegiatan.realisation == program.children.reduce(.zero) { $0 + $1.realisation })
        let disdik = try #require(r.rollup.first { $0.kode == Fixture2025.disdik })
        #expect(disdik.budget["murni"]?.description == "2350000000.00" && disdik.budget["perubahan"]?.description == "1600000000.00")
        #expect(disdik.budgetInForce.description == "1600000000.00" && disdik.absorption == "103.75")
    }

    /// Two absurd SP2D amounts on one account (each near the most one amount may be) summed past 64 bits and
    /// trapped, ending the process (the server with it). Sums are now 128-bit and exact.
    @Test func absurdAmountsAddUpExactlyInsteadOfTrapping() throws {
        let t = try TestHub()
        try Fixture2025.load(into: t)
        let simda = t.dir + "/simda-fixture"
        let header = Fixture2025.sp2dCSV.components(separatedBy: "\r\n")[0]
        let kes = "1,2,1,1,15,1", atk = "5,2,2,1,4"
        let big = [header,
                   Fixture2025.sp2d(2025, 50, "2025-11-01", spm: 50, keg: kes, rek: atk, "90000000000000000.00"),
                   Fixture2025.sp2d(2025, 51, "2025-11-02", spm: 51, keg: kes, rek: atk, "90000000000000000.00")].joined(separator: "\r\n")
        let summary = try t.ingest(simda, [try t.write("sp2d_big.csv", big)])
        #expect(summary.accepted == 2)
        let r = try Self.report(t)
        #expect(r.totalRealisation.description == "180000002168500000.00")
        #expect(ReconciliationReport.rupiah(r.totalRealisation) == "180.000.002.168.500.000,00")
        let dinkes = try #require(r.rollup.first { $0.kode == Fixture2025.dinkes })
        #expect(dinkes.realisation.sen > 180_000_000_000_000_000_00)
        #expect(r.table().contains("180.000.002.168.500.000,00"))
        #expect(r.csv().contains(dinkes.realisation.description.replacingOccurrences(of: ".", with: ",")))
        #expect(r.json.jsonText.contains("180000002168500000.00"))
    }

    @Test func oneSKPD() throws {
        let t = try TestHub()
        try Fixture2025.load(into: t)
        let r = try Self.report(t, skpd: Fixture2025.disdik)
        #expect(r.rollup.map(\.kode) == [Fixture2025.disdik])
        #expect(Set(r.findings.map(\.kind)) == [.overCeiling, .duplicateSP2DNumber])
        #expect(r.totalRealisation.description == "1660000000.00")
    }

    /// A year (or SKPD) with no records at all says so: "0 findings" is not to be read as "reconciled".
    @Test func aYearWithNoRecordsSaysNothingWasReconciled() throws {
        let t = try TestHub()
        try Fixture2025.load(into: t)
        #expect(!(try Self.report(t).notes.contains { $0.contains("nothing was reconciled") }))
        #expect(try Self.report(t, year: 2031).notes == ["no planning, budget or SP2D records for 2031 in this hub: nothing was reconciled"])
        let none = try Self.report(t, skpd: "9.99.0.00.0.00.01.0000")
        #expect(none.findings.isEmpty && none.notes.contains { $0.contains("of SKPD 9.99.0.00.0.00.01.0000") && $0.contains("nothing was reconciled") })
    }

    @Test func jsonHasTheArchitectureShape() throws {
        let t = try TestHub()
        try Fixture2025.load(into: t)
        let text = try Self.report(t).json.jsonText
        guard case .object(let o) = try JSONParser.parse(text) else { Issue.record("not an object"); return }
        #expect(o["tahun"] == .int(2025))
        guard case .object(let totals)? = o["totals"] else { Issue.record("totals"); return }
        #expect(Set(totals.keys) == ["plan", "budget", "realisation"])
        #expect(totals["budget"] == .string("3055000000.00"))
        guard case .array(let findings)? = o["findings"], case .object(let f)? = findings.first,
              case .array? = o["rollup"] else { Issue.record("findings/rollup"); return }
        #expect(Set(f.keys).isSuperset(of: ["kind", "kode_skpd", "kode_sub_kegiatan", "kode_akun", "amount", "records", "message"]))
        if case .string(let amount)? = f["amount"] { #expect(amount.wholeMatch(of: /-?[0-9]+\.[0-9]{2}/) != nil) } else { Issue.record("amount is a string") }
    }

    @Test func csvOpensInASpreadsheet() throws {
        let t = try TestHub()
        try Fixture2025.load(into: t)
        let r = try Self.report(t)
        let csv = r.csv()
        #expect(Array(csv.utf8.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let lines = csv.dropFirst().components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let header = lines[0].components(separatedBy: ";")
        #expect(header.prefix(4) == ["Tingkat", "Kode", "Nama", "Rencana (pagu indikatif)"])
        #expect(header.contains("Realisasi") && header.contains("Serapan (%)") && header.count == 34)
        let skpd = try #require(lines.first { $0.hasPrefix("skpd;" + Fixture2025.disdik) }).components(separatedBy: ";")
        #expect(skpd.count == 34)
        #expect(skpd[7] == "1600000000,00" && skpd[8] == "1660000000,00" && skpd[9] == "103,75")
        let findings = r.csv(findings: true).dropFirst().components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(findings.count == 1 + r.findings.count)
        #expect(findings[0].hasPrefix("Jenis temuan;Kode SKPD"))
    }

    @Test func rupiahFormatting() {
        #expect(ReconciliationReport.rupiah(Money(sen: 125_000_000_000)) == "1.250.000.000,00")
        #expect(ReconciliationReport.rupiah(Money(sen: 5)) == "0,05")
        #expect(ReconciliationReport.rupiah(Money(sen: -123_456)) == "-1.234,56")
    }

    /// Sums computed straight from the sample files, independently of the connectors.
    @Test func referenceSamplesTotalsEqualTheSourceFiles() throws {
        let t = try TestHub()
        for c in ["sipd-perencanaan", "sipd-penganggaran", "simda-keuangan"] { _ = try t.ingest(c, [t.samples(c)]) }
        let r = try Self.report(t, year: 2024)

        // RKPD 2024 final: rows with a well-formed sub kegiatan and a non-negative readable pagu.
        var plan: Int64 = 0
        let rkpd = try String(contentsOfFile: t.samples("sipd-perencanaan") + "/rkpd_2024_final.csv", encoding: .utf8)
        for line in rkpd.split(whereSeparator: \.isNewline).dropFirst() {
            let f = line.dropFirst().dropLast().components(separatedBy: "\",\"")
            guard f[0] == "2024", f[1] == "RKPD", f[2] == "final", f[5].split(separator: ".").count == 6 else { continue }
            let parts = f[10].components(separatedBy: ",")
            let whole = parts[0].replacingOccurrences(of: ".", with: "")
            guard let w = Int64(whole), w >= 0 else { continue }
            plan += w * 100 + (parts.count > 1 ? Int64(parts[1])! : 0)
        }
        #expect(r.totalPlan.sen == plan && plan == 825_000_000_000)

        // DPA perubahan (the version in force for every SKPD in the samples): the sum of its pagu.
        let dpa = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: t.samples("sipd-penganggaran") + "/dpa_2024_perubahan.json"))) as! [String: Any]
        let budget = (dpa["items"] as! [[String: Any]]).reduce(Int64(0)) { $0 + ($1["pagu"] as! NSNumber).int64Value * 100 }
        #expect(r.totalBudget.sen == budget && budget == 692_000_000_000)

        // SIMDA: lines whose Nilai is a non-negative number and whose kegiatan is in the crosswalk.
        let dir = t.home.connectorsDir + "/simda-keuangan"
        let known = Set(try String(contentsOfFile: dir + "/crosswalk_kegiatan.csv", encoding: .utf8).split(whereSeparator: \.isNewline)
            .dropFirst().map { $0.split(separator: ",").prefix(6).joined(separator: ",") })
        var real: Int64 = 0
        for line in try String(contentsOfFile: dir + "/samples/sp2d_2024.csv", encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let n = f[17].split(separator: ".")
            guard known.contains(f[6...11].joined(separator: ",")), n.count == 2, let w = Int64(n[0]), w >= 0, let s = Int64(n[1]) else { continue }
            real += w * 100 + s
        }
        #expect(r.totalRealisation.sen == real && real == 476_416_666_667)
        #expect(Set(r.findings.map(\.kind)).isSuperset(of: [.orphanDisbursement, .overCeiling, .duplicateSP2DNumber]))
    }
}
