/// Registry citizens by name (`/v1/citizens?nama=`).
///
/// The name index is the table `citizen_names` (name, version id), filled in name order after the batches that wrote
/// the versions, up to a mark: the sequence number in `records.citizen` of the last version indexed. Names arrive in
/// no useful order (an export is in NIK order), so an index updated by every batch had its pages rewritten all over
/// in every batch; filled in name order after the batches, each page is rewritten once per fill. Versions after the
/// mark (the tail: what the batches of a running ingest wrote) are found by reading them, so a search is always
/// complete. An entry whose version is no longer current is skipped by searches and deleted by the next fill.
extension HubStore {
    static let citizenNamesMark = "citizen_names_through"

    /// Puts the citizen versions written since the last fill into the name index and drops the entries of versions
    /// superseded since; returns how many versions it looked at. Runs in its own write transaction, or in the
    /// caller's when there is one.
    @discardableResult
    public func indexCitizenNames() throws -> Int {
        if db.inTransaction { return try fillCitizenNames() }
        return try writeTransaction { try fillCitizenNames() }
    }

    func fillCitizenNames() throws -> Int {
        citizenVersionsSinceFill = 0
        let topic = try topicID("records.citizen")
        let mark = try metaValue(Self.citizenNamesMark).flatMap { Int64($0) } ?? 0
        let lo = topic << Self.seqBits | mark, hi = (topic + 1) << Self.seqBits
        guard let top = try db.rows("SELECT max(id) FROM record_versions WHERE id > ? AND id < ?", [.int(lo), .int(hi)]).first?[0].int
        else { return 0 }
        try db.run("""
            INSERT OR IGNORE INTO citizen_names(nama, version_id)
            SELECT nama, id FROM record_versions WHERE id > ? AND id <= ? AND current = 1 AND nama IS NOT NULL ORDER BY nama, id
            """, [.int(lo), .int(top)])
        // A version written since the mark that superseded an earlier one: the earlier one's entry goes.
        try db.run("""
            DELETE FROM citizen_names WHERE (nama, version_id) IN (
                SELECT p.nama, p.id FROM record_versions v JOIN record_versions p ON p.id = v.prev_id
                WHERE v.id > ? AND v.id <= ? AND p.current = 0 AND p.nama IS NOT NULL)
            """, [.int(lo), .int(top)])
        try setMetaValue(Self.citizenNamesMark, String(top - (topic << Self.seqBits)))
        return Int(top - lo)
    }

    /// Registry citizens whose normalised name is `namePrefix` or starts with it followed by more names
    /// ("SITI" finds "SITI AMINAH", not "SITIRAH"; index ranges), optionally with this
    /// birth date and in this region (a kode wilayah prefix), in name order, at most `limit`.
    public func searchCitizens(namePrefix: String, tanggalLahir: String?, kodeWilayah: String?, limit: Int) throws -> [QueriedRecord] {
        // One range holds the name itself and the name followed by a space and more (no name has control characters).
        var filters = ""
        var args: [SQLValue] = [.text(namePrefix), .text(namePrefix + " \u{10FFFF}")]
        if let t = tanggalLahir {
            filters += " AND json_extract(v.data, '$.tanggal_lahir') = ?\(args.count + 1)"
            args.append(.text(t))
        }
        if let k = kodeWilayah {
            filters += " AND (json_extract(v.data, '$.kode_wilayah') = ?\(args.count + 1) OR substr(json_extract(v.data, '$.kode_wilayah'), 1, ?\(args.count + 2)) = ?\(args.count + 3))"
            args += [.text(k), .int(Int64(k.utf8.count + 1)), .text(k + ".")]
        }
        // The same columns from both; the indexed part names the index's own column, so that its rows come in name
        // order and only names that tie are sorted.
        let columns = "v.source_key, v.data, v.version_no, v.connector, v.raw_id, v.at"
        // The indexed versions by name, then the tail after the mark (read in one statement: one snapshot).
        let sql = """
            WITH m AS (
                SELECT t.id << \(Self.seqBits) | coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = '\(Self.citizenNamesMark)'), 0) AS lo,
                       (t.id + 1) << \(Self.seqBits) AS hi
                FROM topics t WHERE t.name = 'records.citizen')
            SELECT \(columns), n.nama FROM citizen_names n JOIN record_versions v ON v.id = n.version_id
            WHERE n.nama >= ?1 AND n.nama < ?2 AND v.current = 1\(filters)
            UNION ALL
            SELECT \(columns), v.nama FROM m JOIN record_versions v ON v.id > m.lo AND v.id < m.hi
            WHERE v.current = 1 AND v.nama >= ?1 AND v.nama < ?2\(filters)
            ORDER BY 7, 1 LIMIT ?\(args.count + 1)
            """
        let s = try db.prepare(sql)
        defer { s.reset() }
        try s.bind(args + [.int(Int64(limit))])
        var out: [QueriedRecord] = []
        while try s.step() { out.append(Self.queried(s)) }
        return out
    }
}
