import SimpulCrypto
import Testing

/// NIST FIPS 180-4 example vectors (and the one-million-'a' vector).
@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func vectors(input: String, expected: String) {
        #expect(SHA256.hash(input).hexString == expected)
        var software = SHA256(software: true)
        software.update(input)
        #expect(software.finalize().hexString == expected)
    }

    @Test(arguments: [false, true]) func millionA(software: Bool) {
        var h = SHA256(software: software)
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { h.update(chunk) }
        #expect(h.finalize().hexString == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Where the CPU has the SHA extensions, hashes computed on them equal the Swift ones, for every length around
    /// the block boundaries and many blocks at once.
    @Test func hardwareEqualsSoftware() {
        var rng = SystemRandomNumberGenerator()
        for length in Array(0...200) + [255, 256, 257, 1000, 4096, 65_537] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var software = SHA256(software: true)
            software.update(bytes)
            #expect(SHA256.hash(bytes) == software.finalize(), "length \(length)")
        }
    }

    /// Against a reference (CPython's hashlib and hmac), for every length 0–299 and some long ones, in software and
    /// on the SHA extensions: the SHA-256 of all the digests in order, computed once with
    /// `hashlib.sha256(b"".join(hashlib.sha256(msg(n)).digest() for n in lengths))`, msg(n)[i] = (31·i + 7) mod 256.
    /// NIST's vectors cover a few lengths; this covers every padding case. HMAC likewise, for keys of 0 to 131
    /// bytes (shorter than, equal to and longer than a block).
    @Test(arguments: [false, true]) func everyLengthAgainstAReference(software: Bool) {
        func msg(_ n: Int) -> [UInt8] { (0..<n).map { (i: Int) -> UInt8 in UInt8((i * 31 + 7) & 0xFF) } }
        var all = SHA256()
        let lengths: [Int] = Array(0..<300) + [1000, 4095, 4096, 4097, 65_535, 65_536, 65_537]
        for n in lengths {
            var h = SHA256(software: software)
            h.update(msg(n))
            all.update(h.finalize())
        }
        #expect(all.finalize().hexString == "22605f1daf61239cd656bb4011a3a054d013c5fb9b8224588dfda09c1ba2c908")
        var macs = SHA256()
        for keyLength in [0, 1, 31, 32, 63, 64, 65, 100, 131] {
            let key: [UInt8] = (0..<keyLength).map { (i: Int) -> UInt8 in UInt8((i * 17 + 3) & 0xFF) }
            for n in [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000] { macs.update(HMACSHA256.mac(key: key, message: msg(n))) }
        }
        #expect(macs.finalize().hexString == "7fdfeaf565a5d62cc0091c706ee6be936451692ed8d40621034ba029f10ab1dc")
    }

    @Test func incrementalEqualsOneShot() {
        let text = Array("The quick brown fox jumps over the lazy dog, again and again and again.".utf8)
        for split in [0, 1, 55, 56, 63, 64, 65, text.count] {
            var h = SHA256()
            h.update(Array(text[0..<split]))
            h.update(Array(text[split...]))
            #expect(h.finalize() == SHA256.hash(text))
        }
    }
}

/// RFC 4231 test cases 1–4, 6 and 7 (case 5 is a truncated MAC).
@Suite struct HMACTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = hex.makeIterator()
        while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16)!) }
        return out
    }

    @Test(arguments: [
        (String(repeating: "0b", count: 20), Array("Hi There".utf8),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        ("4a656665", Array("what do ya want for nothing?".utf8),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (String(repeating: "aa", count: 20), [UInt8](repeating: 0xdd, count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        ("0102030405060708090a0b0c0d0e0f10111213141516171819", [UInt8](repeating: 0xcd, count: 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (String(repeating: "aa", count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (String(repeating: "aa", count: 131),
         Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ])
    func rfc4231(key: String, message: [UInt8], expected: String) {
        #expect(HMACSHA256.mac(key: Self.bytes(key), message: message).hexString == expected)
    }
}
