import Foundation
import SimpulIngest
import SimpulJSON
import SimpulNormalise
import SimpulPersons
import SimpulStorage

/// `persons …`: the person index for data stewards.
enum PersonCommands {
    static let specs: [CommandSpec] = [
        CommandSpec(name: "persons update", summary: "decide every new or changed person mention (ingest does this too)", arguments: "",
                    minArgs: 0, maxArgs: 0, options: [Commands.db, Commands.json,
                                                      Opt(name: "--rebuild", value: nil,
                                                          help: "forget every decision (steward rules stay) and decide every mention again")],
                    run: { try update($0) }),
        CommandSpec(name: "persons show", summary: "a person's golden record, with each field's source, mentions and NIK check",
                    arguments: "NIK|PERSON_ID", minArgs: 1, maxArgs: 1, options: [Commands.db, Commands.json],
                    details: "A NIK may be typed as printed: 7571 0145 0490 0002 or 757101.450490.0002.", run: { try show($0) }),
        CommandSpec(name: "persons report", summary: "a citizen's access request (UU PDP): what the hub holds about them and who read it",
                    arguments: "NIK|PERSON_ID", minArgs: 1, maxArgs: 1, options: [Commands.db, Commands.json],
                    details: "A NIK may be typed as printed: 7571 0145 0490 0002 or 757101.450490.0002.", run: { try report($0) }),
        CommandSpec(name: "persons export", summary: "every person as NDJSON: person_id, nik, status, mentions, review", arguments: "",
                    minArgs: 0, maxArgs: 0, options: [Opt(name: "--format", value: "ndjson", help: "ndjson (the only format)"), Commands.db],
                    run: { try export($0) }),
        CommandSpec(name: "persons review", summary: "the review queue: conflicts, possible matches, possible registry duplicates",
                    arguments: "", minArgs: 0, maxArgs: 0,
                    options: [Opt(name: "--kind", value: "KIND", help: "only conflict, possible or duplicate_nik items"),
                              Opt(name: "--limit", value: "N", help: "at most N items, in kind and mention order (default 1000)"),
                              Commands.db, Commands.json],
                    run: { try review($0) }),
        CommandSpec(name: "persons link", summary: "steward: this mention is this person (a must-link later runs respect)",
                    arguments: "MENTION_KEY PERSON_ID|NIK", minArgs: 2, maxArgs: 2, options: [Commands.db], run: { try link($0) }),
        CommandSpec(name: "persons merge", summary: "steward: two persons are one (the first redirects to the second)",
                    arguments: "FROM INTO", minArgs: 2, maxArgs: 2, options: [Commands.db], run: { try merge($0) }),
        CommandSpec(name: "persons split", summary: "steward: these mentions are someone else (a new person with lineage)",
                    arguments: "PERSON MENTION_KEY…", minArgs: 2, maxArgs: 1000, options: [Commands.db], run: { try split($0) }),
        CommandSpec(name: "persons unlink", summary: "steward: this mention is not this person (a cannot-link; it is decided again)",
                    arguments: "MENTION_KEY PERSON_ID|NIK", minArgs: 2, maxArgs: 2, options: [Commands.db], run: { try unlink($0) }),
    ]

    static func index(_ inv: Invocation) throws -> (PersonIndex, HubHome) {
        let home = try HubHome.locate()
        let store = try HubStore(path: try inv.existingDBPath)
        return (PersonIndex(store: store, regions: try Regions(file: home.regionsFile), thresholds: MatchThresholds(file: home.matchingFile)), home)
    }

    /// Runs the index after an ingest; a failure here is reported, never loses the ingested rows (they are committed).
    static func updateAfterIngest(dbPath: String, home: HubHome) -> PersonIndex.Summary? {
        do {
            return try PersonIndex(store: try HubStore(path: dbPath), regions: try Regions(file: home.regionsFile),
                               thresholds: MatchThresholds(file: home.matchingFile)).update()
        } catch {
            Console.err("simpul: the person index could not be updated (the ingested rows are kept; run simpul persons update): \(error)")
            return nil
        }
    }

    static func summaryText(_ s: PersonIndex.Summary) -> String {
        "person index: \(s.decided) mentions decided: \(s.certain) certain, \(s.probable) probable, \(s.manual) by stewards, "
            + "\(s.review) to review, \(s.newPersons) new persons"
    }

    static func update(_ inv: Invocation) throws -> Int32 {
        let (idx, _) = try index(inv)
        let s = inv.flag("--rebuild") ? try idx.rebuild() : try idx.update()
        Console.out(inv.json ? s.json.jsonText : summaryText(s))
        return ExitCode.ok
    }

    /// A NIK argument as people copy it from a KTP or a letter (`7571 0145 0490 0002`, `757101.450490.0002`) is
    /// read as the ingest reads one (``NIK/read(_:)``); anything else (a person id) is left as typed.
    static func nikOrID(_ text: String) -> String {
        if case .valid(let nik) = NIK.read(text) { return nik }
        return text
    }

    static func show(_ inv: Invocation) throws -> Int32 {
        let (idx, _) = try index(inv)
        guard let p = try idx.resolve(nikOrID(inv.arguments[0])) else {
            Console.err("simpul: no person \(inv.arguments[0])" + (try waiting(idx.store).map { " (\($0))" } ?? ""))
            return ExitCode.noInput
        }
        let g = try GoldenRecord.load(store: idx.store, person: p, regions: idx.regions)
        try auditSteward(idx.store, route: "persons show", persons: [p.nik ?? p.id])
        if inv.json {
            Console.out(g.json.jsonText)
            return ExitCode.ok
        }
        Console.out("\(p.id)  \(g.status)  NIK \(p.nik ?? "-")")
        for k in g.fields.keys.sorted() {
            let f = g.fields[k]!
            Console.out("  \(k.padding(toLength: 16, withPad: " ", startingAt: 0)) \((f.value.stringValue ?? f.value.jsonText).padding(toLength: 36, withPad: " ", startingAt: 0)) ← \(f.mention) v\(f.version)")
        }
        if let c = g.nikCheck {
            Console.out("  NIK check: kecamatan \(c.kecamatan ?? "?") \(c.kecamatanKnown ? "known" : "UNKNOWN")"
                        + (c.birthAgrees.map { $0 ? ", birth date agrees" : ", birth date DIFFERS" } ?? "")
                        + (c.sexAgrees.map { $0 ? ", sex agrees" : ", sex DIFFERS" } ?? "")
                        + (c.problems.isEmpty ? "" : "; " + c.problems.joined(separator: "; ")))
        }
        Console.out("  mentions:")
        for m in g.mentions { Console.out("    \(m.key)  \(m.link) \(m.grade)  " + evidenceSummary(m.evidence)) }
        for r in g.review { Console.out("  to review: \(r.mentionKey) (\(r.kind))  " + evidenceSummary(r.evidence)) }
        return ExitCode.ok
    }

    /// The report's own reading is audited first, so it lists itself among the reads.
    static func report(_ inv: Invocation) throws -> Int32 {
        let (idx, _) = try index(inv)
        guard let p = try idx.resolve(nikOrID(inv.arguments[0])) else {
            Console.err("simpul: no person \(inv.arguments[0])" + (try waiting(idx.store).map { " (\($0))" } ?? ""))
            return ExitCode.noInput
        }
        try auditSteward(idx.store, route: "persons report", persons: [p.nik ?? p.id], purpose: SubjectReport.purpose)
        let r = try SubjectReport.build(store: idx.store, person: p, regions: idx.regions)
        Console.out(inv.json ? r.json.jsonText : r.text)
        return ExitCode.ok
    }

    static func export(_ inv: Invocation) throws -> Int32 {
        if let f = inv.value("--format"), f != "ndjson" { throw UsageError("--format ndjson is the only export format", verb: inv.spec.name) }
        let (idx, _) = try index(inv)
        // On stderr, so the NDJSON stays clean: an export is not silently missing the mentions not yet decided.
        if let w = try waiting(idx.store) { Console.err("simpul: not in this export: \(w)") }
        let byCandidate = try idx.store.reviewByCandidate()
        var out = ""
        var persons: [String] = []
        // Every person exported is named in the audit log, in an entry per part of the export written before the
        // part is printed (fail closed, as every CLI read is).
        func flush() throws {
            guard !persons.isEmpty else { return }
            try CLIAudit.append(idx.store, role: "operator", purpose: "operations", route: "persons export", persons: persons)
            Console.raw(1, out)
            out = ""
            persons.removeAll(keepingCapacity: true)
        }
        for p in try idx.store.activePersons() {
            let g = try GoldenRecord.load(store: idx.store, person: p, regions: idx.regions, reviewByCandidate: byCandidate)
            guard !g.mentions.isEmpty else { continue }
            out += g.exportJSON.jsonText + "\n"
            persons.append(p.nik ?? p.id)
            if persons.count >= exportAuditEvery { try flush() }
        }
        try flush()
        return ExitCode.ok
    }

    /// "N mentions wait for the person index…" when some do: what an answer of the index cannot show yet.
    static func waiting(_ store: HubStore) throws -> String? {
        let n = try store.undecidedMentionCount()
        return n == 0 ? nil : "\(n) mention\(n == 1 ? "" : "s") wait\(n == 1 ? "s" : "") for the person index: run simpul persons update"
    }

    /// Persons per audit entry (and per write) of `persons export`.
    static let exportAuditEvery = 5_000

    static func review(_ inv: Invocation) throws -> Int32 {
        let kind = inv.value("--kind")
        if let kind, !HubStore.reviewKinds.contains(kind) {
            throw UsageError("--kind is one of \(HubStore.reviewKinds.joined(separator: ", "))", verb: inv.spec.name)
        }
        let limit = try inv.int("--limit", default: 1000, min: 1, max: 10_000_000)
        let (idx, _) = try index(inv)
        let items = try idx.store.reviewItems(kind: kind, limit: limit)
        if let w = try waiting(idx.store) { Console.err("simpul: not in this queue yet: \(w)") }
        // A queue longer than the limit says so (on stderr, so --json stays one array): nothing left out silently.
        let total = try idx.store.reviewCount(kind: kind)
        if total > items.count {
            Console.err("simpul: showing \(items.count) of \(total) review items\(kind.map { " of kind \($0)" } ?? ""); "
                        + "--limit N shows more, --kind conflict|possible|duplicate_nik one kind")
        }
        // Each item's evidence read once, and each person it names (candidate, runner-up) looked up once: the persons
        // as they are now, a merged one as the person it went into.
        let evidences = items.map { (try? JSONParser.parse($0.evidence)) ?? .null }
        var current: [String: PersonRow] = [:]
        func person(_ id: String?) throws -> PersonRow? {
            guard let id else { return nil }
            if let p = current[id] { return p }
            let p = try idx.store.currentPerson(id: id)
            current[id] = p
            return p
        }
        // The queue shows each doubtful mention and who it may be: audited with the mention's NIK, the candidates and
        // the runners-up, before anything is printed.
        var persons = Set<String>()
        for (r, e) in zip(items, evidences) {
            if let n = r.data["nik"]?.stringValue { persons.insert(n) }
            for p in [try person(r.candidate), try person(e["runner_up"]?["person_id"]?.stringValue)].compactMap({ $0 }) {
                persons.insert(p.nik ?? p.id)
            }
        }
        if !persons.isEmpty { try auditSteward(idx.store, route: "persons review", persons: persons.sorted()) }
        if inv.json {
            Console.out(JSONValue.array(zip(items, evidences).map { r, e in
                .object(["mention": .string(r.mentionKey), "candidate": r.candidate.map { .string($0) } ?? .null, "kind": .string(r.kind),
                         "evidence": e, "data": r.data])
            }).jsonText)
            return ExitCode.ok
        }
        if items.isEmpty { Console.out("nothing to review") }
        var golden: [String: (id: String, fields: [String: JSONValue])] = [:]
        func candidate(_ id: String?) throws -> (id: String, fields: [String: JSONValue])? {
            guard let p = try person(id) else { return nil }
            if let g = golden[p.id] { return g }
            let g = (p.id, try GoldenRecord.load(store: idx.store, person: p, regions: idx.regions, fieldsOnly: true).golden)
            golden[p.id] = g
            return g
        }
        for (r, e) in zip(items, evidences) {
            let runnerUp = try candidate(e["runner_up"]?["person_id"]?.stringValue)
            Console.out(reviewText(r, evidence: e, candidate: try candidate(r.candidate), runnerUp: runnerUp).joined(separator: "\n") + "\n")
        }
        return ExitCode.ok
    }

    /// A decision's evidence (`person_links.evidence`, a review item's) in one line: the rule, the clash, each field's
    /// level and weight strongest first, the score, the NIK's holder, the runner-up (`--json` has all of it, the
    /// model's numbers too).
    static func evidenceSummary(_ text: String) -> String {
        guard let e = try? JSONParser.parse(text), case .object = e else { return text }
        var parts: [String] = []
        if let rule = e["rule"]?.stringValue { parts.append(rule) }
        if let clash = clashText(e) { parts.append("clash " + clash) }
        if let fields = fieldsText(e) { parts.append(fields) }
        if let score = e["score"]?.scalarText.flatMap(Double.init) { parts.append("score " + String(format: "%.2f", score)) }
        if let holder = e["nik_holder"]?.stringValue { parts.append("the NIK's holder \(holder)") }
        if let best = e["best_score"]?.scalarText.flatMap(Double.init) { parts.append("best candidate's score " + String(format: "%.2f", best)) }
        if let ru = e["runner_up"], let id = ru["person_id"]?.stringValue {
            parts.append("runner-up \(id)" + (ru["score"]?.scalarText.flatMap(Double.init).map { " score " + String(format: "%.2f", $0) } ?? ""))
        }
        return parts.isEmpty ? text : parts.joined(separator: "; ")
    }

    /// The fields that clashed, each with what the mention and the person hold.
    static func clashText(_ evidence: JSONValue) -> String? {
        guard case .object(let clash)? = evidence["clash"] else { return nil }
        return clash.keys.sorted().map { "\($0): \(clash[$0]!.stringValue ?? clash[$0]!.jsonText)" }.joined(separator: "; ")
    }

    /// Each compared field's level and weight, the strongest (by size, either sign) first.
    static func fieldsText(_ evidence: JSONValue) -> String? {
        guard case .object(let fields)? = evidence["fields"] else { return nil }
        let ranked = fields.compactMap { k, v -> (String, String, Double)? in
            guard let w = v["weight"]?.scalarText.flatMap(Double.init) else { return nil }
            return (k, v["level"]?.stringValue ?? "?", w)
        }.sorted { abs($0.2) != abs($1.2) ? abs($0.2) > abs($1.2) : $0.0 < $1.0 }
        return ranked.map { "\($0.0) \($0.1) \(($0.2 >= 0 ? "+" : "−") + String(format: "%.2f", abs($0.2)))" }.joined(separator: " · ")
    }

    /// The fields a steward compares, in the order shown: those matching weighs, and a NIK as it was written when it
    /// was no usable NIK (`nik_asli`: `7.57101E+15`, a letter in it).
    static let comparedFields = ["nama", "nik", "nik_asli", "tanggal_lahir", "jenis_kelamin", "kode_wilayah", "no_kk", "alamat", "tempat_lahir"]

    /// One review item as a steward reads it: the kind, the mention and the person it may be, side by side on the
    /// fields matching compares; why it is here (the rule, or each field's level and weight, strongest first); the
    /// runner-up when two candidates scored alike; the two commands that decide it.
    static func reviewText(_ r: ReviewItem, evidence: JSONValue, candidate: (id: String, fields: [String: JSONValue])?,
                           runnerUp: (id: String, fields: [String: JSONValue])?) -> [String] {
        func facts(_ d: [String: JSONValue]) -> String {
            // The NIK as written only when it gave no usable NIK (its spaces and dots say nothing to a steward).
            let shown = comparedFields.filter { $0 != "nik_asli" || d["nik"]?.stringValue == nil }
                .compactMap { k in d[k].flatMap { v in v.stringValue ?? (v == .null ? nil : v.jsonText) }.map { "\(k) \($0)" } }
            return shown.isEmpty ? "(nothing to compare)" : shown.joined(separator: " · ")
        }
        var out = ["\(r.kind)  \(r.mentionKey)" + (r.score.map { "  score \(String(format: "%.2f", $0))" } ?? "")]
        out.append("  mention    " + facts(r.data.objectValue ?? [:]))
        if let c = candidate { out.append("  person     \(c.id)  " + facts(c.fields)) }
        if let rule = evidence["rule"]?.stringValue { out.append("  why        " + rule) }
        if let clash = clashText(evidence) { out.append("  clash      " + clash) }
        if let fields = fieldsText(evidence) { out.append("  fields     " + fields) }
        if let ru = runnerUp {
            let score = evidence["runner_up"]?["score"]?.scalarText.flatMap(Double.init).map { "  score \(String(format: "%.2f", $0))" } ?? ""
            out.append("  runner-up  \(ru.id)\(score)  " + facts(ru.fields))
        }
        if let c = candidate {
            out.append("  decide     simpul persons link \(r.mentionKey) \(c.id)   |   simpul persons unlink \(r.mentionKey) \(c.id)")
        } else {
            out.append("  decide     simpul persons link \(r.mentionKey) PERSON")
        }
        return out
    }

    /// Runs a steward action; a missing person or mention is a clear message and exit 66.
    static func stewardAction(noPerson: String, noMention: String, _ body: () throws -> Void) throws -> Int32 {
        do {
            try body()
            return ExitCode.ok
        } catch PersonIndex.StewardError.noPerson {
            Console.err("simpul: \(noPerson)")
        } catch PersonIndex.StewardError.noMention {
            Console.err("simpul: \(noMention)")
        } catch PersonIndex.StewardError.keptApart(let mentions) {
            Console.err("simpul: not merged: a steward kept \(mentions.joined(separator: ", ")) apart from the other person "
                        + "(persons link MENTION PERSON first, if that was wrong)")
            return ExitCode.dataError
        }
        return ExitCode.noInput
    }

    static func stewardRule(_ inv: Invocation, rule: String) throws -> Int32 {
        let (idx, _) = try index(inv)
        let mention = inv.arguments[0]
        return try stewardAction(noPerson: "no person \(inv.arguments[1])",
                                 noMention: "no mention \(mention) (keys look like sicantik:100023 or oss-rba:1234567890123#0)") {
            let (p, now, s) = try idx.applyRule(mention: mention, person: inv.arguments[1], rule: rule)
            try auditSteward(idx.store, route: "persons \(rule == "must" ? "link" : "unlink")", persons: [p.nik ?? p.id])
            Console.out("\(mention) \(rule == "must" ? "linked to" : "kept apart from") \(p.id); it is now with \(now ?? "no one (in review)"). "
                        + summaryText(s))
        }
    }

    static func merge(_ inv: Invocation) throws -> Int32 {
        let (idx, _) = try index(inv)
        return try stewardAction(noPerson: "no such person (\(inv.arguments[0]) or \(inv.arguments[1]))", noMention: "") {
            let from: PersonRow, into: PersonRow
            do {
                (from, into) = try idx.merge(inv.arguments[0], into: inv.arguments[1])
            } catch PersonIndex.StewardError.keptApart(let mentions) {
                // The refusal names their mentions (a registry mention's key is a NIK): a read, audited first.
                let persons = try inv.arguments.prefix(2).compactMap { try idx.resolve($0) }.map { $0.nik ?? $0.id }
                let shown = NIK.written(in: Array(mentions.joined(separator: " ").utf8))
                try auditSteward(idx.store, route: "persons merge", persons: Array(Set(persons + shown)).sorted())
                throw PersonIndex.StewardError.keptApart(mentions)
            }
            try auditSteward(idx.store, route: "persons merge", persons: [from.nik ?? from.id, into.nik ?? into.id])
            Console.out("\(from.id) merged into \(into.id); \(from.id) now redirects there")
        }
    }

    static func split(_ inv: Invocation) throws -> Int32 {
        let (idx, _) = try index(inv)
        return try stewardAction(noPerson: "no person \(inv.arguments[0])",
                                 noMention: "every mention to split off must be linked to \(inv.arguments[0]) (see simpul persons show)") {
            let old = try idx.resolve(inv.arguments[0])
            let id = try idx.split(inv.arguments[0], mentions: Array(inv.arguments.dropFirst()))
            try auditSteward(idx.store, route: "persons split", persons: [old.map { $0.nik ?? $0.id }, id].compactMap { $0 })
            Console.out("\(inv.arguments.count - 1) mention(s) split off \(old?.id ?? inv.arguments[0]) into \(id) (lineage: split_from \(old?.id ?? "?"))")
        }
    }

    static func link(_ inv: Invocation) throws -> Int32 { try stewardRule(inv, rule: "must") }
    static func unlink(_ inv: Invocation) throws -> Int32 { try stewardRule(inv, rule: "cannot") }

    /// Stewards read and change personal data too: that is audited like any API read.
    static func auditSteward(_ store: HubStore, route: String, persons: [String], purpose: String = "stewardship") throws {
        try CLIAudit.append(store, role: "steward", purpose: purpose, route: route, persons: persons)
    }
}
