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

        init(types: Set<String>?, properties: [String: Node], propertyOrder: [String], required: [String], additional: Node?,
             rejectAdditional: Bool, items: Node?, enumValues: [JSONValue]?, constValue: JSONValue?, pattern: SchemaRegex?,
             minLength: Int?, maxLength: Int?, minimum: Double?, maximum: Double?, minItems: Int?, maxItems: Int?,
             format: String?, anyOf: [Node]?)
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
        guard depth < 64 else { throw SchemaError(message: "schema nesting too deep (or a $ref cycle) at \(path)") }
        guard case .object(var o) = v else { throw SchemaError(message: "schema at \(path.isEmpty ? "/" : path) is not an object") }
        if let ref = o["$ref"] {
            guard let r = ref.stringValue, r.hasPrefix("#/$defs/"), let target = defs[String(r.dropFirst(8))] else {
                throw SchemaError(message: "$ref at \(path) must point to #/$defs/<name> in the same schema")
            }
            o.removeValue(forKey: "$ref")
            guard case .object(let t) = target else { throw SchemaError(message: "$ref target is not an object") }
            o.merge(t) { a, _ in a }
        }
        for k in o.keys where !annotations.contains(k) && !k.hasPrefix("x-") {
            switch k {
            case "type", "properties", "required", "additionalProperties", "items", "enum", "const", "pattern", "minLength",
                "maxLength", "minimum", "maximum", "minItems", "maxItems", "format", "anyOf":
                continue
            default:
                throw SchemaError(message: "keyword '\(k)' at \(path.isEmpty ? "/" : path) is not supported by Simpul's validator")
            }
        }
        var types: Set<String>? = nil
        switch o["type"] {
        case .string(let t)?: types = [t]
        case .array(let a)?: types = Set(a.compactMap { $0.stringValue })
        case nil: break
        default: throw SchemaError(message: "type at \(path) must be a string or an array")
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
            do { pattern = try SchemaRegex(p) } catch { throw SchemaError(message: "pattern at \(path): \(error.message)") }
        }
        if let f = o["format"]?.stringValue, !formats.contains(f) {
            throw SchemaError(message: "format '\(f)' at \(path) is not supported (date, date-time, decimal)")
        }
        func int(_ k: String) -> Int? { o[k]?.scalarText.flatMap { Int($0) } }
        func dbl(_ k: String) -> Double? { o[k]?.scalarText.flatMap { Double($0) } }
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
            minLength: int("minLength"), maxLength: int("maxLength"), minimum: dbl("minimum"), maximum: dbl("maximum"),
            minItems: int("minItems"), maxItems: int("maxItems"), format: o["format"]?.stringValue, anyOf: anyOf)
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
        if let types = n.types {
            let bit = typeBit(v)
            let ok = n.typeMask & bit != 0 || (bit == 8 && types.contains("integer") && isIntegral(v))
            if !ok {
                out.append(Violation(path: path(), message: "must be \(types.sorted().joined(separator: " or ")), got \(typeName(v))"))
                return
            }
        }
        if let e = n.enumValues, !e.contains(v) {
            out.append(Violation(path: path(), message: "must be one of \(e.map { $0.jsonText }.joined(separator: ", "))"))
        }
        if let c = n.constValue, c != v { out.append(Violation(path: path(), message: "must be \(c.jsonText)")) }
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
        switch f {
        case "date":
            return b.count == 10 && validDate() ? nil : "is not a date (YYYY-MM-DD)"
        case "date-time":
            let ok = b.count >= 19 && validDate() && (b[10] == 0x54 || b[10] == 0x20) && digits(11..<13) && b[13] == 0x3A
                && digits(14..<16) && b[16] == 0x3A && digits(17..<19)
            return ok ? nil : "is not a date-time (YYYY-MM-DDTHH:MM:SS)"
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
