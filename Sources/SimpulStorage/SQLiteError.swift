import CSQLite

/// A failure from SQLite. The message names the operation and SQLite's reason, never a bound value,
/// so personal data cannot leak into logs through it.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var operation: String

    public var description: String { "database error during \(operation): \(message) (code \(code))" }

    /// `SQLITE_BUSY`/`SQLITE_LOCKED`: another process holds the write lock for longer than the busy timeout.
    public var isBusy: Bool { code & 0xFF == SQLITE_BUSY || code & 0xFF == SQLITE_LOCKED }
}

/// A database file that this binary must not open: newer schema, or not a Simpul database.
public struct StoreOpenError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
