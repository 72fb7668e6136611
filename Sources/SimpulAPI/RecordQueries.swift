import Foundation
import SimpulHTTP
import SimpulJSON
import SimpulNormalise
import SimpulStorage

/// How a schema field can be queried, read from its JSON Schema.
enum FieldKind: Equatable {
    case text
    case integer
    /// Decimal money text ("1500000.00"): compared as a number.
    case decimal
    /// An ISO date (`"format": "date"`, `2024-03-28`) or date-time (`"date-time"`, `2024-11-02T08:14:55`): compared
    /// as text (ISO order is time order), but a filter value must be a real date, or its year or month (`2024`,
    /// `2024-03`) as a bound.
    case date
    /// Arrays and objects: selectable, not filterable or orderable.
    case structured
    /// Added from the record's provenance when read (version, connector, raw_seq, ingested_at): selectable only.
    case provenance

    static let provenanceFields: Set<String> = ["version", "connector", "raw_seq", "ingested_at"]

    static func of(_ schema: JSONValue, field: String) -> FieldKind? {
        if provenanceFields.contains(field) { return .provenance }
        guard let p = schema["properties"]?[field] else { return nil }
        var types: [String] = []
        switch p["type"] {
        case .string(let t)?: types = [t]
        case .array(let a)?: types = a.compactMap(\.stringValue)
        default: break
        }
        if types.contains("array") || types.contains("object") { return .structured }
        if types.contains("integer") { return .integer }
        switch p["format"]?.stringValue {
        case "decimal": return .decimal
        case "date", "date-time": return .date
        default: return .text
        }
    }
}

/// `/v1/records/{schema}` (filters, select, order, keyset cursor, limit) and `/v1/citizens?nama=…`.
enum RecordQueries {
    static let reserved: Set<String> = ["select", "order", "limit", "cursor", "format"]
    static let maxLimit = 1000

    static func isPersonal(_ api: API, _ schema: String) -> Bool {
        api.schemas.sources[schema]?["x-personal"] == .bool(true)
    }

    static func bad(_ code: String, _ message: String) -> APIError { APIError(400, code, message) }

    static func records(_ r: inout APIRequest, api: API) throws -> HTTPResponse {
        let name = r.params["schema"] ?? ""
        guard let source = api.schemas.sources[name], let schema = api.schemas[name] else {
            throw APIError(404, "not_found", "no schema named '\(name)'", detail: .object(["schemas": .array(api.schemas.names.map { .string($0) })]))
        }
        let opd = r.opd!
        guard let granted = opd.fields(name) else { throw APIError(403, "not_granted", "OPD \(opd.name) was not granted \(name) records") }
        let all = schema.fieldNames
        func check(_ field: String, for use: String) throws -> FieldKind {
            guard let k = FieldKind.of(source, field: field) else {
                throw APIError(400, "unknown_field", "schema \(name) has no field '\(field)'", detail: .object(["fields": .array(all.map { .string($0) })]))
            }
            if case .some(let f) = granted, !f.contains(field) {
                throw APIError(403, "not_granted", "field '\(field)' of \(name) was not granted to OPD \(opd.name)")
            }
            if use != "select" && field != "source_key" {
                if k == .structured { throw bad("invalid_filter", "field '\(field)' is a list or object: it can be selected, not used to \(use)") }
                if k == .provenance { throw bad("invalid_filter", "field '\(field)' is provenance: it can be selected, not used to \(use) (use the change feed for 'since')") }
            }
            return k
        }

        let csv = try wantsCSV(r.http)
        var q = RecordQuery(schema: name)
        for item in r.http.query where !reserved.contains(item.name) {
            let kind = try check(item.name, for: "filter")
            q.filters.append(try filter(field: item.name, kind: kind, spec: item.value))
        }
        // select
        var selected: Set<String>
        switch granted {
        case .all: selected = Set(all)
        case .some(let f): selected = f
        }
        var selectOrder: [String]? = nil
        if let sel = r.http.query("select") {
            let names = sel.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !names.isEmpty else { throw bad("invalid_parameter", "select is a comma-separated list of fields") }
            for n in names { _ = try check(n, for: "select") }
            selected = Set(names)
            selectOrder = names
        }
        // order
        var orderSpec = "source_key.asc"
        if let o = r.http.query("order"), !o.isEmpty {
            var field = o, dir = "asc"
            if let dot = o.lastIndex(of: ".") {
                // Field names have no dots: what follows the last one is the direction.
                field = String(o[..<dot])
                dir = String(o[o.index(after: dot)...])
                guard dir == "asc" || dir == "desc" else {
                    throw bad("invalid_parameter", "order is FIELD.asc or FIELD.desc; '\(dir.prefix(20))' is not a direction")
                }
            }
            let kind = try check(field, for: "order")
            q.orderField = field
            q.descending = dir == "desc"
            q.numericOrder = kind == .decimal
            orderSpec = "\(field).\(dir)"
        }
        // limit
        q.limit = try r.int("limit", q.limit, 1...maxLimit)
        // cursor
        if let c = r.http.query("cursor"), !c.isEmpty {
            q.after = try decodeCursor(c, order: orderSpec)
        }
        var page: [QueriedRecord]
        do { page = try r.store.queryRecords(q) } catch let e as QueryError { throw bad("invalid_filter", e.message) }
        var next: JSONValue = .null
        if page.count > q.limit {
            page.removeLast(page.count - q.limit)
            next = .string(encodeCursor(order: orderSpec, value: page.last!.orderValue, key: page.last!.sourceKey))
        }
        if r.personal {
            r.persons = try r.store.mentionedPersons(schema: name, sourceKeys: page.map(\.sourceKey))
        }
        if csv {
            // The columns: the fields selected in that order, else the granted ones in the schema's order.
            var columns: [String] = []
            for n in selectOrder ?? (all.filter(selected.contains) + selected.subtracting(all).sorted()) where !columns.contains(n) {
                columns.append(n)
            }
            var headers: [(name: String, value: String)] = [("Content-Type", "text/csv; charset=utf-8; header=present")]
            if case .string(let c) = next { headers.append(("X-Next-Cursor", c)) }
            return HTTPResponse(status: 200, headers: headers, body: Array(Self.csv(columns: columns, records: page.map(\.data)).utf8))
        }
        return .json(.object([
            "schema": .string(name),
            "records": .array(page.map { Routes.cut($0.data, .some(selected)) }),
            "next_cursor": next,
        ]))
    }

    /// CSV when `format=csv`, or, without `format`, when the client accepts `text/csv` and not JSON before it.
    static func wantsCSV(_ http: HTTPRequest) throws -> Bool {
        switch http.query("format") {
        case "csv": return true
        case "json": return false
        case nil: break
        default: throw bad("invalid_parameter", "format is json or csv")
        }
        guard let accept = http.header("accept")?.lowercased() else { return false }
        let types = accept.split(separator: ",").map { $0.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
        guard let csv = types.firstIndex(of: "text/csv") else { return false }
        return types.firstIndex(where: { $0 == "application/json" || $0 == "application/*" }).map { $0 > csv } ?? true
    }

    /// RFC 4180: a header row of field names, CRLF line ends, a field quoted when it holds a comma, quote or line
    /// break; a missing or null value is empty, a list or object its JSON text, other values their text as stored
    /// (decimals as `1250000.00`, dates ISO).
    static func csv(columns: [String], records: [JSONValue]) -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var out = columns.map(field).joined(separator: ",") + "\r\n"
        for rec in records {
            out += columns.map { c -> String in
                switch rec[c] {
                case nil, .null?: ""
                case .string(let t)?: field(t)
                case .array?, .object?: field(rec[c]!.jsonText)
                case let v?: field(v.scalarText ?? v.jsonText)
                }
            }.joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// The values of `in`, comma-separated; as in PostgREST, a value holding a comma is written in double quotes
    /// (`in.("Belanja ATK, triwulan I",Honor)`), where `\"` and `\\` stand for a quote and a backslash. nil: a quote
    /// not closed.
    static func listValues(_ raw: String) -> [String]? {
        var out: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        var wasQuoted = false
        for c in raw {
            if quoted {
                if escaped {
                    current.append(c)
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if c == "\"" {
                    quoted = false
                } else {
                    current.append(c)
                }
            } else if c == "," {
                out.append(current)
                current = ""
                wasQuoted = false
            } else if c == "\"" && current.isEmpty && !wasQuoted {
                quoted = true
                wasQuoted = true
            } else {
                current.append(c)
            }
        }
        if quoted { return nil }
        out.append(current)
        return out
    }

    /// A date filter value: `YYYY`, `YYYY-MM` (01–12), `YYYY-MM-DD` (a day the month has), optionally followed by
    /// `THH:MM` or `THH:MM:SS` (00–23, 00–59).
    static func isDateBound(_ v: String) -> Bool {
        let b = Array(v.utf8)
        func num(_ r: Range<Int>) -> Int? {
            guard r.upperBound <= b.count, b[r].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return b[r].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        guard let year = num(0..<4) else { return false }
        if b.count == 4 { return true }
        guard b.count >= 7, b[4] == 0x2D, let month = num(5..<7), (1...12).contains(month) else { return false }
        if b.count == 7 { return true }
        guard b.count >= 10, b[7] == 0x2D, let day = num(8..<10) else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else { return false }
        if b.count == 10 { return true }
        guard b.count == 16 || b.count == 19, b[10] == 0x54, b[13] == 0x3A, let h = num(11..<13), h < 24, let m = num(14..<16), m < 60 else { return false }
        return b.count == 16 || (b[16] == 0x3A && (num(17..<19).map { $0 < 60 } ?? false))
    }

    /// `field=op.value`: eq, neq, gt, gte, lt, lte, in (`in.a,b` or `in.(a,b)`, a value with a comma in double
    /// quotes), like (a prefix, `like.ABC` or `like.ABC*`).
    static func filter(field: String, kind: FieldKind, spec: String) throws -> RecordFilter {
        guard let dot = spec.firstIndex(of: "."), let op = RecordFilter.Op(rawValue: String(spec[..<dot])) else {
            throw APIError(400, "invalid_filter", "filter \(field): write \(field)=OP.VALUE with OP one of \(RecordFilter.Op.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var raw = String(spec[spec.index(after: dot)...])
        func value(_ v: String) throws -> SQLValue {
            switch kind {
            case .integer:
                guard let n = Int64(v) else { throw bad("invalid_filter", "filter \(field): '\(v.prefix(40))' is not an integer") }
                return .int(n)
            case .decimal:
                guard !v.isEmpty, v.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D }), let d = Double(v) else {
                    throw bad("invalid_filter", "filter \(field): '\(v.prefix(40))' is not a decimal number such as 1500000.00")
                }
                return .double(d)
            case .date:
                guard isDateBound(v) else {
                    throw bad("invalid_filter", "filter \(field): '\(v.prefix(40))' is not a date: write YYYY-MM-DD (a real day), or YYYY-MM or YYYY "
                              + "as a bound, or YYYY-MM-DDTHH:MM:SS")
                }
                return .text(v)
            default:
                return .text(v)
            }
        }
        switch op {
        case .in:
            if raw.hasPrefix("(") && raw.hasSuffix(")") { raw = String(raw.dropFirst().dropLast()) }
            guard let parts = listValues(raw) else {
                throw bad("invalid_filter", "filter \(field): a quoted value of in is not closed (write in.(\"a, b\",c))")
            }
            guard !raw.isEmpty, parts.count <= 100 else { throw bad("invalid_filter", "filter \(field): in takes 1 to 100 comma-separated values") }
            return RecordFilter(field: field, op: .in, values: try parts.map(value), numeric: kind == .decimal)
        case .like:
            guard kind == .text || kind == .date else { throw bad("invalid_filter", "filter \(field): like is for text and date fields") }
            if raw.hasSuffix("*") { raw.removeLast() }
            guard !raw.isEmpty, !raw.contains("*") else { throw bad("invalid_filter", "filter \(field): like takes a prefix, e.g. like.SITI") }
            return RecordFilter(field: field, op: .like, values: [.text(raw)])
        default:
            return RecordFilter(field: field, op: op, values: [try value(raw)], numeric: kind == .decimal)
        }
    }

    // MARK: - Keyset cursors: base64url of {"o": order, "v": last order value, "k": last source key}

    static func encodeCursor(order: String, value: SQLValue, key: String) -> String {
        let v: JSONValue
        switch value {
        case .int(let n): v = .object(["i": .string(String(n))])
        case .double(let d): v = .object(["d": .string(String(d))])
        case .text(let t): v = .string(t)
        default: v = .null
        }
        let json = JSONValue.object(["o": .string(order), "v": v, "k": .string(key)]).jsonText
        return Data(json.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeCursor(_ c: String, order: String) throws -> (SQLValue, String) {
        var b = c.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        guard let data = Data(base64Encoded: b), let j = try? JSONParser.parse([UInt8](data)), let k = j["k"]?.stringValue, let o = j["o"]?.stringValue else {
            throw bad("invalid_cursor", "cursor is not one this API gave out; take next_cursor from the previous page")
        }
        guard o == order else { throw bad("invalid_cursor", "this cursor belongs to order=\(o); keep the same order (and filters) while paging") }
        let v: SQLValue
        switch j["v"] {
        case .string(let t)?: v = .text(t)
        case .object(let ob)?:
            if let i = ob["i"]?.stringValue.flatMap({ Int64($0) }) { v = .int(i) } else if let d = ob["d"]?.stringValue.flatMap({ Double($0) }) { v = .double(d) } else {
                throw bad("invalid_cursor", "cursor is damaged")
            }
        default: v = .null
        }
        return (v, k)
    }

    // MARK: - Citizens by name

    static func searchCitizens(_ r: inout APIRequest) throws -> HTTPResponse {
        let opd = r.opd!
        guard let fields = opd.fields("citizen") else { throw APIError(403, "not_granted", "OPD \(opd.name) was not granted citizen data") }
        if case .some(let f) = fields, !f.contains("nama") {
            throw APIError(403, "not_granted", "searching by name needs the field citizen:nama in the grant")
        }
        let raw = r.http.query("nama") ?? ""
        let nama = PersonName.normalise(raw).nama
        guard raw.utf8.filter({ ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }).count >= 3, nama.count >= 3 else {
            throw bad("invalid_parameter", "nama needs at least 3 letters")
        }
        var tanggal: String? = nil
        if let t = r.http.query("tanggal_lahir"), !t.isEmpty {
            // ISO only, as the API document says; the calendar is checked too.
            guard t.utf8.count == 10, let d = try? DateNormaliser.date(t), d == t else {
                throw bad("invalid_parameter", "tanggal_lahir is a date YYYY-MM-DD between 1800 and 2199")
            }
            tanggal = d
        }
        var wilayah: String? = nil
        if let k = r.http.query("kode_wilayah"), !k.isEmpty {
            do { wilayah = try Wilayah.normalise(k) } catch { throw bad("invalid_parameter", "kode_wilayah: \(error.reason)") }
        }
        let limit = try r.int("limit", 20, 1...100)
        // `more` tells the client the search matched more than it shows (narrow it with a birth date or kode
        // wilayah); only the citizens shown are read, and audited.
        let (found, more) = try HubStore.firstPage(limit: limit) {
            try r.store.searchCitizens(namePrefix: nama, tanggalLahir: tanggal, kodeWilayah: wilayah, limit: $0)
        }
        r.persons = found.map(\.sourceKey)
        var query: [String: JSONValue] = ["nama": .string(nama)]
        if let tanggal { query["tanggal_lahir"] = .string(tanggal) }
        if let wilayah { query["kode_wilayah"] = .string(wilayah) }
        return .json(.object(["query": .object(query), "citizens": .array(found.map { Routes.cut($0.data, fields) }), "more": .bool(more)]))
    }
}
