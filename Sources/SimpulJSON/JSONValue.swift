/// A JSON value that keeps numbers as their exact source text.
///
/// Money and codes must never pass through binary floating point, so `.number` holds the literal
/// (`"1250000.50"`) and callers convert it with decimal arithmetic when they need to.
/// Objects are dictionaries; ``JSONWriter`` writes their keys sorted, so the text is canonical.
public enum JSONValue: Sendable, Equatable, Hashable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value as text the way a CSV cell would hold it: strings as is, numbers as their literal.
    public var scalarText: String? {
        switch self {
        case .string(let s): return s
        case .number(let n): return n
        case .bool(let b): return b ? "true" : "false"
        default: return nil
        }
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var isNull: Bool { self == .null }

    public static func int(_ v: Int) -> JSONValue { .number(String(v)) }

    /// The canonical JSON text of the value (sorted keys, no spaces).
    public var jsonText: String { JSONWriter.string(self) }
}
