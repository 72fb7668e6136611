import Foundation
import SimpulConnectors
import SimpulIngest
import SimpulJSON
import SimpulSchema
import SimpulStorage
import SimpulSync

/// `connector test` (the acceptance kit) and `connector new` (a scaffold), for connector authors.
enum ConnectorKit {
    static let specs: [CommandSpec] = [
        CommandSpec(name: "connector test", summary: "the acceptance kit: checks a connector folder end to end on its samples",
                    arguments: "NAME|DIR", minArgs: 1, maxArgs: 1, options: [Commands.json],
                    details: "Checks: connector.json is valid; samples/ has files; every sample file is read (none rejected); "
                        + "read = accepted + unchanged + dead-lettered per file; something is accepted; every stored record "
                        + "validates against its schema; mention keys start with the connector's name; a second run is all "
                        + "unchanged (idempotent); replay re-normalises to the same records. Runs on a throw-away hub. "
                        + "Exits 0 when all pass, 65 when one fails.",
                    run: { try test($0) }),
        CommandSpec(name: "connector new", summary: "scaffold a connector folder (connector.json, samples/, README.md)",
                    arguments: "NAME", minArgs: 1, maxArgs: 1,
                    options: [Opt(name: "--dir", value: "DIR", help: "where to create it (default connectors/NAME in the hub's home)"),
                              Opt(name: "--schema", value: "SCHEMA", help: "target schema (default citizen)"),
                              Opt(name: "--kind", value: "files|http|external", help: "files (default: exports and pushes), http (pull a JSON API) or external (a program speaking the connector protocol, in Python)")],
                    run: { try scaffold($0) }),
    ]

    struct Check {
        var name: String
        var ok: Bool
        var detail: String
    }

    static func test(_ inv: Invocation) throws -> Int32 {
        let home = try HubHome.locate()
        let dir: String
        do { dir = try home.connectorDirectory(inv.arguments[0]) } catch {
            Console.err("simpul: \(error)")
            return ExitCode.noInput
        }
        var checks: [Check] = []
        func check(_ name: String, _ ok: Bool, _ detail: String) { checks.append(Check(name: name, ok: ok, detail: detail)) }
        let work = NSTemporaryDirectory() + "simpul-connector-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }

        var connector: Connector? = nil
        do {
            connector = try Connector.load(directory: dir)
            check("connector.json is valid", true, "\(connector!.name): \(connector!.format.rawValue) → \(connector!.schemas.joined(separator: ", "))")
        } catch {
            check("connector.json is valid", false, "\(error)")
        }
        if let connector, case .external(let ext)? = connector.source {
            try externalChecks(connector, ext, home: home, work: work, check: check)
        } else {
            try sampleChecks(connector, dir: dir, home: home, work: work, check: check)
        }
        let passed = checks.allSatisfy(\.ok)
        if inv.json {
            Console.out(JSONValue.object([
                "connector": .string(connector?.name ?? inv.arguments[0]), "passed": .bool(passed),
                "checks": .array(checks.map { .object(["check": .string($0.name), "ok": .bool($0.ok), "detail": .string($0.detail)]) }),
            ]).jsonText)
        } else {
            for c in checks { Console.out("\(c.ok ? "PASS" : "FAIL")  \(c.name)\(c.detail.isEmpty ? "" : ": " + c.detail)") }
            Console.out(passed ? "\(connector?.name ?? dir): all checks passed" : "\(connector?.name ?? dir): \(checks.filter { !$0.ok }.count) check(s) failed")
        }
        return passed ? ExitCode.ok : ExitCode.dataError
    }

    typealias CheckFn = (String, Bool, String) -> Void

    /// File connectors (and HTTP pull connectors, whose samples are saved pages): ingest samples/ twice, replay.
    static func sampleChecks(_ connector: Connector?, dir: String, home: HubHome, work: String, check: CheckFn) throws {
        let samples = dir + "/samples"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: samples)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        check("samples/ has sample files", !files.isEmpty, files.isEmpty ? "add real-shaped exports to \(samples)" : "\(files.count) file(s)")

        if let connector, !files.isEmpty {
            let hub = try Hub(home: home, dbPath: work + "/hub.db")
            let first = try hub.ingestor(dir).ingest(paths: [samples])
            let rejected = first.files.filter { $0.rejectedFile != nil }
            check("every sample file is read", rejected.isEmpty, rejected.map { "\($0.file): \($0.rejectedFile!)" }.joined(separator: "; "))
            // A column the mapping reads that no header has (a key no record of a file has) is a misspelt name, or an
            // export of another shape.
            let warned = first.files.filter { !$0.warnings.isEmpty }
            check(connector.format == .csv ? "every column the mapping reads is in the samples' headers"
                                           : "every record field the mapping reads is in each sample file (null where empty)", warned.isEmpty,
                  warned.map { "\(URL(fileURLWithPath: $0.file).lastPathComponent): \($0.warnings[0])" }.prefix(2).joined(separator: "; "))
            let off = first.files.filter { $0.read != $0.accepted + $0.unchanged + $0.deadLettered }
            check("read = accepted + unchanged + dead-lettered", off.isEmpty, off.map(\.file).joined(separator: ", "))
            check("samples give records", first.accepted > 0, "read \(first.read), accepted \(first.accepted), dead-lettered \(first.deadLettered)")
            try storedChecks(hub, connector, check: check)
            let again = try hub.ingestor(dir).ingest(paths: [samples])
            check("a second run is all unchanged (idempotent)", again.accepted == 0 && again.unchanged == first.accepted + first.unchanged,
                  "second run: accepted \(again.accepted), unchanged \(again.unchanged)")
            let before = try connector.schemas.flatMap { try hub.store.currentRecords(schema: $0) }
            let replay = try hub.ingestor(dir).replay(from: 1)
            let after = try connector.schemas.flatMap { try hub.store.currentRecords(schema: $0) }
            check("replay re-normalises to the same records", before.map(\.1) == after.map(\.1), "\(replay.replayed) raw rows replayed")
            try deadLetterInfo(hub, connector, check: check)
        }
    }

    /// Every stored record of the connector's schemas against its schema; mention keys carry the connector's name.
    static func storedChecks(_ hub: Hub, _ connector: Connector, check: CheckFn) throws {
        var invalid: [String] = []
        var records = 0
        for schema in connector.schemas {
            guard let validator = hub.schemas[schema] else {
                invalid.append("no schema \(schema)")
                continue
            }
            for (key, text) in try hub.store.currentRecords(schema: schema) {
                records += 1
                let v = validator.validate((try? JSONParser.parse(text)) ?? .null)
                if !v.isEmpty { invalid.append("\(schema) \(key): \(v.first!)") }
            }
        }
        check("every record validates against its schema", invalid.isEmpty,
              invalid.isEmpty ? "\(records) record(s)" : invalid.prefix(3).joined(separator: "; "))
        let keys = try hub.store.mentions().map(\.key)
        let foreign = keys.filter { !$0.hasPrefix(connector.name + ":") }
        check("mention keys are <connector>:<key>", foreign.isEmpty, foreign.isEmpty ? "\(keys.count) mention(s)" : foreign.prefix(3).joined(separator: ", "))
    }

    static func deadLetterInfo(_ hub: Hub, _ connector: Connector, check: CheckFn) throws {
        let dead = try hub.store.deadLetters(connector: connector.name, status: "open", limit: 1000)
        if !dead.isEmpty {
            let reasons = Dictionary(grouping: dead, by: { "\($0.field ?? "-"): \($0.reason)" }).map { "\($0.value.count)× \($0.key)" }.sorted()
            check("dead letters (information: samples may carry mistakes on purpose)", true, reasons.prefix(5).joined(separator: "; "))
        }
    }

    static func records(_ hub: Hub, _ connector: Connector) throws -> [String] {
        try connector.schemas.flatMap { s in try hub.store.currentRecords(schema: s).map { "\(s) \($0.0) \($0.1)" } }
    }

    /// External connectors: the protocol (spec, check, discover, read), incremental state, idempotency, and a
    /// resume after the program is killed between two STATE messages.
    static func externalChecks(_ connector: Connector, _ ext: ExternalSource, home: HubHome, work: String, check: CheckFn) throws {
        let program = ExternalSync(connector: connector, source: ext)
        do {
            let spec = try program.spec()
            let schema = try Schema(name: "config", json: spec)
            let problems = schema.validate(try program.configJSON())
            check("spec: a SPEC with the config's JSON Schema", true, "")
            check("source.config matches the spec", problems.isEmpty, problems.prefix(3).map(\.description).joined(separator: "; "))
        } catch {
            check("spec: a SPEC with the config's JSON Schema", false, "\(error)")
        }
        do {
            let (ok, message) = try program.check()
            check("check: CONNECTION_STATUS SUCCEEDED", ok, message)
        } catch {
            check("check: CONNECTION_STATUS SUCCEEDED", false, "\(error)")
        }
        do {
            let streams = try program.discover().map(\.name)
            let missing = (ext.streams ?? []).subtracting(streams)
            check("discover: a CATALOG with the mapped streams", !streams.isEmpty && missing.isEmpty,
                  missing.isEmpty ? streams.joined(separator: ", ") : "not in the catalog: \(missing.sorted().joined(separator: ", "))")
        } catch {
            check("discover: a CATALOG with the mapped streams", false, "\(error)")
        }

        func runOnce(_ hub: Hub, full: Bool = false, interruptAfter: Int? = nil) throws -> SyncRunner.Outcome {
            var o = SyncRunner.Options()
            o.trigger = "kit"
            o.fullRefresh = full
            o.interruptAfterStates = interruptAfter
            return try SyncRunner.run(hub: hub, connector: connector, options: o)
        }
        let dbA = work + "/a.db"
        let hub = try Hub(home: home, dbPath: dbA)
        let first = try runOnce(hub)
        let states = first.detail["states"]?.scalarText.flatMap { Int($0) } ?? 0
        check("read: exits 0 with RECORDs and STATEs", first.status == "ok" && states > 0,
              first.error.map { e in first.stderrTail.isEmpty ? e : "\(e) (stderr: …\(first.stderrTail.suffix(300)))" }
                ?? "\(first.detail["records"]?.scalarText ?? "0") record(s), \(states) state(s)")
        let bad = first.detail["bad_lines"]?.scalarText ?? "0"
        check("read: every line is a protocol message", bad == "0", bad == "0" ? "" : "\(bad) bad line(s), see simpul dlq list")
        let s = first.summary
        check("read = accepted + unchanged + dead-lettered", s.read == s.accepted + s.unchanged + s.deadLettered,
              "read \(s.read), accepted \(s.accepted), dead-lettered \(s.deadLettered)")
        check("read gives records", s.accepted > 0, "")
        try storedChecks(hub, connector, check: check)
        let again = try runOnce(hub)
        check("read from the saved state sends nothing new (incremental)", again.status == "ok" && again.summary.accepted == 0,
              "second run: read \(again.summary.read), accepted \(again.summary.accepted)")
        let full = try runOnce(hub, full: true)
        check("a full refresh is all unchanged (idempotent)", full.summary.accepted == 0 && full.summary.unchanged == s.accepted + s.unchanged,
              "full refresh: accepted \(full.summary.accepted), unchanged \(full.summary.unchanged)")
        let expected = try records(hub, connector)
        let replay = try hub.ingestor(connector.directory).replay(from: 1)
        check("replay re-normalises to the same records", try records(hub, connector) == expected, "\(replay.replayed) raw rows replayed")

        // Kill between two STATEs, then resume on a fresh hub.
        let dbB = work + "/b.db"
        let hubB = try Hub(home: home, dbPath: dbB)
        if states >= 2 {
            let cut = try runOnce(hubB, interruptAfter: 1)
            let resumed = try runOnce(hubB)
            let got = try records(hubB, connector)
            check("resume after a kill between two STATEs", cut.status == "interrupted" && resumed.status == "ok" && got == expected
                    && resumed.summary.read < s.read,
                  "killed at the second STATE with \(cut.summary.read) record(s) committed and one STATE saved; the resumed read sent \(resumed.summary.read) of \(s.read); "
                    + (got == expected ? "same records as an uninterrupted read" : "records differ from an uninterrupted read"))
        } else {
            check("resume after a kill between two STATEs", false, "read emitted \(states) STATE(s); emit one every few records so a sync can resume")
        }
        try deadLetterInfo(hub, connector, check: check)
    }

    static func scaffold(_ inv: Invocation) throws -> Int32 {
        let name = inv.arguments[0]
        guard !name.isEmpty, name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }) else {
            throw UsageError("a connector name is lower-case letters, digits and hyphens (e.g. simpeg-bkd)", verb: inv.spec.name)
        }
        let home = try HubHome.locate()
        let dir = inv.value("--dir") ?? home.connectorsDir + "/" + name
        guard !FileManager.default.fileExists(atPath: dir) else {
            Console.err("simpul: \(dir) exists already")
            return ExitCode.usage
        }
        let schema = inv.value("--schema") ?? "citizen"
        guard FileManager.default.fileExists(atPath: home.schemasDir + "/" + schema + ".json") else {
            throw UsageError("no schema \(schema) in schemas/", verb: inv.spec.name)
        }
        let kind = inv.value("--kind") ?? "files"
        let files: [String: String]
        switch kind {
        case "files": files = ConnectorTemplates.files(name, schema)
        case "http": files = ConnectorTemplates.http(name, schema)
        case "external": files = ConnectorTemplates.external(name, schema)
        default: throw UsageError("--kind is files, http or external", verb: inv.spec.name)
        }
        try FileManager.default.createDirectory(atPath: dir + "/samples", withIntermediateDirectories: true)
        for (file, text) in files.sorted(by: { $0.key < $1.key }) {
            try text.write(toFile: dir + "/" + file, atomically: true, encoding: .utf8)
        }
        try """
            # \(name)

            …System… exports → schema `\(schema)`. Describe one file (or pushed body), the source key and mention key, what
            becomes a dead letter, and every quirk of the source (docs/connectors.md).

            Check it with `simpul connector test \(dir)`.

            """.write(toFile: dir + "/README.md", atomically: true, encoding: .utf8)
        Console.out("created \(dir): \((files.keys.sorted() + ["README.md"]).joined(separator: ", "))")
        Console.out("next: edit connector.json to the real columns (docs/connectors.md), put real-shaped exports in samples/, then:")
        Console.out("  simpul connector test \(dir)")
        return ExitCode.ok
    }
}
