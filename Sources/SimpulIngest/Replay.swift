import SimpulJSON
import SimpulStorage

/// Counts of a replay or retry.
public struct ReplaySummary: Sendable {
    public var connector: String
    public var fromSeq: Int64
    public var replayed = 0
    public var accepted = 0
    public var deadLettered = 0

    public var json: JSONValue {
        .object(["connector": .string(connector), "from": .int(Int(fromSeq)), "replayed": .int(replayed),
                 "accepted": .int(accepted), "dead_lettered": .int(deadLettered)])
    }
}

extension Ingestor {
    /// Re-normalises the connector's raw log from `from` with the current mapping and schemas, without asking the
    /// source again. Records whose normalised content is unchanged get no new version; rows that now fail go to
    /// the dead-letter queue; dead letters whose rows now pass are resolved.
    public func replay(from: Int64) throws -> ReplaySummary {
        var s = ReplaySummary(connector: connector.name, fromSeq: from)
        var next = max(from, 1)
        while true {
            let entries = try store.rawEntries(connector: connector.name, from: next, limit: batchSize)
            if entries.isEmpty { break }
            try store.writeTransaction {
                for e in entries {
                    let outcome = normaliser.outcome(payload: e.payload, rowKey: e.sourceKey, line: e.line)
                    switch try store.apply(connector: connector.name, file: e.file, rawID: e.id, outcome) {
                    case .deadLettered: s.deadLettered += 1
                    default: s.accepted += 1
                    }
                    s.replayed += 1
                }
            }
            next = entries.last!.seq + 1
        }
        try store.indexCitizenNames()
        return s
    }

    /// Retries one dead letter after a mapping or schema fix. Rows that never parsed into fields cannot be retried
    /// here: fix the file and ingest it again.
    public func retry(deadLetter e: DeadLetterEntry) throws -> RowResult {
        guard let rawID = e.rawID, let raw = try store.rawEntry(id: rawID) else {
            throw HubError.invalid("dead letter \(e.id) never parsed into fields (\(e.reason)): fix the source file and ingest it again")
        }
        let outcome = normaliser.outcome(payload: raw.payload, rowKey: raw.sourceKey, line: raw.line)
        return try store.writeTransaction {
            let r = try store.apply(connector: connector.name, file: raw.file, rawID: rawID, outcome)
            try store.indexCitizenNames()
            return r
        }
    }
}
