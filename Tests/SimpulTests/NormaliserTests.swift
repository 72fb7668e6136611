import Foundation
import SimpulNormalise
import Testing

@Suite struct NIKTests {
    @Test(arguments: [
        ("7571014504900002", "7571014504900002"), ("7571 0145 0490 0002", "7571014504900002"),
        ("757101.450490.0002", "7571014504900002"), ("'7571014504900002", "7571014504900002"),
        // Written back from a floating-point column (pandas): exact below 2^53.
        ("7571014504900002.0", "7571014504900002"), ("7571014504900001.00", "7571014504900001"),
    ])
    func validShapes(raw: String, nik: String) { #expect(NIK.read(raw) == .valid(nik)) }

    @Test func notANIK() {
        #expect(NIK.read("7.57101E+15") == .scientificNotation)
        #expect(NIK.read("7.57101e15") == .scientificNotation)
        #expect(NIK.read("7571011A03880001") == .containsLetter)
        #expect(NIK.read("757101450490000") == .wrongLength(15))
        #expect(NIK.read("  ") == .empty)
        // Past 2^53 a double rounds the last digit: the text stays what it is, 17 digits.
        #expect(NIK.read("9171014504900001.0") == .wrongLength(17))
        #expect(NIK.read("7571014504900002.5") == .wrongLength(17))
        #expect(NIK.read("757101450490002.0") == .wrongLength(15), "15 digits and a fraction, not a dotted NIK")
    }

    @Test func whatAnUnusableNIKStillSays() {
        // Scientific notation keeps the leading digits, rounded as a spreadsheet rounds them.
        #expect(NIK.scientificDigits("7.57101E+15") == "757101")
        #expect(NIK.scientificDigits("7,57101e15") == "757101")
        #expect(NIK.scientificDigits("7.5E+15") == "75")
        #expect(NIK.scientificDigits("3.4021E+15") == "340210", "a dropped trailing zero")
        #expect(NIK.scientificDigits("7.57101E+14") == nil, "not a 16-digit number")
        #expect(NIK.scientificDigits("75.7101E+15") == nil)
        #expect(NIK.scientificDigits("7571014504900002") == nil)
        #expect(NIK.rounds("7571014504900002", to: "757101"))
        #expect(NIK.rounds("7571016504900002", to: "757102"), "the seventh digit rounds the sixth up")
        #expect(!NIK.rounds("7571016504900002", to: "757101"))
        #expect(NIK.rounds("7571014504900002", to: "7571"))
        // Look-alike letters read as digits; one other letter is a digit nobody can read.
        #expect(NIK.readingLetters("7571O145O49OOOO2") == "7571014504900002")
        #expect(NIK.readingLetters("757l01 4504 9000 02") == "7571014504900002")
        #expect(NIK.readingLetters("7571014504K00002") == "7571014504?00002")
        #expect(NIK.readingLetters("75710145X4K00002") == nil, "two unreadable letters")
        #expect(NIK.readingLetters("7571014504900002") == nil, "nothing to read: already digits")
        #expect(NIK.readingLetters("7571O14504900") == nil, "wrong length")
        #expect(NIK.oneDigitOff("757101 450490002") == "757101450490002")
        #expect(NIK.oneDigitOff("75710145049000002") == "75710145049000002")
        #expect(NIK.oneDigitOff("7571014504900002") == nil && NIK.oneDigitOff("75710145049000") == nil)
    }

    @Test func decodesBirthDateSexAndRegion() throws {
        let d = try #require(NIK.decode("7571014504900002"))
        #expect(d.kodeKecamatan == "75.71.01")
        #expect(d.female && d.birthDay == 5 && d.birthMonth == 4 && d.birthYear2 == 90)
        #expect(d.problems.isEmpty)
        #expect(NIK.decode("7571011303880000")!.problems == ["serial 0000"])
    }
}

@Suite struct DateTests {
    @Test(arguments: [
        ("05-04-1990", "1990-04-05"), ("05/04/1990", "1990-04-05"), ("1990-04-05", "1990-04-05"),
        ("5 April 1990", "1990-04-05"), ("17 agustus 1945", "1945-08-17"), ("1 Des 2023", "2023-12-01"),
        ("2024-09-28 00:00:00.000", "2024-09-28"), ("29-02-2024", "2024-02-29"),
        // SQL Server's default style and style 112, a time after a month's name, a day name before the date.
        ("Sep 28 2024 12:00AM", "2024-09-28"), ("20240928", "2024-09-28"), ("28 Sep 2024 00:00", "2024-09-28"),
        ("Sabtu, 28 September 2024", "2024-09-28"), ("2024-09-28 00:00:00.0000000", "2024-09-28"),
    ])
    func shapes(raw: String, iso: String) throws { #expect(try DateNormaliser.date(raw) == iso) }

    // The last three trapped (a digit run too long for an Int) until FuzzTests found them.
    @Test(arguments: ["31-02-1990", "29-02-2023", "1990-13-01", "kemarin", "", "5 Foo 1990", "05-04-90", "00-01-2000",
                      "99999999999999999999-01-01", "01-01-99999999999999999999", "99999999999999999999 Mei 1990",
                      "20241328", "28092024", "Foo, 28 September 2024", "Sep 28 24", "Sep 31 2024"])
    func impossibleDates(raw: String) {
        #expect(throws: NormaliseError.self) { try DateNormaliser.date(raw) }
    }

    /// Against Foundation's Gregorian calendar as the reference for which dates exist: every day of 1799–2201 with
    /// days 0–32 and months 0–13, in each shape SOURCES.md lists, is read exactly when it is a real date in 1800–2200,
    /// and as that date.
    @Test func everyShapeAgainstTheGregorianCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let names = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
                     "November", "Desember"]
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var checked = 0
        for y in [1799, 1800, 1900, 1999, 2000, 2023, 2024, 2100, 2200, 2201] {
            for m in 0...13 {
                for d in 0...32 {
                    let exists = (1800...2200).contains(y) && (1...12).contains(m) && (1...31).contains(d)
                        && DateComponents(calendar: calendar, year: y, month: m, day: d).isValidDate
                    let iso = "\(y)-\(two(m))-\(two(d))"
                    var shapes = ["\(two(d))-\(two(m))-\(y)", "\(two(d))/\(two(m))/\(y)", iso, "\(iso) 00:00:00.000"]
                    if (1...12).contains(m) { shapes.append("\(d) \(names[m - 1]) \(y)") }
                    for raw in shapes {
                        checked += 1
                        let got = try? DateNormaliser.date(raw)
                        #expect(got == (exists ? iso : nil), "\(raw)")
                    }
                }
            }
        }
        #expect(checked > 5_000)
    }

    /// A date real only with its day and month swapped is read so where a connector asks (`{"date": {"swapped":
    /// "read"}}`), never when it is real as written or when both readings could be meant.
    @Test func aDateRealOnlySwapped() throws {
        #expect(DateNormaliser.swappedDate("04/25/1990") == "1990-04-25")
        #expect(DateNormaliser.swappedDate("4-25-1990") == "1990-04-25")
        #expect(DateNormaliser.swappedDate("1990-25-04") == "1990-04-25")
        #expect(DateNormaliser.swappedDate("02/29/2024 00:00:00") == "2024-02-29")
        for raw in ["05/04/1990", "13/13/1990", "02/30/1990", "31-02-1990", "25 April 1990", "1990-04-25", "0425/1990/01", ""] {
            #expect(DateNormaliser.swappedDate(raw) == nil, "\(raw)")
        }
    }

    @Test func datetimes() throws {
        #expect(try DateNormaliser.dateTime("2024-09-28 00:00:00.000") == "2024-09-28T00:00:00")
        #expect(try DateNormaliser.dateTime("2024-11-02 08:14:55") == "2024-11-02T08:14:55")
        #expect(try DateNormaliser.dateTime("2024-11-02") == "2024-11-02T00:00:00")
        #expect(throws: NormaliseError.self) { try DateNormaliser.dateTime("2024-11-02 25:00:00") }
        // A 12-hour clock, as SQL Server's default style and US spreadsheets write it.
        #expect(try DateNormaliser.dateTime("Sep 28 2024 12:00AM") == "2024-09-28T00:00:00")
        #expect(try DateNormaliser.dateTime("Sep 28 2024  1:30PM") == "2024-09-28T13:30:00")
        #expect(try DateNormaliser.dateTime("28/09/2024 12:15 PM") == "2024-09-28T12:15:00")
        #expect(try DateNormaliser.dateTime("28 Sep 2024 08:14:55") == "2024-09-28T08:14:55")
        for bad in ["Sep 28 2024 13:00PM", "Sep 28 2024 0:30AM"] {
            #expect(throws: NormaliseError.self, "\(bad)") { try DateNormaliser.dateTime(bad) }
        }
        // ISO 8601 with a zone, as APIs write it: the wall-clock time as written.
        for raw in ["2024-01-02T10:00:00+07:00", "2024-01-02T10:00:00+0700", "2024-01-02T10:00:00Z", "2024-01-02T10:00:00.000000Z",
                    "2024-01-02 10:00:00-05:00", "2024-01-02T10:00:00.5+07:00", "02/01/2024 10:00+07:00"] {
            #expect(try DateNormaliser.dateTime(raw) == "2024-01-02T10:00:00", "\(raw)")
        }
        for bad in ["2024-01-02T10:00:00+7", "2024-01-02T10:00:00X", "2024-01-02T10:00:00+07:00:00", "2024-01-02T10:00:00+ab:cd"] {
            #expect(throws: NormaliseError.self, "\(bad)") { try DateNormaliser.dateTime(bad) }
        }
    }
}

@Suite struct MoneyTests {
    @Test(arguments: [
        ("Rp 1.250.000", Money.DecimalMark.comma, "1250000.00"), ("Rp1.250.000,00", .comma, "1250000.00"),
        ("1.250.000.000,00", .comma, "1250000000.00"), ("1250000000", .comma, "1250000000.00"),
        ("116054631.00", .dot, "116054631.00"), ("11605463.10", .dot, "11605463.10"), ("0,5", .comma, "0.50"),
        ("(5.000)", .comma, "-5000.00"), ("IDR 7.500", .comma, "7500.00"),
        ("Rp -5.000", .comma, "-5000.00"), ("-Rp 5.000", .comma, "-5000.00"), ("- Rp5.000,50", .comma, "-5000.50"),
        ("Rp 1.250.000,-", .comma, "1250000.00"), ("Rp 750,--", .comma, "750.00"), ("1,250,000.00", .dot, "1250000.00"),
        ("Rp. 1.250.000", .comma, "1250000.00"), ("RP.1.250.000,00", .comma, "1250000.00"),
        // A spreadsheet's accounting format shows zero as a dash.
        ("-", .comma, "0.00"), ("Rp -", .comma, "0.00"), ("Rp. –", .comma, "0.00"), ("--", .dot, "0.00"),
        // A decimal sent as text (`"1250000.00"`) where `,` marks decimals: the dot cannot be grouping there.
        ("1250000.00", .comma, "1250000.00"), ("500.50", .comma, "500.50"), ("Rp 1250000.00", .comma, "1250000.00"),
        // And a decimal comma where `.` marks decimals (SIMDA saved from a spreadsheet in an Indonesian locale).
        ("24500000,00", .dot, "24500000.00"), ("500,50", .dot, "500.50"),
        // The other convention where it cannot be this one: a mark twice groups, of two marks the last is decimal.
        ("IDR 1,250,000", .comma, "1250000.00"), ("1,250,000.50", .comma, "1250000.50"), ("1.250.000", .dot, "1250000.00"),
        ("1.250.000,50", .dot, "1250000.50"), ("1,5", .comma, "1.50"), ("1.250", .dot, "1.25"),
    ])
    func parses(raw: String, mark: Money.DecimalMark, expected: String) throws {
        #expect(try Money.parse(raw, decimal: mark).description == expected)
    }

    @Test func exactSums() throws {
        // 0.1 + 0.2 in floating point is not 0.3; in sen it is.
        let a = try Money.parse("0.10", decimal: .dot), b = try Money.parse("0.20", decimal: .dot)
        #expect((a + b).description == "0.30")
        var total = Money.zero
        for _ in 0..<1_000_000 { total = total + a }
        #expect(total.description == "100000.00")
    }

    @Test(arguments: ["gratis", "", "1.5e6", "Rp", "1,234,567.891",
                      // a decimal point where '.' groups thousands: taken for grouping it would be 100 times the amount
                      "1.25", "12.50", "12.50.000", ".500", "1.2500", "1250000000.5", "Rp 1.250.000,-5",
                      "1,25,000", "1.250,000.00", "1,250,00", "12,50", "1250000,5"])
    func rejects(raw: String) {
        #expect(throws: NormaliseError.self) { try Money.parse(raw, decimal: raw.contains(",") ? .dot : .comma) }
    }

    @Test func numberLiterals() throws {
        #expect(try Money.parseNumberLiteral("1250000.5").description == "1250000.50")
        #expect(try Money.parseNumberLiteral("-3").sen == -300)
        #expect(try Money.parseNumberLiteral("12.3400").description == "12.34")
        #expect(throws: NormaliseError.self) { try Money.parseNumberLiteral("12.345") }
        // A JSON number's exponent is exact (a text field's scientific notation, rounded by a spreadsheet, is not:
        // `rejects` above).
        for (literal, want) in [("1e6", "1000000.00"), ("1.25E+9", "1250000000.00"), ("1.2345e3", "1234.50"), ("5e-1", "0.50"),
                                ("-2.5E2", "-250.00"), ("125E-2", "1.25"), ("0e0", "0.00"), ("1.5E-3", nil), ("1e41", nil), ("1e19", nil)] {
            if let want {
                #expect(try Money.parseNumberLiteral(literal).description == want, "\(literal)")
            } else {
                #expect(throws: NormaliseError.self, "\(literal)") { try Money.parseNumberLiteral(literal) }
            }
        }
    }
}

@Suite struct TextTests {
    /// A NUL, a stray 0x01 or DEL from a broken export is no part of a value: a space between words, none at the
    /// ends; clean text comes back as it was.
    @Test func controlCharactersAreSpaces() {
        #expect(Text.collapse("SITI\u{0}AMINAH") == "SITI AMINAH")
        #expect(Text.collapse("\u{1}JL. PANJAITAN\u{7F}") == "JL. PANJAITAN")
        #expect(Text.collapse("SITÍ\u{0}\u{85}AMINAH") == "SITÍ AMINAH", "C1 controls too, outside ASCII")
        #expect(Text.collapse("  SITI \t AMINAH\r\n") == "SITI AMINAH")
        #expect(Text.collapse("SITI AMINAH") == "SITI AMINAH")
        #expect(PersonName.normalise("hj. siti\u{0}aminah").nama == "SITI AMINAH")
    }
}

@Suite struct CodeTests {
    @Test func wilayah() throws {
        #expect(try Wilayah.normalise("7571011001") == "75.71.01.1001")
        #expect(try Wilayah.normalise("75.71.01.1001") == "75.71.01.1001")
        #expect(try Wilayah.normalise("'7571011001") == "75.71.01.1001", "a spreadsheet's text mark")
        #expect(try Wilayah.normalise("7571") == "75.71")
        #expect(try Wilayah.normalise("75 71 01 1001") == "75.71.01.1001", "segments apart by spaces")
        #expect(try Wilayah.normalise("75-71-01") == "75.71.01")
        #expect(throws: NormaliseError.self) { try Wilayah.normalise("757 101") }
        // A kabupaten or kecamatan code that lost its leading zero; province and village codes are never padded.
        #expect(try Wilayah.normalise("75.71.1.1001") == "75.71.01.1001")
        #expect(try Wilayah.normalise("75.1.4.2001") == "75.01.04.2001")
        #expect(try Wilayah.normalise("75.1") == "75.01")
        for bad in ["7.71.01.1001", "75.71.01.1", "75.71.0.1001", "75.71..1001"] {
            #expect(throws: NormaliseError.self, "\(bad)") { try Wilayah.normalise(bad) }
        }
        #expect(try Wilayah.fromParts(["75", "71", "1", "1001"]) == "75.71.01.1001")
        #expect(try Wilayah.fromParts(["75", "1", "4", "2001"]) == "75.01.04.2001")
        #expect(throws: NormaliseError.self) { try Wilayah.normalise("75.71.01.10") }
        #expect(throws: NormaliseError.self) { try Wilayah.normalise("757101100") }
        #expect(throws: NormaliseError.self) { try Wilayah.fromParts(["75", "x"]) }
    }

    @Test func budgetCodes() throws {
        #expect(try BudgetCodes.subKegiatan("1.02.02.2.01.01") == "1.02.02.2.01.0001")
        #expect(try BudgetCodes.subKegiatan("1.02.02.2.01.0001") == "1.02.02.2.01.0001")
        #expect(throws: NormaliseError.self) { try BudgetCodes.subKegiatan("1.02.2.01.0003") }
        #expect(throws: NormaliseError.self) { try BudgetCodes.subKegiatan("1.02.02.2.01.001") }
        #expect(try BudgetCodes.skpd("1.02.0.00.0.00.01.0000") == "1.02.0.00.0.00.01.0000")
        #expect(throws: NormaliseError.self) { try BudgetCodes.skpd("1.02.0.00.0.00.01") }
        #expect(try BudgetCodes.akun("5.1.02.01.01.0024") == "5.1.02.01.01.0024")
        #expect(throws: NormaliseError.self) { try BudgetCodes.akun("5.1.2.01.01.24") }
    }

    @Test(arguments: [
        ("hj. siti  aminah", "SITI AMINAH", ["HJ."]), ("SRI WAHYUNI LATIF, S.Pd", "SRI WAHYUNI LATIF", ["S.PD"]),
        ("DRS. H. ABDUL RAHMAN, M.Si", "ABDUL RAHMAN", ["DRS.", "H.", "M.SI"]), ("MUH. RIZAL HASAN", "MUH. RIZAL HASAN", []),
        ("  arifin   daud ", "ARIFIN DAUD", []), ("Ir. Budi", "BUDI", ["IR."]),
        ("haji ahmad  yusuf", "AHMAD YUSUF", ["HAJI"]), ("DRS BUDI", "BUDI", ["DRS"]), ("HAJI", "HAJI", []),
        ("HAJIRAH", "HAJIRAH", []),
        ("Hj.Siti Aminah", "SITI AMINAH", ["HJ."]), ("DR.IR.BUDI SANTOSO", "BUDI SANTOSO", ["DR.", "IR."]), ("H.M.RIZAL", "RIZAL", ["H.M."]),
        ("MUH.RIZAL HASAN", "MUH.RIZAL HASAN", []), ("SITI AMINAH, S.Kep., Ns.", "SITI AMINAH", ["S.KEP.", "NS."]),
        ("Apt. SITI AMINAH, S.Farm", "SITI AMINAH", ["APT.", "S.FARM"]), ("AHMAD DAUD (ALM)", "AHMAD DAUD", ["(ALM)"]),
        ("Almh. SITI AMINAH", "SITI AMINAH", ["ALMH."]), ("AHMAD BIN ABDULLAH", "AHMAD BIN ABDULLAH", []), ("H.", "H.", []),
        // Degrees without dots or a comma, at the end only, and never the whole name.
        ("Budi Santoso SE", "BUDI SANTOSO", ["SE"]), ("SITI AMINAH SPD MPD", "SITI AMINAH", ["SPD", "MPD"]),
        ("H. AHMAD YUSUF SH", "AHMAD YUSUF", ["H.", "SH"]), ("SE", "SE", []), ("SE BUDI", "SE BUDI", []), ("BUDI SE", "BUDI", ["SE"]),
        ("AHMAD S.PD M.PD", "AHMAD", ["S.PD", "M.PD"]), ("AHMAD S.PD, M.PD", "AHMAD", ["S.PD", "M.PD"]),
    ])
    func names(raw: String, nama: String, gelar: [String]) {
        let r = PersonName.normalise(raw)
        #expect(r.nama == nama)
        #expect(r.gelar == gelar)
    }
}
