import CSQLite

/// A read-only look at the raw log for an ingest worker: is a row (by its idempotency key) already stored and
/// settled, that is without an open dead letter? Such a row will be counted unchanged, so the worker can skip
/// mapping, validating and serialising it. Only a hint: the writer decides again inside its transaction.
/// One per thread (its own SQLite connection; WAL readers never block the writer).
public final class SettledRows {
    let db: Database
    let lookup: Statement

    /// Nil for an in-memory database (another connection would not see it) or when it cannot be opened.
    public init?(path: String) {
        guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file::memory:"),
              let db = try? Database(path: path, readOnly: true),
              let lookup = try? db.prepare("""
                  SELECT 1 FROM raw_idem i WHERE i.idem = ?
                  AND NOT EXISTS (SELECT 1 FROM dlq d WHERE d.raw_id = i.log_id AND d.status = 'open')
                  """)
        else { return nil }
        self.db = db
        self.lookup = lookup
    }

    public func contains(_ idem: [UInt8]) -> Bool {
        defer { lookup.reset() }
        guard (try? lookup.bind(1, blob: idem)) != nil else { return false }
        return (try? lookup.step()) ?? false
    }
}

extension HubStore {
    /// Where ingest workers for `connector` open their ``SettledRows`` lookups; nil when asking cannot pay off
    /// because the connector has stored no raw row yet (a lookup costs one read per row).
    public func settledRowsPath(connector: String) throws -> String? {
        let stored = try db.scalarInt("SELECT coalesce((SELECT next_seq FROM topics WHERE name = ?), 1)", [.text("raw.\(connector)")]) > 1
        return stored ? db.path : nil
    }
}
