import Foundation
import SimpulIngest
import SimpulJSON
import SimpulStorage
import SimpulSync

/// `simpul demo`: a fresh hub in a folder with every reference connector's samples ingested.
enum Demo {
    static func run(_ inv: Invocation) throws -> Int32 {
        let home = try HubHome.locate()
        // Options checked before any work: a mistyped port is told at once, not after the samples are ingested.
        let port = try inv.int("--port", default: 8080, max: 65535)
        let cors = try ServeCommands.cors(inv)
        let dir = inv.value("--dir") ?? "./simpul-demo"
        let fm = FileManager.default
        let db = dir + "/simpul.db"
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for suffix in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: db + suffix) }
        let hub = try Hub(home: home, dbPath: db)
        var summaries: [JSONValue] = []
        if !inv.json { Console.out("Simpul demo hub in \(dir)\n") }
        for name in home.connectorNames() {
            let samples = home.connectorsDir + "/" + name + "/samples"
            let connector = try hub.connector(name)
            if case .external? = connector.source {
                // An external connector: its program reads the samples (docs/connectors.md).
                var o = SyncRunner.Options()
                o.trigger = "demo"
                let r = try SyncRunner.run(hub: hub, connector: connector, options: o)
                summaries.append(r.summary.json)
                if !inv.json { Console.out(r.text + "\n") }
                continue
            }
            guard fm.fileExists(atPath: samples) else { continue }
            let s = try hub.ingestor(name).ingest(paths: [samples], trigger: "demo")
            summaries.append(s.json)
            if !inv.json { Console.out(s.text + "\n") }
        }
        let persons = PersonCommands.updateAfterIngest(dbPath: db, home: home)
        if !inv.json, let persons { Console.out(PersonCommands.summaryText(persons) + "\n") }
        // The demo OPDs, each with what such an office would be granted.
        var tokens: [(DemoOPD, String)] = []
        for d in DemoOPD.all {
            tokens.append((d, try hub.store.addOPD(name: d.name, grants: d.grants, purposes: [d.purpose]).1))
        }
        let serve = !inv.flag("--no-serve")
        let host = inv.value("--host") ?? "127.0.0.1"
        let counts = try hub.store.recordCounts()
        let dead = try hub.store.deadLetters(connector: nil, status: "open", limit: 1000).count
        let tokensJSON = JSONValue.object(Dictionary(uniqueKeysWithValues: tokens.map {
            ($0.0.name, JSONValue.object(["token": .string($0.1), "purpose": .string($0.0.purpose), "grants": .array($0.0.grants.map { .string($0) })]))
        }))
        // For scripts and the browser test: the demo's tokens, readable only by the owner. Demo only; a real
        // hub never writes a token anywhere.
        let tokenFile = dir + "/demo-tokens.json"
        guard FileManager.default.createFile(atPath: tokenFile, contents: Data(tokensJSON.jsonText.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw HubError.failed("cannot write \(tokenFile)")
        }
        if inv.json {
            Console.out(JSONValue.object([
                "db": .string(db), "runs": .array(summaries),
                "records": .object(Dictionary(uniqueKeysWithValues: counts.map { ($0.0, .int(Int($0.1))) })),
                "mentions": .int(Int(try hub.store.mentionCount())), "dead_letters_open": .int(dead),
                "tokens": tokensJSON,
            ]).jsonText)
            guard serve else { return ExitCode.ok }
            return try ServeCommands.runServer(dbPath: db, home: home, host: host, port: port, workers: ServeCommands.defaultWorkers, cors: cors) { url in
                Console.out(JSONValue.object(["url": .string(url)]).jsonText)
            }
        }
        Console.out("Records now in the hub:")
        for (schema, n) in counts { Console.out("  \(schema.padding(toLength: 14, withPad: " ", startingAt: 0)) \(n)") }
        Console.out("  person mentions \(try hub.store.mentionCount())")
        Console.out("  dead letters    \(dead) open (the samples carry real-world mistakes on purpose)\n")
        Console.out("""
            Try:
              simpul topics list --db \(db)
              simpul dlq list --db \(db)
              simpul records show citizen 7571014504900002 --db \(db)
              simpul reconcile --year 2024 --db \(db)
              simpul reconcile --year 2024 --recipients --db \(db)
              simpul persons report 7571014504900002 --db \(db)
            """)
        guard serve else { return ExitCode.ok }
        return try ServeCommands.runServer(dbPath: db, home: home, host: host, port: port, workers: ServeCommands.defaultWorkers, cors: cors) { url in
            Console.out("\nServing the API on \(url)  (Ctrl-C to stop)")
            Console.out("Web console: \(url)/  (sign in with a token below; inspektorat sees every part)\n")
            Console.out("Demo OPDs (tokens also in \(tokenFile); a real hub shows a token once and stores only its hash):")
            for (d, token) in tokens {
                Console.out("  \(d.name.padding(toLength: 12, withPad: " ", startingAt: 0)) purpose \(d.purpose.padding(toLength: 19, withPad: " ", startingAt: 0)) \(d.about)")
                Console.out("               token \(token)")
            }
            let t = Dictionary(uniqueKeysWithValues: tokens.map { ($0.0.name, $0.1) })
            Console.out("""

                Try:
                  curl \(url)/healthz
                  curl -H 'Authorization: Bearer \(t["dinkes"]!)' -H 'X-Purpose: layanan-kesehatan' \(url)/v1/citizens/7571014504900002
                  curl -H 'Authorization: Bearer \(t["dinsos"]!)' -H 'X-Purpose: bansos' '\(url)/v1/citizens?nama=siti%20aminah'
                  curl -H 'Authorization: Bearer \(t["bpkad"]!)' '\(url)/v1/records/budget_line?pagu=gte.1000000000&select=kode_sub_kegiatan,pagu&order=pagu.desc'
                  curl -H 'Authorization: Bearer \(t["bpkad"]!)' '\(url)/v1/reconciliation?tahun=2024'
                  curl -N -H 'Accept: text/event-stream' -H 'Authorization: Bearer \(t["dinsos"]!)' -H 'X-Purpose: bansos' \(url)/v1/topics/records.citizen/events
                  curl -H 'Authorization: Bearer \(t["dpmptsp"]!)' --data-binary @connectors/sicantik/samples/permohonan_page1.json \(url)/v1/ingest/sicantik
                  curl -H 'Authorization: Bearer \(t["inspektorat"]!)' -H 'X-Purpose: pengawasan-pdp' '\(url)/v1/audit/access?nik=7571014504900002'
                  curl -H 'Authorization: Bearer \(t["inspektorat"]!)' -H 'X-Purpose: pengawasan-pdp' '\(url)/v1/persons/7571014504900002/report'
                  curl -H 'Authorization: Bearer \(t["inspektorat"]!)' -H 'X-Purpose: pengawasan-pdp' '\(url)/v1/reconciliation/recipients?tahun=2024'
                  curl \(url)/openapi.json
                """)
        }
    }
}

/// The OPDs a demo hub starts with: what a health office, a permit office, social affairs, the finance office and
/// the inspectorate would each be granted.
public struct DemoOPD: Sendable {
    public var name: String
    public var purpose: String
    public var grants: [String]
    public var about: String

    public static let all: [DemoOPD] = [
        DemoOPD(name: "dinkes", purpose: "layanan-kesehatan",
                grants: ["citizen:nik,nama,tanggal_lahir,jenis_kelamin,kode_wilayah"], about: "health office: who a patient is"),
        DemoOPD(name: "dpmptsp", purpose: "perizinan",
                grants: ["citizen:nik,nama,alamat,kode_wilayah", "permit:*", "business:*", "ingest:sicantik,oss-rba"],
                about: "permit office: permits and businesses; pushes SiCantik and OSS exports"),
        DemoOPD(name: "dinsos", purpose: "bansos",
                grants: ["citizen:*", "disbursement:no_sp2d,tgl_sp2d,nik_penerima,nama_penerima,nilai,keterangan"],
                about: "social affairs: households and aid received"),
        DemoOPD(name: "bpkad", purpose: "anggaran",
                grants: ["planning_item:*", "budget_line:*", "disbursement:*", "reconciliation:*"],
                about: "finance office: plan, budget, realisation and reconciliation"),
        DemoOPD(name: "diskominfo", purpose: "pengelolaan-data", grants: ["citizen:*", "persons:*", "connectors:*"],
                about: "hub operator and data steward: connectors, runs, dead letters, the person review queue"),
        DemoOPD(name: "inspektorat", purpose: "pengawasan-pdp", grants: ["*"],
                about: "inspectorate: everything, and the audit log (who read whom)"),
    ]
}
