import Foundation
import SimpulJSON

/// A filter on one field of a record query. Values are always bound, never spliced into the SQL.
public struct RecordFilter: Sendable {
    public enum Op: String, Sendable, CaseIterable {
        case eq, neq, gt, gte, lt, lte, `in`, like
    }

    public var field: String
    public var op: Op
    public var values: [SQLValue]
    /// Compare as numbers (decimal money text such as "1500000.00").
    public var numeric: Bool

    public init(field: String, op: Op, values: [SQLValue], numeric: Bool = false) {
        self.field = field
        self.op = op
        self.values = values
        self.numeric = numeric
    }
}

/// A page of a record query.
public struct RecordQuery: Sendable {
    public var schema: String
    public var filters: [RecordFilter] = []
    /// The field to order by (nil: source key); ties are broken by source key.
    public var orderField: String?
    public var descending = false
    public var numericOrder = false
    /// The keyset position to continue after: the order field's value (nil for a null) and the source key.
    public var after: (value: SQLValue, key: String)?
    public var limit = 100

    public init(schema: String) { self.schema = schema }
}

/// One record of a query page, with its provenance and its position for the next page.
public struct QueriedRecord: Sendable {
    public var sourceKey: String
    public var data: JSONValue
    public var orderValue: SQLValue
}

public struct QueryError: Error, Sendable {
    public var message: String
}

extension HubStore {
    /// Field names become part of a JSON path in the SQL text; only plain identifiers are accepted (the API
    /// checks them against the schema first).
    static func isIdentifier(_ s: String) -> Bool {
        guard let f = s.utf8.first, f == 0x5F || (0x61...0x7A).contains(f) else { return false }
        return s.utf8.allSatisfy { $0 == 0x5F || (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }
    }

    static func expression(_ field: String, numeric: Bool) throws -> String {
        if field == "source_key" { return "r.source_key" }
        guard isIdentifier(field) else { throw QueryError(message: "not a field name: \(field.prefix(40))") }
        let e = "json_extract(v.data, '$.\(field)')"
        return numeric ? "CAST(\(e) AS REAL)" : e
    }

    /// Current records of a schema matching every filter, in order, one keyset page (`limit` + 1 rows are read
    /// to know whether another page follows; the caller gets at most `limit + 1`).
    public func queryRecords(_ q: RecordQuery) throws -> [QueriedRecord] {
        var whereSQL = ["r.schema = ?"]
        var args: [SQLValue] = [.text(q.schema)]
        for f in q.filters {
            let e = try Self.expression(f.field, numeric: f.numeric)
            switch f.op {
            case .eq: whereSQL.append("\(e) = ?")
            case .neq: whereSQL.append("(\(e) IS NULL OR \(e) <> ?)")
            case .gt: whereSQL.append("\(e) > ?")
            case .gte: whereSQL.append("\(e) >= ?")
            case .lt: whereSQL.append("\(e) < ?")
            case .lte: whereSQL.append("\(e) <= ?")
            case .in: whereSQL.append("\(e) IN (\(Array(repeating: "?", count: max(1, f.values.count)).joined(separator: ",")))")
            case .like:
                // A prefix: a range on the text, so that an index on the expression can serve it.
                whereSQL.append("(\(e) >= ? AND \(e) < ?)")
            }
            if f.op == .like, case .text(let p)? = f.values.first {
                args += [.text(p), .text(p + "\u{10FFFF}")]
            } else if f.op == .in && f.values.isEmpty {
                args.append(.null)
            } else {
                args += f.values
            }
        }
        let key = "r.source_key"
        let order: String
        if let field = q.orderField, field != "source_key" {
            let e = try Self.expression(field, numeric: q.numericOrder)
            // Nulls sort last ascending and first descending; the source key breaks ties.
            if q.descending {
                order = "(\(e) IS NULL) DESC, \(e) DESC, \(key) DESC"
                if let (v, k) = q.after {
                    if v == .null {
                        whereSQL.append("(\(e) IS NOT NULL OR \(key) < ?)")
                        args.append(.text(k))
                    } else {
                        whereSQL.append("(\(e) IS NOT NULL AND (\(e) < ? OR (\(e) = ? AND \(key) < ?)))")
                        args += [v, v, .text(k)]
                    }
                }
            } else {
                order = "(\(e) IS NULL), \(e), \(key)"
                if let (v, k) = q.after {
                    if v == .null {
                        whereSQL.append("(\(e) IS NULL AND \(key) > ?)")
                        args.append(.text(k))
                    } else {
                        whereSQL.append("(\(e) IS NULL OR \(e) > ? OR (\(e) = ? AND \(key) > ?))")
                        args += [v, v, .text(k)]
                    }
                }
            }
            return try runQuery(select: e, where: whereSQL, args: args, order: order, limit: q.limit)
        }
        order = q.descending ? "\(key) DESC" : key
        if let (_, k) = q.after {
            whereSQL.append(q.descending ? "\(key) < ?" : "\(key) > ?")
            args.append(.text(k))
        }
        return try runQuery(select: key, where: whereSQL, args: args, order: order, limit: q.limit)
    }

    private func runQuery(select orderExpr: String, where w: [String], args: [SQLValue], order: String, limit: Int) throws -> [QueriedRecord] {
        let sql = """
            SELECT r.source_key, v.data, v.version_no, v.connector, v.raw_id, v.at, \(orderExpr)
            FROM records r JOIN record_versions v ON v.id = r.version_id
            WHERE \(w.joined(separator: " AND ")) ORDER BY \(order) LIMIT ?
            """
        let s = try db.prepare(sql)
        defer { s.reset() }
        try s.bind(args + [.int(Int64(limit + 1))])
        var out: [QueriedRecord] = []
        while try s.step() { out.append(Self.queried(s)) }
        return out
    }

    /// A row of (source key, data, version, connector, raw id, at, order value) with the provenance fields added.
    static func queried(_ s: Statement) -> QueriedRecord {
        var data = (try? JSONParser.parse(s.text(1))) ?? .null
        if case .object(var o) = data {
            o["version"] = .int(Int(s.int(2)))
            o["connector"] = .string(s.text(3))
            o["raw_seq"] = .int(Int(HubStore.seq(ofEventID: s.int(4))))
            o["ingested_at"] = .string(Self.isoTime(s.int(5)))
            data = .object(o)
        }
        return QueriedRecord(sourceKey: s.text(0), data: data, orderValue: s.value(6))
    }

    /// The persons a set of records mentions, as the audit log names them. A citizen record is about the citizen
    /// its `nik` names (read from the record: the mentions' index by record leaves the registry's own rows out);
    /// other records name theirs through their mentions: the NIK a mention carries, and the NIK of the person the
    /// index linked it to, or that person's id when they have no NIK. A permit whose NIK was in scientific
    /// notation, linked to its applicant by matching, is then in that person's access log too, as every read of
    /// their data must be (until 2026-11-28 only the NIK the record carried was logged, and such a read was in no
    /// one's; until later that day a person without any NIK was named by nothing).
    public func mentionedPersons(schema: String, sourceKeys: [String]) throws -> [String] {
        try niks(schema == "citizen" ? Self.citizenNIKSQL : Self.mentionedPersonsSQL, sourceKeys.map { [.text(schema), .text($0)] })
    }

    /// Every NIK or person id any column of `sql` gives, run once per set of bound values, sorted and each once.
    private func niks(_ sql: String, _ binds: [[SQLValue]]) throws -> [String] {
        guard !binds.isEmpty else { return [] }
        let s = try db.prepare(sql)
        var out = Set<String>()
        for b in binds {
            try s.bind(b)
            while try s.step() {
                for c in 0..<s.columnCount { if let n = s.optionalText(c), !n.isEmpty { out.insert(n) } }
            }
            s.reset()
        }
        return out.sorted()
    }

    /// The persons a connector's raw log entries name (for the audit log of `topics read raw.<connector>`): the
    /// mentions stored from each entry's rows (mention keys are `<connector>:<source key>`, or that and `#…` for the
    /// persons of one row), each with the NIK it carries and the NIK of the person it is linked to (or, when that
    /// person has none, their id).
    public func rawEventPersons(connector: String, sourceKeys: [String]) throws -> [String] {
        try niks(Self.rawEventPersonsSQL, sourceKeys.map { [.text(connector + ":" + $0)] })
    }

    /// By the mentions' unique key: the key itself, and the range of keys it leads followed by `#` (`$` is the next byte).
    public static let rawEventPersonsSQL = """
        SELECT m.nik, p.nik, CASE WHEN p.nik IS NULL THEN p.id END
        FROM mentions m LEFT JOIN person_links l ON l.mention_key = m.key LEFT JOIN persons p ON p.id = l.person_id
        WHERE m.key = ?1 OR (m.key >= ?1 || '#' AND m.key < ?1 || '$')
        """

    /// Public so a test can check their plans: by the mentions' partial index, and by the current record's key.
    public static let mentionedPersonsSQL = """
        SELECT m.nik, p.nik, CASE WHEN p.nik IS NULL THEN p.id END
        FROM mentions m LEFT JOIN person_links l ON l.mention_key = m.key LEFT JOIN persons p ON p.id = l.person_id
        WHERE m.schema = ?1 AND m.source_key = ?2 AND m.schema != 'citizen'
        """
    public static let citizenNIKSQL = """
        SELECT json_extract(v.data, '$.nik') FROM records r JOIN record_versions v ON v.id = r.version_id
        WHERE r.schema = ?1 AND r.source_key = ?2
        """
}

extension HubStore {
    /// The first `limit` items `fetch` gives, and whether it had more: it is asked for one more than is shown, so a
    /// list cut at its limit says so (`more`) instead of ending silently.
    public static func firstPage<T>(limit: Int, _ fetch: (Int) throws -> [T]) rethrows -> (items: [T], more: Bool) {
        var items = try fetch(limit + 1)
        let more = items.count > limit
        if more { items.removeLast(items.count - limit) }
        return (items, more)
    }
}
