import Foundation
import SimpulCLI
import SimpulIngest
import SimpulStorage
import SimpulTestSupport
import Synchronization
import Testing

@Suite(.serialized) struct BackupTests {
    /// SIAK rows with distinct NIKs, each a new citizen record.
    static func siakRows(_ n: Int) -> String {
        var s = "NIK;NO_KK;NAMA_LGKP;JENIS_KLMIN;TMPT_LHR;TGL_LHR;AGAMA;STAT_KWN;STAT_HBKEL;PDDK_AKH;JENIS_PKRJN;ALAMAT;NO_RT;NO_RW;NO_PROP;NO_KAB;NO_KEC;NO_KEL;NIK_IBU;NIK_AYAH;STAT_PDDK;TGL_UPDATE\n"
        for i in 0..<n {
            let nik = String(format: "757101%02d%02d90%04d", 1 + i % 28, 1 + (i / 28) % 12, 1 + i / 336)
            s += "\(nik);7571010101120003;WARGA NOMOR \(i);1;GORONTALO;01-01-1990;1;2;3;5;88;JL. MAWAR;002;001;75;71;1;1001;;;HIDUP;2024-11-02 08:14:55\n"
        }
        return s
    }

    /// Raw log entries that are not a citizen record: each generated row adds one of each in one transaction, so a
    /// copy taken between two commits has the same difference as the hub before the ingest.
    static func difference(_ path: String) throws -> Int64 {
        let db = try Database(path: path)
        return try db.scalarInt("SELECT (SELECT count(*) FROM log) - (SELECT count(*) FROM records WHERE schema = 'citizen')")
    }

    @Test func copiesTakenWhileAnIngestWritesAreEachOneMoment() throws {
        let t = try TestHub()
        for c in ["dukcapil-siak", "sicantik"] { _ = try t.ingest(c, [t.samples(c)]) }
        for i in 0..<50 { _ = try t.store.appendAudit(opd: "dinkes", purpose: "uji", route: "/v1/citizens/{nik}", persons: ["757101450490\(1000 + i)"], result: "ok", status: 200) }
        let db = t.dir + "/simpul.db"
        let base = try Self.difference(db)
        let file = try t.write("biodata.csv", Self.siakRows(30_000))
        let done = Atomic<Bool>(false)
        let outcome = Mutex("not run")
        let home = t.home
        let ingest = Thread {
            do {
                let s = try Hub(home: home, dbPath: db).ingestor("dukcapil-siak").ingest(paths: [file])
                outcome.withLock { $0 = "accepted \(s.accepted)" }
            } catch {
                outcome.withLock { $0 = "failed: \(error)" }
            }
            done.store(true, ordering: .releasing)
        }
        ingest.start()
        var copies = 0, during = 0
        repeat {
            let running = !done.load(ordering: .acquiring)
            let to = t.dir + "/copy-\(copies).db"
            #expect(SimpulCLI.main(["backup", "--db", db, "--to", to]) == ExitCode.ok)
            #expect(try Self.difference(to) == base, "copy \(copies): a whole transaction or none of it")
            #expect(try HubStore(path: to).verifyAudit().entries == 50)
            copies += 1
            if running { during += 1 }
            try FileManager.default.removeItem(atPath: to)
            try FileManager.default.removeItem(atPath: to + "-audit")
            Thread.sleep(forTimeInterval: 0.1)
        } while !done.load(ordering: .acquiring) && copies < 40
        #expect(during >= 1, "at least one copy was taken while the ingest ran")
        // The loop may stop at 40 copies before the ingest ends: wait for it.
        while !done.load(ordering: .acquiring) { Thread.sleep(forTimeInterval: 0.05) }
        // The ingest was not disturbed by the copies, and the last copy after it holds every row.
        #expect(outcome.withLock { $0 } == "accepted 30000")
        let last = t.dir + "/copy-last.db"
        #expect(SimpulCLI.main(["backup", "--db", db, "--to", last, "--json"]) == ExitCode.ok)
        let citizens = "SELECT count(*) FROM records WHERE schema = 'citizen'"
        let inCopy = try Database(path: last).scalarInt(citizens), inHub = try Database(path: db).scalarInt(citizens)
        #expect(inCopy == inHub && inHub >= 30_000, "copy \(inCopy), hub \(inHub)")
        // Owner-only, and nothing left over beside the copies.
        let mode = (try FileManager.default.attributesOfItem(atPath: last)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: t.dir).filter { $0.hasSuffix(".partial") }.isEmpty)
    }

    @Test func aBackupNeverOverwritesAndSaysWhy() throws {
        let t = try TestHub()
        _ = try t.ingest("dukcapil-siak", [t.samples("dukcapil-siak")])
        let db = t.dir + "/simpul.db", to = t.dir + "/b.db"
        #expect(SimpulCLI.main(["backup", "--db", db]) == ExitCode.usage, "--to is required")
        #expect(SimpulCLI.main(["backup", "--db", db, "--to", t.dir + "/no/such/folder/b.db"]) == ExitCode.usage)
        #expect(SimpulCLI.main(["backup", "--db", t.dir + "/none.db", "--to", to]) == ExitCode.noInput)
        // An interrupted run's leftover is replaced; an audit copy already there is not.
        try t.write("b.db.partial", "half a copy")
        try t.write("b.db-audit", "an older copy")
        #expect(SimpulCLI.main(["backup", "--db", db, "--to", to]) == ExitCode.usage)
        try FileManager.default.removeItem(atPath: t.dir + "/b.db-audit")
        #expect(SimpulCLI.main(["backup", "--db", db, "--to", to, "--no-check"]) == ExitCode.ok)
        #expect(try Backup.quickCheck(to) == nil)
        #expect(SimpulCLI.main(["backup", "--db", db, "--to", to]) == ExitCode.usage, "exists now")
        // A folder: the copy is named after the hub and the time.
        try FileManager.default.createDirectory(atPath: t.dir + "/daily", withIntermediateDirectories: true)
        #expect(SimpulCLI.main(["backup", "--db", db, "--to", t.dir + "/daily"]) == ExitCode.ok)
        let named = try FileManager.default.contentsOfDirectory(atPath: t.dir + "/daily").sorted()
        #expect(named.count == 2 && named[0].wholeMatch(of: /simpul-[0-9]{8}T[0-9]{6}Z\.db/) != nil && named[1] == named[0] + "-audit", "\(named)")
        // A damaged copy is caught by the check.
        let bytes = try #require(FileManager.default.contents(atPath: to))
        var damaged = [UInt8](bytes)
        for k in 40_000..<min(damaged.count, 60_000) { damaged[k] ^= 0x5A }
        try t.write("damaged.db", bytes: damaged)
        #expect(try Backup.quickCheck(t.dir + "/damaged.db") != nil)
    }
}
