import Foundation

/// A code table from a CSV file in the connector's folder (e.g. SIMDA's crosswalk files), keyed by one or more
/// columns. Loaded once per connector.
public struct Lookup: Sendable {
    public let file: String
    public let keyColumns: [String]
    /// Key parts are whole numbers (SIMDA's `Kd_*` codes): `01` and `1` are the same code, on either side.
    public let integerKey: Bool
    /// Joined key (U+001F between parts) → the row's columns.
    public let rows: [String: [String: String]]

    /// `delimiter` nil: `,`, or the delimiter the header row shows when read with `,` it lacks the key columns (a
    /// crosswalk saved again from a spreadsheet in an Indonesian locale is written with `;`): the CSV reader's own
    /// rule for an export written with other settings.
    public init(directory: String, file: String, key: [String], delimiter: UInt8? = nil, integerKey: Bool = false) throws {
        self.file = file
        keyColumns = key
        self.integerKey = integerKey
        let path = directory + "/" + file
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError("lookup file \(file) is missing from \(directory)")
        }
        var opt = CSVReader.Options()
        opt.delimiter = delimiter ?? UInt8(ascii: ",")
        if delimiter == nil { opt.requiredColumns = key }
        let reader = CSVReader(input: try ByteInput(path: path), options: opt)
        var rows: [String: [String: String]] = [:]
        do {
            while let item = try reader.next() {
                guard case .row(let r) = item else { throw ConfigError("\(file) has a malformed row") }
                var cols: [String: String] = [:]
                for (k, v) in r.fields { cols[k] = (v.stringValue ?? "").trimmingCharacters(in: .whitespaces) }
                var parts: [String] = []
                for k in key {
                    guard let v = cols[k] else { throw ConfigError("\(file) has no key column '\(k)'") }
                    parts.append(v)
                }
                rows[Self.joined(parts, integer: integerKey)] = cols
            }
        } catch let e as FileRejection {
            throw ConfigError("lookup file \(file): \(e.reason)")
        }
        self.rows = rows
    }

    /// The row whose key is `parts` (in key column order), nil when there is none.
    public func row(_ parts: [String]) -> [String: String]? { rows[Self.joined(parts, integer: integerKey)] }

    static func joined(_ parts: [String], integer: Bool) -> String {
        guard integer else { return parts.joined(separator: "\u{1F}") }
        return parts.map { p in
            // Leading zeros off a part of digits only ("007" → "7", "0" stays "0"); anything else as written.
            guard !p.isEmpty, p.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return p }
            let t = p.drop(while: { $0 == "0" })
            return t.isEmpty ? "0" : String(t)
        }.joined(separator: "\u{1F}")
    }
}
