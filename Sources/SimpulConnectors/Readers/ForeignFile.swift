/// Files that are not text in the format a connector reads, told by their first bytes: a workbook saved instead of
/// its CSV, an archive not unpacked, a PDF, UTF-16 text. The whole file is then rejected with a reason that says
/// what it is and what to do, instead of as a header or JSON text that does not parse.
enum ForeignFile {
    /// nil when the file may be `format` (`CSV`, `JSON`, `NDJSON`); else the reason it is rejected. `head` is the
    /// file's first bytes (a few KiB are enough).
    static func reason(head: [UInt8], format: String) -> String? {
        func starts(_ magic: [UInt8]) -> Bool { head.starts(with: magic) }
        func holds(_ text: String) -> Bool {
            let t = Array(text.utf8)
            guard head.count >= t.count else { return false }
            return (0...(head.count - t.count)).contains { i in head[i..<(i + t.count)].elementsEqual(t) }
        }
        let saveAs = format == "CSV" ? "CSV (UTF-8)" : format
        if starts([0xFF, 0xFE]) || starts([0xFE, 0xFF]) {
            return "the file is UTF-16 (it starts with a UTF-16 byte-order mark): save or export it as UTF-8"
        }
        if starts([0x50, 0x4B, 0x03, 0x04]) || starts([0x50, 0x4B, 0x05, 0x06]) {
            if holds("xl/") || holds("[Content_Types].xml") {
                return "the file is an Excel workbook (.xlsx), not \(format): open it and save the sheet as \(saveAs)"
            }
            if holds("application/vnd.oasis.opendocument.spreadsheet") {
                return "the file is an OpenDocument spreadsheet (.ods), not \(format): open it and save the sheet as \(saveAs)"
            }
            return "the file is a ZIP archive, not \(format): unpack it and ingest the files inside"
        }
        if starts([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            return "the file is an Excel 97-2003 workbook (.xls) or another Office document, not \(format): open it and save the sheet as \(saveAs)"
        }
        if starts(Array("SQLite format 3\u{0}".utf8)) {
            return "the file is an SQLite database, not \(format): export the table as \(saveAs)"
        }
        if starts(Array("%PDF-".utf8)) {
            return "the file is a PDF document, not \(format): ask for the source system's \(format) export"
        }
        // Files given to `simpul ingest` are unpacked before a reader sees them; a pushed body is not.
        if starts([0x1F, 0x8B]) {
            return "the data is gzip-compressed, not \(format): push it with Content-Encoding: gzip, or uncompressed (simpul ingest unpacks .gz files)"
        }
        let archives: [(String, [UInt8])] = [("a 7-Zip archive", [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]),
                                             ("a RAR archive", Array("Rar!\u{1A}\u{07}".utf8)), ("bzip2-compressed", Array("BZh".utf8)),
                                             ("xz-compressed", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00])]
        if let (what, _) = archives.first(where: { starts($0.1) }) {
            return "the file is \(what), not \(format): unpack it first and ingest what it holds"
        }
        return nil
    }
}
