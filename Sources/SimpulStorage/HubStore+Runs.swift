import SimpulJSON

/// One connector run as `connector runs` and `GET /v1/connectors/runs` show it.
public struct RunInfo: Sendable {
    public var id: Int64
    public var connector: String
    /// files (CLI ingest), push (HTTP push), http (HTTP pull), external (an external connector's `read`)
    public var kind: String
    /// cli, api, schedule or kit
    public var trigger: String
    /// running, ok, failed or interrupted; runs from before migration 5 without a status read as ok or unfinished
    public var status: String
    public var error: String?
    public var startedAt: Int64
    public var finishedAt: Int64?
    /// The run summary JSON (ARCHITECTURE.md's ingest summary), once finished.
    public var summary: JSONValue?

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "id": .int(Int(id)), "connector": .string(connector), "kind": .string(kind), "trigger": .string(trigger),
            "status": .string(status), "error": error.map { .string($0) } ?? .null,
            "started_at": .int(Int(startedAt)), "finished_at": finishedAt.map { .int(Int($0)) } ?? .null,
        ]
        for k in ["read", "accepted", "unchanged", "dead_lettered", "seconds"] { o[k] = summary?[k] ?? .null }
        if let files = summary?["files"]?.arrayValue {
            o["rejected_files"] = .int(files.filter { $0["rejected_file"].map { $0 != .null } ?? false }.count)
        }
        return .object(o)
    }
}

extension HubStore {
    public func beginRun(connector: String, kind: String = "files", trigger: String = "cli") throws -> Int64 {
        try db.run("INSERT INTO runs(connector, started_at, kind, trigger, status) VALUES(?, ?, ?, ?, 'running')",
                   [.text(connector), .int(Self.now()), .text(kind), .text(trigger)])
        return db.lastInsertRowID
    }

    public func addRunFile(run: Int64, path: String) throws -> Int64 {
        try db.run("INSERT INTO run_files(run_id, path) VALUES(?, ?)", [.int(run), .text(path)])
        return db.lastInsertRowID
    }

    /// Ends a run. `error` never holds personal data: it is a transport or protocol message written by Simpul
    /// (an external connector's ERROR message is kept, cut to 500 characters).
    public func finishRun(_ run: Int64, summary: String, status: String = "ok", error: String? = nil) throws {
        try db.run("UPDATE runs SET finished_at=?, summary=?, status=?, error=? WHERE id=?",
                   [.int(Self.now()), .text(summary), .text(status), error.map { .text(String($0.prefix(500))) } ?? .null, .int(run)])
    }

    /// Runs newest first, optionally of one connector.
    public func runs(connector: String? = nil, limit: Int = 50) throws -> [RunInfo] {
        var sql = "SELECT id, connector, kind, trigger, status, error, started_at, finished_at, summary FROM runs"
        var args: [SQLValue] = []
        if let connector {
            sql += " WHERE connector=?"
            args.append(.text(connector))
        }
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(.int(Int64(max(1, limit))))
        return try db.rows(sql, args).map { r in
            let finished = r[7].int
            return RunInfo(id: r[0].int ?? 0, connector: r[1].text ?? "", kind: r[2].text ?? "files", trigger: r[3].text ?? "cli",
                           status: r[4].text ?? (finished == nil ? "unfinished" : "ok"), error: r[5].text,
                           startedAt: r[6].int ?? 0, finishedAt: finished,
                           summary: r[8].text.flatMap { try? JSONParser.parse($0) })
        }
    }

    /// The saved state of a sync connector (its last STATE message or incremental cursor), or nil.
    public func connectorState(_ connector: String) throws -> JSONValue? {
        try db.rows("SELECT state FROM connector_state WHERE connector=?", [.text(connector)]).first?[0].text
            .flatMap { try? JSONParser.parse($0) }
    }

    /// Saves a connector's state; called only after the records before it are committed.
    public func saveConnectorState(_ connector: String, state: JSONValue, run: Int64?) throws {
        try db.run("""
            INSERT INTO connector_state(connector, state, run_id, updated_at) VALUES(?, ?, ?, ?)
            ON CONFLICT(connector) DO UPDATE SET state=excluded.state, run_id=excluded.run_id, updated_at=excluded.updated_at
            """, [.text(connector), .text(state.jsonText), run.map { .int($0) } ?? .null, .int(Self.now())])
    }

    public func resetConnectorState(_ connector: String) throws {
        try db.run("DELETE FROM connector_state WHERE connector=?", [.text(connector)])
    }
}

extension HubStore {
    /// Marks this connector's sync runs still `running` as `interrupted`: called by the holder of the connector's
    /// sync lock, so no live process owns them.
    public func markInterruptedRuns(connector: String, kind: String) throws {
        try db.run("UPDATE runs SET status='interrupted', error='the process running it stopped before the run finished' WHERE connector=? AND kind=? AND status='running'",
                   [.text(connector), .text(kind)])
    }
}

extension HubStore {
    /// How many runs each connector had, by kind and status (for /metrics).
    public func runCounts() throws -> [(connector: String, kind: String, status: String, count: Int64)] {
        try db.rows("""
            SELECT connector, kind, COALESCE(status, CASE WHEN finished_at IS NULL THEN 'unfinished' ELSE 'ok' END), count(*)
            FROM runs GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            """).map { ($0[0].text ?? "", $0[1].text ?? "", $0[2].text ?? "", $0[3].int ?? 0) }
    }
}
