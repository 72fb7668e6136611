import Foundation
import SimpulCrypto
import SimpulIngest
import SimpulJSON
import SimpulPersons
import SimpulStorage

/// `simpul-bench match`: the person index on a synthetic corpus with known truth. Prints pairwise precision, recall
/// and F1 of the automatic links, the review queue, mentions/s, peak RSS, and single-record match latency against
/// the whole index. Baseline in the same run: exact-NIK-only linking (what a hub without matching would do).
func benchMatch(_ args: [String]) throws {
    let o = try BenchOptions(args, allowed: ["--mentions", "--seed", "--dir", "--order", "--families", "--region", "--serials"])
    let n = try o.int("--mentions", 1_000_000), seed = UInt64(try o.int("--seed", 42))
    // together: every mention stored, then one index update (a rebuild); registry-last: each source stored and
    // indexed as it comes, the registry last (a pemda with permits before its Dukcapil export).
    let order = o.string("--order", "together")
    guard order == "together" || order == "registry-last" else { throw BenchUsage("--order is together or registry-last") }
    let sources = order == "together" ? [] : ["sicantik", "oss-rba", "simda-keuangan", "dukcapil-siak"]
    let dir = o.string("--dir", NSTemporaryDirectory() + "simpul-bench-match-" + UUID().uuidString)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let home = try HubHome.locate()
    let regions = try Regions(file: home.regionsFile)
    var t0 = Date()
    // Households on one family card (the default), or every person on a card of their own (the corpus before 2026-11-26).
    let families = try o.int("--families", 1) != 0
    // One pemda's population (e.g. --region 75.01, Kabupaten Gorontalo's 19 kecamatan) instead of all of Indonesia's.
    let region = try corpusRegion(o.string("--region", ""), regions)
    // NIK serials: random (the default), or sequential as Dukcapil issues them (neighbours one digit apart).
    guard let serials = SyntheticCorpus.Serials(rawValue: o.string("--serials", "random")) else { throw BenchUsage("--serials is random or sequential") }
    var corpus = SyntheticCorpus(mentions: n, seed: seed, regions: regions, families: families, region: region, serials: serials)
    print("corpus    \(corpus.mentions.count) mentions of \(corpus.personCount) persons (seed \(seed)) in \(fmt(Date().timeIntervalSince(t0), 1)) s")
    let store = try HubStore(path: dir + "/simpul.db")
    // The hub's person key from the seed: person ids, and so the persons sampled to estimate u, are then the same in
    // every run with this seed, and two binaries' figures compare exactly (a hub's own key is random).
    let key = SHA256.hash(Array("simpul-bench match \(seed)".utf8)).hexString
    try store.setPersonKey(hex: key)
    // Together: stored before the clock starts, as a hub holds them before `persons update`. Registry last: stored
    // source by source while the clock runs, and held in memory until then.
    var rows = corpus.mentions.map { ($0.key, $0.connector, $0.schema, $0.sourceKey, $0.data.jsonText) }
    if order == "together" {
        try store.insertMentions(rows)
        rows = []
    }
    var truth = corpus
    let misses = ProcessInfo.processInfo.environment["SIMPUL_BENCH_MISSES"] != nil
    if !misses { truth.mentions = corpus.mentions.map { var m = $0; m.data = .null; return m } }

    // Baseline: link by exact NIK only.
    t0 = Date()
    var byNIK: [String: String] = [:]
    for m in corpus.mentions {
        if let nik = m.data["nik"]?.stringValue, m.data["nik_status"]?.stringValue == "valid" { byNIK[m.key] = nik }
    }
    let base = corpus.evaluate(byNIK)
    print("baseline  exact NIK only: precision \(fmt(base.precision, 4)) recall \(fmt(base.recall, 4)) F1 \(fmt(base.f1, 4)) (\(fmt(Date().timeIntervalSince(t0), 2)) s)")

    corpus.mentions = []  // only the truth (keys and persons) is kept while the index runs
    // The memory freed so far (the corpus's records) goes back to the system first: otherwise the index would reuse
    // it unseen, and its peak would leave out what it allocates there.
    returnFreedMemory()
    let rssBefore = currentRSSMiB()
    resetPeakRSS()
    let index = PersonIndex(store: store, regions: regions, thresholds: MatchThresholds(file: home.matchingFile))
    t0 = Date()
    var s = PersonIndex.Summary()
    if order == "together" { s = try index.update() }
    var decisions = s.decided
    for source in sources {
        try store.insertMentions(rows.filter { $0.1 == source })
        decisions += try index.update().decided
    }
    rows = []
    if order != "together" {
        // Where the mentions ended (some were decided twice): links by grade, the review queue, the persons.
        s.certain = Int(try store.db.scalarInt("SELECT count(*) FROM person_links WHERE grade = 'certain'"))
        s.probable = Int(try store.db.scalarInt("SELECT count(*) FROM person_links WHERE grade = 'probable'"))
        s.review = Int(try store.db.scalarInt("SELECT count(*) FROM person_review"))
        s.newPersons = Int(try store.activePersonCount())
    }
    let secs = Date().timeIntervalSince(t0)
    print("order     \(order)\(order == "together" ? "" : ": \(sources.joined(separator: ", ")), an index update after each (storing included)")")
    let e = truth.evaluate(try store.mentionClusters())
    let clusters = try store.mentionClusters()
    let clashMerged = truth.nikClashes.filter { k, owner in clusters[k] != nil && clusters[k] == clusters[owner] }.count
    print("simpul    \(truth.mentions.count) mentions\(decisions == truth.mentions.count ? "" : " (\(decisions) decisions)") in \(fmt(secs, 1)) s: \(Int(Double(truth.mentions.count) / secs)) mentions/s, peak RSS \(fmt(peakRSSMiB())) MiB (\(fmt(rssBefore)) MiB before it)")
    print("          \(s.certain) certain, \(s.probable) probable, \(s.review) to review (\(fmt(100 * Double(s.review) / Double(max(1, truth.mentions.count)), 2))% of the mentions), \(s.newPersons) persons")
    print("          \(index.comparisons) candidates scored (\(fmt(Double(index.comparisons) / Double(max(1, decisions)), 1)) per decision)")
    print("quality   pairwise precision \(fmt(e.precision, 4)) recall \(fmt(e.recall, 4)) F1 \(fmt(e.f1, 4))   (goals: precision >= 0.995, recall >= 0.98)")
    print("          same-NIK mentions with clashing sex/birth date merged automatically: \(clashMerged) of \(truth.nikClashes.count)   (goal: 0)")
    // What a data steward adds: every review item decided right (its candidate accepted when it is the mention's
    // true person, refused otherwise). Shows how much of the missing recall the review queue holds.
    var personClusters: [Int: Set<String>] = [:]
    for m in truth.mentions { if let c = clusters[m.key] { personClusters[m.person, default: []].insert(c) } }
    var truePerson: [String: Int] = [:]
    for m in truth.mentions { truePerson[m.key] = m.person }
    var afterReview = clusters
    var accepted = 0
    var reviewKinds: [String: (right: Int, all: Int)] = [:]
    for r in try store.db.rows("SELECT mention_key, candidate, kind, evidence FROM person_review") {
        // By kind and rule, for the breakdown printed with SIMPUL_BENCH_MISSES (the evidence parsed only then).
        let kind = misses ? "\(r[2].text ?? "?") \(r[3].text.flatMap { try? JSONParser.parse($0) }?["rule"]?.stringValue ?? "-")" : ""
        reviewKinds[kind, default: (0, 0)].all += 1
        guard let k = r[0].text, let c = r[1].text, let p = truePerson[k], personClusters[p]?.contains(c) == true else { continue }
        reviewKinds[kind, default: (0, 0)].right += 1
        afterReview[k] = c
        accepted += 1
    }
    let er = truth.evaluate(afterReview)
    print("          after review (a steward accepts the \(accepted) right candidates of \(s.review)): precision \(fmt(er.precision, 4)) recall \(fmt(er.recall, 4)) F1 \(fmt(er.f1, 4))")
    if misses {
        for (k, v) in reviewKinds.sorted(by: { $0.value.all > $1.value.all }) { print("  review \(v.all) (\(v.right) right)  \(k)") }
        // Where recall is lost: non-registry mentions not with their person's registry mention, by kind.
        var regCluster: [Int: String] = [:]
        for m in truth.mentions where m.connector == "dukcapil-siak" { regCluster[m.person] = clusters[m.key] }
        var kinds: [String: Int] = [:]
        for m in truth.mentions where m.connector != "dukcapil-siak" {
            guard let rc = regCluster[m.person], clusters[m.key] != rc else { continue }
            let k = "\(m.connector) nik=\(m.data["nik_status"]?.stringValue ?? "?") birth=\(m.data["tanggal_lahir"] != nil) wil=\(m.data["kode_wilayah"] != nil) \(clusters[m.key] == nil ? "review" : "other")"
            kinds[k, default: 0] += 1
        }
        for (k, v) in kinds.sorted(by: { $0.value > $1.value }).prefix(15) { print("  miss \(v)  \(k)") }
        // Missed true pairs by whether the person is in the registry.
        var byPerson: [Int: [SyntheticCorpus.Mention]] = [:]
        for m in truth.mentions { byPerson[m.person, default: []].append(m) }
        var missed: [String: Int] = [:], total: [String: Int] = [:]
        for (_, ms) in byPerson where ms.count > 1 {
            let inRegistry = ms.contains { $0.connector == "dukcapil-siak" }
            for i in 0..<ms.count {
                for j in (i + 1)..<ms.count {
                    let a = ms[i], b = ms[j]
                    let kind = inRegistry ? ((a.connector == "dukcapil-siak" || b.connector == "dukcapil-siak") ? "registry person: registry–other" : "registry person: other–other")
                        : "person not in the registry"
                    total[kind, default: 0] += 1
                    if clusters[a.key] == nil || clusters[a.key] != clusters[b.key] { missed[kind, default: 0] += 1 }
                }
            }
        }
        for (k, t) in total.sorted(by: { $0.key < $1.key }) { print("  pairs \(k): \(missed[k] ?? 0) of \(t) missed") }
        // Upper bounds on recall: mentions that cannot be linked automatically (same NIK with a mistyped birth date:
        // the conflict rule sends them to review) and mentions with nothing but a name.
        var registry: [Int: JSONValue] = [:]
        for m in truth.mentions where m.connector == "dukcapil-siak" { registry[m.person] = m.data }
        func forced(_ m: SyntheticCorpus.Mention) -> Bool {
            let r = registry[m.person]
            guard m.connector != "dukcapil-siak", let n = m.data["nik"]?.stringValue, n == r?["nik"]?.stringValue,
                  let b = m.data["tanggal_lahir"]?.stringValue, let rb = r?["tanggal_lahir"]?.stringValue, b != rb else { return false }
            let swapped = String(b.prefix(5)) + b.suffix(2) + "-" + b.dropFirst(5).prefix(2)
            return swapped != rb
        }
        func nameOnly(_ m: SyntheticCorpus.Mention) -> Bool {
            m.connector != "dukcapil-siak" && m.data["nik"] == nil && m.data["nik_asli"] == nil && m.data["tanggal_lahir"] == nil && m.data["kode_wilayah"] == nil
        }
        var lostToConflicts = 0, lostToNameOnly = 0, all = 0
        for (_, ms) in byPerson where ms.count > 1 {
            for i in 0..<ms.count { for j in (i + 1)..<ms.count {
                all += 1
                if forced(ms[i]) || forced(ms[j]) { lostToConflicts += 1 }
                else if nameOnly(ms[i]) || nameOnly(ms[j]) { lostToNameOnly += 1 }
            } }
        }
        // How a mention was decided: its person and the evidence, or its review kind and the evidence.
        func decision(_ key: String) -> String {
            let row = try? store.db.rows("SELECT coalesce((SELECT person_id || ' ' || evidence FROM person_links WHERE mention_key = ?), (SELECT 'review ' || kind || ' ' || evidence FROM person_review WHERE mention_key = ?))", [.text(key), .text(key)]).first?.first
            if case .text(let t)? = row { return t }
            return "-"
        }
        if ProcessInfo.processInfo.environment["SIMPUL_BENCH_MISSES"] == "unregistered" {
            // Persons the registry does not know: pairs of their mentions that ended apart, with both decisions.
            var shown = 0
            for (_, ms) in byPerson.sorted(by: { $0.key < $1.key }) where ms.count > 1 && !ms.contains(where: { $0.connector == "dukcapil-siak" }) {
                guard ms.contains(where: { a in ms.contains { b in clusters[a.key] == nil || clusters[a.key] != clusters[b.key] } }),
                      !ms.contains(where: forced), shown < 20 else { continue }
                shown += 1
                print("  unregistered person:")
                for m in ms { print("     \(m.key) \(m.data.jsonText)\n        → \(decision(m.key))") }
            }
        }
        if ProcessInfo.processInfo.environment["SIMPUL_BENCH_MISSES"] == "wrong" {
            // Mentions linked to someone else: in a cluster whose mentions are mostly another person's.
            var members: [String: [Int: Int]] = [:]
            for m in truth.mentions { if let c = clusters[m.key] { members[c, default: [:]][m.person, default: 0] += 1 } }
            var kinds: [String: Int] = [:], rules: [String: Int] = [:], shown = 0
            for m in truth.mentions {
                guard let c = clusters[m.key], let major = members[c]?.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) })?.key,
                      major != m.person else { continue }
                let relative = truth.truth[major].kk == truth.truth[m.person].kk
                let k = "\(m.connector) nik=\(m.data["nik_status"]?.stringValue ?? "?") birth=\(m.data["tanggal_lahir"] != nil) wil=\(m.data["kode_wilayah"] != nil) "
                    + "registered=\(registry[m.person] != nil) relative=\(relative)"
                kinds[k, default: 0] += 1
                // And by what decided it: the rule, and the NIK and name levels of a scored link.
                let d = (try? JSONParser.parse(String(decision(m.key).drop { $0 != "{" }))) ?? .null
                let by = "\(d["rule"]?.stringValue ?? "?") nik=\(d["fields"]?["nik"]?["level"]?.stringValue ?? "-") nama=\(d["fields"]?["nama"]?["level"]?.stringValue ?? "-")"
                rules[by, default: 0] += 1
                if shown < 25 {
                    shown += 1
                    print("  wrong \(m.data.jsonText)\n     own registry \(registry[m.person]?.jsonText ?? "-")\n     linked to \(registry[major]?.jsonText ?? "-")\n     decided \(decision(m.key))")
                }
            }
            for (k, v) in kinds.sorted(by: { $0.value > $1.value }) { print("  wrong \(v)  \(k)") }
            for (k, v) in rules.sorted(by: { $0.value > $1.value }) { print("  wrong by \(v)  \(k)") }
        }
        if ProcessInfo.processInfo.environment["SIMPUL_BENCH_MISSES"] == "examples" {
            var shown = 0
            for m in truth.mentions where m.connector != "dukcapil-siak" && !forced(m) && !nameOnly(m) {
                guard let rc = regCluster[m.person], clusters[m.key] != rc, shown < 25 else { continue }
                shown += 1
                print("  example \(m.data.jsonText)\n     registry \(registry[m.person]?.jsonText ?? "-")\n     decided \(decision(m.key))")
            }
        }
        let bound1 = 1 - Double(lostToConflicts) / Double(all), bound2 = 1 - Double(lostToConflicts + lostToNameOnly) / Double(all)
        print("  bound recall without the same-NIK birth-date conflicts: \(fmt(bound1, 4)); also without name-only mentions: \(fmt(bound2, 4))")
    }
    print("model     m: \(index.model.source["m"] ?? "?"); u: \(index.model.source["u"] ?? "?")")
    if let r = index.model.source["registry"] { print("          \(r)") }

    // Blocking recall: for mentions whose person is in the registry, how often blocking offers that person at all
    // (a sample of 5,000; exact-NIK hits count as found).
    var registryPerson: [Int: String] = [:]
    for m in truth.mentions where m.connector == "dukcapil-siak" { if let p = clusters[m.key] { registryPerson[m.person] = p } }
    let probeCorpus = SyntheticCorpus(mentions: n, seed: seed, regions: regions, families: families, region: region, serials: serials)
    var offered = 0, asked = 0
    for m in probeCorpus.mentions where m.connector != "dukcapil-siak" {
        guard let want = registryPerson[m.person] else { continue }
        asked += 1
        if try index.match(data: m.data).contains(where: { $0.person == want }) { offered += 1 }
        if asked == 5000 { break }
    }
    print("blocking  recall \(fmt(Double(offered) / Double(max(1, asked)), 4)): the true person was among the candidates for \(offered) of \(asked) sampled mentions")

    // Single-record matching against the whole index.
    var lat: [Double] = []
    let probes = SyntheticCorpus(mentions: 4000, seed: seed &+ 1, regions: regions, families: families, region: region, serials: serials).mentions.filter { $0.connector != "dukcapil-siak" }.prefix(1000)
    for p in probes {
        let a = Date()
        _ = try index.match(data: p.data)
        lat.append(Date().timeIntervalSince(a) * 1000)
    }
    print("latency   single-record match against \(s.newPersons) persons: p50 \(fmt(percentile(lat, 0.5), 3)) ms, p99 \(fmt(percentile(lat, 0.99), 3)) ms   (goal: p99 <= 50 ms)")
    print("ratio     simpul F1 / exact-NIK F1 = \(fmt(e.f1 / max(base.f1, 1e-9), 3))")
}
