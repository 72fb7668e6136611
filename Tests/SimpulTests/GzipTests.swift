import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SimpulCompression
import SimpulCrypto
import SimpulJSON
import SimpulTestSupport
import Testing

/// The gzip reader (DEFLATE written here) on known streams and broken ones; and, with GZIP_DIFFERENTIAL_DIR set
/// (`scripts/differential.sh gzip`), against CPython's gzip module on random files.
@Suite struct GzipTests {
    static func unpack(_ blob: [UInt8]) throws -> [UInt8] { try Gzip.decompress(blob, maxSize: 1 << 30) }

    /// `printf 'hello hello hello\n' | gzip -n`.
    static let hello: [UInt8] = [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57,
                                 0xc8, 0x40, 0x90, 0x5c, 0x00, 0x3b, 0x7c, 0x8a, 0xdf, 0x12, 0x00, 0x00, 0x00]

    /// `hello`, and a stored block written by hand (BFINAL=1, BTYPE=00, LEN=5).
    @Test func knownStreams() throws {
        let hello = Self.hello
        #expect(try Self.unpack(hello) == Array("hello hello hello\n".utf8))
        var stored: [UInt8] = [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03, 0x01, 0x05, 0x00, 0xfa, 0xff] + Array("SIAK;".utf8)
        var crc = CRC32Check.crc(Array("SIAK;".utf8))
        for _ in 0..<4 { stored.append(UInt8(crc & 0xFF)); crc >>= 8 }
        stored += [5, 0, 0, 0]
        #expect(try Self.unpack(stored) == Array("SIAK;".utf8))
        // Two members are one stream of data; zero padding after them is allowed.
        #expect(try Self.unpack(hello + stored + [0, 0, 0]) == Array("hello hello hello\nSIAK;".utf8))
    }

    @Test func brokenStreamsAreErrorsNeverCrashes() throws {
        let hello = Self.hello
        func reason(_ b: [UInt8]) -> String {
            do { _ = try Self.unpack(b); return "unpacked" } catch { return "\(error)" }
        }
        for cut in 1..<hello.count { #expect(reason(Array(hello.prefix(cut))) != "unpacked", "cut at \(cut)") }
        var crc = hello
        crc[crc.count - 8] ^= 1
        #expect(reason(crc).contains("CRC-32"))
        var size = hello
        size[size.count - 4] ^= 1
        #expect(reason(size).contains("size"))
        #expect(reason(hello + Array("junk".utf8)).contains("after the gzip stream"))
        #expect(reason([0x1f, 0x8b, 0x07] + hello.dropFirst(3)).contains("method"))
        // Block type 3; a distance before the start; every single-byte change of the stream, which must be refused
        // or unpack to something (never crash).
        #expect(reason(Array(hello.prefix(10)) + [0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0]).contains("block type"))
        #expect(reason(Array(hello.prefix(10)) + [0x63, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0]) != "unpacked")
        for i in 10..<hello.count - 8 {
            for bit in 0..<8 {
                var b = hello
                b[i] ^= UInt8(1 << bit)
                _ = reason(b)
            }
        }
    }

    @Test func anUnpackedSizeFarBeyondThePackedIsRefused() throws {
        // 300 MiB of zeros packs to about 300 KiB: past 250 times its size plus 64 MiB.
        let n = 300 << 20
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        var packed: [UInt8] = []
        let dir = try TestHub()
        let path = try dir.write("zeros.bin", bytes: [])
        let h = FileHandle(forWritingAtPath: path)!
        for _ in 0..<(n >> 20) { h.write(Data(zeros)) }
        h.closeFile()
        packed = try dir.gzip(path)
        #expect(packed.count < 1 << 20)
        do {
            _ = try packed.withUnsafeBytes { try Gzip.decompress($0) { _ in } }
            Issue.record("a 1000-fold file was unpacked")
        } catch {
            #expect("\(error)".contains("times its packed size"))
        }
        // A cap below the ratio, for a body held in memory.
        do {
            _ = try packed.withUnsafeBytes { try Gzip.decompress($0, maxSize: 1 << 20) { _ in } }
            Issue.record("unpacked past the cap")
        } catch {
            #expect("\(error)".contains("larger than 1 MiB"))
        }
    }

    /// A ZIP archive of one stored file, written by hand (APPNOTE 4.3): local header, data, central directory, end.
    static func storedZip(_ name: String, _ content: [UInt8]) -> [UInt8] {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(v >> (8 * $0) & 0xFF) } }
        let n = Array(name.utf8), crc = CRC32Check.crc(content), size = UInt32(content.count)
        let local = le32(0x0403_4B50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc) + le32(size) + le32(size)
            + le16(n.count) + le16(0) + n + content
        let central = le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc) + le32(size) + le32(size)
            + le16(n.count) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(0) + n
        let end = le32(0x0605_4B50) + le16(0) + le16(0) + le16(1) + le16(1) + le32(UInt32(central.count)) + le32(UInt32(local.count)) + le16(0)
        return local + central + end
    }

    /// The same archive in ZIP64 form (APPNOTE 4.3.14 – 4.5.3), as a tool writes it over 4 GiB or 65,535 entries or
    /// when told to (`zip -fz`): every size and offset 0xFFFFFFFF in the headers, the real ones in the ZIP64 extra
    /// fields, and the ZIP64 end record with its locator before the usual end record.
    static func storedZip64(_ name: String, _ content: [UInt8]) -> [UInt8] {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(v >> (8 * $0) & 0xFF) } }
        func le64(_ v: Int) -> [UInt8] { (0..<8).map { UInt8(UInt64(v) >> (8 * UInt64($0)) & 0xFF) } }
        let n = Array(name.utf8), crc = CRC32Check.crc(content), max32: UInt32 = 0xFFFF_FFFF
        let localExtra = le16(1) + le16(16) + le64(content.count) + le64(content.count)
        let local = le32(0x0403_4B50) + le16(45) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc) + le32(max32) + le32(max32)
            + le16(n.count) + le16(localExtra.count) + n + localExtra + content
        let centralExtra = le16(1) + le16(24) + le64(content.count) + le64(content.count) + le64(0)
        let central = le32(0x0201_4B50) + le16(45) + le16(45) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc) + le32(max32) + le32(max32)
            + le16(n.count) + le16(centralExtra.count) + le16(0) + le16(0) + le16(0) + le32(0) + le32(max32) + n + centralExtra
        let end64 = le32(0x0606_4B50) + le64(44) + le16(45) + le16(45) + le32(0) + le32(0) + le64(1) + le64(1)
            + le64(central.count) + le64(local.count)
        let locator = le32(0x0706_4B50) + le32(0) + le64(local.count + central.count) + le32(1)
        let end = le32(0x0605_4B50) + le16(0) + le16(0) + le16(0xFFFF) + le16(0xFFFF) + le32(max32) + le32(max32) + le16(0)
        return local + central + end64 + locator + end
    }

    @Test(arguments: [false, true])
    func aDamagedZipIsAnErrorNeverACrash(zip64: Bool) throws {
        let t = try TestHub()
        let content = Array("NIK;NAMA_LGKP\n7571014504900002;SITI AMINAH\n".utf8)
        let good = zip64 ? Self.storedZip64("biodata.csv", content) : Self.storedZip("biodata.csv", content)
        let path = try t.write("good.zip", bytes: good)
        let fd = try #require(try Zip.unpackOnlyFile(path))
        var buf = [UInt8](repeating: 0, count: 200)
        let n = read(fd, &buf, 200)
        close(fd)
        #expect(Array(buf.prefix(max(0, n))) == Array("NIK;NAMA_LGKP\n7571014504900002;SITI AMINAH\n".utf8))
        var rng = SystemRandomNumberGenerator()
        var refused = 0
        for k in 0..<1500 {
            var b = good
            if k % 3 == 0 {
                b = Array(b.prefix(Int.random(in: 1..<b.count, using: &rng)))
            } else {
                for _ in 0..<Int.random(in: 1...4, using: &rng) { b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            }
            let p = try t.write("m.zip", bytes: b)
            do {
                if let fd = try Zip.unpackOnlyFile(p) { close(fd) }
            } catch {
                refused += 1
            }
        }
        #expect(refused > 0)
    }

    static let dir = ProcessInfo.processInfo.environment["GZIP_DIFFERENTIAL_DIR"]

    @Test(.enabled(if: dir != nil, "set GZIP_DIFFERENTIAL_DIR (scripts/differential.sh gzip)"))
    func againstCPython() throws {
        let folder = URL(fileURLWithPath: Self.dir!)
        let cases = try String(contentsOf: folder.appendingPathComponent("cases.ndjson"), encoding: .utf8).split(separator: "\n")
        var failures: [String] = [], bytes = 0, valid = 0
        let start = Date()
        for line in cases {
            let c = try JSONParser.parse(String(line))
            let file = c["file"]!.stringValue!, ok = c["ok"] == .bool(true)
            let blob = [UInt8](try Data(contentsOf: folder.appendingPathComponent(file)))
            var sha = SHA256()
            var size = 0
            var verdict = true
            do {
                if file.hasSuffix(".zip") {
                    // A ZIP archive of one export: what the ZIP reader unpacks, read back from its unnamed file.
                    guard let fd = try Zip.unpackOnlyFile(folder.appendingPathComponent(file).path) else { throw CocoaError(.fileReadCorruptFile) }
                    defer { close(fd) }
                    var chunk = [UInt8](repeating: 0, count: 1 << 16)
                    while true {
                        let n = read(fd, &chunk, chunk.count)
                        guard n > 0 else { break }
                        sha.update(Array(chunk.prefix(n)))
                        size += n
                    }
                } else {
                    try blob.withUnsafeBytes { raw in
                        try Gzip.decompress(raw) { piece in
                            sha.update(piece)
                            size += piece.count
                        }
                    }
                }
            } catch {
                verdict = false
            }
            if verdict != ok {
                failures.append("\(file): CPython \(ok ? "unpacks it" : "refuses it"), Simpul \(verdict ? "unpacks it" : "refuses it")")
            } else if ok {
                valid += 1
                bytes += size
                let digest = sha.finalize().hexString
                if size != c["size"]?.scalarText.flatMap { Int($0) } || digest != c["sha256"]?.stringValue {
                    failures.append("\(file): \(size) bytes unpacked, CPython \(c["size"]?.scalarText.flatMap { Int($0) } ?? -1); contents differ")
                }
            }
        }
        let mb = Double(bytes) / 1_048_576
        print("gzip differential: \(cases.count) files (\(valid) valid, \(String(format: "%.1f", mb)) MiB unpacked in \(String(format: "%.2f", Date().timeIntervalSince(start))) s), \(failures.count) differences from CPython")
        for f in failures.prefix(50) { Issue.record(Comment(rawValue: f)) }
        #expect(!cases.isEmpty)
    }
}

/// CRC-32 for the hand-written stream above (the reader's own is internal).
enum CRC32Check {
    static func crc(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }
}
