import SimpulJSON
import Testing

@Suite struct JSONTests {
    @Test func numbersKeepTheirExactText() throws {
        let v = try JSONParser.parse(#"{"pagu": 1250000000.10, "n": -0.5e3, "i": 12}"#)
        #expect(v["pagu"] == .number("1250000000.10"))
        #expect(v["n"] == .number("-0.5e3"))
        #expect(v.jsonText == #"{"i":12,"n":-0.5e3,"pagu":1250000000.10}"#)
    }

    @Test func roundTripsEscapesAndUnicode() throws {
        let text = #"{"a":"line\nbreak \"quoted\" \\ tab\t","b":"\u00e9\ud83d\ude00 NIK","c":[true,false,null]}"#
        let v = try JSONParser.parse(text)
        #expect(v["b"] == .string("é😀 NIK"))
        #expect(try JSONParser.parse(v.jsonText) == v)
    }

    @Test(arguments: [
        #"{"a":1"#, #"{"a":}"#, "[1,2", #"{"a":"unterminated}"#, "01", "{'a':1}", #"{"a":1} x"#, "", #""\ud800""#, "nul",
    ])
    func rejectsMalformed(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    /// The writer orders keys by comparing their first eight bytes as a number; the order must stay `String`'s,
    /// since stored records are hashed as written (a different order would make every re-ingested row a change).
    @Test func objectKeysAreWrittenInStringOrder() throws {
        var keys = ["nik_pemohon_status", "nik_pemohon_asli", "nik_pemohon", "nik", "NIK", "nama", "n", "", "$root", "$seq",
                    "a\u{0}", "a", "tanggal_lahir", "tanggal_lahir_pemohon", "tgl_update", "Zeta", "zeta", "kode_wilayah",
                    "kode_wilayah_asli", "abcdefgh", "abcdefgi", "abcdefg", "abcdefgh1", "abcdefgh0"]
        var rng = SystemRandomNumberGenerator()
        for extra in [[String](), ["é", "e\u{301}x", "ñandú", "z"]] {
            for _ in 0..<20 {
                keys.shuffle(using: &rng)
                var o: [String: JSONValue] = [:]
                for (k, key) in (keys + extra).enumerated() { o[key] = .number(String(k)) }
                let text = JSONWriter.string(.object(o))
                var expected = "{"
                for (n, key) in o.keys.sorted().enumerated() {
                    if n > 0 { expected += "," }
                    expected += JSONWriter.string(.string(key)) + ":" + o[key]!.scalarText!
                }
                #expect(text == expected + "}")
            }
        }
        // A large object takes the library sort.
        var big: [String: JSONValue] = [:]
        for k in 0..<100 { big["k\(k * 7919 % 100)"] = .null }
        let text = JSONWriter.string(.object(big))
        #expect(text == "{" + big.keys.sorted().map { "\"\($0)\":null" }.joined(separator: ",") + "}")
        // Either side of the largest object sorted on the stack (64 keys), and the empty and nested objects.
        for n in [63, 64, 65] {
            var o: [String: JSONValue] = [:]
            for k in 0..<n { o["f\(k * 7919 % n)"] = .bool(k % 2 == 0) }
            #expect(JSONWriter.string(.object(o)) == "{" + o.keys.sorted().map { "\"\($0)\":\(o[$0]! == .bool(true))" }.joined(separator: ",") + "}")
        }
        #expect(JSONWriter.string(.object([:])) == "{}")
        #expect(JSONWriter.string(.object(["b": .object([:]), "a": .object(["y": .null, "x": .array([.object([:])])])])) == #"{"a":{"x":[{}],"y":null},"b":{}}"#)
    }

    @Test func keysEqualOnlyUnderNormalisationAreRefusedNotMerged() throws {
        #expect(throws: JSONParseError.self) { try JSONParser.parse("{\"\u{E9}\":1,\"e\u{301}\":2}") }
        #expect(try JSONParser.parse(#"{"a":1,"a":2}"#)["a"] == .number("2"), "a key repeated byte for byte: the last value")
        // The error points at the second key, though the object is made (and the clash found) at its end.
        do {
            _ = try JSONParser.parse("{\n  \"\u{E9}\": 1,\n  \"e\u{301}\": 2,\n  \"z\": 3\n}")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("Unicode normalisation"))
            #expect(error.line == 3 && error.column == 3)
        }
        #expect(try JSONParser.parse(#"{"b":{"y":[1,{"k":2,"k":3}]},"a":{}}"#) ==
                .object(["a": .object([:]), "b": .object(["y": .array([.number("1"), .object(["k": .number("3")])])])]))
    }

    @Test func errorsCarryLineAndColumn() {
        do {
            _ = try JSONParser.parse("{\n  \"a\": 1,\n  \"b\": ?\n}")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 3)
            #expect(error.column == 8)
        }
    }

    @Test func rejectsInvalidUTF8InStrings() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func tracksTheLineOfEachRecord() throws {
        let text = "{\"data\": [\n {\"id\": 1},\n\n {\"id\": 2,\n  \"x\": [1]}\n]}"
        let r = try JSONParser.parse(Array(text.utf8), trackArrayAt: ["data"])
        #expect(r.elementLines == [2, 4])
    }
}

@Suite struct FlatFieldsTests {
    @Test func picksTopLevelFieldsAndSkipsNestedOnes() {
        let text = #"{"a": {"b": "x", "c": [1, {"d": "}"}]}, "b" : "q\"r\u00e9", "n": -12.50, "kas": ["1.00", "2.00"], "z": null, "c": true}"#
        let f = FlatFields(["b", "n", "kas", "z", "c", "missing", "d"])
        var out: [FlatFields.Slice?] = []
        var s = text
        s.withUTF8 { b in
            #expect(f.scan(b, into: &out))
            #expect(FlatFields.string(out[0]!, in: b) == "q\"ré")
            #expect(out[0]!.escaped)
            #expect(FlatFields.string(out[1]!, in: b) == "-12.50")
            #expect(FlatFields.string(out[2]!, in: b) == #"["1.00", "2.00"]"#)
            #expect(out[3] != nil && FlatFields.string(out[3]!, in: b) == nil)
            #expect(FlatFields.string(out[4]!, in: b) == "true")
            #expect(out[5] == nil && out[6] == nil, "absent, and not found inside nested objects")
            #expect(FlatFields.equals(out[1]!, in: b, Array("-12.50".utf8)))
        }
        var bad = #"{"a": "unterminated}"#
        bad.withUTF8 { b in #expect(!f.scan(b, into: &out)) }
        var empty = "{ }"
        empty.withUTF8 { b in #expect(f.scan(b, into: &out) && out.allSatisfy { $0 == nil }) }
    }
}

@Suite struct JSONSpliceTests {
    /// Cutting a written object's bytes gives exactly what writing the cut value gives, for every subset of keys.
    @Test func cuttingStoredBytesEqualsCuttingValues() throws {
        let value = JSONValue.object([
            "nama": .string("NUR \"AINI\" \\ é"), "nik": .string("7571011702500092"), "umur": .number("-12.5e3"),
            "aktif": .bool(true), "kosong": .null, "alamat": .object(["rt": .string("003"), "daftar": .array([.string("}],"), .number("1"), .object([:])])]),
            "tags": .array([]), "x": .object([:]),
        ])
        var bytes: [UInt8] = []
        JSONWriter.write(value, into: &bytes)
        guard case .object(let o) = value else { return }
        let keys = o.keys.sorted()
        for mask in 0..<(1 << keys.count) {
            let kept = Set(keys.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element))
            var want: [UInt8] = []
            JSONWriter.write(.object(o.filter { kept.contains($0.key) }), into: &want)
            let got = bytes.withUnsafeBufferPointer { JSONSplice.members(of: $0) { kept.contains($0) } }
            #expect(got == want)
        }
        // Spaces between tokens are dropped, values are kept as they are.
        let spaced = Array(#" { "a" : [1, 2] , "b":"x" } "#.utf8)
        #expect(spaced.withUnsafeBufferPointer { JSONSplice.members(of: $0) } == Array(#"{"a":[1, 2],"b":"x"}"#.utf8))
    }

    @Test(arguments: ["", "[]", "{", #"{"a":1"#, #"{"a" 1}"#, #"{"a":}"#, #"{"a":"x}"#, #"{"a":[1,2}"#, #"{"a\"b":1}"#, #"{"a":1}x"#, #"{a:1}"#])
    func malformedOrEscapedKeysAreLeftToTheParser(text: String) {
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBufferPointer { JSONSplice.members(of: $0) } == nil)
    }

    @Test func anObjectFromPiecesHasItsKeysSorted() {
        var o = JSONSplice.Object()
        o.set("nik", .string("1"))
        o.set("citizen", raw: Array(#"{"a":1}"#.utf8))
        o.set("businesses", raw: JSONSplice.array([Array("1".utf8), Array("{}".utf8)]))
        #expect(String(decoding: o.bytes, as: UTF8.self) == #"{"businesses":[1,{}],"citizen":{"a":1},"nik":"1"}"#)
    }
}
