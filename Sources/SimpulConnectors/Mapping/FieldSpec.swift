import SimpulJSON

/// How one output field is made: where its value comes from, the transforms it goes through, whether it must be
/// present. Written in connector.json as `"target": "COLUMN"` or `"target": {"from": …, "transform": …}`.
public final class FieldSpec: Sendable {
    public enum Source: Sendable {
        case input(InputPath)
        case inputs([InputPath])
        case constant(JSONValue)
        case template(Template)
        case context(String)
        /// An array of objects made from each element of an input array (`each` + `fields`).
        case each(InputPath, [FieldSpec])
    }

    public let target: String
    public let source: Source
    public let transforms: [Transform]
    public let required: Bool
    public let keepEmpty: Bool
    /// When a transform fails: reject the row (default), or keep the field as null with a note in `catatan`.
    public let nullOnError: Bool

    init(target: String, source: Source, transforms: [Transform], required: Bool, keepEmpty: Bool, nullOnError: Bool = false) {
        self.target = target
        self.source = source
        self.transforms = transforms
        self.required = required
        self.keepEmpty = keepEmpty
        self.nullOnError = nullOnError
    }

    /// The source column a person should look at when this field is wrong.
    public var sourceName: String {
        switch source {
        case .input(let p): return p.description
        case .inputs(let ps): return ps.map(\.description).joined(separator: "+")
        case .each(let p, _): return p.description
        case .constant, .template, .context: return target
        }
    }

    static func compileAll(_ v: JSONValue?, at path: String) throws(ConfigError) -> [FieldSpec] {
        guard case .object(let o)? = v else { throw ConfigError("\(path) must be an object of output field → spec") }
        var out: [FieldSpec] = []
        for k in o.keys.sorted() { out.append(try compile(target: k, o[k]!, at: path + "." + k)) }
        return out
    }

    static func compile(target: String, _ v: JSONValue, at path: String) throws(ConfigError) -> FieldSpec {
        if case .string(let from) = v {
            return FieldSpec(target: target, source: try source(from), transforms: [.trim], required: false, keepEmpty: false)
        }
        guard case .object(let o) = v else { throw ConfigError("\(path): a field spec is a column name or an object") }
        let known: Set<String> = ["from", "value", "template", "transform", "required", "keep_empty", "each", "fields", "description",
                                   "on_error"]
        for k in o.keys where !known.contains(k) {
            throw ConfigError("\(path): unknown key '\(k)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        let src: Source
        if let each = o["each"] {
            guard let p = each.stringValue else { throw ConfigError("\(path).each must be an input path") }
            src = .each(try InputPath(p), try compileAll(o["fields"], at: path + ".fields"))
        } else if let from = o["from"] {
            switch from {
            case .string(let s): src = try source(s)
            case .array(let a):
                var ps: [InputPath] = []
                for e in a {
                    guard let s = e.stringValue else { throw ConfigError("\(path).from must list input paths") }
                    ps.append(try InputPath(s))
                }
                src = .inputs(ps)
            default: throw ConfigError("\(path).from must be an input path or an array of them")
            }
        } else if let value = o["value"] {
            src = .constant(value)
        } else if let t = o["template"]?.stringValue {
            src = .template(try Template(t))
        } else {
            throw ConfigError("\(path): say where the value comes from: from, value, template or each")
        }
        var transforms: [Transform] = [.trim]
        if let t = o["transform"] { transforms += try Transform.compile(t, at: path + ".transform") }
        var nullOnError = false
        switch o["on_error"]?.stringValue {
        case nil, "reject": break
        case "null": nullOnError = true
        default: throw ConfigError("\(path).on_error is 'reject' (default) or 'null'")
        }
        return FieldSpec(target: target, source: src, transforms: transforms, required: o["required"] == .bool(true),
                         keepEmpty: o["keep_empty"] == .bool(true), nullOnError: nullOnError)
    }

    static func source(_ s: String) throws(ConfigError) -> Source {
        if Template.contextNames.contains(s) { return .context(s) }
        return .input(try InputPath(s))
    }
}

/// One kind of record a source row yields (a row may yield several: OSS gives a business and its permits).
public struct OutputSpec: Sendable {
    public let schema: String
    /// Make one record per element of this input array (paths inside then read the element; `$row.` the row).
    public let forEach: InputPath?
    public let sourceKey: Template
    /// Output field holding the source's own version (compared as text to keep the newest current).
    public let version: String?
    public let fields: [FieldSpec]
}

/// A person mentioned in a mapped record: the key and the identity fields the person index matches on.
public struct MentionSpec: Sendable {
    public let output: String
    /// Make one mention per element of this array field of the record (e.g. `penanggung_jawab`).
    public let forEach: String?
    /// Only when one of these record fields is present.
    public let when: [String]
    public let key: Template
    /// Mention field → field of the record (or of the element, inside `for_each`; `$record.x` reads the record).
    public let fields: [(String, String)]
}
