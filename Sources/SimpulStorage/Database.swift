import CSQLite

/// One SQLite connection. Not thread-safe: a connection belongs to one thread at a time
/// (the writer thread, or one reader). Blocking SQLite calls never run on the Swift concurrency pool.
public final class Database {
    let handle: OpaquePointer
    public let path: String
    var cache: [String: Statement] = [:]

    /// Process-wide SQLite settings, made once before the first connection opens.
    static let configured: Bool = simpul_configure_sqlite() == SQLITE_OK

    public init(path: String, readOnly: Bool = false) throws(SQLiteError) {
        _ = Database.configured
        var h: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &h, flags, nil)
        guard rc == SQLITE_OK, let h else {
            let msg = h.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let h { sqlite3_close_v2(h) }
            throw SQLiteError(code: rc, message: msg, operation: "open")
        }
        handle = h
        self.path = path
        sqlite3_extended_result_codes(h, 1)
        sqlite3_busy_timeout(h, 10_000)
    }

    /// Waits for a lock held by another connection in steps of 100 µs (up to `milliseconds`) instead of SQLite's
    /// growing sleeps (1, 2, 5 … 100 ms): for a writer whose callers wait on it, such as the audit log.
    public func retryWhenBusyInFineSteps(milliseconds: Int32 = 10_000) {
        simpul_set_fine_busy_timeout(handle, milliseconds)
    }

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    func error(_ rc: Int32, _ op: String) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), operation: op)
    }

    /// Runs one or more statements that bind nothing (DDL, pragmas).
    public func execute(_ sql: String) throws(SQLiteError) {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? "failed"
            sqlite3_free(err)
            throw SQLiteError(code: rc, message: msg, operation: "execute")
        }
    }

    /// A prepared statement, cached by its SQL text for the life of the connection.
    public func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        if let s = cache[sql] {
            s.reset()
            return s
        }
        var st: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &st, nil)
        guard rc == SQLITE_OK, let st else { throw error(rc, "prepare") }
        let s = Statement(db: self, handle: st)
        cache[sql] = s
        return s
    }

    /// Runs `body` in a read transaction: every statement in it sees the same snapshot of the database, and the
    /// file locks are taken once rather than per statement. `body` must not write.
    public func reading<T>(_ body: () throws -> T) throws -> T {
        let began = try beginRead()
        defer { if began { endRead() } }
        return try body()
    }

    /// Opens a read transaction unless one is open (then false): for readers that end it later (``endRead()``),
    /// after several reads.
    @discardableResult public func beginRead() throws -> Bool {
        guard !inTransaction else { return false }
        let begin = try prepare("BEGIN")
        defer { begin.reset() }
        _ = try begin.step()
        return true
    }

    /// Ends the transaction ``beginRead()`` opened, if any (rolled back if it cannot be committed).
    public func endRead() {
        guard inTransaction else { return }
        do {
            let commit = try prepare("COMMIT")
            defer { commit.reset() }
            _ = try commit.step()
        } catch {
            try? execute("ROLLBACK")
        }
    }

    /// Runs `body` in a write transaction (`BEGIN IMMEDIATE`), committing on return and rolling back on throw.
    ///
    /// `BEGIN IMMEDIATE` takes the write lock of every attached database file. With `lockingWrite`, a write that
    /// changes nothing on one file (`UPDATE f.t SET c = c WHERE 0`), the transaction is deferred and that first
    /// write takes the write lock of that file alone, waiting for it as any first write does; what `body` reads
    /// afterwards cannot change before the commit.
    public func transaction<T>(lockingWrite: String? = nil, _ body: () throws -> T) throws -> T {
        if let lockingWrite {
            try execute("BEGIN")
            do { try prepare(lockingWrite).run() } catch {
                try? execute("ROLLBACK")
                throw error
            }
        } else {
            try execute("BEGIN IMMEDIATE")
        }
        do {
            let v = try body()
            try execute("COMMIT")
            return v
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Whether a transaction is open on this connection.
    public var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    public var changes: Int { Int(sqlite3_changes(handle)) }
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Reads one integer from a query (`SELECT count(*) …`); 0 when no row.
    public func scalarInt(_ sql: String, _ args: [SQLValue] = []) throws(SQLiteError) -> Int64 {
        let s = try prepare(sql)
        try s.bind(args)
        // Reset at once: a statement left mid-result holds a read transaction open, and the WAL could then never
        // be checkpointed (it would grow without bound).
        defer { s.reset() }
        return try s.step() ? s.int(0) : 0
    }

    public func rows(_ sql: String, _ args: [SQLValue] = []) throws(SQLiteError) -> [[SQLValue]] {
        let s = try prepare(sql)
        try s.bind(args)
        var out: [[SQLValue]] = []
        while try s.step() { out.append((0..<s.columnCount).map { s.value($0) }) }
        return out
    }

    public func run(_ sql: String, _ args: [SQLValue] = []) throws(SQLiteError) {
        let s = try prepare(sql)
        try s.bind(args)
        while try s.step() {}
    }
}

/// A value to bind or read.
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])

    public var int: Int64? { if case .int(let v) = self { return v } else { return nil } }
    /// A REAL or INTEGER as a Double.
    public var number: Double? {
        switch self {
        case .double(let d): return d
        case .int(let v): return Double(v)
        default: return nil
        }
    }
    public var text: String? {
        switch self {
        case .text(let s): return s
        case .int(let v): return String(v)
        default: return nil
        }
    }
    public var blob: [UInt8]? {
        switch self {
        case .blob(let b): return b
        case .text(let s): return Array(s.utf8)
        default: return nil
        }
    }
}
