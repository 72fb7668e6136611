import Foundation
import Testing
import SimpulJSON
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

    /// A fresh folder for a test's files; the test removes it.
    static func temporaryFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simpul-readers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
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
        let dir = try ReaderTests.temporaryFolder()
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

    /// Found by scripts/differential.sh csv: a quoted carriage return ending a line's last field was taken for the
    /// CR of a CRLF line end and dropped.
    @Test func aQuotedCarriageReturnAtTheEndOfALineIsKept() {
        var opt = CSVReader.Options()
        opt.delimiter = UInt8(ascii: ";")
        let text = "A;B\r\n1;\"x\r\"\r\n2;\"\r\"\n3;y\r\n4;\"\r\""
        let rows = Self.items(CSVReader(input: ByteInput(bytes: Array(text.utf8)), options: opt))
        #expect(rows.count == 4)
        #expect(rows[0].hasPrefix("row 2 [A=1|B=x\r]"))
        #expect(rows[1].hasPrefix("row 3 [A=2|B=\r]"))
        #expect(rows[2].hasPrefix("row 4 [A=3|B=y]"))
        #expect(rows[3].hasPrefix("row 5 [A=4|B=\r]"))
    }

    @Test func ndjsonLinesReadTheSameWhateverTheWindow() throws {
        var b: [UInt8] = Array("\u{FEFF}{\"a\":1}\r\n\n  \n{\"b\":\"é\"}\nnot json\n[1]\n".utf8)
        b += Array("{\"long\":\"\(String(repeating: "x", count: 3000))\"}\n{\"last\":true}".utf8)
        let dir = try ReaderTests.temporaryFolder()
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

/// JSON documents are read in two passes (check the whole document, then stream its records), so memory does not
/// grow with the number of records. What they yield must be what parsing the whole document gives.
@Suite struct JSONDocumentReaderTests {
    /// The reference: the whole document parsed at once (how documents were read before they were streamed).
    static func whole(_ bytes: [UInt8], path: [String], require: [String: JSONValue] = [:]) -> (items: [String], root: JSONValue?) {
        var b = bytes
        if b.starts(with: [0xEF, 0xBB, 0xBF]) { b.removeFirst(3) }
        if b.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return (["rejected empty file"], nil) }
        guard let parsed = try? JSONParser.parse(b, trackArrayAt: path) else { return (["rejected not valid JSON"], nil) }
        guard case .object(var o) = parsed.value else { return (["rejected the document is not a JSON object"], nil) }
        for (k, v) in require where o[k] != v { return (["rejected field '\(k)'"], nil) }
        var node = parsed.value
        for k in path {
            guard let n = node[k] else { return (["rejected no '\(path.joined(separator: "."))' array in the document"], nil) }
            node = n
        }
        if case .null = node { node = .array([]) }
        guard case .array(let a) = node else { return (["rejected '\(path.joined(separator: "."))' is not an array"], nil) }
        var items: [String] = []
        for (k, e) in a.enumerated() {
            let raw = JSONWriter.bytes(e)
            if case .object(let f) = e {
                items.append(ReaderTests.describe(.row(SourceRow(line: parsed.elementLines[k], fields: f, raw: raw))))
            } else {
                items.append(ReaderTests.describe(.malformed(line: parsed.elementLines[k], field: nil, reason: "record \(k + 1) is not a JSON object", raw: raw)))
            }
        }
        o.remove(path: path)
        return (items, .object(o))
    }

    static func streamed(_ input: ByteInput, path: [String], require: [String: JSONValue] = [:], maxRecordBytes: Int = 1 << 20)
        -> (items: [String], root: JSONValue?)
    {
        let r = JSONDocumentReader(input: input, recordPath: path, require: require, maxRecordBytes: maxRecordBytes)
        // A record's raw text is the record as written in the file; compared here in canonical form (what the
        // whole document's parse can give), after checking that it is the record.
        var items: [String] = []
        do {
            while let item = try r.next() {
                switch item {
                case .row(let row):
                    let value = try? JSONParser.parse(row.raw)
                    #expect(value == .object(row.fields))
                    items.append(ReaderTests.describe(.row(SourceRow(line: row.line, fields: row.fields, raw: value.map(JSONWriter.bytes) ?? row.raw))))
                case .malformed(let line, let field, let reason, let raw):
                    let canonical = (try? JSONParser.parse(raw)).map(JSONWriter.bytes) ?? raw
                    items.append(ReaderTests.describe(.malformed(line: line, field: field, reason: reason, raw: canonical)))
                }
            }
        } catch {
            items.append("rejected \(error.reason)")
        }
        if items.first?.hasPrefix("rejected") == true { return (items, nil) }
        return (items, .object(r.root))
    }

    static let documents: [(String, [String])] = [
        (#"{"status":"success","page":1,"data":[{"id":1},{"id":2,"s":"a\"b]}[{\\"}]}"#, ["data"]),
        ("\u{FEFF}{\r\n  \"status\": \"success\",\r\n  \"data\": [\r\n    {\"id\": 1,\r\n     \"nama\": \"SITI\"},\r\n\r\n    {\"id\": 2}\r\n  ],\r\n  \"total_page\": 3\r\n}\r\n", ["data"]),
        (#"{"data":[]}"#, ["data"]),
        (#"{"data":null,"page":3}"#, ["data"]),
        (#"{"data":"x"}"#, ["data"]),
        (#"{"page":1}"#, ["data"]),
        (#"{"data":[{"a":1}],"tahun":2024,"status":"success","nested":{"data":[9]}}"#, ["data"]),
        (#"{"data":[1,{"a":2},"x",[3],null]}"#, ["data"]),
        (#"{"result":{"page":2,"items":[{"a":1},{"a":2}]},"x":1}"#, ["result", "items"]),
        (#"{"data":[{"a":1}],"data":[{"b":2}]}"#, ["data"]),
        (#"{"data":[{"a":1}],"data":null}"#, ["data"]),
        (#"{"items":[{"nama":"JOSÉ","n":-1.5e3}]}"#, ["items"]),
        // Not valid JSON: the whole file is rejected, none of its records read.
        (#"{"status":"success","data":[{"id":2,"tgl"#, ["data"]),
        (#"{"data":[{"a":1}],"status":"succ"#, ["data"]),
        (#"{"data":[{"a":tru}]}"#, ["data"]),
        (#"{"data":[{"a":1}{"a":2}]}"#, ["data"]),
        (#"{"data":[{"a":1},]}"#, ["data"]),
        (#"{"data":[]} x"#, ["data"]),
        (#"{data:[]}"#, ["data"]),
        (#"{"a" 1,"data":[]}"#, ["data"]),
        (#"{"a":1 "data":[]}"#, ["data"]),
        ("{\"data\":[{\"a\":\"\u{1}\"}]}", ["data"]),
        ("  \n ", ["data"]),
        (#"[1,2]"#, ["data"]),
    ]

    /// A record's raw text (what its dead letter shows) is the record as the file wrote it, as for NDJSON lines.
    @Test func aRecordsRawTextIsAsWritten() throws {
        let text = "{\"data\": [{\"id\": 1,\r\n  \"nama\": \"SITI\"}, {\"id\":2}]}"
        let r = JSONDocumentReader(input: ByteInput(bytes: Array(text.utf8)), recordPath: ["data"])
        guard case .row(let first)? = try r.next(), case .row(let second)? = try r.next() else { Issue.record("two rows expected"); return }
        #expect(String(decoding: first.raw, as: UTF8.self) == "{\"id\": 1,\r\n  \"nama\": \"SITI\"}")
        #expect(String(decoding: second.raw, as: UTF8.self) == "{\"id\":2}")
    }

    @Test func streamedRecordsAreTheWholeDocumentsRecords() throws {
        let dir = try ReaderTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (k, (text, path)) in Self.documents.enumerated() {
            let bytes = Array(text.utf8)
            let expected = Self.whole(bytes, path: path)
            let file = dir.appendingPathComponent("\(k).json").path
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            var inputs: [(String, ByteInput)] = [("memory", ByteInput(bytes: bytes))]
            for w in [1, 3, 16, 1 << 20] { inputs.append(("window \(w)", try ByteInput(path: file, window: w))) }
            for (how, input) in inputs {
                let got = Self.streamed(input, path: path)
                if expected.items.first?.hasPrefix("rejected") == true {
                    // The reasons are worded by each reader; what matters is that the file is rejected, for the same kind of reason.
                    #expect(got.items.count == 1 && got.items[0].hasPrefix(String(expected.items[0].prefix(20))), "document \(k), \(how): \(got.items)")
                } else {
                    #expect(got.items == expected.items, "document \(k), \(how)")
                    #expect(got.root == expected.root, "document \(k), \(how)")
                }
            }
        }
    }

    @Test func aRecordOverTheLimitIsOneMalformedRowAndTheRestGoOn() throws {
        let big = String(repeating: "x", count: 5000)
        let bytes = Array(#"{"status":"success","data":[{"id":1},{"id":2,"s":"\#(big)"},{"id":3}]}"#.utf8)
        let got = Self.streamed(ByteInput(bytes: bytes), path: ["data"], maxRecordBytes: 1024)
        #expect(got.items.count == 3)
        #expect(got.items[0].hasPrefix("row 1 [id=?]"))
        #expect(got.items[1].hasPrefix("malformed 1 - record 2 is larger than the 1 KiB limit"))
        #expect(got.items[2].hasPrefix("row 1 [id=?]"))
        #expect(got.root == .object(["status": .string("success")]))
        let rejected = Self.streamed(ByteInput(bytes: Array(#"{"status":"error","message":"token expired","data":null}"#.utf8)),
                                     path: ["data"], require: ["status": .string("success")])
        #expect(rejected.items == [#"rejected field 'status' must be "success", got "error" (token expired)"#])
    }
}
