import Foundation

/// A code table from a CSV file in the connector's folder (e.g. SIMDA's crosswalk files), keyed by one or more
/// columns. Loaded once per connector.
public struct Lookup: Sendable {
    public let file: String
    public let keyColumns: [String]
    /// Joined key (U+001F between parts) → the row's columns.
    public let rows: [String: [String: String]]

    public init(directory: String, file: String, key: [String], delimiter: UInt8 = UInt8(ascii: ",")) throws {
        self.file = file
        keyColumns = key
        let path = directory + "/" + file
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError("lookup file \(file) is missing from \(directory)")
        }
        var opt = CSVReader.Options()
        opt.delimiter = delimiter
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
                rows[parts.joined(separator: "\u{1F}")] = cols
            }
        } catch let e as FileRejection {
            throw ConfigError("lookup file \(file): \(e.reason)")
        }
        self.rows = rows
    }
}
