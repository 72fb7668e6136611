import Foundation
import SimpulConnectors
import SimpulIngest
import SimpulJSON
import SimpulStorage
import SimpulSync

/// `connector run` (one sync of a pull or external connector) and `connector runs` (the run history).
enum SyncCommands {
    static let specs: [CommandSpec] = [
        CommandSpec(name: "connector run", summary: "run a sync connector once (external program or HTTP pull) and print the run",
                    arguments: "NAME|DIR", minArgs: 1, maxArgs: 1,
                    options: [Opt(name: "--full-refresh", value: nil, help: "ignore the saved state and read everything again"),
                              Opt(name: "--verbose", value: nil, help: "print the connector's LOG messages and retries to stderr"),
                              Opt(name: "--no-persons", value: nil, help: "skip the person index update"),
                              Commands.db, Commands.json],
                    details: "Resumes from the connector's saved state (its last STATE, or the highest updated-at pulled). "
                        + "Exits 0 when the run is ok, 69 when it failed (the error says why; what came before the last "
                        + "saved state is kept), 64 when the connector has no source to pull from, 75 when it is already "
                        + "running. See docs/connectors.md.",
                    run: { try run($0) }),
        CommandSpec(name: "connector runs", summary: "recent connector runs with counts, status and errors",
                    arguments: "", minArgs: 0, maxArgs: 0,
                    options: [Opt(name: "--connector", value: "NAME", help: "only this connector"),
                              Opt(name: "--limit", value: "N", help: "how many (default 20)"), Commands.db, Commands.json],
                    run: { try runs($0) }),
        CommandSpec(name: "connector state", summary: "show (or --reset) a sync connector's saved state",
                    arguments: "NAME", minArgs: 1, maxArgs: 1,
                    options: [Opt(name: "--reset", value: nil, help: "forget it: the next run reads everything again"), Commands.db],
                    run: { try state($0) }),
    ]

    static let tempFail: Int32 = 75

    static func run(_ inv: Invocation) throws -> Int32 {
        let hub = try Hub(home: try HubHome.locate(), dbPath: inv.dbPath)
        let connector = try hub.connector(inv.arguments[0])
        var options = SyncRunner.Options()
        options.fullRefresh = inv.flag("--full-refresh")
        if inv.flag("--verbose") { options.onLog = { level, message in Console.err("[\(connector.name)] \(level) \(message)") } }
        let outcome: SyncRunner.Outcome
        do { outcome = try SyncRunner.run(hub: hub, connector: connector, options: options) } catch let e as SyncError {
            Console.err("simpul: \(e)")
            if case .busy = e { return tempFail }
            if case .config = e { return ExitCode.usage }
            return ExitCode.unavailable
        }
        let persons = inv.flag("--no-persons") ? nil : PersonCommands.updateAfterIngest(dbPath: inv.dbPath, home: hub.home)
        Console.out(inv.json ? outcome.json.jsonText : outcome.text)
        if outcome.status != "ok" && inv.flag("--verbose") && !outcome.stderrTail.isEmpty {
            Console.err("connector stderr (last lines):\n\(outcome.stderrTail)")
        }
        if let persons, persons.decided > 0 {
            if inv.json { Console.err(PersonCommands.summaryText(persons)) } else { Console.out(PersonCommands.summaryText(persons)) }
        }
        return outcome.status == "ok" ? ExitCode.ok : ExitCode.unavailable
    }

    static func runs(_ inv: Invocation) throws -> Int32 {
        let store = try HubStore(path: try inv.existingDBPath, readOnly: true)
        let list = try store.runs(connector: inv.value("--connector"), limit: try inv.int("--limit", default: 20))
        if inv.json {
            Console.out(JSONValue.object(["runs": .array(list.map(\.json))]).jsonText)
            return ExitCode.ok
        }
        if list.isEmpty {
            Console.out("no runs yet")
            return ExitCode.ok
        }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        func right(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        Console.out("  run  started              connector             kind      trigger   status       read  accepted unchanged   dead    rows/s")
        for r in list {
            let j = r.json
            let read = j["read"]?.scalarText ?? "-", secs = Double(j["seconds"]?.scalarText ?? "") ?? 0
            let rate = secs > 0 ? String(Int(Double(Int(read) ?? 0) / secs)) : "-"
            Console.out("\(right(String(r.id), 5)) \(pad(f.string(from: Date(timeIntervalSince1970: Double(r.startedAt))), 20)) "
                + "\(pad(r.connector, 21)) \(pad(r.kind, 9)) \(pad(r.trigger, 9)) \(pad(r.status, 10)) "
                + "\(pad(read, 7)) \(pad(j["accepted"]?.scalarText ?? "-", 9)) \(pad(j["unchanged"]?.scalarText ?? "-", 9)) "
                + "\(pad(j["dead_lettered"]?.scalarText ?? "-", 7)) \(rate)")
            if let e = r.error { Console.out("       error: \(e)") }
        }
        return ExitCode.ok
    }

    static func state(_ inv: Invocation) throws -> Int32 {
        let store = try HubStore(path: try inv.existingDBPath)
        let name = inv.arguments[0]
        if inv.flag("--reset") {
            try store.resetConnectorState(name)
            Console.out("\(name): state reset; the next run reads everything")
        } else {
            Console.out(try store.connectorState(name)?.jsonText ?? "\(name): no saved state")
        }
        return ExitCode.ok
    }
}
