import Foundation
import SimpulConnectors
import SimpulIngest
import SimpulJSON
import SimpulNormalise
import SimpulReconcile
import SimpulStorage

typealias Opt = CommandSpec.Option

/// Every verb of the `simpul` CLI.
public enum Commands {
    static let db = Opt(name: "--db", value: "PATH", help: "hub database file (default ./simpul.db)")
    static let json = Opt(name: "--json", value: nil, help: "machine-readable JSON output")

    public static let all: [CommandSpec] = [
        CommandSpec(name: "demo", summary: "a fresh hub with every connector's samples and demo OPDs, serving the API",
                    arguments: "", minArgs: 0, maxArgs: 0,
                    options: [Opt(name: "--dir", value: "DIR", help: "folder for the demo hub (default ./simpul-demo; emptied first)"),
                              Opt(name: "--host", value: "ADDR", help: "IPv4 address to listen on (default 127.0.0.1)"),
                              Opt(name: "--port", value: "N", help: "port (default 8080; 0 = any free port)"),
                              ServeCommands.corsOption,
                              Opt(name: "--no-serve", value: nil, help: "load and report, then exit"), json],
                    details: "Creates DIR/simpul.db, ingests connectors/*/samples, adds the demo OPDs (tokens printed and written to "
                        + "DIR/demo-tokens.json), prints what is there, then serves until Ctrl-C. With --json: one JSON line with the "
                        + "summary and tokens, then {\"url\"} once listening.",
                    run: { try Demo.run($0) }),
        CommandSpec(name: "init", summary: "create (or migrate) the hub database", arguments: "", minArgs: 0, maxArgs: 0,
                    options: [db], run: { inv in
                        _ = try HubStore(path: inv.dbPath)
                        Console.out("hub database ready: \(inv.dbPath) (schema version \(HubStore.schemaVersion))")
                        return ExitCode.ok
                    }),
        CommandSpec(name: "ingest", summary: "ingest source exports through a connector and print the run summary",
                    arguments: "FILE|DIR…", minArgs: 1, maxArgs: -1,
                    options: [Opt(name: "--connector", value: "NAME|DIR", help: "connector name (under connectors/) or folder (required)"),
                              db, json,
                              Opt(name: "--strict", value: nil, help: "exit 65 when any row was dead-lettered or file rejected"),
                              Opt(name: "--batch", value: "N", help: "rows per transaction (default \(Ingestor.defaultBatchSize))"),
                              Opt(name: "--no-persons", value: nil, help: "skip the person index update (run simpul persons update later)")],
                    details: """
                        A folder means every file in it and in its subfolders, in name order (hidden names left out). Rows that cannot be taken in go to the dead-letter queue with file,
                        line, field and reason; for every file read = accepted + unchanged + dead_lettered. The summary is
                        printed only after every row is durable. Re-ingesting the same rows accepts nothing.
                        """,
                    run: { try IngestCommands.ingest($0) }),
        CommandSpec(name: "replay", summary: "re-normalise a connector's raw log (after a mapping or schema fix)",
                    arguments: "", minArgs: 0, maxArgs: 0,
                    options: [Opt(name: "--connector", value: "NAME|DIR", help: "connector (required)"),
                              Opt(name: "--from", value: "SEQ", help: "first raw sequence number (default 1)"), db, json],
                    run: { try IngestCommands.replay($0) }),
        CommandSpec(name: "dlq list", summary: "list dead-lettered rows", arguments: "", minArgs: 0, maxArgs: 0,
                    options: [Opt(name: "--connector", value: "NAME", help: "only this connector"),
                              Opt(name: "--status", value: "open|resolved|all", help: "which entries (default open)"),
                              Opt(name: "--limit", value: "N", help: "at most N entries (default 100)"), db, json],
                    run: { try DLQCommands.list($0) }),
        CommandSpec(name: "dlq show", summary: "show one dead letter with its raw row", arguments: "ID", minArgs: 1, maxArgs: 1,
                    options: [db, json], run: { try DLQCommands.show($0) }),
        CommandSpec(name: "dlq retry", summary: "retry a dead letter with the connector's current mapping",
                    arguments: "ID|all", minArgs: 1, maxArgs: 1,
                    options: [Opt(name: "--connector", value: "NAME", help: "with 'all': only this connector"), db, json],
                    run: { try DLQCommands.retry($0) }),
        CommandSpec(name: "topics list", summary: "list topics with their last sequence number", arguments: "", minArgs: 0, maxArgs: 0,
                    options: [db, json], run: { try TopicCommands.list($0) }),
        CommandSpec(name: "topics read", summary: "print a topic's events as NDJSON, from a sequence number",
                    arguments: "TOPIC", minArgs: 1, maxArgs: 1,
                    options: [Opt(name: "--from", value: "SEQ", help: "first sequence number (default 1, or after the consumer's offset)"),
                              Opt(name: "--limit", value: "N", help: "at most N events (default 100)"),
                              Opt(name: "--consumer", value: "NAME", help: "resume after NAME's committed offset, then commit the last event read"),
                              db],
                    details: "Each line: {\"seq\",\"key\",\"at\",\"data\"}. With --consumer, reading is at-least-once: the offset is committed after the events are printed. "
                        + "A start past the topic's end (more than one after its last event: a position from another hub, or the hub restored from an earlier backup) exits 65 and says where the topic ends.",
                    run: { try TopicCommands.read($0) }),
        CommandSpec(name: "records show", summary: "show the current version of a record (and its history)",
                    arguments: "SCHEMA SOURCE_KEY", minArgs: 2, maxArgs: 2,
                    options: [Opt(name: "--history", value: nil, help: "every version, newest first"), db],
                    run: { try TopicCommands.showRecord($0) }),
        CommandSpec(name: "reconcile", summary: "reconcile a fiscal year: plan ↔ budget ↔ SP2D realisation",
                    arguments: "", minArgs: 0, maxArgs: 0,
                    options: [Opt(name: "--year", value: "YYYY", help: "fiscal year (required)"),
                              Opt(name: "--skpd", value: "CODE", help: "only this SKPD (1.02.0.00.0.00.01.0000)"),
                              Opt(name: "--format", value: "table|json|csv", help: "output (default table)"),
                              Opt(name: "--findings", value: nil, help: "with csv or table: only the findings"),
                              Opt(name: "--pemda", value: "CODE", help: "kode pemda (75.71 kab/kota, 75 provinsi); default from the DPA"),
                              Opt(name: "--recipients", value: nil,
                                  help: "instead: SP2D lines to individuals checked against the registry (deceased, moved away, not in it); audited"),
                              db],
                    details: """
                        Findings: planned_not_budgeted, budgeted_not_planned, orphan_disbursement, over_ceiling,
                        duplicate_sp2d_number, invalid_code, inconsistent_amounts. Amounts are exact to the sen.
                        CSV: UTF-8 with BOM, ';' separated, decimal comma, Indonesian headers. See docs/reconciliation.md.
                        --recipients: recipient_deceased, recipient_moved_out, recipient_not_in_registry (pemadanan
                        penerima); they are about persons, so the check is audited with them.
                        """,
                    run: { try ReconcileCommand.run($0) }),
        CommandSpec(name: "connector list", summary: "list the connectors in connectors/", arguments: "", minArgs: 0, maxArgs: 0,
                    options: [json], run: { try IngestCommands.listConnectors($0) }),
    ] + ServeCommands.specs + PersonCommands.specs + ConnectorKit.specs + SyncCommands.specs + BackupCommand.specs
}

enum IngestCommands {
    static func ingest(_ inv: Invocation) throws -> Int32 {
        guard let c = inv.value("--connector") else {
            throw UsageError("--connector NAME|DIR is required. Usage: \(inv.spec.usage)", verb: inv.spec.name)
        }
        let hub = try Hub(home: try HubHome.locate(), dbPath: inv.dbPath)
        let ingestor = try hub.ingestor(c)
        ingestor.batchSize = try inv.int("--batch", default: ingestor.batchSize, min: 1)
        let progress = Console.stderrIsTerminal ? Console.Progress() : nil
        if let progress { ingestor.progress = { progress.update(file: $0, rows: $1, bytes: $2, size: $3) } }
        let summary = try ingestor.ingest(paths: inv.arguments)
        progress?.finish()
        // The person index takes in the new mentions (its summary goes to stderr with --json: stdout is the run summary).
        let persons = inv.flag("--no-persons") ? nil : PersonCommands.updateAfterIngest(dbPath: inv.dbPath, home: hub.home)
        Console.out(inv.json ? summary.json.jsonText : summary.text)
        if let persons, persons.decided > 0 {
            if inv.json { Console.err(PersonCommands.summaryText(persons)) } else { Console.out(PersonCommands.summaryText(persons)) }
        }
        if inv.flag("--strict") && (summary.deadLettered > 0 || summary.rejectedFiles > 0) { return ExitCode.dataError }
        return ExitCode.ok
    }

    static func replay(_ inv: Invocation) throws -> Int32 {
        guard let c = inv.value("--connector") else {
            throw UsageError("--connector NAME is required. Usage: \(inv.spec.usage)", verb: inv.spec.name)
        }
        let from = Int64(try inv.int("--from", default: 1))
        let hub = try Hub(home: try HubHome.locate(), dbPath: try inv.existingDBPath)
        let s = try hub.ingestor(c).replay(from: from)
        Console.out(inv.json ? s.json.jsonText
            : "\(s.connector): replayed \(s.replayed) raw rows from seq \(s.fromSeq): \(s.accepted) normalised, \(s.deadLettered) dead-lettered")
        return ExitCode.ok
    }

    static func listConnectors(_ inv: Invocation) throws -> Int32 {
        let home = try HubHome.locate()
        var rows: [JSONValue] = []
        var text: [String] = []
        for n in home.connectorNames() {
            do {
                let c = try Connector.load(directory: home.connectorsDir + "/" + n)
                let kind = c.source?.kind ?? "files"
                rows.append(.object(["name": .string(c.name), "source_system": .string(c.sourceSystem), "format": .string(c.format.rawValue),
                                     "kind": .string(kind), "every_seconds": c.every.map { .int($0) } ?? .null,
                                     "schemas": .array(c.schemas.map { .string($0) })]))
                let every = c.every.map { "  every \($0) s" } ?? ""
                text.append("\(c.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(kind.padding(toLength: 9, withPad: " ", startingAt: 0)) \(c.format.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) → \(c.schemas.joined(separator: ", "))   (\(c.sourceSystem))\(every)")
            } catch {
                rows.append(.object(["name": .string(n), "error": .string("\(error)")]))
                text.append("\(n): INVALID: \(error)")
            }
        }
        Console.out(inv.json ? JSONValue.array(rows).jsonText : text.joined(separator: "\n"))
        return ExitCode.ok
    }
}

enum ReconcileCommand {
    static func run(_ inv: Invocation) throws -> Int32 {
        guard let y = inv.value("--year") else {
            throw UsageError("--year YYYY is required. Usage: \(inv.spec.usage)", verb: inv.spec.name)
        }
        guard let year = Int(y), (2000...2100).contains(year) else {
            throw UsageError("--year takes a year such as 2024, got '\(y)'.", verb: inv.spec.name)
        }
        let format = inv.value("--format") ?? "table"
        guard ["table", "json", "csv"].contains(format) else {
            throw UsageError("--format is table, json or csv. See 'simpul reconcile --help'.", verb: inv.spec.name)
        }
        if let p = inv.value("--pemda"), !BudgetCodes.isKodePemda(p) {
            throw UsageError("--pemda is a kode pemda: 75 (provinsi) or 75.71 (kabupaten/kota), got '\(p)'.", verb: inv.spec.name)
        }
        var skpd: String? = nil
        if let s = inv.value("--skpd") {
            do { skpd = try BudgetCodes.skpd(s) } catch { throw UsageError("--skpd: \(error.reason)", verb: inv.spec.name) }
        }
        let store = try HubStore(path: try inv.existingDBPath)
        if inv.flag("--recipients") {
            let check = try RecipientCheck.run(store: store, tahun: year, skpd: skpd)
            if !check.persons.isEmpty {
                try CLIAudit.append(store, role: "operator", purpose: "operations", route: "reconcile --recipients", persons: check.persons)
            }
            switch format {
            case "json": Console.out(check.json.jsonText)
            case "csv": Console.raw(1, check.csv())
            default: Console.out(check.table)
            }
            return ExitCode.ok
        }
        var report = Reconciler(data: try FiscalData.load(store: store, tahun: year, skpd: skpd), kodePemda: inv.value("--pemda")).run()
        report.kodeSkpd = skpd
        switch format {
        case "json": Console.out(report.json.jsonText)
        case "csv": Console.raw(1, report.csv(findings: inv.flag("--findings")))
        default: Console.out(report.table(findingsOnly: inv.flag("--findings")))
        }
        return ExitCode.ok
    }
}

enum DLQCommands {
    static func entryJSON(_ e: DeadLetterEntry, raw: Bool) -> JSONValue { e.json(raw: raw) }

    static func list(_ inv: Invocation) throws -> Int32 {
        let store = try HubStore(path: try inv.existingDBPath)
        let status = inv.value("--status") ?? "open"
        guard ["open", "resolved", "all"].contains(status) else {
            throw UsageError("--status is open, resolved or all. See 'simpul dlq list --help'.", verb: "dlq list")
        }
        let limit = try inv.int("--limit", default: 100, min: 1, max: 10_000_000)
        if let c = inv.value("--connector") {
            try TopicCommands.checkKnown(c, what: "connector", known: store.knownConnectors(folders: (try? HubHome.locate())?.connectorNames() ?? []))
        }
        let (entries, more) = try HubStore.firstPage(limit: limit) {
            try store.deadLetters(connector: inv.value("--connector"), status: status == "all" ? nil : status, limit: $0)
        }
        if more {
            Console.moreThanShown("the first \(limit) dead letters", hint: "--limit N shows more, --connector NAME one connector's")
        }
        if inv.json {
            Console.out(JSONValue.array(entries.map { entryJSON($0, raw: false) }).jsonText)
        } else if entries.isEmpty {
            Console.out("no \(status == "all" ? "" : status + " ")dead letters")
        } else {
            for e in entries {
                // Line 0 is the file as a whole (a rejected file): its name alone.
                let loc = "\((e.file.map { ($0 as NSString).lastPathComponent }) ?? "-")" + (e.line > 0 ? ":\(e.line)" : "")
                Console.out("\(e.id)\t\(e.connector)\t\(loc)\t\(e.field ?? "-")\t\(e.reason)\(e.status == "open" ? "" : " [\(e.status)]")")
            }
        }
        return ExitCode.ok
    }

    static func show(_ inv: Invocation) throws -> Int32 {
        guard let id = Int64(inv.arguments[0]) else { throw UsageError("ID is a number. Usage: \(inv.spec.usage)", verb: inv.spec.name) }
        let store = try HubStore(path: try inv.existingDBPath)
        guard let e = try store.deadLetter(id: id) else { throw HubError.notFound("no dead letter \(id)") }
        try CLIAudit.deadLetterRead(store, route: "dlq show", raw: e.raw)
        Console.out(inv.json ? entryJSON(e, raw: true).jsonText : JSONWriter.pretty(entryJSON(e, raw: true)))
        return ExitCode.ok
    }

    static func retry(_ inv: Invocation) throws -> Int32 {
        let hub = try Hub(home: try HubHome.locate(), dbPath: try inv.existingDBPath)
        var entries: [DeadLetterEntry] = []
        if inv.arguments[0] == "all" {
            entries = try hub.store.deadLetters(connector: inv.value("--connector"), status: "open", limit: Int(Int32.max))
                .filter { $0.rawID != nil }
        } else {
            guard let id = Int64(inv.arguments[0]) else { throw UsageError("ID is a number or 'all'. Usage: \(inv.spec.usage)", verb: inv.spec.name) }
            guard let e = try hub.store.deadLetter(id: id) else { throw HubError.notFound("no dead letter \(id)") }
            entries = [e]
        }
        var results: [JSONValue] = []
        var ingestors: [String: Ingestor] = [:]
        for e in entries {
            let ing = try ingestors[e.connector] ?? hub.ingestor(e.connector)
            ingestors[e.connector] = ing
            let r = try ing.retry(deadLetter: e)
            let ok = r == .accepted
            results.append(.object(["id": .int(Int(e.id)), "resolved": .bool(ok)]))
            if !inv.json {
                if ok { Console.out("\(e.id): resolved") } else {
                    Console.out("\(e.id): still fails: \(try hub.store.deadLetter(id: e.id)?.reason ?? e.reason)")
                }
            }
        }
        if inv.json { Console.out(JSONValue.array(results).jsonText) }
        if entries.isEmpty && !inv.json { Console.out("nothing to retry") }
        return ExitCode.ok
    }
}

enum TopicCommands {
    static func list(_ inv: Invocation) throws -> Int32 {
        let store = try HubStore(path: try inv.existingDBPath)
        let topics = try store.topics()
        if inv.json {
            Console.out(JSONValue.array(topics.map { .object(["topic": .string($0.name), "last_seq": .int(Int($0.lastSeq))]) }).jsonText)
        } else {
            for t in topics { Console.out("\(t.name.padding(toLength: 32, withPad: " ", startingAt: 0)) \(t.lastSeq)") }
        }
        return ExitCode.ok
    }

    static func read(_ inv: Invocation) throws -> Int32 {
        let store = try HubStore(path: try inv.existingDBPath)
        let topic = inv.arguments[0]
        let consumer = inv.value("--consumer")
        var from = Int64(try inv.int("--from", default: 1))
        if let consumer, inv.value("--from") == nil { from = try store.offset(consumer: consumer, topic: topic) + 1 }
        let events: [TopicEvent]
        do {
            events = try store.readTopic(topic, from: from, limit: try inv.int("--limit", default: 100))
        } catch let e as StoreOpenError { throw HubError.notFound(e.message) }
        // Past the end (more than one after the last event): a position from another hub, or a consumer's offset
        // from before this hub was restored from an earlier backup. Said and refused, as the API's 416: reading on
        // from there would skip every event numbered up to it once written again.
        if events.isEmpty, case let last = try store.lastSeq(topic: topic), from > last + 1 {
            let position = consumer != nil && inv.value("--from") == nil ? "consumer \(consumer!)'s offset \(from - 1)" : "--from \(from)"
            throw HubError.invalid("\(topic) ends at event \(last): \(position) is past it (a position from another hub, or this hub was "
                                   + "restored from an earlier backup); "
                                   + "read from --from \(last + 1), or --from 1 to read the topic again")
        }
        if topic.hasPrefix("records."), !events.isEmpty {
            try CLIAudit.operatorRead(store, route: "topics read \(topic)", schema: String(topic.dropFirst(8)), sourceKeys: events.map(\.key))
        } else if topic.hasPrefix("raw."), !events.isEmpty {
            try CLIAudit.rawRead(store, route: "topics read \(topic)", connector: String(topic.dropFirst(4)), sourceKeys: events.map(\.key))
        } else if topic == "persons", !events.isEmpty {
            try CLIAudit.personsRead(store, route: "topics read persons", events: events.map { ($0.key, $0.payload) })
        }
        for e in events {
            Console.out(JSONValue.object(["seq": .int(Int(e.seq)), "key": .string(e.key), "at": .string(HubStore.isoTime(e.at)),
                                          "data": e.payload]).jsonText)
        }
        if let consumer, let last = events.last { try store.setOffset(consumer: consumer, topic: topic, seq: last.seq) }
        return ExitCode.ok
    }

    /// A connector or schema name the hub knows (`known`: the home's folders and the store's topics, so a connector
    /// whose folder was removed since still counts). A misspelt name (`--connector siak`) is said so, not answered
    /// "no open dead letters".
    static func checkKnown(_ name: String, what: String, known: Set<String>) throws {
        guard !known.contains(name) else { return }
        throw HubError.notFound("no \(what) '\(name)' (known: \(known.sorted().joined(separator: ", ")))")
    }

    static func showRecord(_ inv: Invocation) throws -> Int32 {
        let store = try HubStore(path: try inv.existingDBPath)
        let (schema, key) = (inv.arguments[0], inv.arguments[1])
        let versions = inv.flag("--history") ? try store.recordHistory(schema: schema, sourceKey: key)
            : (try store.record(schema: schema, sourceKey: key)).map { [$0] } ?? []
        if versions.isEmpty {
            try TopicCommands.checkKnown(schema, what: "schema", known: store.topicNames("records.").union((try? HubHome.locate())?.schemaNames() ?? []))
        }
        guard !versions.isEmpty else { throw HubError.notFound("no \(schema) record with source key \(key)") }
        try CLIAudit.operatorRead(store, route: "records show", schema: schema, sourceKeys: [key])
        for r in versions {
            var d = r.data.objectValue ?? [:]
            d["version"] = .int(Int(r.version))
            d["connector"] = .string(r.connector)
            d["raw_seq"] = .int(Int(r.rawSeq))
            d["ingested_at"] = .string(HubStore.isoTime(r.at))
            Console.out(JSONWriter.pretty(.object(d)))
        }
        return ExitCode.ok
    }
}
