import SimpulJSON

/// One reason a value breaks its schema, with the JSON Pointer of the offending value (`/retribusi`).
public struct Violation: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path.isEmpty ? "/" : path): \(message)" }
}

/// A schema that could not be loaded: unknown keyword, bad `$ref`, bad pattern.
public struct SchemaError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A compiled JSON Schema (draft 2020-12 subset). Supported keywords:
/// `type` (one or an array), `properties`, `required`, `additionalProperties` (boolean or schema), `items`,
/// `enum`, `const`, `pattern`, `minLength`, `maxLength`, `minimum`, `maximum`, `minItems`, `maxItems`,
/// `format` (`date`, `date-time`, `decimal`), `anyOf`, `$ref` to `#/$defs/…`, and the annotations `$schema`,
/// `$id`, `$comment`, `title`, `description`, `examples`, `default`, `x-*`. Any other keyword is a load error,
/// so a schema never silently means less than it says.
public final class Schema: Sendable {
    public let name: String
    let root: Node

    final class Node: Sendable {
        let types: Set<String>?
        /// `types` as bits of ``Schema/typeBit(_:)`` (integer values also match "number"), checked per value
        /// without hashing.
        let typeMask: UInt8
        let properties: [String: Node]
        let propertyOrder: [String]
        let required: [String]
        let additional: Node?  // nil: allowed; .reject: forbidden
        let rejectAdditional: Bool
        let items: Node?
        let enumValues: [JSONValue]?
        let constValue: JSONValue?
        let pattern: SchemaRegex?
        let minLength: Int?
        let maxLength: Int?
        let minimum: Double?
        let maximum: Double?
        let minItems: Int?
        let maxItems: Int?
        let format: String?
        let anyOf: [Node]?
        /// The schema `$ref` points to, checked as well.
        let ref: Node?

        init(types: Set<String>?, properties: [String: Node], propertyOrder: [String], required: [String], additional: Node?,
             rejectAdditional: Bool, items: Node?, enumValues: [JSONValue]?, constValue: JSONValue?, pattern: SchemaRegex?,
             minLength: Int?, maxLength: Int?, minimum: Double?, maximum: Double?, minItems: Int?, maxItems: Int?,
             format: String?, anyOf: [Node]?, ref: Node?)
        {
            self.types = types
            var mask: UInt8 = 0
            for t in types ?? [] {
                switch t {
                case "null": mask |= 1
                case "boolean": mask |= 2
                case "integer": mask |= 4
                case "number": mask |= 4 | 8
                case "string": mask |= 16
                case "array": mask |= 32
                case "object": mask |= 64
                default: break
                }
            }
            typeMask = mask
            self.properties = properties
            self.propertyOrder = propertyOrder
            self.required = required
            self.additional = additional
            self.rejectAdditional = rejectAdditional
            self.items = items
            self.enumValues = enumValues
            self.constValue = constValue
            self.pattern = pattern
            self.minLength = minLength
            self.maxLength = maxLength
            self.minimum = minimum
            self.maximum = maximum
            self.minItems = minItems
            self.maxItems = maxItems
            self.format = format
            self.anyOf = anyOf
            self.ref = ref
        }
    }

    static let annotations: Set<String> = ["$schema", "$id", "$comment", "title", "description", "examples", "default", "$defs"]
    static let formats: Set<String> = ["date", "date-time", "decimal"]

    /// The declared property names of the top-level object, in the order the schema file lists them.
    public var fieldNames: [String] { root.propertyOrder }

    /// Top-level properties declared as text and never as a number: a source that sends a number there (`"no_izin":
    /// 12345`) means the digits, so the mapping takes the number's literal as the text (``RowNormaliser``).
    public var textFields: Set<String> {
        Set(root.properties.compactMap { name, n in
            guard let t = n.types, t.contains("string"), !t.contains("number"), !t.contains("integer") else { return nil }
            return name
        })
    }

    public init(name: String, json: JSONValue) throws(SchemaError) {
        self.name = name
        let defs = json["$defs"]?.objectValue ?? [:]
        root = try Schema.compile(json, defs: defs, path: "", depth: 0)
    }

    static func compile(_ v: JSONValue, defs: [String: JSONValue], path: String, depth: Int) throws(SchemaError) -> Node {
        let at = path.isEmpty ? "/" : path  // where a load error points
        guard depth < 64 else { throw SchemaError(message: "schema nesting too deep (or a $ref cycle) at \(at)") }
        guard case .object(var o) = v else { throw SchemaError(message: "schema at \(at) is not an object") }
        // A nested `$id` would start a resource of its own, against which its `$ref`s resolve: not supported.
        if depth > 0, o["$id"] != nil {
            throw SchemaError(message: "$id at \(at) is supported only at the schema's root")
        }
        // `$ref` applies alongside its sibling keywords (both must hold), and its target may itself be a `$ref`.
        var ref: Node? = nil
        if let r = o.removeValue(forKey: "$ref") {
            guard let name = r.stringValue, name.hasPrefix("#/$defs/"), let target = defs[String(name.dropFirst(8))] else {
                throw SchemaError(message: "$ref at \(at) must point to #/$defs/<name> in the same schema")
            }
            ref = try compile(target, defs: defs, path: String(name.dropFirst()), depth: depth + 1)
        }
        for k in o.keys where !annotations.contains(k) && !k.hasPrefix("x-") {
            switch k {
            case "type", "properties", "required", "additionalProperties", "items", "enum", "const", "pattern", "minLength",
                "maxLength", "minimum", "maximum", "minItems", "maxItems", "format", "anyOf":
                continue
            default:
                throw SchemaError(message: "keyword '\(k)' at \(at) is not supported by Simpul's validator")
            }
        }
        // A keyword whose value has the wrong kind is refused too (`"pattern": 5`, `"required": "nik"`), not skipped.
        func wrong(_ k: String, _ what: String) -> SchemaError { SchemaError(message: "\(k) at \(at) must be \(what)") }
        for (k, v) in o {
            switch (k, v) {
            case ("pattern", .string), ("format", .string), ("enum", .array), ("anyOf", .array), ("properties", .object),
                 ("additionalProperties", .bool), ("additionalProperties", .object), ("$defs", .object): continue
            case ("required", .array(let a)) where a.allSatisfy({ $0.stringValue != nil }): continue
            case ("pattern", _), ("format", _): throw wrong(k, "a string")
            case ("enum", _), ("anyOf", _): throw wrong(k, "an array")
            case ("required", _): throw wrong(k, "an array of names")
            case ("properties", _), ("$defs", _): throw wrong(k, "an object")
            case ("additionalProperties", _): throw wrong(k, "a boolean or a schema")
            default: continue
            }
        }
        var types: Set<String>? = nil
        switch o["type"] {
        case .string(let t)?: types = [t]
        case .array(let a)?: types = Set(a.compactMap { $0.stringValue })
        case nil: break
        default: throw SchemaError(message: "type at \(at) must be a string or an array")
        }
        for t in types ?? [] where !["null", "boolean", "integer", "number", "string", "array", "object"].contains(t) {
            throw SchemaError(message: "type '\(t)' at \(at) is not a JSON Schema type")
        }
        var props: [String: Node] = [:]
        var order: [String] = []
        if let p = o["properties"]?.objectValue {
            for (k, sub) in p {
                props[k] = try compile(sub, defs: defs, path: path + "/properties/" + k, depth: depth + 1)
            }
            order = p.keys.sorted()
        }
        var additional: Node? = nil
        var reject = false
        switch o["additionalProperties"] {
        case .bool(false)?: reject = true
        case .object?: additional = try compile(o["additionalProperties"]!, defs: defs, path: path + "/additionalProperties", depth: depth + 1)
        default: break
        }
        var pattern: SchemaRegex? = nil
        if let p = o["pattern"]?.stringValue {
            do { pattern = try SchemaRegex(p) } catch { throw SchemaError(message: "pattern at \(at): \(error.message)") }
        }
        if let f = o["format"]?.stringValue, !formats.contains(f) {
            throw SchemaError(message: "format '\(f)' at \(at) is not supported (date, date-time, decimal)")
        }
        // A bound that is not what its keyword takes is refused, never ignored: `"minLength": "2"` would otherwise
        // allow anything. `2.0` is the integer 2, as JSON Schema counts numbers.
        func int(_ k: String) throws(SchemaError) -> Int? {
            guard let v = o[k] else { return nil }
            guard case .number(let lit) = v, let d = Double(lit), d == d.rounded(), d >= 0, d < 1e15 else {
                throw wrong(k, "a non-negative integer")
            }
            return Int(d)
        }
        func dbl(_ k: String) throws(SchemaError) -> Double? {
            guard let v = o[k] else { return nil }
            guard case .number(let lit) = v, let d = Double(lit) else {
                throw wrong(k, "a number")
            }
            return d
        }
        var anyOf: [Node]? = nil
        if let a = o["anyOf"]?.arrayValue {
            var nodes: [Node] = []
            for (k, s) in a.enumerated() { nodes.append(try compile(s, defs: defs, path: path + "/anyOf/\(k)", depth: depth + 1)) }
            anyOf = nodes
        }
        return Node(
            types: types, properties: props, propertyOrder: order,
            required: o["required"]?.arrayValue?.compactMap { $0.stringValue } ?? [],
            additional: additional, rejectAdditional: reject,
            items: try o["items"].map { (v) throws(SchemaError) in try compile(v, defs: defs, path: path + "/items", depth: depth + 1) },
            enumValues: o["enum"]?.arrayValue, constValue: o["const"], pattern: pattern,
            minLength: try int("minLength"), maxLength: try int("maxLength"), minimum: try dbl("minimum"),
            maximum: try dbl("maximum"), minItems: try int("minItems"), maxItems: try int("maxItems"),
            format: o["format"]?.stringValue, anyOf: anyOf, ref: ref)
    }

    /// Every violation of the schema by `value`, in a stable order; empty when valid.
    public func validate(_ value: JSONValue) -> [Violation] {
        var out: [Violation] = []
        Schema.check(root, value, { "" }, &out)
        return out
    }

    /// The bit of a value's JSON type in ``Node/typeMask``: integer literals 4, other numbers 8.
    static func typeBit(_ v: JSONValue) -> UInt8 {
        switch v {
        case .null: return 1
        case .bool: return 2
        case .number(let n): return n.utf8.contains(where: { $0 == 0x2E || $0 == 0x65 || $0 == 0x45 }) ? 8 : 4
        case .string: return 16
        case .array: return 32
        case .object: return 64
        }
    }

    static func typeName(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool: return "boolean"
        case .number(let n): return n.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? "number" : "integer"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// `path` builds the value's JSON path only when a violation needs it (no string work for valid values).
    static func check(_ n: Node, _ v: JSONValue, _ path: () -> String, _ out: inout [Violation]) {
        if let r = n.ref { check(r, v, path, &out) }
        if let types = n.types {
            let bit = typeBit(v)
            let ok = n.typeMask & bit != 0 || (bit == 8 && types.contains("integer") && isIntegral(v))
            if !ok {
                out.append(Violation(path: path(), message: "must be \(types.sorted().joined(separator: " or ")), got \(typeName(v))"))
                return
            }
        }
        if let e = n.enumValues, !e.contains(where: { same($0, v) }) {
            out.append(Violation(path: path(), message: "must be one of \(e.map { $0.jsonText }.joined(separator: ", "))"))
        }
        if let c = n.constValue, !same(c, v) { out.append(Violation(path: path(), message: "must be \(c.jsonText)")) }
        if let anyOf = n.anyOf {
            var any = false
            for a in anyOf {
                var sub: [Violation] = []
                check(a, v, path, &sub)
                if sub.isEmpty { any = true; break }
            }
            if !any { out.append(Violation(path: path(), message: "matches none of the allowed shapes (anyOf)")) }
        }
        switch v {
        case .string(let s):
            if n.minLength != nil || n.maxLength != nil {
                let len = s.unicodeScalars.count
                if let m = n.minLength, len < m { out.append(Violation(path: path(), message: "shorter than \(m) characters")) }
                if let m = n.maxLength, len > m { out.append(Violation(path: path(), message: "longer than \(m) characters")) }
            }
            if let p = n.pattern, !p.matches(s) { out.append(Violation(path: path(), message: "does not match pattern \(p.source)")) }
            if let f = n.format, let m = formatProblem(f, s) { out.append(Violation(path: path(), message: m)) }
        case .number(let lit):
            if n.minimum != nil || n.maximum != nil, let d = Double(lit) {
                if let m = n.minimum, d < m { out.append(Violation(path: path(), message: "below the minimum \(fmt(m))")) }
                if let m = n.maximum, d > m { out.append(Violation(path: path(), message: "above the maximum \(fmt(m))")) }
            }
        case .array(let a):
            if let m = n.minItems, a.count < m { out.append(Violation(path: path(), message: "fewer than \(m) items")) }
            if let m = n.maxItems, a.count > m { out.append(Violation(path: path(), message: "more than \(m) items")) }
            if let items = n.items {
                for (k, e) in a.enumerated() { check(items, e, { path() + "/\(k)" }, &out) }
            }
        case .object(let o):
            for r in n.required where o[r] == nil { out.append(Violation(path: path() + "/" + r, message: "is required")) }
            let before = out.count
            for (k, value) in o {
                if let p = n.properties[k] {
                    check(p, value, { path() + "/" + k }, &out)
                } else if n.rejectAdditional {
                    out.append(Violation(path: path() + "/" + k, message: "is not a field of this schema"))
                } else if let a = n.additional {
                    check(a, value, { path() + "/" + k }, &out)
                }
            }
            // Stable order for people and tests, paid only when something is wrong.
            if out.count - before > 1 { out[before...].sort { $0.path < $1.path } }
        default: break
        }
    }

    /// JSON Schema's equality (`enum`, `const`): numbers by value (`1`, `1.0` and `1e0` are one number; `0` and
    /// `-0.0` too), arrays item by item, objects key by key; never a number and a boolean.
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x == y || DecimalValue(x) == DecimalValue(y)
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { k, v in y[k].map { same(v, $0) } ?? false }
        default: return a == b
        }
    }

    static func isIntegral(_ v: JSONValue) -> Bool {
        guard case .number(let s) = v, let d = Double(s) else { return false }
        return d == d.rounded()
    }

    static func fmt(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d) }

    static func formatProblem(_ f: String, _ s: String) -> String? {
        var s = s
        return s.withUTF8 { formatProblem(f, $0) }
    }

    static func formatProblem(_ f: String, _ b: UnsafeBufferPointer<UInt8>) -> String? {
        func digits(_ r: Range<Int>) -> Bool { r.upperBound <= b.count && b[r].allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        func num(_ r: Range<Int>) -> Int { b[r].reduce(0) { $0 * 10 + Int($1) - 0x30 } }
        func validDate() -> Bool {
            guard b.count >= 10, digits(0..<4), b[4] == 0x2D, digits(5..<7), b[7] == 0x2D, digits(8..<10) else { return false }
            let y = num(0..<4), m = num(5..<7), d = num(8..<10)
            guard m >= 1 && m <= 12 && d >= 1 else { return false }
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
            let dim = m == 2 ? (leap ? 29 : 28) : (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31
            return d <= dim
        }
        // RFC 3339's date-time, with the offset optional (a local time, as the source systems record it) and a space
        // allowed for the `T`. A leap second (:60) only where the offset makes it 23:59 UTC.
        func validDateTime() -> Bool {
            guard b.count >= 19, validDate(), b[10] == 0x54 || b[10] == 0x74 || b[10] == 0x20, digits(11..<13), b[13] == 0x3A,
                  digits(14..<16), b[16] == 0x3A, digits(17..<19) else { return false }
            let h = num(11..<13), mi = num(14..<16), sec = num(17..<19)
            guard h <= 23, mi <= 59, sec <= 60 else { return false }
            var i = 19
            if i < b.count, b[i] == 0x2E {
                i += 1
                let f0 = i
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
                guard i > f0 else { return false }
            }
            var offset: Int? = nil  // minutes east of UTC
            if i < b.count {
                if b[i] == 0x5A || b[i] == 0x7A {
                    offset = 0
                    i += 1
                } else if b[i] == 0x2B || b[i] == 0x2D {
                    guard i + 6 == b.count, digits(i + 1..<i + 3), b[i + 3] == 0x3A, digits(i + 4..<i + 6),
                          num(i + 1..<i + 3) <= 23, num(i + 4..<i + 6) <= 59 else { return false }
                    offset = (b[i] == 0x2B ? 1 : -1) * (num(i + 1..<i + 3) * 60 + num(i + 4..<i + 6))
                    i += 6
                } else {
                    return false
                }
            }
            guard i == b.count else { return false }
            guard sec == 60 else { return true }
            guard let offset else { return false }
            return ((h * 60 + mi - offset) % 1440 + 1440) % 1440 == 23 * 60 + 59
        }
        switch f {
        case "date":
            return b.count == 10 && validDate() ? nil : "is not a date (YYYY-MM-DD)"
        case "date-time":
            return validDateTime() ? nil : "is not a date-time (YYYY-MM-DDTHH:MM:SS)"
        case "decimal":
            var i = 0
            if i < b.count && b[i] == 0x2D { i += 1 }
            let start = i
            while i < b.count && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            if i == start { return "is not a decimal number" }
            if i < b.count && b[i] == 0x2E {
                i += 1
                let f0 = i
                while i < b.count && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
                if i == f0 { return "is not a decimal number" }
            }
            return i == b.count ? nil : "is not a decimal number"
        default:
            return nil
        }
    }
}


/// A JSON number literal as its exact value: sign, significant digits and a power of ten, so that two literals of
/// one number compare equal without binary rounding (`9007199254740992` and `9007199254740993` stay apart).
struct DecimalValue: Equatable {
    var negative = false
    var digits: [UInt8] = []  // no leading or trailing zeros; empty for zero
    var exponent = 0

    /// nil for text that is not a JSON number.
    init?(_ literal: String) {
        var b = Array(literal.utf8)[...]
        if b.first == UInt8(ascii: "-") { negative = true; b = b.dropFirst() }
        var frac = 0, sawDigit = false, inFraction = false
        while let c = b.first, c != UInt8(ascii: "e") && c != UInt8(ascii: "E") {
            b = b.dropFirst()
            if c == UInt8(ascii: ".") && !inFraction { inFraction = true; continue }
            guard c >= 0x30 && c <= 0x39 else { return nil }
            sawDigit = true
            if inFraction { frac += 1 }
            if c != 0x30 || !digits.isEmpty { digits.append(c) }
        }
        guard sawDigit else { return nil }
        var exp = 0
        if !b.isEmpty {
            b = b.dropFirst()
            var sign = 1
            if b.first == UInt8(ascii: "-") { sign = -1; b = b.dropFirst() } else if b.first == UInt8(ascii: "+") { b = b.dropFirst() }
            guard !b.isEmpty else { return nil }
            for c in b {
                guard c >= 0x30 && c <= 0x39 else { return nil }
                exp = Swift.min(exp * 10 + Int(c - 0x30), 1 << 40)
            }
            exp *= sign
        }
        exponent = exp - frac
        while digits.last == 0x30 { digits.removeLast(); exponent += 1 }
        if digits.isEmpty { negative = false; exponent = 0 }
    }
}
