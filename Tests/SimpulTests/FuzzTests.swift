import Foundation
import SimpulConnectors
import SimpulIngest
import SimpulJSON
import SimpulNormalise
import SimpulPersons
import SimpulStorage
import SimpulTestSupport
import Testing

/// Odd values where real values go, through every normaliser and every reference connector's whole mapping and
/// schema: nothing may bring the process down (an overflow or a bad index traps in Swift, and a trap would end an
/// ingest run), and every row ends as records or a dead letter with a reason. Deterministic (a fixed seed).
@Suite struct FuzzTests {
    /// SplitMix64: a small, seedable generator, so a failure can be run again.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ a: [T]) -> T { a[below(a.count)] }
    }

    /// Pieces that real values are made of, and the ones that break naive code: long digit runs (overflow),
    /// separators in odd places, signs, exponents, month names, digits of other scripts, control characters.
    static let pieces = ["0", "1", "9", "12", "31", "2024", "1990", "7571014504900002", String(repeating: "9", count: 40),
                         String(repeating: "1", count: 19), ".", ",", "-", "/", ":", " ", "  ", "+", "E+15", "e", "E",
                         "Rp", "Rp.", "IDR", "Agustus", "Pebruari", "Desember", "T", "H.", "DRS.", ", S.PD", "MUH.",
                         "SITI", "é", "\u{0663}", "\u{FF11}", "😀", "\u{0}", "\t", "\n", "'", "\"", "NaN", "∞",
                         "-0", "00", "1e400", "0x1F", "|", ";", "#", String(repeating: "A", count: 300),
                         "AM", "PM", "Sep", "Sabtu,", "20240928", ".0", "12:00"]

    static func value(_ r: inout Random) -> String {
        var s = ""
        for _ in 0..<(1 + r.below(6)) { s += r.pick(pieces) }
        return r.below(20) == 0 ? "" : s
    }

    @Test func theNormalisersNeverTrap() {
        var r = Random(state: 20261127)
        for _ in 0..<20_000 {
            let s = Self.value(&r)
            _ = NIK.read(s)
            _ = NIK.decode(s)
            _ = NIK.scientificDigits(s)
            _ = NIK.oneDigitOff(s)
            _ = NIK.readingLetters(s)
            _ = try? DateNormaliser.date(s)
            _ = try? DateNormaliser.dateTime(s)
            _ = try? Money.parse(s, decimal: .comma)
            _ = try? Money.parse(s, decimal: .dot)
            _ = try? Money.parseNumberLiteral(s)
            _ = try? Wilayah.normalise(s)
            _ = try? Wilayah.fromParts([s, Self.value(&r), Self.value(&r), Self.value(&r)])
            _ = try? BudgetCodes.subKegiatan(s)
            _ = try? BudgetCodes.skpd(s)
            _ = try? BudgetCodes.akun(s)
            _ = PersonName.normalise(s)
            _ = Text.collapse(s)
            _ = Text.upper(s)
        }
    }

    @Test(arguments: ["dukcapil-siak", "sicantik", "oss-rba", "sipd-perencanaan", "sipd-penganggaran", "simda-keuangan"])
    func everyConnectorsMappingTakesOddValues(connector name: String) throws {
        let t = try TestHub()
        let connector = try t.hub.connector(name)
        let normaliser = try RowNormaliser(connector: connector, schemas: t.hub.schemas)
        var rows: [(fields: [String: JSONValue], root: [String: JSONValue])] = []
        let files = try FileManager.default.contentsOfDirectory(atPath: t.samples(name)).sorted()
        for f in files {
            let reader = connector.reader(try ByteInput(path: t.samples(name) + "/" + f))
            while let item = try? reader.next() {
                if case .row(let row) = item { rows.append((row.fields, (reader as? JSONDocumentReader)?.root ?? [:])) }
            }
        }
        try #require(!rows.isEmpty)
        var r = Random(state: UInt64(name.utf8.count) &* 7919)
        var records = 0, dead = 0
        for n in 0..<3_000 {
            var (fields, root) = rows[n % rows.count]
            let keys = Array(fields.keys)
            for _ in 0..<(1 + r.below(3)) {
                let k = r.pick(keys)
                fields[k] = Self.odd(fields[k], &r)
            }
            let write = normaliser.row(fields: fields, root: root, seq: r.below(3) == 0 ? nil : 1 + r.below(5), line: n + 2, raw: [])
            switch write.outcome {
            case .records: records += 1
            case .dead(let d):
                dead += 1
                #expect(!d.reason.isEmpty)
            case .deferred: Issue.record("a row nothing settled was deferred")
            }
        }
        #expect(records + dead == 3_000)
    }

    /// Odd rows as files in each person-bearing source's own format, ingested end to end and then through the
    /// person index: every file adds up (`read = accepted + unchanged + dead_lettered`) and nothing traps.
    @Test func oddRowsGoThroughIngestAndThePersonIndex() throws {
        let t = try TestHub()
        var r = Random(state: 42)
        for name in ["dukcapil-siak", "sicantik", "oss-rba", "simda-keuangan"] {
            let connector = try t.hub.connector(name)
            var rows: [[String: JSONValue]] = []
            var header: [String] = []
            for f in try FileManager.default.contentsOfDirectory(atPath: t.samples(name)).sorted() {
                let reader = connector.reader(try ByteInput(path: t.samples(name) + "/" + f))
                while let item = try? reader.next() { if case .row(let row) = item { rows.append(row.fields) } }
                if let csv = reader as? CSVReader { header = csv.header }
            }
            var odd: [[String: JSONValue]] = []
            for n in 0..<400 {
                var fields = rows[n % rows.count]
                let keys = Array(fields.keys)
                for _ in 0..<(1 + r.below(3)) {
                    let k = r.pick(keys)
                    fields[k] = header.isEmpty ? Self.odd(fields[k], &r) : .string(Self.value(&r))
                }
                odd.append(fields)
            }
            var text = ""
            switch name {
            case "sicantik":
                text = JSONValue.object(["status": .string("success"), "page": .int(1), "total_page": .int(1),
                                         "data": .array(odd.map { .object($0) })]).jsonText
            case "oss-rba":
                text = odd.map { JSONValue.object($0).jsonText }.joined(separator: "\n")
            default:
                let d = name == "dukcapil-siak" ? ";" : ","
                func q(_ v: JSONValue?) -> String { "\"" + (v?.stringValue ?? "").replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
                text = ([header.joined(separator: d)] + odd.map { f in header.map { q(f[$0]) }.joined(separator: d) }).joined(separator: "\r\n")
            }
            let summary = try t.ingest(name, [try t.write("\(name)-odd", text)])
            for f in summary.files { #expect(f.read == f.accepted + f.unchanged + f.deadLettered, "\(name)") }
            #expect(summary.read > 0, "\(name)")
        }
        _ = try PersonIndex(store: t.store, regions: try Regions(file: t.home.regionsFile)).update()
    }

    /// Every connector's sample files with bytes changed, cut or inserted, read through its reader from memory and
    /// through a small window: every item is a row or a malformed row, or the file is rejected; nothing traps.
    @Test func damagedFilesAreReadWithoutTrapping() throws {
        let t = try TestHub()
        var r = Random(state: 99)
        let damage: [[UInt8]] = [[0x22], [0x3B], [0x2C], [0x0A], [0x0D], [0x00], [0xFF], [0xEF, 0xBB, 0xBF], [0x7B], [0x5D],
                                 [0x5C], Array("\"\"".utf8), Array(String(repeating: "9", count: 5000).utf8)]
        for name in ["dukcapil-siak", "sicantik", "oss-rba", "sipd-perencanaan", "sipd-penganggaran", "simda-keuangan"] {
            let connector = try t.hub.connector(name)
            for f in try FileManager.default.contentsOfDirectory(atPath: t.samples(name)).sorted() {
                let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: t.samples(name) + "/" + f)))
                for n in 0..<60 {
                    var b = original
                    for _ in 0..<(1 + r.below(4)) {
                        let at = r.below(b.count + 1)
                        switch r.below(3) {
                        case 0: b.insert(contentsOf: r.pick(damage), at: at)
                        case 1: if at < b.count { b.removeSubrange(at..<min(b.count, at + 1 + r.below(20))) }
                        default: b = Array(b.prefix(at))
                        }
                    }
                    let path = try t.write("\(name)-\(n)", bytes: b)
                    for input in [ByteInput(bytes: b), try ByteInput(path: path, window: 3 + r.below(64))] {
                        let reader = connector.reader(input)
                        var items = 0
                        while let item = try? reader.next() {
                            items += 1
                            if case .malformed(_, _, let reason, _) = item { #expect(!reason.isEmpty) }
                            if items > 100_000 { Issue.record("\(name): a reader that never ends"); break }
                        }
                    }
                }
            }
        }
    }

    /// An odd value in place of `v`: a string of odd pieces, or (as a JSON source may send) a number, a boolean,
    /// null, an array or an object; inside arrays and objects, an odd value one level down.
    static func odd(_ v: JSONValue?, _ r: inout Random) -> JSONValue {
        switch (v, r.below(10)) {
        case (.array(let a)?, let k) where k < 5 && !a.isEmpty:
            var a = a
            let i = r.below(a.count)
            a[i] = odd(a[i], &r)
            return .array(a)
        case (.object(let o)?, let k) where k < 5 && !o.isEmpty:
            var o = o
            let key = r.pick(Array(o.keys))
            o[key] = odd(o[key], &r)
            return .object(o)
        case (_, 0): return .number(r.pick(["0", "-1", "1e400", "12345678901234567890123", "-0.0", "2.5", "7571014504900002"]))
        case (_, 1): return r.pick([.null, .bool(true), .array([]), .object([:]), .array([.string(value(&r))])])
        default: return .string(value(&r))
        }
    }
}
