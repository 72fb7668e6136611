import CSQLite

/// A prepared statement. Bind by 1-based index, step, read columns by 0-based index.
public final class Statement {
    unowned let db: Database
    let handle: OpaquePointer

    init(db: Database, handle: OpaquePointer) {
        self.db = db
        self.handle = handle
    }

    deinit { sqlite3_finalize(handle) }

    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    @inline(__always) func check(_ rc: Int32) throws(SQLiteError) {
        if rc != SQLITE_OK { throw db.error(rc, "bind") }
    }

    public func bind(_ i: Int32, _ v: Int64) throws(SQLiteError) { try check(sqlite3_bind_int64(handle, i, v)) }
    public func bind(_ i: Int32, _ v: Int) throws(SQLiteError) { try check(sqlite3_bind_int64(handle, i, Int64(v))) }
    public func bindNull(_ i: Int32) throws(SQLiteError) { try check(sqlite3_bind_null(handle, i)) }

    public func bind(_ i: Int32, _ v: String) throws(SQLiteError) {
        var v = v
        let rc = v.withUTF8 { p -> Int32 in
            guard let base = p.baseAddress else { return simpul_bind_text(handle, i, "", 0) }
            return base.withMemoryRebound(to: CChar.self, capacity: p.count) { simpul_bind_text(handle, i, $0, Int32(p.count)) }
        }
        try check(rc)
    }

    public func bind(_ i: Int32, _ v: String?) throws(SQLiteError) {
        if let v { try bind(i, v) } else { try bindNull(i) }
    }

    public func bind(_ i: Int32, blob: [UInt8]) throws(SQLiteError) {
        let rc = blob.withUnsafeBytes { p in simpul_bind_blob(handle, i, p.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, Int32(p.count)) }
        try check(rc)
    }

    public func bind(_ args: [SQLValue]) throws(SQLiteError) {
        for (k, a) in args.enumerated() {
            let i = Int32(k + 1)
            switch a {
            case .null: try bindNull(i)
            case .int(let v): try bind(i, v)
            case .double(let d): try check(sqlite3_bind_double(handle, i, d))
            case .text(let s): try bind(i, s)
            case .blob(let b): try bind(i, blob: b)
            }
        }
    }

    /// Steps once: true when a row is available, false when done.
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw db.error(rc, "step")
    }

    /// Runs to completion, for statements that return no rows.
    public func run() throws(SQLiteError) {
        while try step() {}
        sqlite3_reset(handle)
    }

    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    public func isNull(_ c: Int) -> Bool { sqlite3_column_type(handle, Int32(c)) == SQLITE_NULL }
    public func int(_ c: Int) -> Int64 { sqlite3_column_int64(handle, Int32(c)) }

    public func text(_ c: Int) -> String {
        guard let p = sqlite3_column_text(handle, Int32(c)) else { return "" }
        let n = Int(sqlite3_column_bytes(handle, Int32(c)))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    public func optionalText(_ c: Int) -> String? { isNull(c) ? nil : text(c) }

    /// The column's UTF-8 bytes without copying them; valid only inside `body` (until the next step or reset).
    public func withTextBytes<T>(_ c: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        let n = Int(sqlite3_column_bytes(handle, Int32(c)))
        guard n > 0, let p = sqlite3_column_text(handle, Int32(c)) else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeBufferPointer(start: p, count: n))
    }

    public func blob(_ c: Int) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(handle, Int32(c)))
        guard n > 0, let p = sqlite3_column_blob(handle, Int32(c)) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }

    public func value(_ c: Int) -> SQLValue {
        switch sqlite3_column_type(handle, Int32(c)) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .int(int(c))
        case SQLITE_FLOAT: return .double(sqlite3_column_double(handle, Int32(c)))
        case SQLITE_BLOB: return .blob(blob(c))
        default: return .text(text(c))
        }
    }
}
