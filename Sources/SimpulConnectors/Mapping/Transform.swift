import SimpulJSON
import SimpulNormalise

/// One step of a field's transform chain. `docs/connectors.md` lists every transform with its arguments.
public indirect enum Transform: Sendable {
    case trim, upper, lower, collapse, string, integer
    case nullIf([String])
    case nik(lenient: Bool, originalTo: String?, statusTo: String?)
    /// `readSwapped`: a date that is real only with its day and month the other way round (`04/25/1990`) is read so.
    case date(readSwapped: Bool), datetime
    case money(Money.DecimalMark, allowNegative: Bool)
    case wilayah, wilayahParts
    case subKegiatan(originalTo: String?)
    case kodeSkpd, kodeAkun
    case name(titlesTo: String?)
    case code([String: JSONValue], unknown: UnknownCode)
    case digits(originalTo: String?, lengths: [Int])
    case zeroPad(Int)
    case split([String], then: [Transform])
    case mapEach([Transform])
    case join(String)
    case lookup(table: String, column: String)
    case oneOf([String])

    public enum UnknownCode: Sendable {
        case reject, null, keep
        case value(JSONValue)
    }

    static let names = "trim, upper, lower, collapse, string, integer, null_if, nik, date, datetime, money, wilayah, "
        + "wilayah_parts, sub_kegiatan, kode_skpd, kode_akun, name, code, digits, zero_pad, split, map_each, join, lookup, one_of"

    /// Compiles a transform list from connector.json: a name, an object `{name: args}`, or an array of those.
    static func compile(_ v: JSONValue, at path: String) throws(ConfigError) -> [Transform] {
        switch v {
        case .array(let a):
            var out: [Transform] = []
            for (k, e) in a.enumerated() { out += try compile(e, at: "\(path)[\(k)]") }
            return out
        case .string(let name):
            return [try one(name, .null, at: path)]
        case .object(let o):
            var out: [Transform] = []
            for (k, args) in o.sorted(by: { $0.key < $1.key }) { out.append(try one(k, args, at: path)) }
            guard o.count == 1 else { throw ConfigError("\(path): write one transform per object; use an array for a chain") }
            return out
        default:
            throw ConfigError("\(path): a transform is a name, {name: args} or an array of them")
        }
    }

    static func one(_ name: String, _ a: JSONValue, at path: String) throws(ConfigError) -> Transform {
        func str(_ k: String) -> String? { a[k]?.stringValue }
        switch name {
        case "trim": return .trim
        case "upper": return .upper
        case "lower": return .lower
        case "collapse": return .collapse
        case "string": return .string
        case "integer": return .integer
        case "null_if":
            guard let vs = a.arrayValue?.compactMap({ $0.scalarText }) else { throw ConfigError("\(path): null_if takes an array of values") }
            return .nullIf(vs)
        case "nik":
            return .nik(lenient: a["lenient"] == .bool(true), originalTo: str("original_to"), statusTo: str("status_to"))
        case "date":
            if case .object(let o) = a, let bad = o.keys.first(where: { $0 != "swapped" }) {
                throw ConfigError("\(path): date takes only 'swapped' (\(bad) is unknown)")
            }
            switch str("swapped") ?? "fail" {
            case "fail": return .date(readSwapped: false)
            case "read": return .date(readSwapped: true)
            default: throw ConfigError("\(path): date.swapped is 'fail' (default) or 'read'")
            }
        case "datetime": return .datetime
        case "money":
            let mark: Money.DecimalMark
            switch str("decimal") ?? "comma" {
            case "comma": mark = .comma
            case "dot": mark = .dot
            default: throw ConfigError("\(path): money.decimal is 'comma' (1.250.000,00) or 'dot' (1250000.00)")
            }
            return .money(mark, allowNegative: a["allow_negative"] == .bool(true))
        case "wilayah": return .wilayah
        case "wilayah_parts": return .wilayahParts
        case "sub_kegiatan": return .subKegiatan(originalTo: str("original_to"))
        case "kode_skpd": return .kodeSkpd
        case "kode_akun": return .kodeAkun
        case "name": return .name(titlesTo: str("titles_to"))
        case "code":
            guard let m = a["map"]?.objectValue else { throw ConfigError("\(path): code needs a 'map' object") }
            if let d = a["default"] {
                guard a["unknown"] == nil else { throw ConfigError("\(path): code takes 'unknown' or 'default', not both") }
                return .code(m, unknown: .value(d))
            }
            switch str("unknown") ?? "reject" {
            case "reject": return .code(m, unknown: .reject)
            case "null": return .code(m, unknown: .null)
            case "keep": return .code(m, unknown: .keep)
            default: throw ConfigError("\(path): code.unknown is reject, null or keep")
            }
        case "digits":
            return .digits(originalTo: str("original_to"), lengths: a["lengths"]?.arrayValue?.compactMap { $0.scalarText.flatMap { Int($0) } } ?? [])
        case "zero_pad":
            guard let n = a.scalarText.flatMap({ Int($0) }), (1...32).contains(n) else { throw ConfigError("\(path): zero_pad takes a width from 1 to 32") }
            return .zeroPad(n)
        case "split":
            // One separator, or a list of them, any of which splits (`["|", ";", ","]`).
            let seps = str("separator").map { [$0] } ?? a["separator"]?.arrayValue?.compactMap(\.stringValue) ?? []
            guard !seps.isEmpty, !seps.contains("") else { throw ConfigError("\(path): split needs 'separator' (a text or a list of texts)") }
            return .split(seps, then: try a["then"].map { (v) throws(ConfigError) in try compile(v, at: path + ".then") } ?? [])
        case "map_each":
            return .mapEach(try compile(a, at: path + ".map_each"))
        case "join":
            return .join(a.stringValue ?? str("separator") ?? "")
        case "lookup":
            guard let t = str("table"), let c = str("column") else { throw ConfigError("\(path): lookup needs 'table' and 'column'") }
            return .lookup(table: t, column: c)
        case "one_of":
            guard let vs = a.arrayValue?.compactMap({ $0.stringValue }) else { throw ConfigError("\(path): one_of takes an array") }
            return .oneOf(vs)
        default:
            throw ConfigError("\(path): unknown transform '\(name)' (known: \(names))")
        }
    }
}

/// Side outputs and notes that transforms produce while mapping one field.
struct TransformContext {
    var extras = SideOutputs()
    var notes: [String] = []
    let lookups: [String: Lookup]
}

extension Transform {
    /// Applies the transform to one value. `nil` input passes through most transforms untouched.
    func apply(_ v: JSONValue, _ ctx: inout TransformContext, field: String) throws(NormaliseError) -> JSONValue {
        if case .null = v {
            switch self {
            case .nik(_, _, let statusTo):
                if let statusTo { ctx.extras[statusTo] = .string("kosong") }
                return .null
            default: return .null
            }
        }
        func text() throws(NormaliseError) -> String {
            guard let s = v.scalarText else { throw NormaliseError("expected text, got \(Self.kind(v))") }
            return s
        }
        switch self {
        case .trim: return v.stringValue.map { .string(Text.collapseEnds($0)) } ?? v
        case .upper: return .string(Text.upper(try text()))
        case .lower: return .string(try text().lowercased())
        case .collapse: return .string(Text.collapse(try text()))
        case .string: return .string(try text())
        case .integer:
            var t = Substring(Text.collapse(try text()))
            // A whole number written back from a floating-point column (`2024.0`, as pandas writes a column with an
            // empty cell) is that number; any other fraction is not a whole number.
            if let dot = t.firstIndex(of: "."), t[t.index(after: dot)...].allSatisfy({ $0 == "0" }) { t = t[..<dot] }
            guard let n = Int(t) else { throw NormaliseError("not a whole number") }
            return .int(n)
        case .nullIf(let vs):
            return vs.contains(try text()) ? .null : v
        case .nik(let lenient, let originalTo, let statusTo):
            let raw = try text()
            let r = NIK.read(raw)
            if let statusTo { ctx.extras[statusTo] = .string(r.status) }
            if case .valid(let nik) = r {
                if let originalTo, nik != raw { ctx.extras[originalTo] = .string(raw) }
                return .string(nik)
            }
            if !lenient { throw NormaliseError(r.reason) }
            if let originalTo { ctx.extras[originalTo] = .string(raw) }
            return .null
        case .date(let readSwapped):
            let raw = try text()
            do {
                return .string(try DateNormaliser.date(raw))
            } catch {
                guard readSwapped, let d = DateNormaliser.swappedDate(raw) else { throw error }
                ctx.notes.append("\(field): read with day and month swapped (the only reading that is a real date)")
                return .string(d)
            }
        case .datetime: return .string(try DateNormaliser.dateTime(try text()))
        case .money(let mark, let allowNegative):
            let m: Money
            if case .number(let lit) = v { m = try Money.parseNumberLiteral(lit) } else { m = try Money.parse(try text(), decimal: mark) }
            if m.sen < 0 && !allowNegative { throw NormaliseError("amount is negative") }
            return .string(m.description)
        case .wilayah: return .string(try Wilayah.normalise(try text()))
        case .wilayahParts:
            guard case .array(let parts) = v else { throw NormaliseError("wilayah_parts needs several input fields") }
            let given = parts.map { Text.collapse($0.scalarText ?? "") }.filter { !$0.isEmpty }
            // No part at all is no region (the field is left out, like any empty value); some parts are read.
            if given.isEmpty { return .null }
            return .string(try Wilayah.fromParts(given))
        case .subKegiatan(let originalTo):
            let raw = try text()
            let code = try BudgetCodes.subKegiatan(raw)
            if let originalTo { ctx.extras[originalTo] = .string(Text.collapse(raw)) }
            return .string(code)
        case .kodeSkpd: return .string(try BudgetCodes.skpd(try text()))
        case .kodeAkun: return .string(try BudgetCodes.akun(try text()))
        case .name(let titlesTo):
            let r = PersonName.normalise(try text())
            if let titlesTo, !r.gelar.isEmpty { ctx.extras[titlesTo] = .array(r.gelar.map { .string($0) }) }
            // No letter at all (`-`, `.`, `0`: a form's way of leaving the name out) is no name.
            if !r.nama.utf8.contains(where: { ($0 >= 0x41 && $0 <= 0x5A) || $0 >= 0x80 }) { return .null }
            return .string(r.nama)
        case .code(let map, let unknown):
            let key = Text.collapse(try text())
            if let mapped = map[key] { return mapped }
            switch unknown {
            case .reject: throw NormaliseError("code '\(key)' is not one of \(map.keys.sorted().joined(separator: ", "))")
            case .null:
                ctx.notes.append("\(field): unknown code '\(key)' kept as null")
                return .null
            case .keep: return .string(key)
            case .value(let d): return d
            }
        case .digits(let originalTo, let lengths):
            let raw = try text()
            let d = String(raw.unicodeScalars.filter { $0.value >= 48 && $0.value <= 57 }.map(Character.init))
            if let originalTo, d != raw { ctx.extras[originalTo] = .string(raw) }
            if d.isEmpty { return .null }
            if !lengths.isEmpty && !lengths.contains(d.count) {
                throw NormaliseError("has \(d.count) digits, expected \(lengths.map(String.init).joined(separator: " or "))")
            }
            return .string(d)
        case .zeroPad(let width):
            // A number kept as text (`NO_RT` `2` for `002`, as a spreadsheet saves it): zeros in front up to the width,
            // so the two spellings are one value. Anything but digits stays as written.
            let t = Text.collapse(try text())
            guard !t.isEmpty, t.utf8.count < width, t.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return t.isEmpty ? .null : .string(t) }
            return .string(String(repeating: "0", count: width - t.utf8.count) + t)
        case .split(let seps, let then):
            var pieces = [try text()]
            for sep in seps { pieces = pieces.flatMap { $0.components(separatedBy: sep) } }
            let parts = pieces.map { Text.collapse($0) }.filter { !$0.isEmpty }
            var out: [JSONValue] = []
            for p in parts {
                var x: JSONValue = .string(p)
                for t in then { x = try t.apply(x, &ctx, field: field) }
                out.append(x)
            }
            return .array(out)
        case .mapEach(let ts):
            guard case .array(let a) = v else { throw NormaliseError("expected an array, got \(Self.kind(v))") }
            var out: [JSONValue] = []
            for e in a {
                var x = e
                for t in ts { x = try t.apply(x, &ctx, field: field) }
                out.append(x)
            }
            return .array(out)
        case .join(let sep):
            guard case .array(let a) = v else { return v }
            return .string(a.map { $0.scalarText.map(Text.collapse) ?? "" }.joined(separator: sep))
        case .lookup(let table, let column):
            guard let t = ctx.lookups[table] else { throw NormaliseError("lookup table '\(table)' is not loaded") }
            let keys: [String]
            if case .array(let a) = v { keys = a.map { Text.collapse($0.scalarText ?? "") } } else { keys = [Text.collapse(try text())] }
            guard let row = t.row(keys) else {
                throw NormaliseError("codes \(keys.joined(separator: ".")) are not in \(t.file)")
            }
            guard let out = row[column] else { throw NormaliseError("\(t.file) has no column '\(column)'") }
            return out.isEmpty ? .null : .string(out)
        case .oneOf(let vs):
            let s = Text.collapse(try text())
            if vs.contains(s) { return .string(s) }
            // The same words written another way (`Rancangan Awal`, `rancangan-awal` for `rancangan_awal`): the value
            // as the list spells it.
            func fold(_ x: String) -> String {
                String(x.uppercased().map { $0 == " " || $0 == "-" ? "_" : $0 })
            }
            let folded = fold(s)
            guard let hit = vs.first(where: { fold($0) == folded }) else {
                throw NormaliseError("'\(s)' is not one of \(vs.joined(separator: ", "))")
            }
            return .string(hit)
        }
    }

    static func kind(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "text"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

extension Text {
    /// Trims leading and trailing whitespace only.
    static func collapseEnds(_ s: String) -> String {
        guard let f = s.utf8.first, let l = s.utf8.last else { return s }
        if f > 0x20 && l > 0x20 { return s }
        var sub = Substring(s)
        while let c = sub.first, c.isWhitespace { sub = sub.dropFirst() }
        while let c = sub.last, c.isWhitespace { sub = sub.dropLast() }
        return String(sub)
    }
}

/// A transform's side outputs (`status_to`, `original_to`, `titles_to`): a row has a handful, so a short list
/// searched in order, with a dictionary's meaning (setting a name again replaces its value) but no hashing and no
/// table to allocate and grow per row.
struct SideOutputs: Sequence {
    private var items: [(String, JSONValue)] = []

    subscript(name: String) -> JSONValue? {
        get { items.first { $0.0 == name }?.1 }
        set {
            if let k = items.firstIndex(where: { $0.0 == name }) {
                if let newValue { items[k].1 = newValue } else { items.remove(at: k) }
            } else if let newValue {
                items.append((name, newValue))
            }
        }
    }

    func makeIterator() -> IndexingIterator<[(String, JSONValue)]> { items.makeIterator() }
}
