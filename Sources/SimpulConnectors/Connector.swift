import Foundation
import SimpulJSON

/// A connector loaded from its folder: `connector.json`, lookup files, samples. Compiled once, used for every row.
/// docs/connectors.md is the reference for the file format.
public final class Connector: Sendable {
    public enum Format: String, Sendable { case csv, ndjson, json }

    public let name: String
    public let sourceSystem: String
    public let directory: String
    public let format: Format
    public let csvOptions: CSVReader.Options
    public let recordPath: [String]
    public let require: [String: JSONValue]
    public let rowKey: Template
    /// `row_key_transform`: transforms that check the rendered row key and write it one way (`"integer"`: an id
    /// written `500002.0` is `500002`; one that is no whole number dead-letters the row). None by default.
    public let rowKeyTransforms: [Transform]
    /// `$seq`: the row's number (from 1, in file order) among rows with the same value at this path.
    public let sequenceGroup: InputPath?
    public let lookups: [String: Lookup]
    public let outputs: [OutputSpec]
    public let mentions: [MentionSpec]
    public let definition: JSONValue
    /// The `$root.` fields the mapping reads; only these are kept with each raw row, so replay can re-run.
    public let rootKeys: [String]
    /// The keys of a JSON record (`ndjson`, `json`) the mapping reads at its top level, sorted: a record's own
    /// fields, not those of the lists it walks (`for_each`, `each`), whose elements may lack a key.
    public let recordKeys: [String]
    /// Where Simpul fetches the rows itself (external program or HTTP API); nil for file and push connectors.
    public let source: SyncSource?
    /// `simpul serve` runs a sync connector this often (seconds), from `"schedule": {"every": "15m"}`.
    public let every: Int?

    public var schemas: [String] { Array(Set(outputs.map(\.schema))).sorted() }

    /// The same connector compiled again from its definition, with the lookup tables it loaded (the files are not
    /// read again: a crosswalk edited meanwhile does not make two workers map alike rows apart).
    public func compiledAgain() throws -> Connector {
        try Connector(directory: directory, json: definition, lookups: lookups)
    }

    public static func load(directory: String) throws -> Connector {
        let path = directory + "/connector.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("no connector.json in \(directory)")
        }
        let json: JSONValue
        do { json = try JSONParser.parse([UInt8](data)) } catch { throw ConfigError("\(path) is not valid JSON: \(error)") }
        return try Connector(directory: directory, json: json)
    }

    /// `lookups`: tables already loaded for this definition (``compiledAgain()``); nil reads the files.
    public init(directory: String, json: JSONValue, lookups loaded: [String: Lookup]? = nil) throws {
        self.directory = directory
        definition = json
        guard let name = json["name"]?.stringValue, !name.isEmpty,
            name.unicodeScalars.allSatisfy({ ($0.value >= 97 && $0.value <= 122) || ($0.value >= 48 && $0.value <= 57) || $0 == "-" })
        else {
            throw ConfigError("connector.json: 'name' is required, lower-case letters, digits and '-'")
        }
        self.name = name
        sourceSystem = json["source_system"]?.stringValue ?? name
        let input = json["input"]?.objectValue ?? [:]
        // An external connector's RECORDs are JSON objects: no input section needed.
        let isExternal = json["source"]?["type"]?.stringValue == "external"
        guard let f = input["format"]?.stringValue ?? (isExternal ? "ndjson" : nil), let format = Format(rawValue: f) else {
            throw ConfigError("connector.json: input.format must be csv, ndjson or json")
        }
        self.format = format
        var opt = CSVReader.Options()
        if let d = input["delimiter"]?.stringValue {
            guard d.utf8.count == 1 else { throw ConfigError("connector.json: input.delimiter must be one character") }
            opt.delimiter = d.utf8.first!
        }
        if let m = input["max_record_bytes"]?.scalarText.flatMap({ Int($0) }) { opt.maxRecordBytes = m }
        if let n = input["null_values"] {
            guard format == .csv else { throw ConfigError("connector.json: input.null_values is for csv input (JSON has null)") }
            guard let list = n.arrayValue?.compactMap(\.stringValue), list.count == n.arrayValue?.count else {
                throw ConfigError("connector.json: input.null_values is a list of texts, e.g. [\"NULL\"]")
            }
            opt.nullValues = list
        }
        recordPath = (input["records"]?.stringValue ?? "").split(separator: ".").map(String.init)
        if format == .json && recordPath.isEmpty { throw ConfigError("connector.json: input.records names the array of records") }
        require = input["require"]?.objectValue ?? [:]
        guard let rk = json["row_key"]?.stringValue else {
            throw ConfigError("connector.json: 'row_key' (a template over input fields, e.g. \"{@NIK}\") is required")
        }
        rowKey = try Template(rk)
        if rowKey.usesOutput { throw ConfigError("connector.json: row_key reads input fields only: write {@COLUMN}") }
        rowKeyTransforms = try json["row_key_transform"].map { (v) throws(ConfigError) in try Transform.compile(v, at: "connector.json: row_key_transform") } ?? []
        // A CSV file whose header lacks the columns of the source key is read wrongly as a whole (another
        // delimiter, another export): rejected as a file, instead of every row as "no source key".
        opt.requiredColumns = rowKey.pieces.compactMap { p -> String? in
            guard case .input(let ip) = p, ip.scope != .root, case .key(let k)? = ip.steps.first else { return nil }
            return k
        }
        sequenceGroup = try json["sequence"]?["group_by"]?.stringValue.map { (s) throws(ConfigError) in try InputPath(s) }

        var lookups: [String: Lookup] = [:]
        for (k, spec) in json["lookups"]?.objectValue ?? [:] where loaded == nil {
            guard let file = spec["file"]?.stringValue, let key = spec["key"]?.arrayValue?.compactMap({ $0.stringValue }) else {
                throw ConfigError("connector.json: lookups.\(k) needs 'file' and 'key'")
            }
            lookups[k] = try Lookup(directory: directory, file: file, key: key,
                                    delimiter: spec["delimiter"]?.stringValue?.utf8.first,
                                    integerKey: spec["integer_key"] == .bool(true))
        }
        self.lookups = loaded ?? lookups

        guard let outs = json["outputs"]?.arrayValue, !outs.isEmpty else {
            throw ConfigError("connector.json: 'outputs' lists at least one output")
        }
        var outputs: [OutputSpec] = []
        for (k, o) in outs.enumerated() {
            let at = "outputs[\(k)]"
            guard let schema = o["schema"]?.stringValue else { throw ConfigError("connector.json: \(at).schema is required") }
            guard let sk = o["source_key"]?.stringValue else { throw ConfigError("connector.json: \(at).source_key is required") }
            outputs.append(OutputSpec(
                schema: schema,
                forEach: try o["for_each"]?.stringValue.map { (s) throws(ConfigError) in try InputPath(s) },
                sourceKey: try Template(sk), version: o["version"]?.stringValue,
                fields: try FieldSpec.compileAll(o["fields"], at: "connector.json: \(at).fields")))
        }
        self.outputs = outputs
        var mentions: [MentionSpec] = []
        for (k, m) in (json["mentions"]?.arrayValue ?? []).enumerated() {
            let at = "connector.json: mentions[\(k)]"
            guard let out = m["output"]?.stringValue, outputs.contains(where: { $0.schema == out }) else {
                throw ConfigError("\(at).output must name the schema of one of the outputs")
            }
            guard let key = m["key"]?.stringValue else { throw ConfigError("\(at).key is required") }
            guard let fs = m["fields"]?.objectValue else { throw ConfigError("\(at).fields is required") }
            var fields: [(String, String)] = []
            for (t, s) in fs.sorted(by: { $0.key < $1.key }) {
                guard let s = s.stringValue else { throw ConfigError("\(at).fields.\(t) names a field of the record") }
                fields.append((t, s))
            }
            mentions.append(MentionSpec(output: out, forEach: m["for_each"]?.stringValue,
                                        when: m["when"]?.arrayValue?.compactMap { $0.stringValue } ?? [],
                                        key: try Template(key), fields: fields))
        }
        self.mentions = mentions

        source = try json["source"].map { (v) throws(ConfigError) in try SyncSource.parse(v, format: format) }
        if let e = json["schedule"]?["every"] {
            guard let n = e.scalarText.flatMap(Interval.seconds) else {
                throw ConfigError("connector.json: schedule.every is an interval like \"15m\", \"1h\", \"30s\" or \"1d\"")
            }
            guard source != nil else { throw ConfigError("connector.json: schedule needs a source (external or http) to pull from") }
            every = n
        } else {
            every = nil
        }

        // Which $root. keys does the mapping read, which columns, and which keys of a record's top level? `nested`:
        // the path is read in a list's element (`current` there is the element, not the record).
        var roots: Set<String> = []
        var columns: Set<String> = []
        var record: Set<String> = []
        func visit(_ p: InputPath, nested: Bool = false) {
            guard let k = p.firstKey else { return }
            if p.scope == .root { roots.insert(k) } else { columns.insert(k) }
            if p.scope == .row || (p.scope == .current && !nested) { record.insert(k) }
        }
        func visitT(_ t: Template, nested: Bool = false) { for case .input(let p) in t.pieces { visit(p, nested: nested) } }
        func visitF(_ f: FieldSpec, nested: Bool) {
            switch f.source {
            case .input(let p): visit(p, nested: nested)
            case .inputs(let ps): for p in ps { visit(p, nested: nested) }
            case .template(let t): visitT(t, nested: nested)
            case .each(let p, let fs): visit(p, nested: nested); for x in fs { visitF(x, nested: true) }
            default: break
            }
        }
        visitT(rowKey)
        if let g = sequenceGroup { visit(g) }
        for o in outputs {
            if let fe = o.forEach { visit(fe) }
            visitT(o.sourceKey, nested: o.forEach != nil)
            for f in o.fields { visitF(f, nested: o.forEach != nil) }
        }
        rootKeys = roots.sorted()
        recordKeys = format == .csv ? [] : record.sorted()
        opt.knownColumns = columns.sorted()
        csvOptions = opt
        if format != .json && !rootKeys.isEmpty { throw ConfigError("connector.json: $root. paths need input.format json") }
    }

    /// A reader for one file or pushed body in this connector's format.
    public func reader(_ input: ByteInput) -> RowReader {
        switch format {
        case .csv: return CSVReader(input: input, options: csvOptions)
        case .ndjson: return NDJSONReader(input: input, maxLineBytes: csvOptions.maxRecordBytes)
        case .json: return JSONDocumentReader(input: input, recordPath: recordPath, require: require, maxRecordBytes: csvOptions.maxRecordBytes)
        }
    }
}
