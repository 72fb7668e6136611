/// The database schema, as an ordered list of migrations. `PRAGMA user_version` records how many ran.
/// Never edit a released migration: append a new one.
enum Migrations {
    /// Creates a database at an older schema version, as an older simpul left it (tests of migrations).
    static func create(path: String, version: Int) throws {
        let db = try Database(path: path)
        try db.transaction {
            for m in all[..<version] { try db.execute(m) }
            try db.execute("PRAGMA user_version=\(version)")
        }
    }

    static let all: [String] = [
        // 1: raw log, topics, records, mentions, dead letters, runs, offsets
        """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE topics(
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            next_seq INTEGER NOT NULL DEFAULT 1
        );
        -- Events of raw.* and dlq.* topics. id = topic_id << 40 | seq, so each topic is an append-only range.
        CREATE TABLE log(
            id INTEGER PRIMARY KEY,
            source_key TEXT,
            payload TEXT NOT NULL,
            file_id INTEGER,
            line INTEGER,
            at INTEGER NOT NULL
        );
        -- Permanent idempotency keys: sha256(connector, source key, content hash), first 16 bytes.
        CREATE TABLE raw_idem(
            idem BLOB PRIMARY KEY,
            log_id INTEGER NOT NULL,
            dead INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        -- Every version of every normalised record; the records.<schema> change topic. id as in log.
        CREATE TABLE record_versions(
            id INTEGER PRIMARY KEY,
            schema TEXT NOT NULL,
            source_key TEXT NOT NULL,
            version_no INTEGER NOT NULL,
            data TEXT NOT NULL,
            connector TEXT NOT NULL,
            raw_id INTEGER NOT NULL,
            prev_id INTEGER,
            current INTEGER NOT NULL,
            at INTEGER NOT NULL
        );
        -- The current version of each record.
        CREATE TABLE records(
            schema TEXT NOT NULL,
            source_key TEXT NOT NULL,
            version_id INTEGER NOT NULL,
            version_no INTEGER NOT NULL,
            data_hash BLOB NOT NULL,
            src_version TEXT,
            PRIMARY KEY(schema, source_key)
        ) WITHOUT ROWID;
        -- Person mentions (the person index reads these), keyed by mention key <connector>:<key>.
        CREATE TABLE mentions(
            key TEXT PRIMARY KEY,
            connector TEXT NOT NULL,
            schema TEXT NOT NULL,
            source_key TEXT NOT NULL,
            data TEXT NOT NULL,
            version_id INTEGER NOT NULL,
            at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE dlq(
            id INTEGER PRIMARY KEY,
            connector TEXT NOT NULL,
            file TEXT,
            line INTEGER,
            field TEXT,
            reason TEXT NOT NULL,
            raw BLOB NOT NULL,
            raw_truncated INTEGER NOT NULL DEFAULT 0,
            raw_id INTEGER,
            hash BLOB NOT NULL UNIQUE,
            status TEXT NOT NULL DEFAULT 'open',
            seen INTEGER NOT NULL DEFAULT 1,
            first_at INTEGER NOT NULL,
            last_at INTEGER NOT NULL
        );
        CREATE INDEX dlq_open ON dlq(connector, status);
        CREATE INDEX dlq_raw ON dlq(raw_id) WHERE raw_id IS NOT NULL;
        CREATE TABLE runs(
            id INTEGER PRIMARY KEY,
            connector TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            finished_at INTEGER,
            summary TEXT
        );
        CREATE TABLE run_files(
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL,
            path TEXT NOT NULL
        );
        CREATE TABLE offsets(
            consumer TEXT NOT NULL,
            topic TEXT NOT NULL,
            seq INTEGER NOT NULL,
            PRIMARY KEY(consumer, topic)
        ) WITHOUT ROWID;
        """,
        // 2: OPDs (agencies) with hashed tokens, grants and purposes
        """
        CREATE TABLE opds(
            name TEXT PRIMARY KEY,
            token_hash TEXT NOT NULL UNIQUE,   -- SHA-256 of the token, hex; the token itself is never stored
            grants TEXT NOT NULL,              -- JSON: {"citizen":["nik","nama_lengkap"],"permit":"*"} or "*"
            purposes TEXT NOT NULL,            -- JSON array of purpose codes
            rate_per_minute INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER,
            revoked_at INTEGER
        ) WITHOUT ROWID;
        -- Every read of personal data and every refusal, as a hash chain: hash = SHA-256(prev_hash, the entry).
        CREATE TABLE audit(
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,               -- unix milliseconds
            opd TEXT NOT NULL,
            purpose TEXT,
            route TEXT NOT NULL,
            persons TEXT NOT NULL,             -- JSON array of the NIKs the response was about
            result TEXT NOT NULL,              -- ok | not_found | denied:<reason>
            status INTEGER NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE TABLE audit_person(nik TEXT NOT NULL, audit_id INTEGER NOT NULL, PRIMARY KEY(nik, audit_id)) WITHOUT ROWID;
        CREATE INDEX mentions_nik ON mentions(json_extract(data, '$.nik'));
        """,
        // 3: indexes for queries: citizens by name (current registry versions), the persons a record mentions
        """
        CREATE INDEX citizen_nama ON record_versions(json_extract(data, '$.nama')) WHERE schema = 'citizen' AND current = 1;
        CREATE INDEX mentions_record ON mentions(schema, source_key);
        """,
        // 4: the person index: persons with stable ids, mention links, the review queue, steward rules, blocking keys
        """
        CREATE TABLE persons(
            id TEXT PRIMARY KEY,               -- stable: P + 16 hex of HMAC(hub key, founding identity)
            nik TEXT,                          -- the NIK the person is known by; NULL when no mention had a usable one
            status TEXT NOT NULL,              -- active | merged (then merged_into says where)
            merged_into TEXT,
            lineage TEXT,                      -- JSON: split from / merged from
            -- What matching compares: the registry mention's values, else the first mention's that had them.
            nama TEXT, tanggal_lahir TEXT, jenis_kelamin TEXT, no_kk TEXT, kode_wilayah TEXT,
            registry INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX persons_nik ON persons(nik) WHERE nik IS NOT NULL;
        CREATE TABLE person_links(
            mention_key TEXT PRIMARY KEY,
            person_id TEXT NOT NULL,
            link TEXT NOT NULL,                -- auto | manual
            grade TEXT NOT NULL,               -- certain | probable
            score REAL,
            evidence TEXT NOT NULL,            -- JSON: the rule or the per-field contributions
            version_id INTEGER NOT NULL,       -- the mention version this decision was made on
            at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX person_links_person ON person_links(person_id);
        CREATE TABLE person_review(
            mention_key TEXT PRIMARY KEY,
            candidate TEXT,                    -- the person it may be
            kind TEXT NOT NULL,                -- conflict | possible | duplicate_nik
            score REAL,
            evidence TEXT NOT NULL,
            version_id INTEGER NOT NULL,
            at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX person_review_candidate ON person_review(candidate) WHERE candidate IS NOT NULL;
        CREATE TABLE person_rules(
            mention_key TEXT NOT NULL,
            person_id TEXT NOT NULL,
            rule TEXT NOT NULL,                -- must | cannot
            at INTEGER NOT NULL,
            PRIMARY KEY(mention_key, person_id)
        ) WITHOUT ROWID;
        -- Blocking keys: candidate persons for a mention without comparing all pairs.
        CREATE TABLE person_blocks(block TEXT NOT NULL, person_id TEXT NOT NULL, PRIMARY KEY(block, person_id)) WITHOUT ROWID;
        """,
        // 5: connector runs carry their kind, status and error; saved connector state (sync resume points)
        """
        ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'files';     -- files | push | http | external
        ALTER TABLE runs ADD COLUMN status TEXT;                            -- running | ok | failed | interrupted
        ALTER TABLE runs ADD COLUMN error TEXT;
        ALTER TABLE runs ADD COLUMN trigger TEXT NOT NULL DEFAULT 'cli';    -- cli | api | schedule | kit
        CREATE INDEX runs_connector ON runs(connector, id);
        -- The STATE message (external) or the incremental cursor (HTTP pull) after the last committed batch.
        CREATE TABLE connector_state(
            connector TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            run_id INTEGER,
            updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
        // 6: the NIK of a mention and the name of a citizen version as plain columns, written by the hub, instead of
        // indexes on json_extract (SQLite parsed the record's JSON on every insert)
        """
        ALTER TABLE mentions ADD COLUMN nik TEXT;
        UPDATE mentions SET nik = json_extract(data, '$.nik');
        DROP INDEX mentions_nik;
        CREATE INDEX mentions_nik ON mentions(nik) WHERE nik IS NOT NULL;
        ALTER TABLE record_versions ADD COLUMN nama TEXT;
        UPDATE record_versions SET nama = json_extract(data, '$.nama') WHERE schema = 'citizen';
        DROP INDEX citizen_nama;
        CREATE INDEX citizen_nama ON record_versions(nama) WHERE schema = 'citizen' AND current = 1;
        """,
        // 7: the audit log's by-person index is filled after the commit, in NIK order, up to a mark kept in meta;
        // until now every entry was indexed as it was written
        """
        INSERT OR REPLACE INTO meta(key, value) SELECT 'audit_person_through', CAST(coalesce(max(id), 0) AS TEXT) FROM audit;
        """,
        // 8: the audit log moved to a file of its own (HubStore.attachAuditLog copied it there, durably, before this
        // runs); the main file's copy goes. Qualified: unqualified names would reach the attached log.
        """
        DROP TABLE IF EXISTS main.audit_person;
        DROP TABLE IF EXISTS main.audit;
        DELETE FROM main.meta WHERE key = 'audit_person_through';
        """,
        // 9: idempotency keys lead with the first 8 bytes of the row's source key (then the 16 bytes of the hash as
        // before), so an export in key order fills the index from one end instead of rewriting pages all over it
        """
        CREATE TABLE raw_idem_keyed(
            idem BLOB PRIMARY KEY,
            log_id INTEGER NOT NULL,
            dead INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        INSERT INTO raw_idem_keyed(idem, log_id, dead)
            SELECT CAST(coalesce(substr(CAST(k AS BLOB), 1, 8), x'') || zeroblob(8 - min(8, length(CAST(k AS BLOB)))) || idem AS BLOB),
                   log_id, dead
            FROM (SELECT coalesce(l.source_key, '') AS k, i.idem, i.log_id, i.dead FROM raw_idem i LEFT JOIN log l ON l.id = i.log_id)
            ORDER BY 1;
        DROP TABLE raw_idem;
        ALTER TABLE raw_idem_keyed RENAME TO raw_idem;
        """,
        // 10: the citizen name index is a table filled in name order after the batches (HubStore.indexCitizenNames),
        // up to a mark in meta (a sequence number of records.citizen), instead of an index on record_versions that
        // every batch updated all over
        """
        CREATE TABLE citizen_names(
            nama TEXT NOT NULL,
            version_id INTEGER NOT NULL,
            PRIMARY KEY(nama, version_id)
        ) WITHOUT ROWID;
        INSERT INTO citizen_names(nama, version_id)
            SELECT nama, id FROM record_versions WHERE schema = 'citizen' AND current = 1 AND nama IS NOT NULL ORDER BY nama, id;
        INSERT OR REPLACE INTO meta(key, value)
            SELECT 'citizen_names_through', CAST(max(v.id) - (t.id << 40) AS TEXT)
            FROM topics t JOIN record_versions v ON v.id > (t.id << 40) AND v.id < ((t.id + 1) << 40)
            WHERE t.name = 'records.citizen'
            HAVING count(*) > 0;
        DROP INDEX citizen_nama;
        """,
        // 11: the NIK index of persons holds their status too, so finding the active person of a NIK (every
        // GET /v1/citizens/{nik}) reads the index alone, not the persons table as well
        """
        DROP INDEX persons_nik;
        CREATE INDEX persons_nik ON persons(nik, status) WHERE nik IS NOT NULL;
        """,
        // 12: a record's versions by its key. A late older version is kept as history beside the version chain (not
        // in it), so checking the chain alone let a replay run twice (or resumed after a crash) store such a version
        // again; the check now reads all the record's versions. Also what a record's history is read by.
        """
        CREATE INDEX IF NOT EXISTS record_versions_key ON record_versions(schema, source_key, version_no);
        """,
        // 13: indexes a first load writes fewer entries into (each B-tree entry a row adds costs the writer more
        // than the row's bytes do: docs/performance.md). A record's versions by key: only those that are not
        // current (the current one is found through `records`); a superseded version enters it when it is marked
        // not current. Mentions by NIK and by record:
        // not the citizen records' own (the registry's rows: a lookup by NIK reads the citizen record by its key,
        // and a citizen record names its person in its `nik`).
        """
        DROP INDEX IF EXISTS record_versions_key;
        CREATE INDEX IF NOT EXISTS record_versions_past ON record_versions(schema, source_key, version_no) WHERE current = 0;
        DROP INDEX IF EXISTS mentions_nik;
        CREATE INDEX IF NOT EXISTS mentions_nik_other ON mentions(nik) WHERE nik IS NOT NULL AND schema != 'citizen';
        DROP INDEX IF EXISTS mentions_record;
        CREATE INDEX IF NOT EXISTS mentions_record_other ON mentions(schema, source_key) WHERE schema != 'citizen';
        """,
        // 14: mentions in the order they were written, found by key through an index of their own. Keyed by the
        // mention key itself (WITHOUT ROWID), an export out of key order (a SIAK export in household order) inserted
        // its mentions, about 300 bytes each, all over the table, and every page a transaction touched went to the
        // WAL: most of the table at every commit. Now those inserts touch the small key index instead, and the rows
        // go at the table's end (418,381 registry rows in household order: 20.2 → 11.9 s; the same speed in key
        // order). The rows are copied in key order.
        """
        CREATE TABLE mentions_by_arrival(
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            connector TEXT NOT NULL,
            schema TEXT NOT NULL,
            source_key TEXT NOT NULL,
            data TEXT NOT NULL,
            version_id INTEGER NOT NULL,
            at INTEGER NOT NULL,
            nik TEXT
        );
        INSERT INTO mentions_by_arrival(key, connector, schema, source_key, data, version_id, at, nik)
            SELECT key, connector, schema, source_key, data, version_id, at, nik FROM mentions ORDER BY key;
        DROP TABLE mentions;
        ALTER TABLE mentions_by_arrival RENAME TO mentions;
        CREATE INDEX mentions_nik_other ON mentions(nik) WHERE nik IS NOT NULL AND schema != 'citizen';
        CREATE INDEX mentions_record_other ON mentions(schema, source_key) WHERE schema != 'citizen';
        """,
        // 15: the mentions waiting for a person-index decision, by key. An update found them by reading every mention
        // and its link, about a second per update on a hub of 600,000 mentions, however few were new (a push of one
        // record). Ingest adds a mention here with each new version; a decision takes it out; a steward's rule and
        // retiring a person put theirs back (HubStore+Persons.swift).
        """
        CREATE TABLE IF NOT EXISTS person_pending(key TEXT PRIMARY KEY) WITHOUT ROWID;
        INSERT OR IGNORE INTO person_pending(key)
            SELECT m.key FROM mentions m
            LEFT JOIN person_links l ON l.mention_key = m.key
            LEFT JOIN person_review r ON r.mention_key = m.key
            WHERE (l.version_id IS NULL OR l.version_id != m.version_id) AND (r.version_id IS NULL OR r.version_id != m.version_id);
        """,
        // 16: matching also compares the street address and the birthplace (docs/persons.md). A person's come from its
        // registry record, else from the first linked mention that has them, as for the other compared fields.
        """
        ALTER TABLE persons ADD COLUMN alamat TEXT;
        ALTER TABLE persons ADD COLUMN tempat_lahir TEXT;
        UPDATE persons SET
            alamat = (SELECT json_extract(m.data, '$.alamat') FROM person_links l JOIN mentions m ON m.key = l.mention_key
                      WHERE l.person_id = persons.id AND json_extract(m.data, '$.alamat') IS NOT NULL
                      ORDER BY m.schema != 'citizen', l.mention_key LIMIT 1),
            tempat_lahir = (SELECT json_extract(m.data, '$.tempat_lahir') FROM person_links l JOIN mentions m ON m.key = l.mention_key
                      WHERE l.person_id = persons.id AND json_extract(m.data, '$.tempat_lahir') IS NOT NULL
                      ORDER BY m.schema != 'citizen', l.mention_key LIMIT 1)
            WHERE status = 'active';
        """,
        // 17: the persons merged or retired into a person, found by where they went. The audit log names a person who
        // has no NIK by their id, so a citizen's access report (and `audit access`) also reads the entries that name
        // the ids merged into theirs (docs/api.md).
        """
        CREATE INDEX IF NOT EXISTS persons_merged_into ON persons(merged_into) WHERE merged_into IS NOT NULL;
        """,
        // 18: a rebuild keeps the links it started from until it has decided every mention again, so a person id not
        // founded again (its founding mention now decided otherwise) leads to where its mentions went.
        """
        CREATE TABLE IF NOT EXISTS person_rebuild(mention_key TEXT PRIMARY KEY, person_id TEXT NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS person_rebuild_person ON person_rebuild(person_id);
        """,
        // 19: a mention is one person, so only its latest must-link stands (a steward linking it again changed their
        // mind; the first by person id used to win). Its mentions are decided again by the next update.
        """
        INSERT OR IGNORE INTO person_pending(key)
            SELECT mention_key FROM person_rules WHERE rule = 'must' GROUP BY mention_key HAVING count(*) > 1;
        DELETE FROM person_rules WHERE rule = 'must' AND EXISTS (
            SELECT 1 FROM person_rules r WHERE r.mention_key = person_rules.mention_key AND r.rule = 'must'
                AND (r.at > person_rules.at OR (r.at = person_rules.at AND r.person_id > person_rules.person_id)));
        """,
        // 20: the mentions each person-index update saw (the newest mention's id when it began), so a rebuild decides
        // them again update by update, in the order the hub first did, and gives the links it gave (docs/persons.md).
        // A hub older than this has none: its rebuild decides the mentions it held then in one go, as before.
        """
        CREATE TABLE IF NOT EXISTS person_updates(id INTEGER PRIMARY KEY, through INTEGER NOT NULL);
        """,
        // 21: when a mention's facts date from by its source (its record's version time: SIAK's TGL_UPDATE, SiCantik's
        // and OSS's updated_at; unix seconds), written with the mention: the golden record takes each field the
        // registry is not authoritative for from the latest by this, not from the mention received last.
        """
        ALTER TABLE mentions ADD COLUMN src_at INTEGER;
        UPDATE mentions SET src_at = (SELECT CAST(strftime('%s', r.src_version) AS INTEGER) FROM records r WHERE r.schema = mentions.schema AND r.source_key = mentions.source_key);
        """,
        // 22: the person index's blocking keys filed as 64-bit hashes of their text (``HubStore/blockHash(_:)``): a
        // dozen entries per person, and text keys with long shared prefixes made their B-tree the largest cost of
        // indexing a registry. Derived data: emptied here, and the next person-index update files every linked
        // mention's person again (its blocking version is forgotten), as after a change of the keys.
        """
        DROP TABLE person_blocks;
        CREATE TABLE person_blocks(block INTEGER NOT NULL, person_id TEXT NOT NULL, PRIMARY KEY(block, person_id)) WITHOUT ROWID;
        DELETE FROM meta WHERE key = 'person_blocks_version';
        """,
        // 23: a citizen's lookup (`GET /v1/citizens/{nik}`) reads a person's linked mentions with their record version
        // numbers. A link now holds its mention's row id and a mention its version's number, so each linked mention
        // is one B-tree descent instead of three (the key's index, the row, the version). Both are kept with the
        // columns they follow: `mention_id` when a link is written (mentions are updated in place, never deleted or
        // replaced, so a row id stays its mention's), `version_no` with `version_id`. The person index keeps the
        // mention key after the person id, so a person's links still come in key order without a sort.
        """
        ALTER TABLE mentions ADD COLUMN version_no INTEGER;
        UPDATE mentions SET version_no = (SELECT v.version_no FROM record_versions v WHERE v.id = mentions.version_id);
        ALTER TABLE person_links ADD COLUMN mention_id INTEGER;
        UPDATE person_links SET mention_id = (SELECT m.id FROM mentions m WHERE m.key = person_links.mention_key);
        DROP INDEX person_links_person;
        CREATE INDEX person_links_person ON person_links(person_id, mention_key, mention_id);
        """,
    ]
}
