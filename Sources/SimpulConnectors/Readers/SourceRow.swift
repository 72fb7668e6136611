import SimpulJSON

/// One row read from a source file, before mapping: its fields and the bytes it came from.
public struct SourceRow: Sendable {
    /// 1-based line where the row starts (for JSON documents, the line where the element starts).
    public var line: Int
    /// The row's fields: an object of column name → string (CSV) or the JSON object itself.
    public var fields: [String: JSONValue]
    /// The row as it came, for the dead-letter queue.
    public var raw: [UInt8]

    public init(line: Int, fields: [String: JSONValue], raw: [UInt8]) {
        self.line = line
        self.fields = fields
        self.raw = raw
    }
}

/// What a reader yields, in file order.
public enum ReadItem: Sendable {
    case row(SourceRow)
    /// The row could not be split into fields (wrong field count, bad quoting, invalid UTF-8, not JSON, too long).
    case malformed(line: Int, field: String?, reason: String, raw: [UInt8])
}

/// A whole file that cannot be read as its format (empty, not JSON, wrong header): reported in the run summary.
public struct FileRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A streaming reader of one file.
public protocol RowReader: AnyObject {
    /// The next item, or nil at the end of the file.
    func next() throws(FileRejection) -> ReadItem?
}
