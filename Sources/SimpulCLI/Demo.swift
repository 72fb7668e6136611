import Foundation
import SimpulIngest
import SimpulJSON
import SimpulStorage

/// `simpul demo`: a fresh hub in a folder with every reference connector's samples ingested.
enum Demo {
    static func run(_ inv: Invocation) throws -> Int32 {
        let home = try HubHome.locate()
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
            guard fm.fileExists(atPath: samples) else { continue }
            let s = try hub.ingestor(name).ingest(paths: [samples])
            summaries.append(s.json)
            if !inv.json { Console.out(s.text + "\n") }
        }
        let counts = try hub.store.recordCounts()
        let dead = try hub.store.deadLetters(connector: nil, status: "open", limit: 1000).count
        if inv.json {
            Console.out(JSONValue.object([
                "db": .string(db), "runs": .array(summaries),
                "records": .object(Dictionary(uniqueKeysWithValues: counts.map { ($0.0, .int(Int($0.1))) })),
                "mentions": .int(Int(try hub.store.mentionCount())), "dead_letters_open": .int(dead),
            ]).jsonText)
            return ExitCode.ok
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
              simpul topics read records.citizen --limit 3 --db \(db)
              simpul reconcile --year 2024 --db \(db)
            """)
        return ExitCode.ok
    }
}
