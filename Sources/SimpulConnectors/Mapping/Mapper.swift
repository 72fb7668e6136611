import SimpulJSON
import SimpulNormalise

/// A record made from a source row, before schema validation and storage.
public struct MappedRecord: Sendable {
    public var schema: String
    public var sourceKey: String
    public var fields: [String: JSONValue]
    public var version: String?
}

/// A person mentioned in a source row, keyed `<connector>:<key>`.
public struct MappedMention: Sendable {
    public var key: String
    public var schema: String
    public var sourceKey: String
    public var fields: [String: JSONValue]
}

/// Why a row could not be mapped: the source field to look at and the reason.
public struct MappingProblem: Sendable, Equatable, CustomStringConvertible {
    public var field: String?
    public var reason: String
    public init(field: String?, reason: String) {
        self.field = field
        self.reason = reason
    }
    public var description: String { field.map { "\($0): \(reason)" } ?? reason }
}

/// Every problem found in one row (a row is dead-lettered once, with all its reasons).
public struct MappingFailure: Error, Sendable {
    public var problems: [MappingProblem]
}

public struct MappedRow: Sendable {
    public var records: [MappedRecord]
    public var mentions: [MappedMention]
}

/// Everything the mapping of one row may read besides its fields.
public struct RowContext: Sendable {
    public var rowKey: String
    public var seq: Int?
    public var line: Int
    public var root: [String: JSONValue]

    public init(rowKey: String, seq: Int?, line: Int, root: [String: JSONValue]) {
        self.rowKey = rowKey
        self.seq = seq
        self.line = line
        self.root = root
    }
}

extension Connector {
    /// The row's key in its source (the raw log's key), from `row_key`.
    /// With `row_key_transform`, the key as the transforms write it; a key they refuse stays as rendered, and the
    /// mapping dead-letters its row (``map(fields:context:)``).
    public func rowKey(fields: [String: JSONValue], root: [String: JSONValue], seq: Int?, line: Int) -> String {
        let ctx = RowContext(rowKey: "", seq: seq, line: line, root: root)
        let rendered = render(rowKey, current: fields, row: fields, ctx: ctx, output: [:], element: nil, index: nil)
        guard !rowKeyTransforms.isEmpty, !rendered.isEmpty, let key = try? canonicalRowKey(rendered) else { return rendered }
        return key
    }

    /// The rendered row key through `row_key_transform`.
    func canonicalRowKey(_ rendered: String) throws(NormaliseError) -> String {
        var v = JSONValue.string(rendered)
        var tctx = TransformContext(lookups: lookups)
        for t in rowKeyTransforms { v = try t.apply(v, &tctx, field: "row_key") }
        guard let key = v.scalarText, !key.isEmpty else { throw NormaliseError("is empty") }
        return key
    }

    func resolve(_ p: InputPath, current: [String: JSONValue], row: [String: JSONValue], root: [String: JSONValue]) -> JSONValue {
        switch p.scope {
        case .current: return p.resolve(in: current) ?? .null
        case .row: return p.resolve(in: row) ?? .null
        case .root: return p.resolve(in: root) ?? .null
        }
    }

    func contextValue(_ name: String, _ ctx: RowContext, index: Int?) -> JSONValue {
        switch name {
        case "$row_key": return .string(ctx.rowKey)
        case "$seq": return ctx.seq.map { .int($0) } ?? .null
        case "$line": return .int(ctx.line)
        case "$index": return index.map { .int($0) } ?? .null
        default: return .null
        }
    }

    func render(_ t: Template, current: [String: JSONValue], row: [String: JSONValue], ctx: RowContext,
                output: [String: JSONValue], element: [String: JSONValue]?, index: Int?) -> String
    {
        var s = ""
        for p in t.pieces {
            switch p {
            case .literal(let l): s += l
            case .input(let ip): s += resolve(ip, current: current, row: row, root: ctx.root).scalarText.map(Text.collapseEnds) ?? ""
            case .output(let name):
                var v: JSONValue? = nil
                if name.hasPrefix("$record.") {
                    v = output[String(name.dropFirst(8))]
                } else {
                    v = element?[name] ?? output[name]
                }
                s += v?.scalarText ?? ""
            case .context(let name): s += contextValue(name, ctx, index: index).scalarText ?? ""
            }
        }
        return s
    }

    /// Maps one source row to its records and mentions, or every problem found in it.
    public func map(fields: [String: JSONValue], context ctx: RowContext) -> Result<MappedRow, MappingFailure> {
        var problems: [MappingProblem] = []
        var records: [MappedRecord] = []
        // The input fields the row key is made of, as the dead letter names them.
        func keyFields() -> String {
            rowKey.pieces.compactMap { p -> String? in if case .input(let i) = p { return i.description } else { return nil } }.joined(separator: "+")
        }
        if ctx.rowKey.isEmpty {
            problems.append(MappingProblem(field: keyFields(), reason: "is empty: the row has no source key"))
            return .failure(MappingFailure(problems: problems))
        }
        // A key the transforms refuse dead-letters the row, after the fields are mapped: a field mapped from the key's
        // input (SIAK's NIK) names the problem in its own words, and the row's other problems are listed too.
        var keyProblem: MappingProblem? = nil
        if !rowKeyTransforms.isEmpty {
            do {
                _ = try canonicalRowKey(ctx.rowKey)
            } catch {
                keyProblem = MappingProblem(field: keyFields(), reason: "\(error.reason): not a usable source key")
            }
        }
        for out in outputs {
            var scopes: [([String: JSONValue], Int?)] = [(fields, nil)]
            if let fe = out.forEach {
                switch Self.listOf(resolve(fe, current: fields, row: fields, root: ctx.root)) {
                case .array(let a):
                    scopes = []
                    for (i, e) in a.enumerated() {
                        guard case .object(let o) = e else {
                            problems.append(MappingProblem(field: "\(fe)[\(i)]", reason: "is not an object"))
                            continue
                        }
                        scopes.append((o, i))
                    }
                case .null: scopes = []
                default:
                    problems.append(MappingProblem(field: fe.description, reason: "is not an array"))
                    scopes = []
                }
            }
            for (current, index) in scopes {
                var tctx = TransformContext(lookups: lookups)
                var obj: [String: JSONValue] = [:]
                obj.reserveCapacity(out.fields.count + 6)
                for f in out.fields {
                    let before = problems.count
                    let v = evaluate(f, current: current, row: fields, ctx: ctx, index: index, tctx: &tctx, problems: &problems,
                                     prefix: index.map { "\(out.forEach!)[\($0)]." } ?? "")
                    if problems.count == before && v != .null { obj[f.target] = v }
                }
                for (k, v) in tctx.extras where obj[k] == nil && v != .null { obj[k] = v }
                if !tctx.notes.isEmpty { obj["catatan"] = .array(tctx.notes.map { .string($0) }) }
                let key = render(out.sourceKey, current: current, row: fields, ctx: ctx, output: obj, element: nil, index: index)
                if key.isEmpty && problems.isEmpty {
                    problems.append(MappingProblem(field: nil, reason: "source key '\(out.sourceKey.text)' is empty"))
                }
                records.append(MappedRecord(schema: out.schema, sourceKey: key, fields: obj,
                                            version: out.version.flatMap { obj[$0]?.scalarText }))
            }
        }
        if let k = keyProblem, !problems.contains(where: { $0.field == k.field }) { problems.insert(k, at: 0) }
        if !problems.isEmpty { return .failure(MappingFailure(problems: problems)) }
        var mentions: [MappedMention] = []
        for m in self.mentions {
            for r in records where r.schema == m.output {
                var elements: [([String: JSONValue]?, Int?)] = [(nil, nil)]
                if let fe = m.forEach {
                    elements = (r.fields[fe]?.arrayValue ?? []).enumerated().compactMap { i, e in e.objectValue.map { ($0, i) } }
                }
                for (el, index) in elements {
                    func field(_ name: String) -> JSONValue? {
                        if name.hasPrefix("$record.") { return r.fields[String(name.dropFirst(8))] }
                        return el != nil ? el![name] : r.fields[name]
                    }
                    if !m.when.isEmpty && !m.when.contains(where: { field($0).map { $0 != .null } ?? false }) { continue }
                    var data: [String: JSONValue] = [:]
                    data.reserveCapacity(m.fields.count)  // no regrowth (each rehashes every key so far)
                    for (t, s) in m.fields { if let v = field(s), v != .null { data[t] = v } }
                    let key = render(m.key, current: fields, row: fields, ctx: ctx, output: r.fields, element: el, index: index)
                    mentions.append(MappedMention(key: "\(name):\(key)", schema: r.schema, sourceKey: r.sourceKey, fields: data))
                }
            }
        }
        return .success(MappedRow(records: records, mentions: mentions))
    }

    /// A list as `for_each` and `each` read it: an object alone is a list of one. Exports converted from XML (and
    /// some PHP APIs) write a one-element list so: `"penanggung_jawab": {"nik": …}` for one responsible person.
    static func listOf(_ v: JSONValue) -> JSONValue {
        if case .object = v { return .array([v]) }
        return v
    }

    func evaluate(_ f: FieldSpec, current: [String: JSONValue], row: [String: JSONValue], ctx: RowContext, index: Int?,
                  tctx: inout TransformContext, problems: inout [MappingProblem], prefix: String) -> JSONValue
    {
        var v: JSONValue
        switch f.source {
        case .input(let p): v = resolve(p, current: current, row: row, root: ctx.root)
        case .inputs(let ps): v = .array(ps.map { resolve($0, current: current, row: row, root: ctx.root) })
        case .constant(let c): v = c
        case .template(let t): v = .string(render(t, current: current, row: row, ctx: ctx, output: [:], element: nil, index: index))
        case .context(let name): v = contextValue(name, ctx, index: index)
        case .each(let p, let specs):
            switch Self.listOf(resolve(p, current: current, row: row, root: ctx.root)) {
            case .null: v = .null
            case .array(let a):
                var out: [JSONValue] = []
                for (i, e) in a.enumerated() {
                    guard case .object(let o) = e else {
                        problems.append(MappingProblem(field: "\(prefix)\(p)[\(i)]", reason: "is not an object"))
                        continue
                    }
                    var sub = TransformContext(lookups: lookups)
                    var obj: [String: JSONValue] = [:]
                    obj.reserveCapacity(specs.count + 2)
                    for s in specs {
                        let before = problems.count
                        let x = evaluate(s, current: o, row: row, ctx: ctx, index: i, tctx: &sub, problems: &problems,
                                         prefix: "\(prefix)\(p)[\(i)].")
                        if problems.count == before && x != .null { obj[s.target] = x }
                    }
                    for (k, x) in sub.extras where obj[k] == nil && x != .null { obj[k] = x }
                    tctx.notes += sub.notes
                    out.append(.object(obj))
                }
                v = .array(out)
            default:
                problems.append(MappingProblem(field: prefix + p.description, reason: "is not an array"))
                return .null
            }
        }
        for (k, t) in f.transforms.enumerated() {
            do {
                v = try t.apply(v, &tctx, field: f.target)
            } catch {
                if f.nullOnError && !f.required {
                    tctx.notes.append("\(prefix)\(f.sourceName): \(error.reason); kept as null")
                    return .null
                }
                problems.append(MappingProblem(field: prefix + f.sourceName, reason: error.reason))
                return .null
            }
            if k == 0, !f.keepEmpty, case .string(let s) = v, s.isEmpty { v = .null }
        }
        if f.required && v == .null {
            problems.append(MappingProblem(field: prefix + f.sourceName, reason: "is required but empty"))
        }
        return v
    }
}
