import Foundation
import SimpulJSON

/// Streaming CSV (RFC 4180 with the quirks of real exports): any one-byte delimiter, optional quotes, `""`
/// escapes, CRLF or LF, a UTF-8 BOM, a header row. Memory is bounded by ``CSVReader/Options/maxRecordBytes``.
///
/// Recovery: a quote that is never closed, or a quoted field that swallowed line breaks and left the record with
/// the wrong number of fields, costs only its first physical line: that line is reported malformed and reading
/// resumes on the next line, so nothing after it is lost.
public final class CSVReader: RowReader {
    public struct Options: Sendable {
        public var delimiter: UInt8 = UInt8(ascii: ",")
        public var quote: UInt8 = UInt8(ascii: "\"")
        public var maxRecordBytes = 1 << 20
        /// Columns the header must name (the source key's); a header without them rejects the file.
        public var requiredColumns: [String] = []
        /// The columns the mapping reads, as it spells them: a header naming one in another case (`nik`, `Nama_Lgkp`)
        /// is read as if it were spelled so.
        public var knownColumns: [String] = []
        /// Field texts that mean "no value" (`NULL`, as SQL Server's tools write it): such a field is read as empty.
        public var nullValues: [String] = []
        public init() {}
    }

    let input: ByteInput
    /// Its delimiter changes when the header shows the file was written with another (see ``next()``).
    private(set) var opt: Options
    public private(set) var header: [String] = []
    /// Every header name mapped to null, and where each column's value sits in it: a row copies this dictionary
    /// and stores its values by position, instead of hashing every column name again for every row.
    var template: [String: JSONValue] = [:]
    var slots: [Dictionary<String, JSONValue>.Index] = []
    var line = 1
    var started = false
    /// The header's fields and line as written: a row that repeats them is the header again (exports joined with
    /// `cat`, each with its header and perhaps its BOM), not data.
    var headerFields: [[UInt8]] = []
    var headerLine: [UInt8] = []
    /// Whether a line without quotes is split in one pass (``nextPlainLine()``); off only to test that both paths agree.
    var splitsPlainLines = true

    public init(input: ByteInput, options: Options) {
        self.input = input
        opt = options
    }

    struct RawRecord {
        var fields: [[UInt8]]
        var raw: [UInt8]
        var startLine: Int
        var physicalLines: Int
        var afterFirstNewline: Int?  // absolute offset just after the first line break inside the record
        var firstLineRaw: [UInt8]
        var unterminated: Bool
        var oversized: Bool
        /// Whether a closing quote was followed by text before the next delimiter or line end (`"ab"c`): what a
        /// stray quote leaves when it swallows line breaks and closes on another field's opening quote.
        var textAfterClosingQuote: Bool
    }

    /// Reads one physical record (which may span lines inside quotes). nil at end of input.
    func readRecord() -> RawRecord? {
        guard input.peek() != nil else { return nil }
        var fields: [[UInt8]] = []
        var field: [UInt8] = []
        var raw: [UInt8] = []
        raw.reserveCapacity(256)
        var inQuotes = false
        var fieldStart = true
        var physical = 1
        var afterNL: Int? = nil
        var firstLineRaw: [UInt8]? = nil
        var oversized = false
        // Whether the field's last byte is a carriage return read outside quotes: only that one belongs to a CRLF
        // line end (a quoted "\r" at the end of a line is the field's value).
        var bareCR = false
        var justClosed = false
        var textAfterClosingQuote = false
        let startLine = line
        let d = opt.delimiter, q = opt.quote
        while let b = input.next() {
            if !oversized {
                raw.append(b)
                if raw.count > opt.maxRecordBytes {
                    oversized = true
                    field = []
                    fields = []
                }
            }
            if inQuotes {
                if b == q {
                    if input.peek() == q {
                        _ = input.next()
                        if !oversized { raw.append(q); field.append(q) }
                    } else {
                        inQuotes = false
                        bareCR = false
                        justClosed = true
                    }
                } else {
                    if b == 0x0A {
                        physical += 1
                        if afterNL == nil {
                            afterNL = input.offset
                            firstLineRaw = Array(raw.dropLast())
                        }
                    }
                    if !oversized { field.append(b) }
                }
                continue
            }
            if justClosed {
                justClosed = false
                if b != d && b != 0x0A && b != 0x0D { textAfterClosingQuote = true }
            }
            if b == q && fieldStart {
                inQuotes = true
                fieldStart = false
                continue
            }
            if b == d {
                if !oversized { fields.append(field) }
                field = []
                fieldStart = true
                bareCR = false
                continue
            }
            if b == 0x0A {
                line += physical
                if !oversized {
                    if bareCR { field.removeLast() }
                    fields.append(field)
                    raw.removeLast()
                    if raw.last == 0x0D { raw.removeLast() }
                }
                return RawRecord(fields: fields, raw: raw, startLine: startLine, physicalLines: physical,
                                 afterFirstNewline: afterNL, firstLineRaw: firstLineRaw ?? raw, unterminated: false,
                                 oversized: oversized, textAfterClosingQuote: textAfterClosingQuote)
            }
            fieldStart = false
            if !oversized { field.append(b) }
            bareCR = b == 0x0D
        }
        // End of input.
        line += physical
        if !oversized {
            if bareCR && !inQuotes { field.removeLast() }
            fields.append(field)
        }
        if raw.last == 0x0D { raw.removeLast() }
        return RawRecord(fields: fields, raw: raw, startLine: startLine, physicalLines: physical,
                         afterFirstNewline: afterNL, firstLineRaw: firstLineRaw ?? raw, unterminated: inQuotes,
                         oversized: oversized, textAfterClosingQuote: textAfterClosingQuote)
    }

    /// The fast path: a whole line in the input's window with no quote in it is one record, split where the
    /// delimiters are. nil when the line needs ``readRecord()`` (a quote, no line feed yet, too long, end of input).
    func nextPlainLine() -> PlainLine? {
        guard let span = input.lineSpan(limit: opt.maxRecordBytes),
              memchr(span.baseAddress!, Int32(opt.quote), span.count) == nil else { return nil }
        let startLine = line
        input.advance(span.count + 1)
        line += 1
        var n = span.count
        if n > 0 && span[n - 1] == 0x0D { n -= 1 }
        let bytes = UnsafeBufferPointer(rebasing: span[0..<n])
        if n == 0 { return .blank }
        if isHeaderAgain(bytes) { return .blank }
        var ascii: UInt8 = 0
        var columns = 1
        let d = opt.delimiter
        for b in bytes {
            ascii |= b
            if b == d { columns += 1 }
        }
        if columns != header.count { return .item(wrongFieldCount(columns, line: startLine, raw: Array(bytes))) }
        var obj = template
        var k = 0
        var from = 0
        for i in 0...n {
            guard i == n || bytes[i] == d else { continue }
            let field = UnsafeBufferPointer(rebasing: bytes[from..<i])
            let s: String
            if ascii < 0x80 {
                s = String(decoding: field, as: UTF8.self)
            } else {
                guard let v = String(validating: field, as: UTF8.self) else {
                    return .item(invalidUTF8(column: k, line: startLine, raw: Array(bytes)))
                }
                s = v
            }
            obj.values[slots[k]] = value(s)
            k += 1
            from = i + 1
        }
        return .item(.row(SourceRow(line: startLine, fields: obj, raw: Array(bytes))))
    }

    /// Whether an unquoted line is the header's line again, with or without a BOM in front.
    @inline(__always) func isHeaderAgain(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let h = headerLine.count
        guard h > 0, bytes.count == h || (bytes.count == h + 3 && bytes[0] == 0xEF) else { return false }
        return bytes.suffix(h).elementsEqual(headerLine)
    }

    /// Whether a record's fields are the header's again (the first may carry a BOM).
    func isHeaderAgain(fields: [[UInt8]]) -> Bool {
        guard fields.count == headerFields.count, let first = fields.first else { return false }
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        var firstField = first.starts(with: bom) ? Array(first.dropFirst(3)) : first
        // After a BOM the opening quote is no longer at the field's start, so it was read as text: `"tahun"`.
        if first.starts(with: bom), firstField.count >= 2, firstField.first == opt.quote, firstField.last == opt.quote {
            firstField = Array(firstField.dropFirst().dropLast())
        }
        return firstField == headerFields[0] && zip(fields.dropFirst(), headerFields.dropFirst()).allSatisfy { $0 == $1 }
    }

    enum PlainLine {
        case item(ReadItem)
        case blank
    }

    /// A field's value: its text, or empty when it is one of the texts meaning no value (`Options.nullValues`).
    @inline(__always) func value(_ s: String) -> JSONValue {
        .string(opt.nullValues.isEmpty || !opt.nullValues.contains(s) ? s : "")
    }

    /// A row with another number of fields than the header (both paths word it alike).
    func wrongFieldCount(_ count: Int, line: Int, raw: [UInt8]) -> ReadItem {
        let what = count < header.count ? "missing field(s)" : "extra field(s)"
        return .malformed(line: line, field: nil, reason: "\(what): \(count) fields, expected \(header.count)", raw: raw)
    }

    func invalidUTF8(column k: Int, line: Int, raw: [UInt8]) -> ReadItem {
        .malformed(line: line, field: header[k], reason: "invalid UTF-8 in column \(header[k])", raw: raw)
    }

    func recoverAfterFirstLine(_ r: RawRecord) {
        if let off = r.afterFirstNewline {
            input.seek(to: off)
            line = r.startLine + 1
        }
    }

    static let noHeader = FileRejection("empty file: no header row")
    static let malformedHeader = FileRejection("the header row is malformed (unterminated quote or too long)")

    /// The header row's column names: trimmed, and in the connector's spelling where only their case differs; nil
    /// for an empty line or the end of the file.
    private func readHeader() throws(FileRejection) -> [String]? {
        guard let h = readRecord(), !(h.fields.count == 1 && h.fields[0].isEmpty) else { return nil }
        if h.unterminated || h.oversized { throw Self.malformedHeader }
        headerFields = h.fields
        headerLine = h.raw.contains(opt.quote) ? [] : h.raw
        var names: [String] = []
        for f in h.fields {
            guard let s = String(validating: f, as: UTF8.self) else { throw FileRejection("the header row is not valid UTF-8") }
            names.append(s.trimmingCharacters(in: .whitespaces))
        }
        // Column names in another case than the connector's (another export tool, a spreadsheet that saved them
        // in lower case): named as the connector spells them, unless that name is there as it is.
        if !opt.knownColumns.isEmpty {
            let known = Dictionary(opt.knownColumns.map { ($0.uppercased(), $0) }, uniquingKeysWith: { a, _ in a })
            let present = Set(names)
            for i in names.indices where !opt.knownColumns.contains(names[i]) {
                if let k = known[names[i].uppercased()], !present.contains(k) { names[i] = k }
            }
        }
        // Columns without a name (a spreadsheet pads rows with delimiters: `…;TGL_UPDATE;;`) are no mapping's, but
        // their values stay in the raw log: the second and later are named by their position (`_24`).
        var unnamed = 0
        for i in names.indices where names[i].isEmpty {
            unnamed += 1
            if unnamed > 1 { names[i] = "_\(i + 1)" }
        }
        if Set(names).count != names.count { throw FileRejection("the header row names a column twice") }
        return names
    }

    /// How many lines from the top may hold the header: a spreadsheet often has a title and a blank line above
    /// the table (`DATA PENDUDUK KEC. KOTA BARAT`).
    static let headerSearchLines = 10

    /// The header row: the first line, or when that lacks the source key's columns one of the next few lines (the
    /// title rows above a spreadsheet's table are not the header, and hold no data). When none has them, the file
    /// is rejected with what the first line lacks.
    private func findHeader() throws(FileRejection) -> [String] {
        var firstFailure: FileRejection? = nil
        for _ in 0..<Self.headerSearchLines {
            if input.peek() == nil { break }
            let start = input.offset, startLine = line
            do {
                guard let names = try header(at: start, line: startLine) else { continue }  // a blank line
                if opt.requiredColumns.allSatisfy(names.contains) { return names }
                if firstFailure == nil { firstFailure = missingColumns(names) }
            } catch {
                if firstFailure == nil { firstFailure = error }
                // An unterminated quote or an overlong line: what follows is not to be trusted as a header.
                if error == Self.malformedHeader { break }
            }
        }
        throw firstFailure ?? Self.noHeader
    }

    /// The line at `start` read as the header; when it is one column holding another delimiter (a spreadsheet in
    /// another locale writes `,` for `;`) and that delimiter gives every column the source key needs, read so, and
    /// the file with it.
    private func header(at start: Int, line startLine: Int) throws(FileRejection) -> [String]? {
        guard let names = try readHeader() else { return nil }
        guard !opt.requiredColumns.allSatisfy(names.contains), names.count == 1 else { return names }
        let mine = opt.delimiter
        for other in [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09, UInt8(ascii: "|")] where other != mine && names[0].utf8.contains(other) {
            opt.delimiter = other
            input.seek(to: start)
            line = startLine
            if let again = try? readHeader(), opt.requiredColumns.allSatisfy(again.contains) { return again }
        }
        // Read again with this connector's delimiter, so the reader stands after this line as it read it.
        opt.delimiter = mine
        input.seek(to: start)
        line = startLine
        return try readHeader()
    }

    /// Why a header row is not this connector's: the source key's columns it lacks, and the delimiter it seems to
    /// have been written with.
    private func missingColumns(_ names: [String]) -> FileRejection {
        let missing = opt.requiredColumns.filter { !names.contains($0) }
        var reason = "the header row has no column \(missing.joined(separator: ", ")), which the source key needs"
        if names.count == 1, let other = [",", ";", "\t", "|"].first(where: { names[0].contains($0) && $0.utf8.first != opt.delimiter }) {
            let shown = other == "\t" ? "tab" : "'\(other)'"
            reason += " (its columns are separated by \(shown), this connector reads '\(String(decoding: [opt.delimiter], as: UTF8.self))')"
        }
        return FileRejection(reason)
    }

    public func next() throws(FileRejection) -> ReadItem? {
        if !started {
            started = true
            let head = input.head(1 << 16)
            // UTF-16 (Excel's "Unicode Text"), a workbook, an archive: told as such, instead of as a header that is
            // not UTF-8.
            if let foreign = ForeignFile.reason(head: Array(head.prefix(4096)), format: "CSV") { throw FileRejection(foreign) }
            // Lines ended by a carriage return alone (a classic Mac spreadsheet's "CSV (Macintosh)"): no line feed
            // at the top of the file, but carriage returns.
            if head.contains(0x0D) && !head.contains(0x0A) { input.carriageReturnsEndLines = true }
            // Byte-order mark.
            if input.peek() == 0xEF {
                _ = input.next()
                guard input.next() == 0xBB, input.next() == 0xBF else { throw FileRejection("file starts with an invalid byte sequence (not UTF-8)") }
            }
            let names = try findHeader()
            header = names
            template.reserveCapacity(names.count)
            for n in names { template[n] = .null }
            slots = names.map { template.index(forKey: $0)! }
        }
        while true {
            switch splitsPlainLines ? nextPlainLine() : nil {
            case .item(let item)?: return item
            case .blank?: continue
            case nil: break
            }
            guard let r = readRecord() else { return nil }
            if r.oversized {
                if r.unterminated, r.afterFirstNewline != nil {
                    recoverAfterFirstLine(r)
                    return .malformed(line: r.startLine, field: nil, reason: "unterminated quote: the row was read up to the end of its line", raw: r.firstLineRaw)
                }
                return .malformed(line: r.startLine, field: nil, reason: "row is longer than the \(opt.maxRecordBytes / 1024) KiB limit", raw: r.raw)
            }
            if r.fields.count == 1 && r.fields[0].isEmpty && r.raw.isEmpty { continue }  // blank line
            if r.unterminated {
                recoverAfterFirstLine(r)
                return .malformed(line: r.startLine, field: nil, reason: "unterminated quote", raw: r.firstLineRaw)
            }
            // Text after a closing quote in a record over several lines (`"ab"c`): a stray quote swallowed the line
            // breaks and closed on a later field's opening quote, whatever number of fields that gave (the same
            // column quoted in the next row gives the header's number, and that row would vanish into this one's
            // address). The first line is the bad row; reading starts again on the next.
            if r.physicalLines > 1 && r.textAfterClosingQuote {
                recoverAfterFirstLine(r)
                return .malformed(line: r.startLine, field: nil,
                                  reason: "unbalanced quote: a quote opened on this line closes on a later one, with text after it",
                                  raw: r.firstLineRaw)
            }
            // Quotes that all close cleanly: one row (an address over two lines), whatever its number of fields.
            if r.fields.count != header.count { return wrongFieldCount(r.fields.count, line: r.startLine, raw: r.raw) }
            if isHeaderAgain(fields: r.fields) { continue }
            var obj = template
            var bad: Int? = nil
            for (k, f) in r.fields.enumerated() {
                guard let s = String(validating: f, as: UTF8.self) else {
                    bad = k
                    break
                }
                obj.values[slots[k]] = value(s)
            }
            if let bad {
                return invalidUTF8(column: bad, line: r.startLine, raw: r.raw)
            }
            return .row(SourceRow(line: r.startLine, fields: obj, raw: r.raw))
        }
    }
}
