import Foundation
@testable import SimpulCLI
import SimpulTestSupport
import SimpulIngest
import SimpulJSON
import SimpulNormalise
import SimpulPersons
import SimpulReconcile
import SimpulStorage
import Testing

@Suite struct CLITests {
    @Test func everyVerbHasHelp() throws {
        for spec in Commands.all {
            let argv = spec.name.split(separator: " ").map(String.init) + ["--help"]
            guard case .help(let text) = try ArgumentParser.parse(argv, specs: Commands.all, toolHelp: "") else {
                Issue.record("\(spec.name) --help did not give help")
                continue
            }
            #expect(text.contains("Usage: simpul \(spec.name)"))
        }
    }

    @Test(arguments: [
        ["ingest", "--no-such-flag"], ["ingest"], ["nonsense"], ["dlq", "frobnicate"], ["dlq", "show"],
        ["topics", "read", "a", "b"], ["ingest", "--connector"], ["replay", "--json=yes"],
        ["reconcile"], ["reconcile", "--year", "20x4"], ["reconcile", "--year", "2024", "--pemda", "abc"],
        ["reconcile", "--year", "2024", "--format", "xlsx"], ["reconcile", "--year", "2024", "--skpd", "1.02"],
        ["opd", "add", "x", "--purpose", "p"], ["opd", "add", "x", "--grant", "citizen:nik"],
        ["opd", "add", "x", "--grant", "citizen:no_such_field", "--purpose", "p"], ["audit", "access", "--nik", "123"],
        ["opd", "add", "x", "--grant", "citizen:nik", "--purpose", "p", "--expires", "2020-01-01"],
        ["serve", "--loops", "0"], ["serve", "--workers", "0"], ["serve", "--port", "-1"], ["serve", "--port", "99999"],
        ["demo", "--port", "65536", "--dir", "/nonexistent-simpul-demo"],
    ])
    func usageMistakesExit64(argv: [String]) {
        #expect(SimpulCLI.main(argv) == ExitCode.usage)
    }

    @Test func usageErrorsSayWhatToDo() {
        do {
            _ = try ArgumentParser.parse(["ingest", "--no-such-flag"], specs: Commands.all, toolHelp: "")
            Issue.record("expected a usage error")
        } catch let e as UsageError {
            #expect(e.message == "unknown option '--no-such-flag'. See 'simpul ingest --help'.")
        } catch { Issue.record("\(error)") }
    }

    @Test func parsesOptionsFlagsAndArguments() throws {
        guard case .run(let inv) = try ArgumentParser.parse(["ingest", "--connector=sicantik", "a.json", "--json", "b.json", "--db", "x.db"],
                                                            specs: Commands.all, toolHelp: "")
        else { Issue.record("expected a run"); return }
        #expect(inv.value("--connector") == "sicantik")
        #expect(inv.arguments == ["a.json", "b.json"])
        #expect(inv.json && inv.dbPath == "x.db")
    }

    @Test func missingInputExits66() throws {
        let t = try TestHub()
        setenv("SIMPUL_HOME", t.home.root, 1)
        #expect(SimpulCLI.main(["ingest", "--db", t.dir + "/x.db", "--connector", "sicantik", t.dir + "/nope.json"]) == ExitCode.noInput)
        #expect(SimpulCLI.main(["ingest", "--db", t.dir + "/x.db", "--connector", "no-such-connector", t.dir]) == ExitCode.noInput)
        #expect(SimpulCLI.main(["dlq", "show", "99", "--db", t.dir + "/x.db"]) == ExitCode.noInput)
    }

    /// A verb that reads a hub never makes one: a mistyped --db (or ./simpul.db in another folder) is exit 66 with
    /// what to do, not an empty hub answering "no recorded access" or "the chain is sound". The verbs that write
    /// (init, ingest, opd add) still create it.
    @Test func aReadingVerbNeverMakesAHub() throws {
        let t = try TestHub()
        setenv("SIMPUL_HOME", t.home.root, 1)
        let db = t.dir + "/elsewhere.db"
        for argv in [["audit", "access", "--nik", "7571014504900002"], ["audit", "verify"], ["audit", "head"],
                     ["persons", "show", "7571014504900002"], ["persons", "export"], ["persons", "review"], ["topics", "list"],
                     ["dlq", "list"], ["records", "show", "citizen", "7571014504900002"], ["reconcile", "--year", "2024"],
                     ["opd", "list"], ["opd", "revoke", "dinkes"], ["connector", "runs"], ["replay", "--connector", "sicantik"]] {
            #expect(SimpulCLI.main(argv + ["--db", db]) == ExitCode.noInput, "\(argv)")
            #expect(!FileManager.default.fileExists(atPath: db), "\(argv)")
        }
        #expect(SimpulCLI.main(["opd", "add", "dinkes", "--grant", "citizen:nik", "--purpose", "uji", "--db", db]) == ExitCode.ok)
        #expect(SimpulCLI.main(["audit", "verify", "--db", db]) == ExitCode.ok)
    }

    @Test func aVersion5HubIsMigrated() throws {
        // A hub as the simpul of schema version 5 left it: mentions and citizen versions without the nik and nama
        // columns (migration 6 adds them from the JSON and indexes them).
        let dir = NSTemporaryDirectory() + "simpul-migrate-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/old.db"
        try HubStore.createOld(path: path, version: 5)
        let old = try Database(path: path)
        try old.execute("""
            INSERT INTO mentions(key, connector, schema, source_key, data, version_id, at)
            VALUES('sicantik:1', 'sicantik', 'permit', '1', '{"nik":"7571014504900002","nama":"SITI AMINAH"}', 1, 0);
            INSERT INTO record_versions(id, schema, source_key, version_no, data, connector, raw_id, prev_id, current, at)
            VALUES(1, 'citizen', '7571014504900002', 1, '{"nama":"SITI AMINAH","nik":"7571014504900002"}', 'dukcapil-siak', 1, NULL, 1, 0),
                  (2, 'permit', '1', 1, '{"nama":"SITI AMINAH"}', 'sicantik', 2, NULL, 1, 0);
            INSERT INTO audit(id, at, opd, purpose, route, persons, result, status, prev_hash, hash)
            VALUES(1, 0, 'dinkes', 'layanan', '/v1/citizens/{nik}', '["7571014504900002"]', 'ok', 200, 'x', 'y');
            INSERT INTO audit_person(nik, audit_id) VALUES('7571014504900002', 1);
            """)
        let store = try HubStore(path: path)
        #expect(try store.db.scalarInt("PRAGMA user_version") == Int64(HubStore.schemaVersion))
        #expect(try store.mentionedRecords(nik: "7571014504900002").map(\.sourceKey) == ["1"])
        #expect(try store.searchCitizens(namePrefix: "SITI", tanggalLahir: nil, kodeWilayah: nil, limit: 5).map(\.sourceKey) == ["7571014504900002"])
        #expect(try store.db.scalarInt("SELECT count(*) FROM record_versions WHERE nama IS NOT NULL") == 1, "names of citizens only")
        // Migration 7: entries indexed as they were written stay indexed; nothing is counted twice.
        #expect(try store.auditAccess(nik: "7571014504900002").map(\.id) == [1])
        #expect(try store.indexAuditPersons() == 0)
        // Migration 8: the log is in its own file now, and the main file has none of it.
        #expect(try store.db.scalarInt("SELECT count(*) FROM main.sqlite_master WHERE name LIKE 'audit%'") == 0)
        #expect(try store.db.scalarInt("SELECT count(*) FROM auditlog.audit") == 1)
        #expect(FileManager.default.fileExists(atPath: HubStore.auditLogPath(hubPath: path)))
        // Migration 14: the mentions are kept in the order they were written, found by key through an index.
        #expect(try store.db.scalarInt("SELECT count(*) FROM pragma_table_info('mentions') WHERE name = 'id' AND pk = 1") == 1)
        #expect(try store.db.rows("SELECT data FROM mentions WHERE key = 'sicantik:1'").first?[0].text?.contains("SITI AMINAH") == true)
        // Migration 15: the mention no update decided waits in person_pending, and the next update decides it.
        #expect(try store.db.rows("SELECT key FROM person_pending").map { $0[0].text } == ["sicantik:1"])
        // Migration 23: the mention carries its version's number.
        #expect(try store.db.scalarInt("SELECT version_no FROM mentions WHERE key = 'sicantik:1'") == 1)
    }

    /// Migration 9: idempotency keys stored before it (the 16-byte hash alone) get the source key's first 8 bytes
    /// in front, exactly as ingest computes them now, so every row already stored is still recognised: ingesting
    /// the same files again after the upgrade is all unchanged.
    @Test func idempotencyKeysStoredBeforeVersion9StillMatch() throws {
        let dir: String
        var keys: [String] = []
        var first: [RunSummary] = []
        let connectors = ["dukcapil-siak", "sicantik", "oss-rba", "simda-keuangan"]
        do {
            let t = try TestHub()
            dir = t.dir + "-copy"
            for c in connectors { first.append(try t.ingest(c, [t.samples(c)])) }
            let rows = try t.store.db.rows("SELECT hex(idem) FROM raw_idem ORDER BY 1")
            keys = rows.map { $0[0].text ?? "" }
            #expect(keys.count > 20 && keys.allSatisfy { $0.count == 48 })
            // The store as simpul 8 left it: hash-only keys (and, before migration 10, the name index on the versions).
            try t.store.db.execute("""
                UPDATE raw_idem SET idem = substr(idem, 9);
                DROP TABLE citizen_names; DELETE FROM meta WHERE key = 'citizen_names_through';
                CREATE INDEX citizen_nama ON record_versions(nama) WHERE schema = 'citizen' AND current = 1;
                DROP INDEX record_versions_past; DROP INDEX mentions_nik_other; DROP INDEX mentions_record_other;
                CREATE INDEX mentions_nik ON mentions(nik) WHERE nik IS NOT NULL;
                CREATE INDEX mentions_record ON mentions(schema, source_key);
                ALTER TABLE persons DROP COLUMN alamat; ALTER TABLE persons DROP COLUMN tempat_lahir; DROP TABLE person_rebuild;
                \(TestHub.beforeMigration23)
                PRAGMA user_version=8; PRAGMA wal_checkpoint(TRUNCATE)
                """)
            try FileManager.default.copyItem(atPath: t.dir, toPath: dir)
        }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let hub = try Hub(home: TestHub.home(), dbPath: dir + "/simpul.db")
        #expect(try hub.store.db.scalarInt("PRAGMA user_version") == Int64(HubStore.schemaVersion))
        #expect(try hub.store.db.rows("SELECT hex(idem) FROM raw_idem ORDER BY 1").map { $0[0].text ?? "" } == keys)
        // Migration 10 put every current citizen in the name index, and searches find them there.
        let citizens = try hub.store.db.scalarInt("SELECT count(*) FROM record_versions WHERE schema = 'citizen' AND current = 1")
        let indexed = try hub.store.db.scalarInt("SELECT count(*) FROM citizen_names")
        #expect(citizens > 0 && indexed == citizens)
        #expect(try hub.store.db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'citizen_nama'") == 0)
        // Migrations 12 and 13: the versions that are not current are indexed by their record, the current ones not.
        #expect(try hub.store.db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'record_versions_past'") == 1)
        let past = try hub.store.db.scalarInt("SELECT count(*) FROM record_versions WHERE current = 0")
        let pastIndexed = try hub.store.db.scalarInt("SELECT count(*) FROM record_versions INDEXED BY record_versions_past WHERE current = 0")
        #expect(past > 0 && pastIndexed == past, "the stored history, indexed")
        #expect(try hub.store.db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'record_versions_key'") == 0)
        #expect(try hub.store.db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name IN ('mentions_nik_other', 'mentions_record_other')") == 2)
        #expect(try hub.store.db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name IN ('mentions_nik', 'mentions_record')") == 0)
        // Migration 23: links hold their mention's row id, mentions their version's number.
        #expect(try TestHub.copiesOutOfStep(hub.store) == 0)
        #expect(try hub.store.db.scalarInt("SELECT count(*) FROM mentions WHERE version_no IS NULL") == 0)
        for (k, c) in connectors.enumerated() {
            let again = try hub.ingestor(c).ingest(paths: [TestHub.home().connectorsDir + "/" + c + "/samples"])
            #expect(again.accepted == 0 && again.unchanged == first[k].accepted + first[k].unchanged, "\(c)")
        }
    }

    /// A hub opens only with its own audit log beside it: with the file missing (deleted, or a hub copied without
    /// it) or another hub's in its place, every open is refused, read-only ones too, and nothing is created; a new,
    /// empty log would tell a citizen nobody read their data. With its own log back, it opens as before.
    @Test func aHubRefusesToOpenWithoutItsOwnAuditLog() throws {
        let dir = NSTemporaryDirectory() + "simpul-own-log-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/hub.db", log = HubStore.auditLogPath(hubPath: path)
        do {
            let store = try HubStore(path: path)
            try store.appendAudit(opd: "dinkes", purpose: "layanan", route: "/v1/citizens/{nik}", persons: ["7571014504900002"], result: "ok", status: 200)
            _ = try HubStore(path: dir + "/other.db")
        }
        func refused(_ readOnly: Bool, _ words: String) {
            do {
                _ = try HubStore(path: path, readOnly: readOnly)
                Issue.record("opened without its own audit log (read-only: \(readOnly))")
            } catch let e as StoreOpenError {
                #expect(e.message.contains(words) && e.message.contains("audit new-log"), "\(e.message)")
            } catch { Issue.record("\(error)") }
        }
        try FileManager.default.moveItem(atPath: log, toPath: dir + "/saved")
        refused(false, "missing")
        refused(true, "missing")
        #expect(!FileManager.default.fileExists(atPath: log))
        #expect(SimpulCLI.main(["audit", "verify", "--db", path]) == ExitCode.failure)
        #expect(SimpulCLI.main(["audit", "access", "--nik", "7571014504900002", "--db", path]) == ExitCode.failure)
        try FileManager.default.copyItem(atPath: HubStore.auditLogPath(hubPath: dir + "/other.db"), toPath: log)
        refused(false, "not this hub's audit log")
        try FileManager.default.removeItem(atPath: log)
        try FileManager.default.moveItem(atPath: dir + "/saved", toPath: log)
        let back = try HubStore(path: path, readOnly: true)
        #expect(try back.verifyAudit().entries == 1 && back.auditAccess(nik: "7571014504900002").count == 1)
    }

    /// When the log is truly lost, `audit new-log --reason` starts a new one on purpose: the file in the way is kept,
    /// the new log's first entry and `audit verify` say which log it replaced and why, and the hub opens again.
    @Test func aNewAuditLogIsStartedOnlyOnPurposeAndSaysSo() throws {
        let t = try TestHub()
        setenv("SIMPUL_HOME", t.home.root, 1)
        let path = t.dir + "/simpul.db", log = HubStore.auditLogPath(hubPath: path)
        try t.store.appendAudit(opd: "dinkes", purpose: "layanan", route: "/v1/citizens/{nik}", persons: ["7571014504900002"], result: "ok", status: 200)
        let before = try t.store.auditLogID()
        #expect(SimpulCLI.main(["audit", "new-log", "--reason", "uji", "--db", path]) == ExitCode.ok, "in place: nothing done")
        #expect(try HubStore(path: path).auditLogID() == before)
        try "not a log".write(toFile: log, atomically: false, encoding: .utf8)
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: log + suffix) }
        #expect(SimpulCLI.main(["audit", "new-log", "--db", path]) == ExitCode.usage)
        #expect(SimpulCLI.main(["audit", "new-log", "--reason", "disk failure; the log's backup was lost", "--db", path]) == ExitCode.ok)
        let kept = try FileManager.default.contentsOfDirectory(atPath: t.dir).filter { $0.hasPrefix("simpul.db-audit.replaced-") && !$0.contains("-wal") && !$0.contains("-shm") }
        #expect(kept.count == 1)
        if let k = kept.first { #expect(try String(contentsOfFile: t.dir + "/" + k, encoding: .utf8) == "not a log") }
        let store = try HubStore(path: path)
        #expect(try store.auditLogID() != before && store.auditLogID() != nil)
        let r = try store.auditLogReplacement()
        #expect(r?.previous == before && r?.reason == "disk failure; the log's backup was lost")
        let entries = try store.db.rows("SELECT id, route FROM auditlog.audit")
        #expect(entries.count == 1 && (entries.first?[1].text ?? "").hasPrefix("audit new-log"))
        #expect(try store.verifyAudit().broken == nil)
    }

    /// An audit file that cannot be opened (here a folder in its place) is refused with a message naming it.
    @Test func anUnopenableAuditFileIsNamed() throws {
        let dir = NSTemporaryDirectory() + "simpul-audit-bad-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir + "/hub.db-audit", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            _ = try HubStore(path: dir + "/hub.db")
            Issue.record("opened a hub whose audit file is a folder")
        } catch let e as StoreOpenError {
            #expect(e.message.contains("cannot open the audit log") && e.message.contains("hub.db-audit"))
        }
    }

    /// A version-7 hub's audit chain moves to its own file whole: it still verifies, "who read this person" still
    /// answers, opening again changes nothing, and an audit commit no longer waits for a writer of the hub's file.
    @Test func theAuditLogMovesToItsOwnFile() throws {
        let dir = NSTemporaryDirectory() + "simpul-audit-file-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/old.db"
        try HubStore.createOld(path: path, version: 7)
        do {
            // Entries chained as simpul wrote them before (the hash covers the same fields).
            let old = try Database(path: path)
            var prev = HubStore.auditGenesis
            for id in 1...3 {
                let item = AuditItem(opd: "dinkes", purpose: "layanan", route: "/v1/citizens/{nik}", persons: ["7571014504900002"], result: "ok", status: 200)
                let hash = AuditEntry.chainHash(prev: prev, id: Int64(id), at: 1000, item)
                try old.run("INSERT INTO audit(id, at, opd, purpose, route, persons, result, status, prev_hash, hash) VALUES(?,1000,'dinkes','layanan','/v1/citizens/{nik}','[\"7571014504900002\"]','ok',200,?,?)",
                            [.int(Int64(id)), .text(prev), .text(hash)])
                prev = hash
            }
            try old.run("INSERT INTO audit_person(nik, audit_id) VALUES('7571014504900002', 1), ('7571014504900002', 2)")
            try old.run("INSERT OR REPLACE INTO meta(key, value) VALUES('audit_person_through', '2')")
        }
        for _ in 0..<2 {
            let store = try HubStore(path: path)
            #expect(try store.verifyAudit().entries == 3 && store.verifyAudit().broken == nil)
            #expect(try store.auditAccess(nik: "7571014504900002").map(\.id) == [3, 2, 1])
            #expect(try store.db.scalarInt("SELECT count(*) FROM main.sqlite_master WHERE name LIKE 'audit%'") == 0)
            #expect(try store.db.scalarInt("SELECT count(*) FROM meta WHERE key = 'audit_person_through'") == 0)
        }
        // A writer holds the hub file's write lock (an ingest batch): the audit commit does not wait for it.
        let writer = try HubStore(path: path), auditor = try HubStore(path: path)
        try auditor.db.execute("PRAGMA busy_timeout=0")
        try writer.writeTransaction {
            try writer.db.execute("INSERT INTO meta(key, value) VALUES('x', 'y')")
            let e = try auditor.appendAudits([AuditItem(opd: "dinkes", purpose: "layanan", route: "/v1/citizens/{nik}", persons: [], result: "ok", status: 200)])
            #expect(e.map(\.id) == [4])
            // And the other way round: the hub's file stays writable only by its one writer.
            #expect(throws: (any Error).self) { try auditor.db.execute("INSERT INTO meta(key, value) VALUES('z', 'z')") }
        }
        #expect(try auditor.verifyAudit().broken == nil)
        #expect(try auditor.db.scalarInt("SELECT count(*) FROM meta WHERE key = 'x'") == 1)
    }

    /// The audit log's by-person index is filled after the commit; "who read this person" is complete before and after.
    @Test func auditAccessIsCompleteBeforeTheIndexCatchesUp() throws {
        let t = try TestHub()
        let a = "7571014504900002", b = "7571011702500092"
        func item(_ persons: [String]) -> AuditItem {
            AuditItem(opd: "dinkes", purpose: "layanan", route: "/v1/citizens/{nik}", persons: persons, result: "ok", status: 200)
        }
        _ = try t.store.appendAudits([item([a]), item([b]), item([a, b, a]), item([])])
        #expect(try t.store.db.scalarInt("SELECT count(*) FROM audit_person") == 0, "a commit writes only the chain")
        #expect(try t.store.auditAccess(nik: a).map(\.id) == [3, 1])
        #expect(try t.store.indexAuditPersons(chunk: 1) == 4)
        #expect(try t.store.db.scalarInt("SELECT count(*) FROM audit_person") == 4)
        _ = try t.store.appendAudits([item([b])])
        #expect(try t.store.auditAccess(nik: a).map(\.id) == [3, 1])
        #expect(try t.store.auditAccess(nik: b).map(\.id) == [5, 3, 2], "indexed and not yet indexed, once each")
        // Indexing again (a crash before the mark moved) changes nothing.
        try t.store.db.run("UPDATE audit_meta SET value = '0' WHERE key = 'audit_person_through'")
        #expect(try t.store.indexAuditPersons() == 5)
        #expect(try t.store.auditAccess(nik: b).map(\.id) == [5, 3, 2])
        #expect(try t.store.auditAccess(nik: "7571010101500092").isEmpty)
        // The index sorts NIKs as numbers; whatever else was audited as a person is indexed too, after them.
        _ = try t.store.appendAudits([item(["x-not-a-nik", a, "757101450490000"])])
        #expect(try t.store.indexAuditPersons() == 1)
        #expect(try t.store.db.scalarInt("SELECT count(*) FROM audit_person") == 8)
        #expect(try t.store.auditAccess(nik: "x-not-a-nik").map(\.id) == [6])
        #expect(try t.store.auditAccess(nik: "757101450490000").map(\.id) == [6])
        #expect(try t.store.auditAccess(nik: a).map(\.id) == [6, 3, 1])
        // Read as numbers, written back as 16 digits: a leading zero survives.
        _ = try t.store.appendAudits([item(["0101014504900002"])])
        #expect(try t.store.indexAuditPersons() == 1)
        #expect(try t.store.db.scalarInt("SELECT count(*) FROM audit_person WHERE nik = '0101014504900002' AND audit_id = 7") == 1)
        #expect(try t.store.verifyAudit().broken == nil)
    }

    /// `audit head` prints what to publish; `audit verify --heads` checks a file of published heads, and says which
    /// line of it is not one.
    @Test func auditVerifyChecksAFileOfPublishedHeads() throws {
        let t = try TestHub()
        let db = t.dir + "/simpul.db"
        let item = AuditItem(opd: "dinkes", purpose: "layanan", route: "/v1/citizens/{nik}", persons: [], result: "ok", status: 200)
        _ = try t.store.appendAudits([item, item, item])
        #expect(SimpulCLI.main(["audit", "head", "--db", db]) == ExitCode.ok)
        #expect(SimpulCLI.main(["audit", "head", "--json", "--db", db]) == ExitCode.ok)
        let head = try t.store.auditHead()
        let heads = try t.write("heads.ndjson", "\(head.json.jsonText)\n\n2:\(try t.store.db.rows("SELECT hash FROM audit WHERE id = 2")[0][0].text!)\n")
        #expect(SimpulCLI.main(["audit", "verify", "--heads", heads, "--db", db]) == ExitCode.ok)
        #expect(SimpulCLI.main(["audit", "verify", "--heads", heads, "--json", "--db", db]) == ExitCode.ok)
        try t.store.db.execute("DELETE FROM audit WHERE id = 3")
        #expect(SimpulCLI.main(["audit", "verify", "--db", db]) == ExitCode.ok, "the chain alone cannot tell")
        #expect(SimpulCLI.main(["audit", "verify", "--heads", heads, "--db", db]) == ExitCode.dataError)
        let bad = try t.write("bad.ndjson", "\(head.json.jsonText)\n3\n")
        #expect(SimpulCLI.main(["audit", "verify", "--heads", bad, "--db", db]) == ExitCode.dataError)
        #expect(SimpulCLI.main(["audit", "verify", "--heads", t.dir + "/none.ndjson", "--db", db]) == ExitCode.noInput)
    }

    /// A new hub file gets 16 KiB pages; a file that already has pages keeps its size (SQLite cannot change it in
    /// WAL mode); the audit log's file keeps SQLite's 4 KiB.
    @Test func aNewHubHasLargePagesAndAnOlderFileKeepsItsOwn() throws {
        let t = try TestHub()
        #expect(try t.store.db.scalarInt("PRAGMA main.page_size") == Int64(HubStore.newPageSize))
        #expect(try t.store.db.scalarInt("PRAGMA auditlog.page_size") == 4096)
        let path = t.dir + "/older.db"
        let older = try Database(path: path)
        try older.execute("PRAGMA page_size=4096; PRAGMA journal_mode=WAL; CREATE TABLE t(a); DROP TABLE t")
        let store = try HubStore(path: path)
        #expect(try store.db.scalarInt("PRAGMA main.page_size") == 4096)
        #expect(try store.db.scalarInt("PRAGMA user_version") == Int64(HubStore.schemaVersion))
    }

    @Test func newerDatabaseIsRefused() throws {
        let t = try TestHub()
        try t.store.db.execute("PRAGMA user_version=999")
        #expect(SimpulCLI.main(["topics", "list", "--db", t.dir + "/simpul.db"]) == ExitCode.failure)
    }
}

@Suite struct ConsumerOffsetTests {
    @Test func aConsumerResumesAfterItsCommittedOffset() throws {
        let t = try TestHub()
        _ = try t.ingest("dukcapil-siak", [t.samples("dukcapil-siak")])
        #expect(try t.store.offset(consumer: "dinsos", topic: "records.citizen") == 0)
        try t.store.setOffset(consumer: "dinsos", topic: "records.citizen", seq: 5)
        #expect(try t.store.offset(consumer: "dinsos", topic: "records.citizen") == 5)
        let db = t.dir + "/simpul.db"
        #expect(SimpulCLI.main(["topics", "read", "records.citizen", "--consumer", "dinsos", "--limit", "3", "--db", db]) == 0)
        #expect(try t.store.offset(consumer: "dinsos", topic: "records.citizen") == 8)
        #expect(SimpulCLI.main(["topics", "read", "no.such.topic", "--db", db]) == ExitCode.noInput)
        // Past the end (a hub restored from an earlier backup, a position from another hub) is refused, not an empty
        // read that would skip events once written again; the next one after the last is the normal "nothing new".
        let last = try t.store.lastSeq(topic: "records.citizen")
        #expect(SimpulCLI.main(["topics", "read", "records.citizen", "--from", String(last + 1), "--db", db]) == ExitCode.ok)
        #expect(SimpulCLI.main(["topics", "read", "records.citizen", "--from", String(last + 2), "--db", db]) == ExitCode.dataError)
        try t.store.setOffset(consumer: "restored", topic: "records.citizen", seq: last + 10)
        #expect(SimpulCLI.main(["topics", "read", "records.citizen", "--consumer", "restored", "--db", db]) == ExitCode.dataError)
        #expect(try t.store.offset(consumer: "restored", topic: "records.citizen") == last + 10, "left as it was")
    }
}

@Suite(.serialized) struct ConnectorKitTests {
    @Test(arguments: ["dukcapil-siak", "sicantik", "oss-rba", "sipd-perencanaan", "sipd-penganggaran", "simda-keuangan", "simbg-pbg"])
    func referenceConnectorsPassTheAcceptanceKit(name: String) {
        #expect(SimpulCLI.main(["connector", "test", name, "--json"]) == ExitCode.ok)
    }

    @Test func aBrokenConnectorFailsAndAScaffoldPasses() throws {
        let t = try TestHub()
        let broken = try t.copyConnector("sicantik", as: "sicantik-broken")
        try "{ not json".write(toFile: broken + "/samples/zz-garbage.json", atomically: true, encoding: .utf8)
        #expect(SimpulCLI.main(["connector", "test", broken]) == ExitCode.dataError)
        // A JSON key misspelt in the mapping (no record of a sample file has it) fails the kit too.
        let misspelt = try t.copyConnector("sicantik", as: "sicantik-misspelt")
        let mapping = try String(contentsOfFile: misspelt + "/connector.json", encoding: .utf8)
        #expect(mapping.contains(#""from": "alamat_pemohon""#))
        try mapping.replacingOccurrences(of: #""from": "alamat_pemohon""#, with: #""from": "alamat_pemohonn""#)
            .write(toFile: misspelt + "/connector.json", atomically: true, encoding: .utf8)
        #expect(SimpulCLI.main(["connector", "test", misspelt]) == ExitCode.dataError)
        let fresh = t.dir + "/simpeg-bkd"
        #expect(SimpulCLI.main(["connector", "new", "simpeg-bkd", "--dir", fresh]) == ExitCode.ok)
        #expect(FileManager.default.fileExists(atPath: fresh + "/connector.json"))
        #expect(SimpulCLI.main(["connector", "test", fresh]) == ExitCode.ok)
        // A column name misspelt in the mapping (no sample header has it) fails the kit, naming it.
        let json = fresh + "/connector.json"
        let text = try String(contentsOfFile: json, encoding: .utf8)
        try text.replacingOccurrences(of: #""from": "TGL_LAHIR""#, with: #""from": "TANGGAL_LAHIR""#).write(toFile: json, atomically: true, encoding: .utf8)
        #expect(SimpulCLI.main(["connector", "test", fresh]) == ExitCode.dataError)
        try text.write(toFile: json, atomically: true, encoding: .utf8)
        #expect(SimpulCLI.main(["connector", "new", "Bad Name"]) == ExitCode.usage)
        // Every kind of scaffold passes the kit as written.
        for kind in ["http", "external"] {
            let d = t.dir + "/scaffold-" + kind
            #expect(SimpulCLI.main(["connector", "new", "uji-" + kind, "--dir", d, "--kind", kind]) == ExitCode.ok)
            #expect(SimpulCLI.main(["connector", "test", d]) == ExitCode.ok)
        }
        #expect(SimpulCLI.main(["connector", "new", "x", "--dir", t.dir + "/x", "--kind", "ftp"]) == ExitCode.usage)
    }
}

@Suite struct PersonCommandTests {
    @Test func stewardMistakesAreClearAndExit66() throws {
        let t = try TestHub()
        let db = t.dir + "/simpul.db"
        _ = try t.ingest("dukcapil-siak", [t.samples("dukcapil-siak")])
        #expect(SimpulCLI.main(["persons", "update", "--db", db]) == ExitCode.ok)
        #expect(SimpulCLI.main(["persons", "link", "sicantik:999999", "P0000000000000000", "--db", db]) == ExitCode.noInput)
        #expect(SimpulCLI.main(["persons", "link", "dukcapil-siak:7571014504900002", "P0000000000000000", "--db", db]) == ExitCode.noInput)
        #expect(SimpulCLI.main(["persons", "merge", "P0000000000000000", "7571014504900002", "--db", db]) == ExitCode.noInput)
        #expect(SimpulCLI.main(["persons", "split", "7571014504900002", "sicantik:999999", "--db", db]) == ExitCode.noInput)
        #expect(SimpulCLI.main(["persons", "show", "P0000000000000000", "--db", db]) == ExitCode.noInput)
        #expect(SimpulCLI.main(["persons", "export", "--format", "csv", "--db", db]) == ExitCode.usage)
        #expect(SimpulCLI.main(["persons", "report", "P0000000000000000", "--db", db]) == ExitCode.noInput)
    }

    /// Mentions ingested with --no-persons are counted as waiting for the index (the CLI's show, review and export
    /// say so instead of answering as if the hub held no such person), and none wait after an update.
    @Test func mentionsWaitingForTheIndexAreCounted() throws {
        let t = try TestHub()
        let db = t.dir + "/simpul.db"
        _ = try t.ingest("dukcapil-siak", [t.samples("dukcapil-siak")])
        let mentions = Int(try t.store.db.scalarInt("SELECT count(*) FROM mentions"))
        #expect(try mentions > 0 && t.store.undecidedMentionCount() == mentions)
        #expect(SimpulCLI.main(["persons", "show", "7571014504900002", "--db", db]) == ExitCode.noInput)
        #expect(SimpulCLI.main(["persons", "update", "--db", db]) == ExitCode.ok)
        #expect(try t.store.undecidedMentionCount() == 0)
        #expect(SimpulCLI.main(["persons", "show", "7571014504900002", "--db", db]) == ExitCode.ok)
    }

    /// A NIK typed as it is printed (spaces, dots) finds the person, as the ingest reads one; the audit names the NIK.
    @Test func aNIKTypedWithSpacesOrDotsFindsThePerson() throws {
        let t = try TestHub()
        let db = t.dir + "/simpul.db"
        _ = try t.ingest("dukcapil-siak", [t.samples("dukcapil-siak")])
        #expect(SimpulCLI.main(["persons", "update", "--db", db]) == ExitCode.ok)
        #expect(SimpulCLI.main(["persons", "show", "7571 0145 0490 0002", "--db", db]) == ExitCode.ok)
        #expect(SimpulCLI.main(["persons", "report", "757101.450490.0002", "--db", db]) == ExitCode.ok)
        #expect(SimpulCLI.main(["audit", "access", "--nik", "7571-0145-0490-0002", "--db", db]) == ExitCode.ok)
        #expect(SimpulCLI.main(["audit", "access", "--nik", "7571 0145 0490 000", "--db", db]) == ExitCode.usage)
        let audited = try t.store.db.rows("SELECT persons FROM auditlog.audit WHERE route IN ('persons show', 'persons report')")
        #expect(audited.count == 2 && audited.allSatisfy { ($0[0].text ?? "").contains("7571014504900002") })
    }

    /// An operator reading personal records from the CLI is audited with the persons shown, as an API read is;
    /// records that name no one (budget lines) are not.
    @Test func operatorReadsOfPersonalRecordsAreAudited() throws {
        let t = try TestHub()
        let db = t.dir + "/simpul.db"
        _ = try t.ingest("dukcapil-siak", [t.samples("dukcapil-siak")])
        _ = try t.ingest("sipd-penganggaran", [t.samples("sipd-penganggaran")])
        #expect(SimpulCLI.main(["records", "show", "citizen", "7571014504900002", "--history", "--db", db]) == ExitCode.ok)
        let shown = try t.store.auditAccess(nik: "7571014504900002")
        #expect(shown.count == 1 && shown[0].route == "records show" && shown[0].opd.hasPrefix("operator:") && shown[0].purpose == "operations")
        #expect(SimpulCLI.main(["topics", "read", "records.citizen", "--limit", "3", "--db", db]) == ExitCode.ok)
        let read = try t.store.db.rows("SELECT persons FROM audit WHERE route = 'topics read records.citizen'")
        let persons = try JSONParser.parse(read.first?[0].text ?? "null")
        #expect(read.count == 1 && persons.arrayValue?.count == 3)
        // The raw log too: the source rows as they came, with the persons the hub took from them.
        #expect(SimpulCLI.main(["topics", "read", "raw.dukcapil-siak", "--limit", "2", "--db", db]) == ExitCode.ok)
        let raw = try t.store.db.rows("SELECT persons FROM audit WHERE route = 'topics read raw.dukcapil-siak'")
        let rawPersons = try JSONParser.parse(raw.first?[0].text ?? "null")
        #expect(raw.count == 1 && rawPersons.arrayValue?.count == 2)
        // The person index's decisions: which mention went to which person, named as the API names them.
        #expect(SimpulCLI.main(["persons", "update", "--db", db]) == ExitCode.ok)
        #expect(SimpulCLI.main(["topics", "read", "persons", "--limit", "3", "--db", db]) == ExitCode.ok)
        let decided = try t.store.db.rows("SELECT persons FROM audit WHERE route = 'topics read persons'")
        let decidedPersons = try JSONParser.parse(decided.first?[0].text ?? "null").arrayValue?.compactMap(\.stringValue) ?? []
        #expect(decided.count == 1 && decidedPersons.count == 3 && decidedPersons.allSatisfy(NIK.isSixteenDigits))
        let before = try t.store.verifyAudit().entries
        #expect(SimpulCLI.main(["topics", "read", "raw.sipd-penganggaran", "--limit", "3", "--db", db]) == ExitCode.ok)
        #expect(SimpulCLI.main(["topics", "read", "records.budget_line", "--limit", "3", "--db", db]) == ExitCode.ok)
        #expect(try t.store.verifyAudit().entries == before && t.store.verifyAudit().broken == nil)
        // A dead letter's raw row: never accepted, so no mention names its persons; the NIKs written in it do.
        let letters = try t.store.deadLetters(connector: "dukcapil-siak", status: "open", limit: 100)
        let withNIK = try #require(letters.first { !NIK.written(in: $0.raw).isEmpty })
        let niks = NIK.written(in: withNIK.raw)
        #expect(SimpulCLI.main(["dlq", "show", String(withNIK.id), "--db", db]) == ExitCode.ok)
        let dlq = try t.store.db.rows("SELECT persons FROM audit WHERE route = 'dlq show'")
        let dlqPersons = try JSONParser.parse(dlq.first?[0].text ?? "null").arrayValue?.compactMap(\.stringValue)
        #expect(dlq.count == 1 && dlqPersons == niks)
        #expect(NIK.written(in: Array("7571 0145 0490 0002;757101.450490.0003;2024-11-02 08:14:55;12345678901234567;7571014504900002".utf8))
                == ["7571014504900002", "7571014504900003"])
        // In free text next to another number; a tab separates fields, not a NIK's groups; longer numbers are not NIKs.
        #expect(NIK.written(in: Array("NIK 7571014504900002 1 orang, KK 7571-0101-0112-0003.".utf8)) == ["7571014504900002", "7571010101120003"])
        #expect(NIK.written(in: Array("7571014504900002\t1\t7571 0145\t0490 0002".utf8)) == ["7571014504900002"])
        #expect(NIK.written(in: Array("75710145049000021 .7571014504900002- 1234".utf8)) == ["7571014504900002"])
        #expect(NIK.written(in: Array("".utf8)).isEmpty && NIK.written(in: Array("1".utf8)).isEmpty)
    }

    /// A person the hub knows without any NIK (a permit's applicant, no NIK written) is named in the audit log by
    /// their person id; once the registry tells the hub who they are, their report and `audit access` by NIK list
    /// those reads too, through the retired id's redirect. A bulk export and the review queue are audited as well.
    @Test func aPersonWithoutANIKIsNamedInTheAuditLogByTheirId() throws {
        let t = try TestHub()
        let db = t.dir + "/simpul.db"
        let permits = try t.write("permits.json", """
            {"status":"success","page":1,"total_page":1,"data":[{"id_permohonan": 200001, "no_permohonan": "PMH/200001/DPMPTSP/2024",
             "jenis_izin": "Izin Usaha Mikro", "kode_jenis_izin": "IUM", "nik_pemohon": "", "nama_pemohon": "Wahyuni Daud",
             "alamat_pemohon": "JL. SUDIRMAN NO. 40", "tempat_lahir_pemohon": "GORONTALO", "tgl_lahir_pemohon": "1979-08-17",
             "tgl_pengajuan": "2024-07-01 09:12:00", "updated_at": "2024-07-10 14:00:00", "tgl_penetapan": "2024-07-10",
             "masa_berlaku_sampai": "2029-07-10", "no_izin": "503/IUM/200001/2024", "status": "Selesai", "retribusi": 0,
             "kode_wilayah": "7571011001", "opd_penerbit": "DPMPTSP Kota Gorontalo"}]}
            """)
        let registry = try t.write("biodata.csv", """
            NIK;NO_KK;NAMA_LGKP;JENIS_KLMIN;TMPT_LHR;TGL_LHR;AGAMA;STAT_KWN;STAT_HBKEL;PDDK_AKH;JENIS_PKRJN;ALAMAT;NO_RT;NO_RW;NO_PROP;NO_KAB;NO_KEC;NO_KEL;NIK_IBU;NIK_AYAH;STAT_PDDK;TGL_UPDATE
            7571015708790003;7571010101120099;WAHYUNI DAUD;2;GORONTALO;17-08-1979;1;2;3;5;88;JL. SUDIRMAN NO. 40;002;001;75;71;1;1001;;;HIDUP;2024-11-02 08:14:55

            """)
        #expect(SimpulCLI.main(["ingest", "--connector", "sicantik", permits, "--db", db]) == ExitCode.ok)
        let founded = try #require(try t.store.personOf(mention: "sicantik:200001"))
        #expect(try t.store.person(id: founded)?.nik == nil)
        #expect(SimpulCLI.main(["records", "show", "permit", "200001", "--db", db]) == ExitCode.ok)
        #expect(try t.store.auditAccess(subjects: [founded]).map(\.route) == ["records show"])
        #expect(SimpulCLI.main(["audit", "access", "--person", founded, "--db", db]) == ExitCode.ok)
        #expect(SimpulCLI.main(["persons", "export", "--format", "ndjson", "--db", db]) == ExitCode.ok)
        #expect(try t.store.auditAccess(subjects: [founded]).map(\.route) == ["persons export", "records show"])

        // The registry arrives: the permit's person is retired into the registry's, and its reads follow.
        #expect(SimpulCLI.main(["ingest", "--connector", "dukcapil-siak", registry, "--db", db]) == ExitCode.ok)
        let now = try #require(try t.store.person(nik: "7571015708790003"))
        #expect(try t.store.personOf(mention: "sicantik:200001") == now.id && now.id != founded)
        #expect(try Set((t.store.auditSubjects(nikOrID: "7571015708790003") ?? []).map(\.key)) == [now.id, founded, "7571015708790003"])
        #expect(try t.store.auditSubjects(nikOrID: founded) == t.store.auditSubjects(person: now))
        #expect(try t.store.auditSubjects(nikOrID: "P0000000000000000") == nil)
        #expect(SimpulCLI.main(["persons", "report", "7571015708790003", "--json", "--db", db]) == ExitCode.ok)
        let reads = try t.store.auditAccess(subjects: t.store.auditSubjects(person: now)).map(\.route)
        #expect(reads == ["persons report", "persons export", "records show"])

        // Usage: one of --nik and --person, each in its own shape; an unknown person is exit 66.
        #expect(SimpulCLI.main(["audit", "access", "--db", db]) == ExitCode.usage)
        #expect(SimpulCLI.main(["audit", "access", "--person", founded, "--nik", "7571015708790003", "--db", db]) == ExitCode.usage)
        #expect(SimpulCLI.main(["audit", "access", "--person", "7571015708790003", "--db", db]) == ExitCode.usage)
        // Digits of another script are no NIK, and a person id is lower-case hexadecimal.
        #expect(SimpulCLI.main(["audit", "access", "--nik", "٧٥٧١٠١٥٧٠٨٧٩٠٠٠٣", "--db", db]) == ExitCode.usage)
        #expect(!HubStore.isPersonID(founded.uppercased()) && HubStore.isPersonID(founded) && !NIK.isSixteenDigits("٧٥٧١٠١٥٧٠٨٧٩٠٠٠٣"))
        #expect(SimpulCLI.main(["audit", "access", "--person", "P0000000000000000", "--db", db]) == ExitCode.noInput)
        #expect(SimpulCLI.main(["audit", "access", "--person", founded, "--limit", "1", "--db", db]) == ExitCode.ok)
        #expect(SimpulCLI.main(["audit", "access", "--person", founded, "--limit", "0", "--db", db]) == ExitCode.usage)
        #expect(SimpulCLI.main(["dlq", "list", "--limit", "1", "--db", db]) == ExitCode.ok)
        #expect(SimpulCLI.main(["dlq", "list", "--limit", "9223372036854775807", "--db", db]) == ExitCode.usage)
        // A misspelt connector or schema is said so (exit 66), not answered "no open dead letters" or "no record".
        #expect(SimpulCLI.main(["dlq", "list", "--connector", "siak", "--db", db]) == ExitCode.noInput)
        #expect(SimpulCLI.main(["dlq", "list", "--connector", "dukcapil-siak", "--db", db]) == ExitCode.ok)
        #expect(SimpulCLI.main(["records", "show", "citizens", "7571014504900002", "--db", db]) == ExitCode.noInput)
        #expect(try t.store.verifyAudit().broken == nil)
    }

    /// `persons review` as a steward reads it: the mention beside the person it may be, why (each field's level and
    /// weight, strongest first, or the clash), and the two commands that decide it. The queue's reading is audited.
    @Test func theReviewQueueReadsAsAStewardNeedsIt() throws {
        let t = try TestHub()
        let db = t.dir + "/simpul.db"
        for c in ["dukcapil-siak", "sicantik", "oss-rba", "simda-keuangan"] { _ = try t.ingest(c, [t.samples(c)]) }
        #expect(SimpulCLI.main(["persons", "update", "--db", db]) == ExitCode.ok)
        let items = try t.store.reviewItems()
        let possible = try #require(items.first { $0.kind == "possible" && $0.candidate != nil })
        let p = try #require(try t.store.currentPerson(id: possible.candidate!))
        let golden = try GoldenRecord.load(store: t.store, person: p, regions: try Regions(file: t.home.regionsFile), fieldsOnly: true).golden
        let evidence = try JSONParser.parse(possible.evidence)
        let lines = PersonCommands.reviewText(possible, evidence: evidence, candidate: (p.id, golden), runnerUp: nil)
        #expect(lines[0].hasPrefix("possible  \(possible.mentionKey)  score "))
        #expect(lines.contains { $0.hasPrefix("  mention    nama ") })
        #expect(lines.contains { $0.hasPrefix("  person     \(p.id)  nama \(golden["nama"]?.stringValue ?? "?")") })
        let fields = try #require(lines.first { $0.hasPrefix("  fields     ") })
        let weights = fields.dropFirst(13).split(separator: "·").compactMap { part -> Double? in
            guard let w = part.split(separator: " ").last else { return nil }
            return Double(w.replacingOccurrences(of: "−", with: "-").replacingOccurrences(of: "+", with: ""))
        }
        #expect(!weights.isEmpty && weights.map(abs) == weights.map(abs).sorted(by: >), "strongest first: \(fields)")
        #expect(lines.last == "  decide     simpul persons link \(possible.mentionKey) \(p.id)   |   simpul persons unlink \(possible.mentionKey) \(p.id)")
        // A clash says which field clashed, as recorded on each side.
        let clash = PersonCommands.reviewText(possible, evidence: .object(["rule": .string("same NIK, clashing fields"),
                                                                           "clash": .object(["nama": .string("A here, B for the person")])]),
                                              candidate: nil, runnerUp: nil)
        #expect(clash.contains("  clash      nama: A here, B for the person") && clash.last == "  decide     simpul persons link \(possible.mentionKey) PERSON")
        #expect(SimpulCLI.main(["persons", "review", "--db", db]) == ExitCode.ok)
        #expect(try t.store.db.scalarInt("SELECT count(*) FROM audit WHERE route = 'persons review'") == 1)
        // One kind, a few at a time; a kind that does not exist is a usage error.
        #expect(try t.store.reviewItems(kind: "possible").allSatisfy { $0.kind == "possible" })
        #expect(try t.store.reviewCount(kind: "possible") == items.filter { $0.kind == "possible" }.count && t.store.reviewCount() == items.count)
        #expect(try t.store.reviewItems(limit: 1).count == 1)
        #expect(SimpulCLI.main(["persons", "review", "--kind", "possible", "--limit", "1", "--db", db]) == ExitCode.ok)
        #expect(SimpulCLI.main(["persons", "review", "--kind", "maybe", "--db", db]) == ExitCode.usage)
        // `persons show` gives each decision's evidence the same way, in one line.
        #expect(PersonCommands.evidenceSummary(possible.evidence).hasPrefix("match weight between the possible and probable thresholds; "))
        #expect(PersonCommands.evidenceSummary(#"{"rule":"same NIK","nik_holder":"P1","runner_up":{"person_id":"P2","score":3}}"#)
                == "same NIK; the NIK's holder P1; runner-up P2 score 3.00")
        #expect(PersonCommands.evidenceSummary("not json") == "not json")
    }

    /// Pemadanan penerima from the CLI: audited with the person the deceased-recipient finding is about.
    @Test func aRecipientCheckIsAuditedWithThePersonsFound() throws {
        let t = try TestHub()
        let db = t.dir + "/simpul.db"
        for c in ["dukcapil-siak", "simda-keuangan"] { _ = try t.ingest(c, [t.samples(c)]) }
        #expect(SimpulCLI.main(["persons", "update", "--db", db]) == ExitCode.ok)
        #expect(SimpulCLI.main(["reconcile", "--year", "2024", "--recipients", "--format", "json", "--db", db]) == ExitCode.ok)
        #expect(try t.store.auditAccess(nik: "7571025811750001").contains { $0.route == "reconcile --recipients" && $0.opd.hasPrefix("operator:") })
        let check = try RecipientCheck.run(store: t.store, tahun: 2024)
        #expect(check.findings.filter { $0.kind == .deceased }.map(\.sourceKey) == ["00011/SP2D/LS/2024#1"])
        #expect(check.persons.contains("7571025811750001"))
        #expect(try RecipientCheck.run(store: t.store, tahun: 2023).linesChecked == 0)
    }

    /// A citizen's access request from the CLI: its own reading is audited before the report is made, so the report
    /// lists it (what it contains is checked over HTTP, `aCitizensAccessRequest…`).
    @Test func anAccessReportIsAuditedBeforeItIsMade() throws {
        let t = try TestHub()
        let db = t.dir + "/simpul.db"
        _ = try t.ingest("dukcapil-siak", [t.samples("dukcapil-siak")])
        #expect(SimpulCLI.main(["persons", "update", "--db", db]) == ExitCode.ok)
        #expect(SimpulCLI.main(["persons", "report", "7571014504900002", "--json", "--db", db]) == ExitCode.ok)
        let entries = try t.store.auditAccess(nik: "7571014504900002")
        #expect(entries.count == 1 && entries[0].route == "persons report" && entries[0].purpose == SubjectReport.purpose)
        #expect(try t.store.verifyAudit().broken == nil)
    }
}
