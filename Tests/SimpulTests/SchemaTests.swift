import SimpulJSON
import SimpulSchema
import SimpulTestSupport
import Testing

@Suite struct RegexTests {
    @Test(arguments: [
        ("^[0-9]{16}$", "7571014504900002", true), ("^[0-9]{16}$", "757101450490000", false),
        ("^[0-9]{2}(\\.[0-9]{2}(\\.[0-9]{2}(\\.[0-9]{4})?)?)?$", "75.71.01.1001", true),
        ("^[0-9]{2}(\\.[0-9]{2}(\\.[0-9]{2}(\\.[0-9]{4})?)?)?$", "75.71.01.100", false),
        ("^-?[0-9]+\\.[0-9]{2}$", "-12.50", true), ("^-?[0-9]+\\.[0-9]{2}$", "12.5", false),
        ("b+c", "aabbbcd", true), ("^(RKPD|RENJA)$", "RENJA", true), ("^(RKPD|RENJA)$", "RKPDX", false),
        ("^[^0-9]*$", "abc", true), ("^[^0-9]*$", "ab1", false), ("^\\d{3,}x?$", "1234x", true), ("a.c", "a\nc", false),
        // Text beyond ASCII is matched by Unicode scalar, one character each.
        ("^.{5}$", "Sulawé", false), ("^.{6}$", "Sulawé", true), ("^[a-zé]+$", "sulawé", true), ("é$", "café", true),
        ("^[^a-z]$", "ñ", true),
    ])
    func matches(pattern: String, text: String, expected: Bool) throws {
        #expect(try SchemaRegex(pattern).matches(text) == expected)
    }

    @Test(arguments: ["(abc", "[a-", "a{2", "\\p{L}", "(?<n>x)", "*a", "a+?"])
    func rejectsUnsupported(pattern: String) {
        let compiled = try? SchemaRegex(pattern)
        // `a{2` is a literal in ECMA-262; everything else here must be refused, never silently mean less.
        if pattern == "a{2" { #expect(compiled != nil) } else { #expect(compiled == nil) }
    }
}

@Suite struct SchemaValidationTests {
    let schemas = try! SchemaRegistry(directory: TestHub.home().schemasDir)

    @Test func everySharedSchemaLoads() {
        #expect(schemas.names == ["budget_line", "business", "citizen", "disbursement", "permit", "planning_item"])
    }

    @Test func reportsEveryViolationWithItsPath() throws {
        let v = try JSONParser.parse("""
            {"source_system":"x","source_key":"k","nik":"123","nama":"","tanggal_lahir":"1990-02-31",
             "jenis_kelamin":"X","kode_wilayah":"75.7","gelar":[1],"warna":"merah"}
            """)
        let errors = schemas["citizen"]!.validate(v).map(\.description)
        #expect(errors.contains("/nik: does not match pattern ^[0-9]{16}$"))
        #expect(errors.contains("/nama: shorter than 1 characters"))
        #expect(errors.contains("/tanggal_lahir: is not a date (YYYY-MM-DD)"))
        #expect(errors.contains { $0.hasPrefix("/jenis_kelamin: must be one of") })
        #expect(errors.contains("/gelar/0: must be string, got integer"))
        #expect(errors.contains("/warna: is not a field of this schema"))
        #expect(errors.contains { $0.hasPrefix("/kode_wilayah") })
    }

    @Test func refsAndAnyOf() throws {
        let s = try Schema(name: "t", json: try JSONParser.parse("""
            {"$defs":{"kode":{"type":"string","pattern":"^[0-9]+$"}},"type":"object","required":["a"],
             "properties":{"a":{"$ref":"#/$defs/kode"},"b":{"anyOf":[{"type":"integer"},{"type":"string","format":"date"}]}}}
            """))
        #expect(s.validate(try JSONParser.parse(#"{"a":"12","b":"2024-01-01"}"#)).isEmpty)
        #expect(s.validate(try JSONParser.parse(#"{"a":"1x","b":"soon"}"#)).count == 2)
        #expect(s.validate(try JSONParser.parse("{}")).map(\.path) == ["/a"])
    }

    @Test func unknownKeywordsAreLoadErrors() {
        #expect(throws: SchemaError.self) { try Schema(name: "t", json: try JSONParser.parse(#"{"type":"object","if":{}}"#)) }
        #expect(throws: SchemaError.self) { try Schema(name: "t", json: try JSONParser.parse(#"{"format":"email"}"#)) }
    }
}
