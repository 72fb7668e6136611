import Foundation
import Testing
@testable import SimpulConnectors

/// The readers take an ordinary line in one piece from the input's window and fall back to reading byte by byte for
/// anything else (quotes, a line not yet in the window, the end of the file). Both ways must give the same items,
/// wherever the window's edges fall.
@Suite struct ReaderTests {
    static func describe(_ item: ReadItem) -> String {
        switch item {
        case .row(let r):
            let fields = r.fields.keys.sorted().map { "\($0)=\(r.fields[$0]!.stringValue ?? "?")" }.joined(separator: "|")
            return "row \(r.line) [\(fields)] raw=\(r.raw)"
        case .malformed(let line, let field, let reason, let raw):
            return "malformed \(line) \(field ?? "-") \(reason) raw=\(raw)"
        }
    }

    static func items(_ reader: RowReader) -> [String] {
        var out: [String] = []
        do {
            while let item = try reader.next() { out.append(describe(item)) }
        } catch {
            out.append("rejected \(error.reason)")
        }
        return out
    }

    static let csv: [UInt8] = {
        var b: [UInt8] = Array("\u{FEFF}A;B;C\r\n".utf8)
        b += Array("1;2;3\r\n".utf8)
        b += Array("4;\"x;y\";6\n".utf8)  // quoted delimiter
        b += Array("\"two\nlines\";8;9\n".utf8)  // a quoted line break
        b += Array("\n\r\n".utf8)  // blank lines
        b += Array("10;11\n".utf8)  // missing field
        b += Array("12;13;14;15\n".utf8)  // extra field
        b += Array("16;".utf8) + [0xFF, 0xFE] + Array(";18\n".utf8)  // invalid UTF-8
        b += Array("SITI;JOSÉ;Ñ\n".utf8)  // valid UTF-8 beyond ASCII
        b += Array("19;\(String(repeating: "Z", count: 3000));21\n".utf8)  // longer than small windows
        b += Array("22;\"unterminated;24\n".utf8)
        b += Array("25;26;27\n".utf8)
        b += Array("28;29;30".utf8)  // no final line feed
        return b
    }()

    @Test func csvLinesSplitInOnePassReadAsByteByByte() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simpul-readers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("a.csv").path
        try Data(Self.csv).write(to: URL(fileURLWithPath: path))
        var opt = CSVReader.Options()
        opt.delimiter = UInt8(ascii: ";")
        let slow = CSVReader(input: ByteInput(bytes: Self.csv), options: opt)
        slow.splitsPlainLines = false
        let expected = Self.items(slow)
        #expect(expected.count == 11)
        #expect(expected.contains { $0.hasPrefix("row 2 [A=1|B=2|C=3]") })
        #expect(expected.contains { $0.hasPrefix("malformed 8 - missing field(s)") })
        #expect(expected.contains { $0.hasPrefix("malformed 10 B invalid UTF-8") })
        #expect(expected.contains { $0.hasPrefix("row 11 [A=SITI|B=JOSÉ|C=Ñ]") })
        #expect(expected.last?.hasPrefix("row 15 [A=28|B=29|C=30]") == true)
        #expect(Self.items(CSVReader(input: ByteInput(bytes: Self.csv), options: opt)) == expected)
        for window in [1, 2, 7, 13, 64, 1000, 5000, 1 << 20] {
            let r = CSVReader(input: try ByteInput(path: path, window: window), options: opt)
            #expect(Self.items(r) == expected, "window \(window)")
        }
        // A line longer than the row limit is reported the same way on both paths.
        opt.maxRecordBytes = 1024
        let slowLimited = CSVReader(input: ByteInput(bytes: Self.csv), options: opt)
        slowLimited.splitsPlainLines = false
        let limited = Self.items(slowLimited)
        #expect(limited.contains { $0.contains("longer than the 1 KiB limit") })
        for window in [7, 512, 1 << 20] {
            #expect(Self.items(CSVReader(input: try ByteInput(path: path, window: window), options: opt)) == limited)
        }
    }

    @Test func ndjsonLinesReadTheSameWhateverTheWindow() throws {
        var b: [UInt8] = Array("\u{FEFF}{\"a\":1}\r\n\n  \n{\"b\":\"é\"}\nnot json\n[1]\n".utf8)
        b += Array("{\"long\":\"\(String(repeating: "x", count: 3000))\"}\n{\"last\":true}".utf8)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simpul-readers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("a.ndjson").path
        try Data(b).write(to: URL(fileURLWithPath: path))
        let expected = Self.items(NDJSONReader(input: ByteInput(bytes: b)))
        #expect(expected.count == 6)
        #expect(expected[0].hasPrefix("row 1 [a=?]"))
        #expect(expected[2].hasPrefix("malformed 5 - line is not valid JSON"))
        #expect(expected[5].hasPrefix("row 8 [last=?]"))
        for window in [1, 5, 64, 1 << 20] {
            #expect(Self.items(NDJSONReader(input: try ByteInput(path: path, window: window))) == expected, "window \(window)")
        }
        let limited = Self.items(NDJSONReader(input: ByteInput(bytes: b), maxLineBytes: 1024))
        #expect(limited.contains { $0.contains("longer than the 1 KiB limit") })
        #expect(Self.items(NDJSONReader(input: try ByteInput(path: path, window: 100), maxLineBytes: 1024)) == limited)
    }
}
