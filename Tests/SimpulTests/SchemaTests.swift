import SimpulJSON
@testable import SimpulSchema
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
        // Found against V8 (scripts/differential.sh regex): a repetition whose one required iteration matches
        // nothing; `.` and the other line terminators; the empty class and its negation.
        ("(?:-+b|[A-Z]*){1,}9*", "a(-[", true), ("^(?:x|y*){2}$", "", true), ("^.$", "\r", false), ("^.$", "\u{2028}", false),
        ("^a[]", "a", false), ("^a[^]$", "a\n", true),
    ])
    func matches(pattern: String, text: String, expected: Bool) throws {
        #expect(try SchemaRegex(pattern).matches(text) == expected)
    }

    /// The automaton every pattern runs as (its DFA on ASCII text, its NFA on other text) answers as the backtracking
    /// matcher does, on random patterns of the whole subset (anchors inside too, empty loops, counted groups) and
    /// random texts, the empty one included.
    @Test func theAutomatonAnswersAsBacktrackingDoes() throws {
        var rng = FuzzTests.Random(state: 7)
        let atoms = ["a", "b", ".", "[ab]", "[^a]", "\\d", "é", "[a-zé]", "^", "$", "(?:a|b*)", "(a|ab)", "()", "[]", "[^]"]
        let quantifiers = ["", "", "", "*", "+", "?", "{2}", "{1,3}", "{2,}", "{0}"]
        func piece(_ depth: Int) -> String {
            if depth < 2 && rng.next() % 5 == 0 { return "(?:" + alternatives(depth + 1) + ")" + quantifiers[Int(rng.next() % UInt64(quantifiers.count))] }
            let a = atoms[Int(rng.next() % UInt64(atoms.count))]
            return a == "^" || a == "$" ? a : a + quantifiers[Int(rng.next() % UInt64(quantifiers.count))]
        }
        func alternatives(_ depth: Int) -> String {
            (0..<Int(1 + rng.next() % 2)).map { _ in (0..<Int(1 + rng.next() % 4)).map { _ in piece(depth) }.joined() }.joined(separator: "|")
        }
        let letters: [Character] = ["a", "b", "1", "é", "\n", "x"]
        var compared = 0, automata = 0, dfas = 0
        for _ in 0..<800 {
            let pattern = alternatives(0)
            guard let re = try? SchemaRegex(pattern) else { continue }
            automata += 1
            if re.automaton.dfa != nil { dfas += 1 }
            for _ in 0..<12 {
                let text = String((0..<Int(rng.next() % 7)).map { _ in letters[Int(rng.next() % UInt64(letters.count))] })
                compared += 1
                #expect(re.matches(text) == re.backtrackingMatches(text), "\(pattern.debugDescription) on \(text.debugDescription)")
            }
        }
        // A few of these random patterns would need more DFA states than allowed: they run the NFA on ASCII too.
        #expect(compared > 5_000 && dfas > automata * 9 / 10 && dfas < automata, "\(automata) patterns, \(dfas) with a DFA")
    }

    /// Nested repetition takes backtracking exponential time (`^(a+)+$` against 40 a's and a b: 2^40 ways to split
    /// them); the automaton reads each character once.
    @Test func nestedRepetitionTakesLinearTime() throws {
        for (pattern, text) in [("^(a+)+$", String(repeating: "a", count: 40) + "b"), ("^(a|aa)*c$", String(repeating: "a", count: 60)),
                                ("^(?:é+)+$", String(repeating: "é", count: 40) + "b"), ("(x+x+)+y", String(repeating: "x", count: 5000))] {
            #expect(try !SchemaRegex(pattern).matches(text))
        }
        // A long repetition of a group (the backtracking matcher recursed once per iteration, and 3,000 ended the
        // process); one beyond the automaton's size is refused at load, with its reason.
        let long = try SchemaRegex("^(?:ab|cd){3000}$")
        #expect(long.matches(String(repeating: "ab", count: 3000)) && !long.matches(String(repeating: "ab", count: 2999)))
        #expect(long.matches(String(repeating: "cd", count: 2999) + "ab") && !long.matches(String(repeating: "ab", count: 2999) + "é"))
        #expect(throws: SchemaRegex.SyntaxError.self) { try SchemaRegex("^(?:(?:ab|cd){1000}){1000}$") }
    }

    @Test(arguments: ["(abc", "[a-", "a{2", "\\p{L}", "(?<n>x)", "*a", "a+?", "[\\d-a]", "[a-\\w]"])
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

    /// What the official JSON Schema Test Suite found (scripts/json-schema-suite.sh runs all of it), kept here so
    /// that a plain `swift test` guards it too.
    @Test func whatTheOfficialSuiteFound() throws {
        func schema(_ text: String) throws -> Schema { try Schema(name: "t", json: try JSONParser.parse(text)) }
        func valid(_ s: Schema, _ text: String) throws -> Bool { s.validate(try JSONParser.parse(text)).isEmpty }
        // enum and const compare numbers by value, exactly: 1 and 1.0 are one number, 2^53 and 2^53 + 1 two.
        let e = try schema(#"{"enum":[1, [0], {"a":2.50}]}"#)
        #expect(try valid(e, "1.0") && valid(e, "1e0") && valid(e, "[0.0]") && valid(e, #"{"a":2.5}"#))
        #expect(try !valid(e, "true") && !valid(e, "[false]") && !valid(e, "1.5"))
        let c = try schema(#"{"const":9007199254740992}"#)
        #expect(try valid(c, "9007199254740992.0") && !valid(c, "9007199254740993"))
        #expect(try valid(schema(#"{"const":0}"#), "-0.0"))
        // A bound written 2.0 is the integer 2; a bound that is not a number is refused, never ignored.
        #expect(try !valid(schema(#"{"minLength":2.0}"#), #""a""#))
        #expect(try !valid(schema(#"{"maxItems":1.0}"#), "[1,2]"))
        #expect(throws: SchemaError.self) { try schema(#"{"minLength":"2"}"#) }
        #expect(throws: SchemaError.self) { try schema(#"{"maxLength":1.5}"#) }
        #expect(throws: SchemaError.self) { try schema(#"{"minimum":"0"}"#) }
        #expect(throws: SchemaError.self) { try schema(#"{"type":"strnig"}"#) }
        for bad in [#"{"pattern":5}"#, #"{"format":true}"#, #"{"required":"nik"}"#, #"{"enum":"a"}"#, #"{"properties":[]}"#,
                    #"{"additionalProperties":"no"}"#, #"{"anyOf":{}}"#] {
            #expect(throws: SchemaError.self, "\(bad)") { try schema(bad) }
        }
        // \s is ECMA-262's whitespace: the space separators and U+FEFF too.
        let s = try schema(#"{"pattern":"^\\s$"}"#)
        #expect(try valid(s, "\"\u{2003}\"") && valid(s, "\"\u{feff}\"") && valid(s, "\"\u{2029}\"") && !valid(s, #""x""#))
        // date-time: RFC 3339 with the offset optional; ranges checked; nothing after it.
        let d = try schema(#"{"format":"date-time"}"#)
        for ok in ["2024-11-02T08:14:55", "2024-11-02 08:14:55", "2024-11-02T08:14:55.5+07:00", "1998-12-31T23:59:60Z",
                   "1998-12-31t15:59:60.1-08:00"] {
            #expect(try valid(d, "\"\(ok)\""), "\(ok)")
        }
        for bad in ["2024-11-02T24:00:00", "2024-11-02T08:60:00", "2024-11-02T08:14:55x", "2024-11-02T08:14:60",
                    "1998-12-31T23:58:60Z", "2024-11-02T08:14:55+24:00", "2024-11-02T08:14:55+07:00Z", "2024-11-02T08:14:55."] {
            #expect(try !valid(d, "\"\(bad)\""), "\(bad)")
        }
        // $ref holds alongside its siblings, and may lead to another $ref; a nested $id is refused.
        let r = try schema(##"{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"type":"integer","maximum":10}},"$ref":"#/$defs/a","minimum":5}"##)
        #expect(try valid(r, "7") && !valid(r, "11") && !valid(r, "4") && !valid(r, "7.5"))
        #expect(throws: SchemaError.self) { try schema(#"{"properties":{"a":{"$id":"http://x/y","type":"string"}}}"#) }
    }

    @Test func unknownKeywordsAreLoadErrors() {
        #expect(throws: SchemaError.self) { try Schema(name: "t", json: try JSONParser.parse(#"{"type":"object","if":{}}"#)) }
        #expect(throws: SchemaError.self) { try Schema(name: "t", json: try JSONParser.parse(#"{"format":"email"}"#)) }
    }
}
