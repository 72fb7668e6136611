#if canImport(Glibc)
import Glibc
#endif

/// ZIP archives (PKWARE APPNOTE) of exports: the one file of an archive is read as the export (Windows' "Send to →
/// Compressed folder" of a CSV), and an archive of several files as a folder of them, ZIP64 ones too (over 4 GiB or
/// 65,535 entries). A password-protected archive, or an entry packed with a method other than stored or DEFLATE, is
/// refused with what to do. Office documents (ZIPs too) are left alone, for the reader to name.
public enum Zip {
    /// What the archive is, when that is why it is not unpacked ("a password-protected ZIP archive: unpack it…").
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ d: String) { description = d }
    }

    public static func isZip(_ head: [UInt8]) -> Bool { head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) }

    struct Entry {
        let name: String
        let flags: Int, method: Int, crc: UInt32, packed: Int, size: Int, localHeader: Int
    }

    /// The archive's entries, from its central directory.
    static func entries(_ d: UnsafeRawBufferPointer) throws -> [Entry] {
        func u16(_ at: Int) -> Int { Int(d[at]) | Int(d[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        // The end-of-central-directory record: within the last 22 + 65,535 bytes (its comment).
        guard d.count >= 22 else { throw CompressionError("the ZIP archive is cut short (no central directory)") }
        var eocd = -1
        var i = d.count - 22
        while i >= max(0, d.count - 22 - 65_535) {
            if d[i] == 0x50 && d[i + 1] == 0x4B && d[i + 2] == 0x05 && d[i + 3] == 0x06 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw CompressionError("the ZIP archive is cut short (no central directory)") }
        var count = u16(eocd + 10), cdSize = u32(eocd + 12), cdOffset = u32(eocd + 16)
        var cdLimit = eocd
        // ZIP64 (over 65,535 entries or 4 GiB, or written by a tool that always writes it): the locator just before the
        // record above points at the ZIP64 end-of-central-directory record, which holds the real count and offsets.
        let damaged = CompressionError("the ZIP archive's central directory is damaged")
        if eocd >= 20, u32(eocd - 20) == 0x0706_4B50 {
            let at = try u64(d, eocd - 12)
            guard at >= 0, at + 56 <= eocd - 20, u32(at) == 0x0606_4B50 else { throw damaged }
            (count, cdSize, cdOffset, cdLimit) = (try u64(d, at + 32), try u64(d, at + 40), try u64(d, at + 48), at)
        } else if count == 0xFFFF || cdOffset == 0xFFFF_FFFF || cdSize == 0xFFFF_FFFF {
            throw damaged
        }
        guard cdOffset >= 0, cdSize >= 0, cdOffset + cdSize <= cdLimit, count <= cdSize / 46 else { throw damaged }
        var out: [Entry] = []
        var p = cdOffset
        for _ in 0..<count {
            guard p + 46 <= cdLimit, u32(p) == 0x0201_4B50 else { throw damaged }
            let nameLen = u16(p + 28), extraLen = u16(p + 30), commentLen = u16(p + 32)
            guard p + 46 + nameLen + extraLen <= cdLimit else { throw damaged }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: d[(p + 46)..<(p + 46 + nameLen)]), as: UTF8.self)
            var size = u32(p + 24), packed = u32(p + 20), localHeader = u32(p + 42)
            if size == 0xFFFF_FFFF || packed == 0xFFFF_FFFF || localHeader == 0xFFFF_FFFF {
                // The ZIP64 extra field (0x0001) holds, in this order, those of the three that are 0xFFFFFFFF above.
                var x = p + 46 + nameLen
                let end = x + extraLen
                var found = false
                while x + 4 <= end {
                    let id = u16(x), len = u16(x + 2)
                    guard x + 4 + len <= end else { break }
                    if id == 0x0001 {
                        var f = x + 4
                        func next() throws -> Int {
                            guard f + 8 <= x + 4 + len else { throw damaged }
                            defer { f += 8 }
                            return try u64(d, f)
                        }
                        if size == 0xFFFF_FFFF { size = try next() }
                        if packed == 0xFFFF_FFFF { packed = try next() }
                        if localHeader == 0xFFFF_FFFF { localHeader = try next() }
                        found = true
                        break
                    }
                    x += 4 + len
                }
                guard found else { throw damaged }
            }
            out.append(Entry(name: name, flags: u16(p + 8), method: u16(p + 10), crc: UInt32(u32(p + 16)), packed: packed,
                             size: size, localHeader: localHeader))
            p += 46 + nameLen + extraLen + commentLen
        }
        return out
    }

    /// A little-endian 64-bit field as an Int; one past Int's range (no real archive) is damage.
    static func u64(_ d: UnsafeRawBufferPointer, _ at: Int) throws -> Int {
        guard at >= 0, at + 8 <= d.count else { throw CompressionError("the ZIP archive's central directory is damaged") }
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(d[at + k]) << (8 * UInt64(k)) }
        guard v <= UInt64(Int.max / 2) else { throw CompressionError("the ZIP archive's central directory is damaged") }
        return Int(v)
    }

    /// Entries that are not the export: folders, and what macOS and Windows add (`__MACOSX/`, `._x`, `.DS_Store`,
    /// `Thumbs.db`).
    static func isClutter(_ name: String) -> Bool {
        let last = name.split(separator: "/").last.map(String.init) ?? ""
        return name.hasSuffix("/") || name.hasPrefix("__MACOSX/") || last.hasPrefix(".") || last == "Thumbs.db" || last == "desktop.ini"
    }

    /// An Office document (a workbook) is a ZIP too; it is not unpacked (the reader says what it is).
    static func isOfficeDocument(_ entries: [Entry]) -> Bool {
        entries.contains { isOfficePart($0.name) }
    }

    static func isOfficePart(_ name: String) -> Bool {
        name == "[Content_Types].xml" || name == "mimetype" || name.hasPrefix("xl/") || name.hasPrefix("word/") || name.hasPrefix("ppt/")
    }

    /// The name in the archive's first local header (an Office document's first part, whatever follows).
    static func firstName(_ d: UnsafeRawBufferPointer) -> String? {
        guard d.count >= 30, d[0] == 0x50, d[1] == 0x4B, d[2] == 0x03, d[3] == 0x04 else { return nil }
        let n = Int(d[26]) | Int(d[27]) << 8
        guard 30 + n <= d.count else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: d[30..<(30 + n)]), as: UTF8.self)
    }

    /// Unpacks the one file of the ZIP archive at `path` into a temporary file without a name and returns its
    /// descriptor at offset 0; nil when the archive is an Office document (left to the reader to name). Throws what
    /// to do for any other archive.
    public static func unpackOnlyFile(_ path: String) throws -> Int32? {
        try MappedFile.with(path) { d -> Int32? in
            guard let files = try exportFiles(d) else { return nil }
            guard let e = files.first else { throw Refusal("an empty ZIP archive") }
            guard files.count == 1 else {
                let names = files.prefix(3).map(\.name).joined(separator: ", ") + (files.count > 3 ? ", …" : "")
                throw Refusal("a ZIP archive of \(files.count) files (\(names)): unpack it and ingest the folder")
            }
            return try unpack(e, in: d)
        }
    }

    /// The names of the files a ZIP archive of several exports holds, in name order, to be ingested as a folder
    /// (`archive.zip/name`); nil for any other file, an archive of one file or none, an Office document, or one that
    /// cannot be read (those are read, or refused, as the file itself).
    public static func fileNames(_ path: String) -> [String]? {
        try? MappedFile.with(path) { d -> [String]? in
            guard d.count >= 4, isZip(Array(d.prefix(4))), let files = try exportFiles(d), files.count > 1 else { return nil }
            return files.map(\.name).sorted()
        }
    }

    /// Splits a path made by `fileNames` into the archive and the entry's name: the archive is the first leading part
    /// of the path that is a file, not a folder (`unpack` then finds whether it is a ZIP archive). nil when no part is.
    public static func entryPath(_ path: String) -> (archive: String, entry: String)? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return nil }
        for k in 1..<parts.count {
            let archive = parts[0..<k].joined(separator: "/")
            guard !archive.isEmpty else { continue }
            var st = stat()
            guard stat(archive, &st) == 0 else { return nil }
            if st.st_mode & S_IFMT == S_IFDIR { continue }
            guard st.st_mode & S_IFMT == S_IFREG else { return nil }
            return (archive, parts[k...].joined(separator: "/"))
        }
        return nil
    }

    /// Unpacks the entry `name` of the archive at `path` (a path from `fileNames`) into a temporary file without a
    /// name; returns its descriptor at offset 0.
    public static func unpack(_ path: String, entry name: String) throws -> Int32 {
        try MappedFile.with(path) { d -> Int32 in
            guard let e = try entries(d).first(where: { $0.name == name }) else {
                throw CompressionError("the ZIP archive holds no file \(name) (changed since it was listed?)")
            }
            return try unpack(e, in: d)
        }
    }

    /// The archive's files that may be exports; nil for an Office document.
    static func exportFiles(_ d: UnsafeRawBufferPointer) throws -> [Entry]? {
        if let first = firstName(d), isOfficePart(first) { return nil }
        let all = try entries(d)
        if isOfficeDocument(all) { return nil }
        return all.filter { !isClutter($0.name) }
    }

    static func unpack(_ e: Entry, in d: UnsafeRawBufferPointer) throws -> Int32 {
        guard e.flags & 1 == 0 else { throw Refusal("a password-protected ZIP archive: unpack it with its password first") }
        guard e.method == 0 || e.method == 8 else {
            throw Refusal("a ZIP archive whose \(e.name) is packed with method \(e.method), not DEFLATE: unpack it first")
        }
        func u16(_ at: Int) -> Int { Int(d[at]) | Int(d[at + 1]) << 8 }
        let h = e.localHeader
        guard h + 30 <= d.count, u16(h) == 0x4B50, u16(h + 2) == 0x0403 else { throw CompressionError("the ZIP archive's entry \(e.name) is damaged") }
        let start = h + 30 + u16(h + 26) + u16(h + 28)
        guard start + e.packed <= d.count else { throw CompressionError("the ZIP archive is cut short (truncated file?)") }
        let limit = d.count.multipliedReportingOverflow(by: Gzip.ratioLimit).overflow ? Int.max : d.count * Gzip.ratioLimit + (64 << 20)
        return try UnnamedFile.fill { sink in
            var crc: UInt32, size: Int
            if e.method == 0 {
                let bytes = UnsafeRawBufferPointer(rebasing: d[start..<(start + e.packed)])
                var c = CRC32()
                c.update(bytes)
                try sink(bytes)
                (size, crc) = (e.packed, c.value)
            } else {
                (size, crc) = try Deflate.inflate(d, at: start, limit: limit, sink: sink)
            }
            guard crc == e.crc, size == e.size else {
                throw CompressionError("\(e.name) in the ZIP archive does not match its CRC-32 or size (corrupt file)")
            }
        }
    }
}
