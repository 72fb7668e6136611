import Foundation
import SimpulCrypto
import SimpulJSON
import SimpulNormalise
import SimpulStorage

/// What a mention says about its person (normalised by the connectors already), and whether it is registry data.
@dynamicMemberLookup
struct MentionFacts {
    var match: MatchFacts
    var registry: Bool

    init(data d: JSONValue, registry: Bool) {
        let n = d["nik"]?.stringValue
        let nik = (n?.count == 16 && (d["nik_status"]?.stringValue ?? "valid") == "valid") ? n : nil
        // An unusable NIK as it was written still says something: digits behind look-alike letters, or the
        // leading digits (the region) that scientific notation kept.
        let original = nik == nil ? d["nik_asli"]?.stringValue : nil
        match = MatchFacts(nama: d["nama"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
                           tanggalLahir: d["tanggal_lahir"]?.stringValue,
                           nik: nik,
                           noKK: d["no_kk"]?.stringValue.flatMap { $0.count == 16 ? $0 : nil },
                           kodeWilayah: d["kode_wilayah"]?.stringValue,
                           jenisKelamin: d["jenis_kelamin"]?.stringValue,
                           nikRead: original.flatMap { NIK.readingLetters($0) ?? NIK.oneDigitOff($0) },
                           nikDigits: original.flatMap(NIK.scientificDigits),
                           alamat: d["alamat"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
                           tempatLahir: d["tempat_lahir"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 })
        self.registry = registry
    }

    subscript<T>(dynamicMember path: KeyPath<MatchFacts, T>) -> T { match[keyPath: path] }
}

/// Decision thresholds on the match weight (log2 of the likelihood ratio), from `config/matching.json` in the hub's
/// home when present (docs/persons.md).
public struct MatchThresholds: Sendable, Equatable {
    public var certain = 30.0
    /// What a candidate the registry does not know needs to be linked.
    public var probable = 18.0
    /// What a registry person needs (docs/persons.md: a name the registry gives no one else reaches it alone),
    /// where this hub's own mentions show that a name one registry person holds names the right person at least
    /// `nameAlonePrecision` of the time; elsewhere a registry person needs `probable` too.
    public var probableRegistry = 15.0
    /// The share of NIK-decided mentions a name one registry person holds must have named rightly (`estimate()`).
    public var nameAlonePrecision = 0.95
    public var possible = 8.0
    /// The best candidate must lead the runner-up by this much to be linked automatically.
    public var margin = 3.0

    public init() {}

    public init(file: String) {
        guard let d = FileManager.default.contents(atPath: file), let j = try? JSONParser.parse([UInt8](d)) else { return }
        func num(_ k: String) -> Double? { j[k]?.scalarText.flatMap(Double.init) }
        certain = num("certain") ?? certain
        probable = num("probable") ?? probable
        probableRegistry = num("probable_registry") ?? probableRegistry
        nameAlonePrecision = num("name_alone_precision") ?? nameAlonePrecision
        possible = num("possible") ?? possible
        margin = num("margin") ?? margin
    }
}

/// The person index: decides, for every new or changed person mention, which person it is, incrementally as
/// records arrive from any connector (docs/persons.md).
///
/// - A usable NIK that a person is known by links to that person ("certain"), unless sex or birth date clash:
///   then it goes to review as a conflict and is never merged automatically.
/// - Otherwise candidates come from blocking keys (name, name + birth date, phonetic name + birth year, the NIK
///   with one digit deleted, the family-card number) and are scored Fellegi–Sunter style: per field, log2(m/u) of
///   the agreement level, m and u estimated from the hub's own data, name agreement weighted by how common the
///   name is. Above `probable` (and clearly ahead of the runner-up) → linked; above `possible` → review; else a
///   new person. Registry mentions always found their own person (the registry NIK is the identity); a close
///   registry look-alike is flagged for review as a possible duplicate ("NIK ganda").
/// - Steward rules win: must-link puts a mention with its person; cannot-link keeps it away.
public final class PersonIndex {
    public struct Summary: Sendable, Equatable {
        public var decided = 0
        public var certain = 0
        public var probable = 0
        public var manual = 0
        public var review = 0
        public var newPersons = 0
        public var seconds = 0.0

        public init() {}

        mutating func add(_ o: Summary) {
            decided += o.decided; certain += o.certain; probable += o.probable; manual += o.manual
            review += o.review; newPersons += o.newPersons
        }

        public var json: JSONValue {
            .object(["decided": .int(decided), "certain": .int(certain), "probable": .int(probable), "manual": .int(manual),
                     "review": .int(review), "new_persons": .int(newPersons), "seconds": .number(String(format: "%.3f", seconds))])
        }
    }

    public let store: HubStore
    public let regions: Regions
    /// Connectors whose mentions are the population registry (authoritative for NIK, name, birth date, sex).
    public var registryConnectors: Set<String> = ["dukcapil-siak"]
    /// The registry connector the store's queries take (the first by name).
    private var registryConnector: String { registryConnectors.sorted().first ?? "dukcapil-siak" }
    public var thresholds = MatchThresholds()
    /// Mentions decided per transaction. Registry mentions go four times as many at once: each founds its own
    /// person and files it under a dozen blocking keys at random places, so fewer, larger commits write each page of
    /// the blocking table fewer times (with u sampled at fourfold growth, below: 167,280 registry rows 25.2 → 17.8 s).
    public var batchSize = 5000
    /// Blocks larger than this are too common to give candidates (e.g. a very common name alone).
    public var maxBlock = 200
    public private(set) var model = MatchModel.defaults
    private var key: [UInt8] = []
    /// The blocking keys of the mention being decided (computed once per mention).
    private var currentBlocks: [String]?
    /// Blocks found holding more than `maxBlock` persons, within one transaction of decisions (emptied when it
    /// starts: another process may have changed persons between). Blocks only grow while mentions are decided (a
    /// retired person's entries are the exception, so retiring forgets them), and in one kabupaten the broad ones
    /// (a first or last name in the kecamatan) pass the limit early and were read again, 201 rows each, for mention
    /// after mention.
    private var oversizedBlocks = Set<String>()
    /// Candidates' facts as matching compares them (the name's words worked out, the NIK's birth date decoded), by
    /// person id, within one update: the persons of a kecamatan's broad blocks are candidates of mention after
    /// mention, and a registry person is the candidate of each permit, business and payment that names it, spread
    /// over the whole update. A person founded by a mention gets its entry then (its facts are the mention's); a
    /// person's entry goes when a decision changes what the store holds of it (``changes(_:by:)``); all go when a
    /// transaction starts after another connection wrote (``keptAtDataVersion``), when a person is retired, and past
    /// ``factsKept`` entries.
    private var candidateFacts: [String: KnownFacts] = [:]
    /// At most this many candidates' facts are kept (about 1 KB each: 600,000 take some 600 MB). At a million
    /// mentions (449,590 persons) they all fit: with 100,000, and without the founded persons' and the unchanged
    /// links' entries, 82 % of the candidates scored were read from the store, and the update took a fifth longer.
    var factsKept = 600_000
    /// The hub's `PRAGMA data_version` seen in the last transaction of decisions of this update that committed. It
    /// changes only when another connection commits to the hub's main file, where persons are (not for the audit
    /// log, a file of its own, nor for this connection's own commits), so when the next transaction of the same
    /// update sees the same value no one else changed persons in between and the candidates' facts kept so far still
    /// hold; otherwise (or after a transaction that did not commit, or in a new update) they are forgotten. At a
    /// million mentions, emptying them at every transaction cost a twelfth of the update's time (the entries freed,
    /// then most read again from the store).
    private var keptAtDataVersion: Int64?
    /// The blocking keys (hashed) this index has filed each person under, by the person id's 64 bits
    /// (``idBits(_:)``), kept and forgotten with the candidates' facts (``forgetKept()``: every update's first
    /// transaction, so a refile, a rebuild or a steward's merge between updates needs nothing more; a transaction
    /// after another connection wrote; a retired person), a person's when a mention leaves it (``refresh``), and all
    /// past ``filedPersonsKept`` persons. A mention linked to a person
    /// files only the keys the person is not known to be filed under: many links repeat them all (a permit's
    /// applicant found by the registry's NIK, with the registry's name and birth date), and each key filed again was a
    /// descent of the blocking table's index that found the row there (at 200,000 mentions 1.27 of 2.77 million).
    /// Only what this index filed itself: a key it does not know of is filed (`INSERT OR IGNORE`), as before.
    private var filedBlocks: [UInt64: [Int64]] = [:]
    /// About 100 MB of hashes at a dozen keys per person.
    static let filedPersonsKept = 500_000
    /// Tests only: every candidate's facts taken from ``candidateFacts`` are compared with the store's, and the ids
    /// of those that differ (or whose person is no longer active) collected in `keptFactsDiffering`.
    var checksKeptFacts = false
    var keptFactsDiffering: [String] = []
    /// Tests only: false files every key of every link (`INSERT OR IGNORE`), as before ``filedBlocks``.
    var remembersFiledBlocks = true

    /// A candidate's facts in a box: handing it out retains one reference, where a copy of the facts retained each of
    /// their strings and arrays (with the address and birthplace, a tenth of an update's time in reference counting).
    final class KnownFacts {
        let facts: MatchFacts
        let registry: Bool
        init(_ facts: MatchFacts, registry: Bool) { self.facts = facts; self.registry = registry }
    }
    /// Candidates scored so far by this index (a measure of the matching work that does not vary with the machine).
    public private(set) var comparisons = 0
    private var personCount = 1.0
    /// Whether persons founded without a registry record may exist (then a registry record looks for them).
    private var fragmentsPossible = false
    /// What a registry person needs to be linked on this hub: `probableRegistry` once its mentions showed that a
    /// name is telling enough, else `probable` (`estimate()`).
    private var registryLinkThreshold: Double?
    /// A sample's u and the number of persons it was taken from.
    typealias UEstimate = (persons: Double, u: [Field: [Double]], source: String)
    /// The last u estimate.
    private var uEstimate: UEstimate?
    /// The numbers the last estimate gave and the hub's size then (its last mention id), kept across updates
    /// (`meta.person_model`) so an update of a few mentions can decide with them (`reuseSavedModel`).
    struct SavedModel {
        static let metaKey = "person_model"
        var mentionsThrough: Int64
        /// The thresholds the registry's threshold was chosen under.
        var thresholds: [Double]
    }
    /// Set by `estimate()` (or a reused model): what the end of the update saves as `meta.person_model`.
    private var modelToSave: SavedModel?
    /// Whether this update decides with a saved model rather than one it estimated.
    private(set) var reusedModel = false
    /// Tests only: `update()` stops (throws) once this many batches are committed, as a crash between two would.
    var interruptAfterBatches: Int?
    /// Tests only: called at the start of each transaction of decisions with the number of candidates' facts kept,
    /// and after each such transaction commits.
    var atTransactionStart: ((Int) -> Void)?
    var afterTransaction: (() throws -> Void)?
    var keptCandidateFacts: Int { candidateFacts.count }
    struct UpdateInterrupted: Error {}

    public init(store: HubStore, regions: Regions, thresholds: MatchThresholds = MatchThresholds()) {
        self.store = store
        self.regions = regions
        self.thresholds = thresholds
    }

    /// A stable person id: P + 16 hex digits of HMAC-SHA-256(hub key, identity). The identity is the NIK for
    /// persons founded by one, else the founding mention's key.
    public func personID(_ identity: String) throws -> String {
        if key.isEmpty { key = try store.personKey() }
        return "P" + Array(HMACSHA256.mac(key: key, message: Array(identity.utf8)).prefix(8)).hexString
    }

    /// The version of the blocking keys, raised whenever `blocks` files persons differently. A hub whose persons
    /// were filed under an older version is filed again before its next update, so new mentions meet old persons.
    /// 3: names in the old spelling and more ways of writing MUHAMMAD file under today's form (`MatchName.tokens`).
    /// 4: a name led by `ST.` files under SITI.
    /// 5: the birth date with the kecamatan (`dk:`).
    /// 6: the whole name with the kecamatan (`nk:`).
    /// 7: the name's sound with the birth date (`pd:`).
    static let blockingVersion = "7"

    /// Files every linked mention's person again under the current blocking keys, if the hub's are older. In
    /// transactions of 5,000 mentions, so a large hub does not hold the write lock (and the API's audit commits)
    /// for the whole refiling; the version is marked at the end, so a refiling cut off starts over.
    func refileBlocksIfOlder() throws {
        guard try store.metaValue("person_blocks_version") != Self.blockingVersion else { return }
        try store.writeTransaction { try store.db.execute("DELETE FROM person_blocks") }
        var after = ""
        while true {
            let more = try store.writeTransaction { () throws -> Bool in
                let rows = try store.db.rows("""
                    SELECT l.mention_key, l.person_id, m.connector, m.data FROM person_links l JOIN mentions m ON m.key = l.mention_key
                    WHERE l.mention_key > ? ORDER BY l.mention_key LIMIT 5000
                    """, [.text(after)])
                guard let last = rows.last?[0].text else { return false }
                for r in rows {
                    guard let person = r[1].text, let connector = r[2].text, let data = r[3].text.flatMap({ try? JSONParser.parse($0) }) else { continue }
                    try store.addBlocks(Self.blocks(MentionFacts(data: data, registry: registryConnectors.contains(connector))), person: person)
                }
                after = last
                return true
            }
            if !more { break }
        }
        try store.writeTransaction {
            try store.setMetaValue("person_blocks_version", Self.blockingVersion)
        }
    }

    /// Forgets every decision (steward rules stay) and decides every mention again, update by update in the order
    /// the hub first decided them: the same persons, ids and links (`simpul persons update --rebuild`).
    @discardableResult
    public func rebuild() throws -> Summary {
        try store.forgetPersonIndex(meta: [UpdateProgress.metaKey, Self.uEstimateKey, SavedModel.metaKey])
        uEstimate = nil
        return try update()
    }

    /// Decides every pending mention; commits in batches.
    ///
    /// A rebuild (started here or cut off before) decides the mentions again as the hub's updates first did, one
    /// update at a time (`person_updates`: the newest mention each began with), each seeing only the mentions that
    /// update saw; then any mentions no update had decided. Incremental matching depends on what is known when a
    /// mention is decided (the persons already founded, the numbers estimated from them), so deciding them all at
    /// once, registry first, linked a few differently from the updates that built the hub (161 of 32,715 mentions of
    /// the held-out corpus ingested source by source).
    @discardableResult
    public func update() throws -> Summary {
        guard try store.dormantUnresolved() else {
            try store.noteUpdateHorizon()
            return try decidePending()
        }
        let t0 = Date()
        var s = Summary()
        while let past = try store.nextRebuildUpdate() {
            store.mentionHorizon = past.through
            defer { store.mentionHorizon = nil }
            s.add(try decidePending())
            try store.setRebuildReplayed(past.id)
        }
        s.add(try decidePending())
        s.seconds = Date().timeIntervalSince(t0)
        return s
    }

    /// Decides the pending mentions (within the store's ``HubStore/mentionHorizon`` when one is set), as one update.
    private func decidePending() throws -> Summary {
        let t0 = Date()
        var s = Summary()
        try refileBlocksIfOlder()
        // An update cut off before (a crash, SIGKILL) goes on from where its last batch left it, with the numbers it
        // was deciding with; otherwise a fresh one starts, with the numbers of none (a long-lived process, `simpul
        // serve`, decides each update as a new process would, so a rebuild can decide the same).
        var progress: UpdateProgress
        if let resumed = try resumeProgress() {
            progress = resumed
        } else {
            fragmentsPossible = try store.nonRegistryLinksExist(registryConnector: registryConnector)
            if uEstimate == nil { uEstimate = try loadUEstimate() }
            model = .defaults
            progress = UpdateProgress()
        }
        modelToSave = nil
        reusedModel = false
        keptAtDataVersion = nil
        // A larger page cache while deciding: the blocking table is read and written at random.
        try store.db.execute("PRAGMA cache_size=-524288")
        defer { try? store.db.execute("PRAGMA cache_size=-65536") }
        // Registry mentions first, then the rest, each in key order, a page at a time (memory stays bounded). A write
        // transaction holds pages until it has decided `4 * batchSize` mentions (one registry page, four of the
        // others'): each commit writes every page of the link and blocking tables' indexes that its decisions
        // touched, at random places, so fewer, larger commits write each page fewer times. The pages, and the
        // estimates between them, are the same as with a commit per page, and so are the decisions.
        for registry in [true, false] {
            var after = ""
            var more = true
            while more {
                var dataVersion: Int64?
                more = try store.writeTransaction { () throws -> Bool in
                    let v = try store.db.scalarInt("PRAGMA data_version")
                    if v != keptAtDataVersion { forgetKept() }
                    keptAtDataVersion = nil  // until this transaction has committed
                    dataVersion = v
                    atTransactionStart?(candidateFacts.count)
                    var decided = 0
                    while decided < 4 * batchSize {
                        // While m is still the defaults (no same-NIK pairs yet), small pages: a few hundred decisions
                        // give the pairs to estimate it from, and the rest are decided with it.
                        let limit = registry ? 4 * batchSize : model.source["m"] == "defaults" ? min(batchSize, 500) : batchSize
                        let batch = try store.pendingMentions(registry: registry, after: after, limit: limit,
                                                              registryConnector: registryConnector)
                        guard let last = batch.last else { return false }
                        // m and u are estimated again before pages 1, 2, 3, 5, 9, 17… and before the first
                        // non-registry page: registry pages come first, so later ones are decided with numbers from
                        // this hub's own population, at a cost that stays small on large runs.
                        // Until m could be estimated (no same-NIK pairs before the first non-registry page), before
                        // every page: otherwise thousands of mentions would be decided on the defaults.
                        // u is taken again when the persons have grown fourfold during the registry pages (there it
                        // only serves the NIK-ganda check, and sampling it is a tenth of indexing a registry), twofold
                        // before the other sources' pages.
                        // An update whose mentions all fit in its first page (a push, a small file) decides them with
                        // the numbers the hub saved at its last estimate while it has grown less than 1/32 since.
                        let n = progress.batches
                        if n & (n - 1) == 0 || (!registry && (!progress.othersStarted || model.source["m"] == "defaults")) {
                            let reuse = n == 0 && batch.count < limit ? try reuseSavedModel() : false
                            if !reuse { try estimate(uGrowth: registry ? 4 : 2) }
                        }
                        progress.batches += 1
                        if !registry { progress.othersStarted = true }
                        oversizedBlocks.removeAll(keepingCapacity: true)
                        for m in batch { try decide(m, &s) }
                        try saveProgress(progress)
                        decided += batch.count
                        after = last.key
                    }
                    return true
                }
                keptAtDataVersion = dataVersion
                try afterTransaction?()
                if let k = interruptAfterBatches, progress.batches >= k { throw UpdateInterrupted() }
            }
        }
        // Persons that doubled since the last u sample (or a first sample that is now possible) are sampled at the end
        // of the update that grew them, so the next one, often a push of a few rows, does not pay for it (0.8 s on a
        // 60,000-person hub). The sample is the one the next update would take: nothing changes the persons between.
        // An update that decided nothing changed no person (a resumed one that had finished its batches leaves the
        // sample to the next update, which takes the same).
        // An update that decided with a saved model counts persons only if they could have doubled: each mention
        // since that estimate founded at most one person (counting them is a scan: 0.07 s at 636,000 persons).
        var sampledAtEnd = false
        if s.decided > 0, try reusedModel ? couldHaveDoubled() : true,
           case let persons = Double(max(1, try store.activePersonCount())),
           uEstimate.map({ persons >= 2 * $0.persons }) ?? true {
            _ = try sampleU(persons: persons)
            sampledAtEnd = true
        }
        try store.writeTransaction {
            if try store.retiredUnresolved() { try store.redirectRetired() }
            // A rebuild's dormant persons wait until its last update: a later one may found them again.
            if store.mentionHorizon == nil, try store.dormantUnresolved() { try store.redirectDormant() }
            try store.setMetaValue(UpdateProgress.metaKey, nil)
            try saveUEstimate()
            // A u sampled at the end is not the u of the numbers estimated before it: the next update estimates.
            if sampledAtEnd {
                try store.setMetaValue(SavedModel.metaKey, nil)
            } else if let saved = modelToSave, !reusedModel {
                try saveModel(saved)
            }
        }
        s.seconds = Date().timeIntervalSince(t0)
        return s
    }

    // MARK: - The last estimate, kept between updates

    /// The thresholds a saved model's registry threshold depends on: a change in `config/matching.json` makes the
    /// saved model stale.
    private var savedThresholds: [Double] { [thresholds.probable, thresholds.probableRegistry, thresholds.nameAlonePrecision] }

    /// Takes the numbers of the hub's last estimate (m, u, the registry's threshold, the person count for name
    /// frequencies) when it was made with m estimated, under the same thresholds, and the hub has grown by less than
    /// 1/32 of its mentions since. Estimating reads some 8,000 linked mentions and counts the persons (0.27 of the
    /// 0.35 s a one-record push took on a hub of 636,000 mentions); numbers from 5,000 pairs barely move when a
    /// few mentions arrive, and they are estimated again as soon as the hub has grown by 1/32.
    private func reuseSavedModel() throws -> Bool {
        guard let text = try store.metaValue(SavedModel.metaKey), let v = try? JSONParser.parse(text),
              let through = v["mentions_through"]?.scalarText.flatMap({ Int64($0) }),
              let thresholds = v["thresholds"]?.arrayValue?.compactMap({ $0.scalarText.flatMap(Double.init) }),
              thresholds == savedThresholds, let saved = Self.numbers(v), saved.model.source["m"] != "defaults",
              saved.registryThreshold != nil
        else { return false }
        guard try store.lastMentionID() - through <= max(0, through) / 32 else { return false }
        (model, personCount, registryLinkThreshold) = saved
        modelToSave = SavedModel(mentionsThrough: through, thresholds: thresholds)
        reusedModel = true
        return true
    }

    /// Whether the persons may have doubled since the last u sample, when counting only the mentions since the
    /// saved model (each founds at most one person).
    private func couldHaveDoubled() throws -> Bool {
        guard let u = uEstimate, let saved = modelToSave else { return true }
        return personCount + Double(try store.lastMentionID() - saved.mentionsThrough) >= 2 * u.persons
    }

    private func saveModel(_ saved: SavedModel) throws {
        var o = numbersJSON()
        o["mentions_through"] = .int(Int(saved.mentionsThrough))
        o["thresholds"] = .array(saved.thresholds.map(Self.number))
        try store.setMetaValue(SavedModel.metaKey, JSONValue.object(o).jsonText)
    }

    /// The numbers the index decides with between estimates (m, u and where they came from, the person count for name
    /// frequencies, the registry's threshold), as saved with an update's progress and as the last estimate.
    private func numbersJSON() -> [String: JSONValue] {
        var o: [String: JSONValue] = [
            "m": Self.levels(model.m), "u": Self.levels(model.u), "source": .object(model.source.mapValues { .string($0) }),
            "person_count": Self.number(personCount),
        ]
        if let r = registryLinkThreshold { o["registry_link_threshold"] = Self.number(r) }
        return o
    }

    /// Reads what ``numbersJSON()`` wrote; nil when it cannot.
    private static func numbers(_ v: JSONValue) -> (model: MatchModel, personCount: Double, registryThreshold: Double?)? {
        guard let m = levels(v["m"]), let u = levels(v["u"]), case .object(let source)? = v["source"],
              let count = v["person_count"]?.scalarText.flatMap(Double.init)
        else { return nil }
        // A hub's numbers from before a field was compared (the address and birthplace, 2026-11-28) lack it: the
        // defaults stand for it until the next estimate.
        return (MatchModel(m: MatchModel.defaults.m.merging(m) { $1 }, u: MatchModel.defaults.u.merging(u) { $1 },
                           source: source.compactMapValues(\.stringValue)), count,
                v["registry_link_threshold"]?.scalarText.flatMap(Double.init))
    }

    // MARK: - Resuming an update that was cut off

    /// Where an update stands in its schedule of estimates: batches committed, and whether the other sources' batches
    /// began. Saved with the numbers the index holds between estimates (m, u, the registry's threshold, the person
    /// count for term frequencies, whether fragments may exist; the last u sample is kept under its own key) in the
    /// transaction of every batch,
    /// and dropped when the update ends, so an update cut off (a crash, SIGKILL) resumes with exactly the state its
    /// next batch would have had, and ends with the links an uninterrupted update gives.
    struct UpdateProgress {
        static let metaKey = "person_update_progress"
        var batches = 0
        var othersStarted = false
    }

    /// The hub's last estimate of u and the person count it was made with, kept across updates (`meta`), so that
    /// u is sampled again only when the persons have grown twofold (fourfold during registry batches) whether the
    /// updates run in one process or in many (every `simpul ingest`, every push): sampling u compares some 120,000
    /// pairs, which took 0.6 of the 0.9 s a one-row push spent on a 100,000-person hub when each update sampled
    /// afresh.
    static let uEstimateKey = "person_u_estimate"

    /// Saves the state after a batch, inside the batch's transaction.
    private func saveProgress(_ p: UpdateProgress) throws {
        var o = numbersJSON()
        o["batches"] = .int(p.batches)
        o["others_started"] = .bool(p.othersStarted)
        o["fragments_possible"] = .bool(fragmentsPossible)
        try store.setMetaValue(UpdateProgress.metaKey, JSONValue.object(o).jsonText)
        // The last u sample under its own key, in the same transaction: a resumed update reads it from there.
        try saveUEstimate()
    }

    /// The state a cut-off update saved, restored into the index; nil (nothing restored, a fresh update) when there
    /// is none or it cannot be read.
    private func resumeProgress() throws -> UpdateProgress? {
        guard let text = try store.metaValue(UpdateProgress.metaKey), let v = try? JSONParser.parse(text),
              let batches = v["batches"]?.scalarText.flatMap({ Int($0) }), case .bool(let others)? = v["others_started"],
              case .bool(let fragments)? = v["fragments_possible"], let numbers = Self.numbers(v)
        else { return nil }
        fragmentsPossible = fragments
        (model, personCount, registryLinkThreshold) = numbers
        uEstimate = try loadUEstimate()
        return UpdateProgress(batches: batches, othersStarted: others)
    }

    private func loadUEstimate() throws -> UEstimate? {
        try store.metaValue(Self.uEstimateKey).flatMap { Self.uEstimate(try? JSONParser.parse($0)) }
    }

    private func saveUEstimate() throws {
        if let e = uEstimate { try store.setMetaValue(Self.uEstimateKey, Self.json(e).jsonText) }
    }

    // Doubles as JSON number literals (Swift's shortest text reads back to the same value), per-level tables by field.
    private static func number(_ d: Double) -> JSONValue { .number(String(d)) }
    private static func levels(_ t: [Field: [Double]]) -> JSONValue {
        .object(Dictionary(uniqueKeysWithValues: t.map { ($0.key.rawValue, JSONValue.array($0.value.map(number))) }))
    }
    private static func levels(_ v: JSONValue?) -> [Field: [Double]]? {
        guard case .object(let o)? = v else { return nil }
        var t: [Field: [Double]] = [:]
        for (k, a) in o {
            guard let f = Field(rawValue: k), let xs = a.arrayValue?.compactMap({ $0.scalarText.flatMap(Double.init) }),
                  xs.count == a.arrayValue?.count else { return nil }
            t[f] = xs
        }
        return t
    }
    private static func json(_ e: UEstimate) -> JSONValue {
        .object(["persons": number(e.persons), "u": levels(e.u), "source": .string(e.source)])
    }
    private static func uEstimate(_ e: JSONValue?) -> UEstimate? {
        guard let e, let persons = e["persons"]?.scalarText.flatMap(Double.init), let u = levels(e["u"]), let source = e["source"]?.stringValue
        else { return nil }
        return (persons, MatchModel.defaults.u.merging(u) { $1 }, source)
    }

    // MARK: - Registry records arriving after other sources

    /// A registry record can arrive after mentions of its person from other sources (a pemda that had permits
    /// before its Dukcapil export). Those mentions were decided without it: one with a mistyped NIK, a family-card
    /// number or no NIK founded a person of its own, or joined such a person, and nothing would ever bring them to
    /// the registry person. So a registry record looks for persons founded without the registry that could be its
    /// person (the blocking and scoring of any other mention, at least `possible`) and retires them: their mentions
    /// are decided again in the same update, after the registry records, as if the registry had come first. A
    /// person a steward tied mentions to is left alone. A person founded again by the same mention keeps its id;
    /// the others redirect to where most of their mentions went.
    private func absorbFragments(_ f: MentionFacts, registryPerson: String, keptApart: Set<String>) throws {
        var other = f
        other.registry = false
        // Never a person a steward kept this record apart from.
        var cands = try candidates(other, excluding: keptApart.union([registryPerson]))
        // Also persons known by nothing but this name: a mention with only a name meets registry persons through
        // the name (when it was decided after them); the registry record meets it the same way.
        for key in (currentBlocks ?? Self.blocks(f)) where key.hasPrefix("n:") {
            if let c = try store.personsInBlock(key, atMost: maxBlock) {
                cands += c.filter { $0 != registryPerson && !keptApart.contains($0) && !cands.contains($0) }
            }
        }
        // A person founded by this record's family card typed for a NIK (before the registry came, the number
        // looked like a NIK nobody held): its mentions may be any member's, so they are all decided again.
        if let kk = f.noKK, let holder = try store.activePersonID(nik: kk), holder != registryPerson, !keptApart.contains(holder),
           try store.personFacts(holder)?.registry == false,
           try !store.hasMustRules(person: holder) {
            try retire(holder, for: registryPerson)
        }
        for r in try rank(other, cands) where r.score >= thresholds.possible {
            guard try store.personFacts(r.person)?.registry == false, try !store.hasMustRules(person: r.person) else { continue }
            try retire(r.person, for: registryPerson)
        }
    }

    private func retire(_ person: String, for target: String) throws {
        oversizedBlocks.removeAll()
        forgetKept()
        let mentions = try store.linkedMentions(person: person)
        let blocks = mentions.flatMap { Self.blocks(MentionFacts(data: $0.data, registry: registryConnectors.contains($0.connector))) }
        try store.retirePerson(person, for: target, mentions: mentions.map(\.key), blocks: blocks)
    }

    // MARK: - Estimating m and u from the hub's data

    static func facts(_ r: [String?]) -> MatchFacts {
        MatchFacts(nama: r[0], tanggalLahir: r[1], nik: r[2], noKK: r[3], kodeWilayah: r[4], jenisKelamin: r[5],
                   alamat: r.count > 6 ? r[6] : nil, tempatLahir: r.count > 7 ? r[7] : nil)
    }

    /// u from pairs of different persons (a fixed sample); m from pairs the same NIK already proved to be one person
    /// (a non-registry mention and its registry person). Fields without enough pairs keep the defaults. Add-one
    /// smoothing; deterministic, so a rebuild estimates the same.
    ///
    /// u comes from about 100,000 pairs (each sampled person against the next 60): the rare levels (a name one typo
    /// or a dropped middle name apart) are seen a few times in 100,000 random pairs, and with fewer pairs the
    /// smoothing alone would set their u and undervalue them. It is estimated again only when the hub has `uGrowth`
    /// times the persons it had then.
    func estimate(uGrowth: Double = 2) throws {
        var model = MatchModel.defaults
        personCount = Double(max(1, try store.activePersonCount()))
        modelToSave = SavedModel(mentionsThrough: try store.lastMentionID(), thresholds: savedThresholds)
        reusedModel = false
        if let last = uEstimate, personCount < uGrowth * last.persons {
            model.u = last.u
            model.source["u"] = last.source
        } else if let e = try sampleU(persons: personCount) {
            model.u = e.u
            model.source["u"] = e.source
        }
        let pairs = try store.sameNIKPairs(limit: 5000)
        if pairs.count >= 50 {
            var counts: [Field: [Double]] = [:]
            for f in Field.allCases { counts[f] = [Double](repeating: 1, count: f.levels.count) }
            for (data, p) in pairs {
                for (f, level) in Compare.vector(MentionFacts(data: data, registry: false).match, Self.facts(p)) where f != .nik {
                    counts[f]![level] += 1
                }
            }
            for f in Field.allCases where f != .nik && f != .wilayah_nik {
                let total = counts[f]!.reduce(0, +)
                if total > 50 { model.m[f] = counts[f]!.map { $0 / total } }
            }
            model.source["m"] = "estimated from \(pairs.count) same-NIK pairs (nik, wilayah_nik: defaults)"
        }
        try estimateNameAlone(&model)
        self.model = model
    }

    /// Persons sampled to estimate u (``sampleU(persons:)``). Tests that compare two ways of deciding the same
    /// mentions (cut off or not, rebuilt or updated) sample fewer: in a debug build the 120,000 comparisons of the
    /// full sample were most of such a test's time.
    var uSampleSize = 2000

    /// Samples u: 2,000 persons (``uSampleSize``) in id order, each against the next 60. Sets (and returns) the hub's
    /// estimate; nil with fewer than 200 persons (the defaults stand).
    private func sampleU(persons: Double) throws -> UEstimate? {
        let sample = try store.samplePersonFacts(limit: uSampleSize).map(Self.facts)
        guard sample.count >= 200 else { return nil }
        var counts: [Field: [Double]] = [:]
        for f in Field.allCases { counts[f] = [Double](repeating: 1, count: f.levels.count) }
        for (i, a) in sample.enumerated() {
            for k in 1...60 where i + k < sample.count {
                let b = sample[i + k]
                for (f, level) in Compare.vector(a, b) where f != .nik { counts[f]![level] += 1 }
                // The region digits of scientific notation against a NIK: how often two persons' NIKs share them.
                if let x = a.nik, let y = b.nik, let level = Compare.regionLevel(digits: String(x.prefix(6)), nik: y) {
                    counts[.wilayah_nik]![level] += 1
                }
            }
        }
        var u = MatchModel.defaults.u
        for f in Field.allCases where f != .nik {
            let total = counts[f]!.reduce(0, +)
            if total > 100 { u[f] = counts[f]!.map { $0 / total } }
        }
        let e = (persons: persons, u: u, source: "estimated from \(sample.count) persons (nik: defaults)")
        uEstimate = e
        return e
    }

    /// How often a name one registry person holds names the right person, measured on mentions whose NIK a registry
    /// person holds (the person the NIK names, decided yet or not): of those whose name exactly one registry person
    /// has, the share whose NIK is that person's. Where names are dense (many namesakes, people the registry does not
    /// know), the share is low, and a registry person then needs `probable` like anyone; where it reaches
    /// `nameAlonePrecision`, `probableRegistry`. Until 100 such mentions exist, `probable`.
    private func estimateNameAlone(_ model: inout MatchModel) throws {
        guard thresholds.probableRegistry < thresholds.probable else {
            registryLinkThreshold = thresholds.probableRegistry
            return
        }
        var one = 0, right = 0
        for (data, person) in try store.registryNIKMentions(limit: 3000, registryConnector: registryConnector) {
            guard let n = MentionFacts(data: data, registry: false).nama else { continue }
            let holders = try store.registryPersons(block: "n:" + MatchName.canonical(n))
            guard holders.count == 1 else { continue }
            one += 1
            if holders[0] == person { right += 1 }
        }
        let share = one > 0 ? Double(right) / Double(one) : 0
        let telling = one >= 100 && share >= thresholds.nameAlonePrecision
        var threshold = thresholds.probable
        if telling {
            threshold = thresholds.probableRegistry
            // What was just measured is a name one registry person holds, so such a name must reach the threshold
            // alone. Its weight is capped where its term frequency reaches a tenth of the average name's
            // (`nameFrequency(_:)`), and where names are as unevenly common as real ones, or the hub is small, that
            // cap lies below `probableRegistry` (13.02 among 20,000 residents of the held-out corpus): there the
            // threshold is that weight, rounded down to the hundredth the evidence shows, and never below `possible`.
            if personCount >= 1000, let u = model.u[.nama]?[0] {
                let alone = model.weight(.nama, 0, tfU: Self.termFrequency(holders: 1, persons: personCount, u: u))
                threshold = max(thresholds.possible, min(threshold, (alone * 100).rounded(.down) / 100))
            }
        }
        registryLinkThreshold = threshold
        model.source["registry"] = "a name one registry person holds named that person in \(right) of \(one) mentions with a NIK: "
            + "registry persons linked from \(FixedDecimal.two(threshold))"
    }

    // MARK: - Blocking

    /// The blocking keys a person is filed under (from one of its mentions).
    static func blocks(_ f: MentionFacts) -> [String] {
        var b: [String] = []
        if let n = f.nama, let form = f.match.name {
            let tokens = form.tokens
            let c = form.canonical
            b.append("n:" + c)
            let sound = MatchName.phonetic(n)
            // The recorded birth date, else the one the NIK encodes.
            for t in f.tanggalLahir.map({ [$0] }) ?? f.match.nikBirthDates {
                b.append("nd:" + c + "|" + t)
                b.append("py:" + sound + "|" + t.prefix(4))
                // The name's sound with the whole date: where a registry record looks for a second NIK of itself.
                b.append("pd:" + sound + "|" + t)
                // First name and last name, each with the birth date: a typo in the other name or a dropped middle
                // name still meets the person when there is no NIK or region to block on.
                if let first = tokens.first, tokens.count >= 2 {
                    b.append("fd:" + first + "|" + t)
                    b.append("ld:" + tokens[tokens.count - 1] + "|" + t)
                }
            }
            // First name and last name, each with the kecamatan: a typo in the other name or a dropped middle name
            // still meets the person when there is no NIK or birth date to block on. A single name (many
            // Indonesians have one) with its kecamatan too.
            // And the birth date with the kecamatan, whatever the name: a typo in a single name (`WILLIAK`,
            // `PRIYOO`) left such a record no key it shared with its person but this one. A few persons each: one
            // kecamatan's people born on one day. (Every person is filed under it; a single name asks for it.)
            // And the whole name with the kecamatan: where a record gives only a name and a place, its candidates
            // are the kecamatan's namesakes, not every holder of the name in the hub (`candidates`).
            let kecs = kecamatan(f)
            for k in kecs { b.append("nk:" + c + "|" + k) }
            if let first = tokens.first {
                for k in kecs {
                    b.append("fk:" + first + "|" + k)
                    if tokens.count >= 2 { b.append("lk:" + tokens[tokens.count - 1] + "|" + k) }
                }
            }
            for t in f.tanggalLahir.map({ [$0] }) ?? f.match.nikBirthDates {
                for k in kecs { b.append("dk:" + t + "|" + k) }
            }
        }
        if let nik = f.comparableNIK { b += deletionKeys(nik) }
        if let kk = f.noKK { b.append("kk:" + kk) }
        return b
    }

    /// The kecamatan a mention places its person in (dotted `75.71.01`): from the kode wilayah, and from the NIK
    /// or the digits scientific notation kept.
    static func kecamatan(_ f: MentionFacts) -> [String] {
        var out: [String] = []
        if let w = f.kodeWilayah, w.utf8.count >= 8 { out.append(String(w.prefix(8))) }
        func add(_ k: String?) { if let k, !out.contains(k) { out.append(k) } }
        if let k = f.match.nikKecamatan {
            add(k)
        } else if let d = f.nikDigits, d.utf8.count >= 6, let shown = Int(d.prefix(6)) {
            // The sixth digit may have been rounded up: the kecamatan is the one shown or the one before.
            add(Compare.kecamatan(digits: d.prefix(6)))
            if shown > 100_000 { add(Compare.kecamatan(digits: String(shown - 1))) }
        }
        return out
    }

    /// Two NIK halves, the first 10 digits (region, birth day and month) and the last 6 (birth year, serial), and
    /// the NIK without digits 10 and 11: two NIKs one substitution or one adjacent swap apart share one of them.
    /// Three keys per NIK instead of the 16 of single-digit deletion keep the blocking table small.
    static func deletionKeys(_ nik: String) -> [String] {
        guard (15...17).contains(nik.utf8.count) else { return [] }
        // A digit nobody could read (`?`) spoils its half; the other half still finds the person. The third key
        // (the NIK without digits 10 and 11) finds a swap of those two.
        let keys: [String] = ["k10:\(nik.prefix(10))", "k6:\(nik.suffix(6))", "k14:\(nik.prefix(9))\(nik.suffix(5))"]
        return keys.filter { !$0.utf8.contains(UInt8(ascii: "?")) }
    }

    /// `YYYY-DD-MM` for `YYYY-MM-DD` when that is another real date (nil when day and month are the same, the day
    /// is past 12, or the text is no such date): no one is filed under a date that does not exist.
    static func dayMonthSwapped(_ date: Substring) -> String? {
        let u = Array(date.utf8)
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"), u[5...6] != u[8...9] else { return nil }
        let swapped = String(decoding: u[0...4] + u[8...9] + [UInt8(ascii: "-")] + u[5...6], as: UTF8.self)
        return (try? DateNormaliser.date(swapped)) == swapped ? swapped : nil
    }

    /// How many holders of a name a mention that places its person still meets across the hub by the name alone.
    static let nameAloneAcrossTheHub = 10

    /// The blocking keys that are broad: a first or last name in a kecamatan. In a kabupaten's population each holds
    /// dozens to hundreds of persons, most of the candidates a mention meets.
    static func isBroad(_ key: String) -> Bool { key.hasPrefix("fk:") || key.hasPrefix("lk:") }

    /// Candidates of a mention that is not registry data, ranked, in two steps: from its sharp keys (NIK, family
    /// card, name with birth date, the whole name) first, and from the broad ones too only when those leave the
    /// decision open, that is, unless a candidate scores `certain` and leads by the margin. A candidate that only
    /// shares a first or last name and a kecamatan (no NIK half, no name with the birth date or its year, not the
    /// whole name) scores far below such a one: on every corpus measured the decisions are those of all keys at
    /// once (docs/persons.md), at a fraction of the comparisons where names are dense.
    private func rankInSteps(_ f: MentionFacts, excluding: Set<String>) throws -> [Ranked] {
        let nameFreq = try nameFrequency(f)
        let sharp = try rank(f, try candidates(f, excluding: excluding, broad: false), nameFrequency: nameFreq)
        if let (_, grade) = clearLeader(sharp), grade == "certain" { return sharp }
        let broad = try candidates(f, excluding: excluding.union(sharp.map(\.person)), broad: true)
        if broad.isEmpty { return sharp }
        // Each list's best two carry their explanation, so the merged list's best two do.
        return (sharp + (try rank(f, broad, nameFrequency: nameFreq))).sorted { $0.score != $1.score ? $0.score > $1.score : $0.person < $1.person }
    }

    /// `broad`: nil for all keys, false for all but the broad ones, true for the broad ones only.
    private func candidates(_ f: MentionFacts, excluding: Set<String>, broad: Bool? = nil) throws -> [String] {
        var out = Set<String>()
        // Its own keys, plus its NIK as someone's family-card number. The name alone is a candidate source only
        // when nothing sharper is known (no NIK and no birth date): in a large population a common name has many
        // holders, and comparing them all for every mention would grow with the population.
        // First or last name in the kecamatan or with the birth date: for every mention that is not registry data
        // (a NIK nobody holds yet may be mistyped, or a family-card number).
        // A registry mention founds its own person and is compared only to flag a registry look-alike (a "NIK
        // ganda": the same name and birth date under a second NIK). Two registry NIKs are never typos of each other
        // (Dukcapil issued both), so it looks for those by name and birth date, not by NIK similarity or family
        // card: in a kabupaten's registry (a few dozen kecamatan) a NIK's first ten digits (kecamatan, birth day and
        // month) are shared by a hundred people or more, a family card by the whole family (twins have consecutive
        // NIKs and one card), and comparing them all made indexing a registry slow and flagged twins.
        var keys = (currentBlocks ?? Self.blocks(f)).filter { key in
            if let broad, Self.isBroad(key) != broad { return false }
            if key.hasPrefix("n:") || key.hasPrefix("nk:") { return f.nik == nil && f.tanggalLahir == nil }
            if key.hasPrefix("fk:") || key.hasPrefix("lk:") || key.hasPrefix("fd:") || key.hasPrefix("ld:") { return !f.registry }
            // The birth date in the kecamatan, for a single name: a name of two words or more meets its person by the
            // other word with the birth date (`fd:`, `ld:`); asked for every mention, it brought a kabupaten's
            // namesakes born that day, and more ties, to the many whose name already found the person.
            if key.hasPrefix("dk:") { return !f.registry && (f.match.name?.tokens.count ?? 0) == 1 }
            if key.hasPrefix("k10:") || key.hasPrefix("k6:") || key.hasPrefix("k14:") || key.hasPrefix("kk:") { return !f.registry }
            // A registry record looks for its look-alike by the name's sound with the birth date, not its year: a
            // "NIK ganda" needs the same birth date (or day and month swapped, below), and at a million mentions the
            // year's block brought a registry record more than one candidate that could never be one.
            if key.hasPrefix("py:") { return !f.registry }
            if key.hasPrefix("pd:") { return f.registry }
            return true
        }
        if f.registry {
            keys += keys.compactMap { key -> String? in
                guard key.hasPrefix("pd:"), let swapped = Self.dayMonthSwapped(key.suffix(10)) else { return nil }
                return key.dropLast(10) + swapped
            }
        }
        if !f.registry, broad != true {
            if let nik = f.comparableNIK {
                if !nik.utf8.contains(UInt8(ascii: "?")) { keys.append("kk:" + nik) }
            } else if let kk = f.noKK {
                keys.append("kk:" + kk)  // ranked as on a card it does not carry (a NIK borrowed from that family, `decide`)
            }
        }
        // A mention that places its person meets the name's holders across the hub only when they are few (a rare
        // name may name a person who moved); otherwise the kecamatan's namesakes (`nk:`) are its candidates. A common
        // name's holders elsewhere disagree on the place and its name weighs little, so they scored far below the
        // kecamatan's (the decisions of the corpora measured barely moved), and they were most of the candidates
        // scored, in numbers growing with the population (docs/persons.md).
        // A name's block past that limit is not marked oversized: another mention of the same transaction may still
        // read it whole.
        let placed = !Self.kecamatan(f).isEmpty
        for k in keys where !oversizedBlocks.contains(k) {
            let most = placed && k.hasPrefix("n:") ? Self.nameAloneAcrossTheHub : maxBlock
            guard let c = try store.personsInBlock(k, atMost: most) else {
                if most == maxBlock { oversizedBlocks.insert(k) }
                continue
            }
            out.formUnion(c)
        }
        return out.subtracting(excluding).sorted()
    }

    // MARK: - Deciding

    static func evidence(_ o: [String: JSONValue]) -> String { JSONValue.object(o).jsonText }

    private func link(_ m: PendingMention, _ f: MentionFacts, to person: String, link: String, grade: String, score: Double?,
                      _ ev: [String: JSONValue], _ s: inout Summary) throws {
        try store.linkMention(m.key, person: person, link: link, grade: grade, score: score, evidence: Self.evidence(ev), versionID: m.versionID,
                              mentionID: m.id, inReview: m.inReview)
        // A new version of a mention that goes to another person: the one it left keeps only its other mentions' facts.
        if let was = m.linkedTo, was != person { try refresh(person: was, removed: [m.key]) }
        try file(currentBlocks ?? Self.blocks(f), person: person)
        try store.updatePersonFacts(person, nama: f.nama, tanggalLahir: f.tanggalLahir, jenisKelamin: f.jenisKelamin, noKK: f.noKK,
                                    kodeWilayah: f.kodeWilayah, alamat: f.alamat, tempatLahir: f.tempatLahir, registry: f.registry)
        if let nik = f.nik { try store.setPersonNIK(person, nik: nik) }
        // The person's facts kept as a candidate's stay when the link changes nothing the store holds of it (a
        // permit's applicant linked to their registry person); otherwise they are read again when next needed.
        if let known = candidateFacts[person], Self.changes(known, by: f) { candidateFacts[person] = nil }
        if link == "manual" { s.manual += 1 } else if grade == "certain" { s.certain += 1 } else { s.probable += 1 }
    }

    /// Whether linking a mention with facts `f` changes what the store holds of a person whose facts are `known`
    /// (``HubStore/updatePersonFacts`` and ``HubStore/setPersonNIK``): a registry mention sets each field it has and
    /// makes the person a registry person; another mention fills the fields a person the registry does not know
    /// lacks; a NIK fills a person's missing one.
    static func changes(_ known: KnownFacts, by f: MentionFacts) -> Bool {
        let o = known.facts, n = f.match
        if o.nik == nil && n.nik != nil { return true }
        if f.registry != known.registry { return f.registry }
        func changed(_ new: String?, _ old: String?) -> Bool {
            guard let new else { return false }
            return f.registry ? new != old : old == nil
        }
        return changed(n.nama, o.nama) || changed(n.tanggalLahir, o.tanggalLahir) || changed(n.jenisKelamin, o.jenisKelamin)
            || changed(n.noKK, o.noKK) || changed(n.kodeWilayah, o.kodeWilayah) || changed(n.alamat, o.alamat)
            || changed(n.tempatLahir, o.tempatLahir)
    }

    /// Forgets the candidates' facts and the blocking keys filed that this index keeps between decisions.
    private func forgetKept() {
        candidateFacts.removeAll(keepingCapacity: true)
        filedBlocks.removeAll(keepingCapacity: true)
    }

    /// Files `person` under `blocks`, those this index does not know it filed the person under (``filedBlocks``).
    private func file(_ blocks: [String], person: String) throws {
        guard remembersFiledBlocks, let id = Self.idBits(person) else { return try store.addBlocks(blocks, person: person) }
        var filed = filedBlocks[id] ?? []
        let known = filed.count
        for b in blocks {
            let h = HubStore.blockHash(b)
            if !filed.contains(h) { filed.append(h) }
        }
        guard filed.count > known else { return }
        try store.addBlocks(hashes: filed[known...], person: person)
        if known == 0, filedBlocks.count >= Self.filedPersonsKept { filedBlocks.removeAll(keepingCapacity: true) }
        filedBlocks[id] = filed
    }

    /// The 64 bits of a person id as ``personID(_:)`` makes them (`P` and 16 lower-case hex digits), else nil.
    static func idBits(_ id: String) -> UInt64? {
        let u = id.utf8
        guard u.count == 17, u.first == UInt8(ascii: "P") else { return nil }
        var v: UInt64 = 0
        for c in u.dropFirst() {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = v << 4 | UInt64(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = v << 4 | UInt64(c - UInt8(ascii: "a") + 10)
            default: return nil
            }
        }
        return v
    }

    private func newPerson(_ m: PendingMention, _ f: MentionFacts, _ s: inout Summary, _ ev: [String: JSONValue],
                           cannot: Set<String> = []) throws -> String {
        // Founded by a NIK nobody holds: the id comes from the NIK; otherwise (no NIK, or a steward kept this
        // mention apart from the NIK's holder) from the mention's key. Never a person a steward kept it apart from:
        // in a rebuild, the registry mention a steward unlinked from the person its NIK founded meets no holder.
        let id: String
        if let nik = f.nik, try store.personIDHolding(nik: nik) == nil, case let byNIK = try personID("nik:" + nik), !cannot.contains(byNIK) {
            id = byNIK
        } else {
            id = try personID("mention:" + m.key)
        }
        let founded = try store.insertPerson(id: id, nik: f.nik)
        s.newPersons += 1
        personCount += 1
        try link(m, f, to: id, link: "auto", grade: "certain", score: nil, ev, &s)
        // A person just founded holds this mention's facts and nothing else: kept as a candidate's facts, it is not
        // read back from the store when it is a later mention's candidate.
        if founded { keep(KnownFacts(Self.personFacts(f), registry: f.registry), for: id) }
        return id
    }

    private func review(_ m: PendingMention, candidate: String?, kind: String, score: Double?, _ ev: [String: JSONValue], keepLink: Bool = false,
                        _ s: inout Summary) throws {
        try store.reviewMention(m.key, candidate: candidate, kind: kind, score: score, evidence: Self.evidence(ev), versionID: m.versionID,
                                keepLink: keepLink)
        if !keepLink, let was = m.linkedTo { try refresh(person: was, removed: [m.key]) }
        s.review += 1
    }

    /// Term frequency of the mention's name, once there are enough persons for it to mean something (a count of
    /// its block: one query per mention ranked).
    private func nameFrequency(_ f: MentionFacts) throws -> Double? {
        guard let name = f.match.name, personCount >= 1000 else { return nil }
        return Self.termFrequency(holders: Double(try store.blockSize("n:" + name.canonical)), persons: personCount, u: model.u[.nama]![0])
    }

    /// The share of persons holding a name, kept between a tenth and twenty times u of an exact name (the chance
    /// that two persons drawn at random share theirs), so that one holder in a small hub does not weigh without end.
    static func termFrequency(holders: Double, persons: Double, u: Double) -> Double {
        min(max(holders / persons, u / 10), u * 20)
    }

    /// Scores candidates; the best first. The best two carry their explanation (per-field levels and weights): the
    /// decision explains the best and names the runner-up, and building it for every candidate of a large block was
    /// a good part of ranking.
    /// `nameFrequency`: the mention's ``nameFrequency(_:)`` when the caller has it already (nil: worked out here).
    func rank(_ f: MentionFacts, _ cands: [String], nameFrequency known: Double?? = nil) throws -> [Ranked] {
        let nameFreq = try known ?? nameFrequency(f)
        var scored: [(person: String, score: Double, vector: Comparison, registry: Bool)] = []
        scored.reserveCapacity(cands.count)
        for c in cands {
            guard let known = try factsOf(candidate: c) else { continue }
            comparisons += 1
            let v = Compare.vector(f.match, known.facts)
            scored.append((c, model.total(v, nameFrequency: nameFreq), v, known.registry))
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.person < $1.person }
        return scored.enumerated().map { i, c in
            var j: [String: JSONValue] = [:]
            if i < 2 {
                for (k, x) in model.score(c.vector, nameFrequency: nameFreq).1 {
                    j[k] = .object(["level": .string(x.level), "weight": .number(FixedDecimal.two(x.weight))])
                }
            }
            return (c.person, c.score, j, c.registry)
        }
    }

    /// A candidate's facts, from `candidateFacts` or the store (nil for a person no longer active).
    private func factsOf(candidate id: String) throws -> KnownFacts? {
        if let known = candidateFacts[id] {
            if checksKeptFacts {
                let stored = try store.personFacts(id)
                if stored.map({ Self.facts($0.fields) != known.facts || $0.registry != known.registry }) ?? true { keptFactsDiffering.append(id) }
            }
            return known
        }
        guard let (p, registry) = try store.personFacts(id) else { return nil }
        let known = KnownFacts(Self.facts(p), registry: registry)
        keep(known, for: id)
        return known
    }

    private func keep(_ known: KnownFacts, for id: String) {
        guard factsKept > 0 else { return }
        if candidateFacts.count >= factsKept { candidateFacts.removeAll(keepingCapacity: true) }
        candidateFacts[id] = known
    }

    /// What the store holds of a person founded by a mention with facts `f`: its facts but the readings of an
    /// unusable NIK, which a person does not keep.
    static func personFacts(_ f: MentionFacts) -> MatchFacts {
        var m = f.match
        m.nikRead = nil
        m.nikDigits = nil
        return m
    }

    public enum StewardError: Error, Equatable {
        case noMention
        case noPerson
        /// A merge would put these mentions with a person a steward said they are not (a cannot-link).
        case keptApart([String])
    }

    /// A person by NIK (the active person known by it) or by id (following merges).
    public func resolve(_ arg: String) throws -> PersonRow? {
        if NIK.isSixteenDigits(arg) { return try store.person(nik: arg) }
        return try store.currentPerson(id: arg)
    }

    /// A steward's decision: `must` (this mention is this person) or `cannot` (it is not). The rule is kept for
    /// every later run; the mention is decided again at once. Returns the person it is now with (nil: in review).
    @discardableResult
    public func applyRule(mention: String, person: String, rule: String) throws -> (person: PersonRow, now: String?, summary: Summary) {
        guard try store.db.scalarInt("SELECT count(*) FROM mentions WHERE key = ?", [.text(mention)]) == 1 else { throw StewardError.noMention }
        guard let p = try resolve(person) else { throw StewardError.noPerson }
        try store.writeTransaction {
            let was = try store.personOf(mention: mention)
            try store.addRule(mention: mention, person: p.id, rule: rule)
            try store.forgetDecision(mention: mention)
            if let was { try refresh(person: was, removed: [mention]) }
        }
        let s = try update()
        return (p, try store.personOf(mention: mention), s)
    }

    /// A person's facts (what matching compares, and its NIK) and blocking keys again from the mentions still
    /// linked to it, after a steward took `removed` away (unlink, a link elsewhere, a split). They were partly the
    /// removed mentions' own: a registry row taken away left the person looking like that registry person, with its
    /// name and birth date to match against, its NIK, and the registry's lower link threshold. The registry's
    /// mentions first, then by key; the NIK stays when a mention left still carries it, else it is the registry
    /// mention's, or none. A person left with no mention is retired: at the end of the update its id leads to where
    /// its mentions went (``HubStore/redirectRetired()``).
    func refresh(person id: String, removed: [String]) throws {
        guard let p = try store.person(id: id), p.status == "active" else { return }
        func facts(_ m: (connector: String, data: JSONValue)) -> MentionFacts {
            MentionFacts(data: m.data, registry: registryConnectors.contains(m.connector))
        }
        if let bits = Self.idBits(id) { filedBlocks[bits] = nil }
        for key in removed {
            guard let r = try store.db.rows("SELECT connector, data FROM mentions WHERE key = ?", [.text(key)]).first,
                  let connector = r[0].text, let data = r[1].text.flatMap({ try? JSONParser.parse($0) }) else { continue }
            try store.dropBlocks(Self.blocks(facts((connector, data))), person: id)
        }
        let left = try store.linkedMentions(person: id).map { facts(($0.connector, $0.data)) }.enumerated()
            .sorted { ($0.element.registry ? 0 : 1, $0.offset) < ($1.element.registry ? 0 : 1, $1.offset) }.map(\.element)
        if left.isEmpty {
            try store.retirePerson(id, for: "", mentions: removed, blocks: [])
            candidateFacts[id] = nil
            return
        }
        let keepNIK = p.nik.map { nik in left.contains { $0.nik == nik } } ?? false
        try store.db.run("""
            UPDATE persons SET nama = NULL, tanggal_lahir = NULL, jenis_kelamin = NULL, no_kk = NULL, kode_wilayah = NULL, alamat = NULL,
                tempat_lahir = NULL, registry = 0\(keepNIK ? "" : ", nik = NULL") WHERE id = ?
            """, [.text(id)])
        for f in left {
            try store.updatePersonFacts(id, nama: f.nama, tanggalLahir: f.tanggalLahir, jenisKelamin: f.jenisKelamin, noKK: f.noKK,
                                        kodeWilayah: f.kodeWilayah, alamat: f.alamat, tempatLahir: f.tempatLahir, registry: f.registry)
            if !keepNIK, f.registry, let nik = f.nik { try store.setPersonNIK(id, nik: nik) }
            try file(Self.blocks(f), person: id)
        }
        candidateFacts[id] = nil
    }

    /// A steward merges two persons: `from` is marked merged with a redirect to `into`, its mentions and blocking
    /// keys move, and every mention of `from` gets a must-link to `into` (so later runs keep them together).
    public func merge(_ fromArg: String, into intoArg: String) throws -> (from: PersonRow, into: PersonRow) {
        guard let from = try resolve(fromArg), let into = try resolve(intoArg) else { throw StewardError.noPerson }
        guard from.id != into.id else { return (from, into) }
        // A steward's cannot-link between a mention of one and the other stands: the merge is refused, naming them.
        // Merging a person split off the other back into it undoes that split, whose cannot-links these are.
        func splitOff(_ a: PersonRow, _ b: PersonRow) -> Bool {
            a.lineage.flatMap { try? JSONParser.parse($0) }?["split_from"]?.stringValue == b.id
        }
        let keptApart = splitOff(from, into) || splitOff(into, from) ? [] : try store.db.rows("""
            SELECT r.mention_key FROM person_rules r JOIN person_links l ON l.mention_key = r.mention_key
            WHERE r.rule = 'cannot' AND ((l.person_id = ?1 AND r.person_id = ?2) OR (l.person_id = ?2 AND r.person_id = ?1)) ORDER BY 1
            """, [.text(from.id), .text(into.id)]).compactMap { $0[0].text }
        if !keptApart.isEmpty { throw StewardError.keptApart(keptApart) }
        try store.writeTransaction {
            for m in try store.linkedMentions(person: from.id) { try store.addRule(mention: m.key, person: into.id, rule: "must") }
            try store.mergePerson(from.id, into: into.id)
            // What INTO lacked (a birth date, an address) may come from FROM's mentions now.
            try refresh(person: into.id, removed: [])
            try store.db.run("UPDATE persons SET lineage = json_set(coalesce(lineage, '{}'), '$.merged_from', json(coalesce(json_extract(lineage, '$.merged_from'), '[]'))) WHERE id = ?",
                             [.text(into.id)])
            try store.db.run("UPDATE persons SET lineage = json_set(lineage, '$.merged_from[#]', ?) WHERE id = ?", [.text(from.id), .text(into.id)])
        }
        return (from, into)
    }

    /// A steward splits mentions off a person that wrongly holds two people: they found a new person whose lineage
    /// names the old one, with must-links to it and cannot-links to the old one. Returns the new person's id.
    public func split(_ personArg: String, mentions: [String]) throws -> String {
        guard let old = try resolve(personArg) else { throw StewardError.noPerson }
        let linked = Set(try store.linkedMentions(person: old.id).map(\.key))
        guard !mentions.isEmpty, mentions.allSatisfy({ linked.contains($0) }) else { throw StewardError.noMention }
        let id = try personID("split:" + old.id + ":" + mentions.sorted()[0])
        try store.writeTransaction {
            try store.insertPerson(id: id, nik: nil, lineage: JSONValue.object(["split_from": .string(old.id)]).jsonText)
            for m in mentions {
                try store.addRule(mention: m, person: old.id, rule: "cannot")
                try store.addRule(mention: m, person: id, rule: "must")
                try store.forgetDecision(mention: m)
            }
            try refresh(person: old.id, removed: mentions)
        }
        try update()
        return id
    }

    /// The candidates for a mention's data, best first, without deciding or writing anything (latency probes, the
    /// console's "who could this be").
    public func match(data: JSONValue) throws -> [(person: String, score: Double)] {
        let f = MentionFacts(data: data, registry: false)
        oversizedBlocks.removeAll()
        candidateFacts.removeAll()
        if let nik = f.nik, let holder = try store.personIDHolding(nik: nik) { return [(holder, .infinity)] }
        return try rank(f, try candidates(f, excluding: [])).map { ($0.person, $0.score) }
    }

    typealias Ranked = (person: String, score: Double, parts: [String: JSONValue], registry: Bool)

    /// The weight a candidate needs to be linked automatically: `probable_registry` for a registry person,
    /// `probable` for a person the registry does not know.
    private func linkThreshold(_ r: Ranked) -> Double { r.registry ? registryLinkThreshold ?? thresholds.probable : thresholds.probable }

    /// The best candidate when it may be linked automatically: at least its link threshold, and ahead of the
    /// runner-up by `margin`; with its grade.
    private func clearLeader(_ ranked: [Ranked]) -> (best: Ranked, grade: String)? {
        guard let b = ranked.first, b.score >= linkThreshold(b), !Self.nearNIKOtherName(b),
              b.score - (ranked.dropFirst().first?.score ?? -Double.infinity) >= thresholds.margin else { return nil }
        return (b, b.score >= thresholds.certain ? "certain" : "probable")
    }

    /// A NIK near the candidate's (one typo, the same region and birth digits, or the family card) beside a name that
    /// disagrees outright: never linked automatically, whatever the weight. Dukcapil numbers the people of one
    /// kecamatan, birth date and sex 0001, 0002, …, so a neighbour's NIK is one digit away and agrees on the region,
    /// birth date and sex it encodes (the weights count those again); a family card is a whole household's. Only the
    /// name tells such a neighbour or relative from a typo, so a name that disagrees sends the pair to review.
    static func nearNIKOtherName(_ r: Ranked) -> Bool {
        guard r.parts["nama"]?["level"]?.stringValue == "disagree", let nik = r.parts["nik"]?["level"]?.stringValue else { return false }
        return nik == "one_typo" || nik == "same_region_and_birth" || nik == "family_card"
    }

    /// A scored decision's evidence: the rule, the weight, each field's level and weight, where m and u came from.
    private func explain(_ rule: String, _ r: Ranked) -> [String: JSONValue] {
        ["rule": .string(rule), "score": .number(FixedDecimal.two(r.score)), "fields": .object(r.parts),
         "model": .object(model.source.mapValues { .string($0) })]
    }

    private func nikLevel(of r: Ranked?) -> String? { level(.nik, of: r) }

    /// A name's given name: its first word, or the word after the leading names that begin many names (MUHAMMAD,
    /// SITI, …, Bali's I and NI) when a given name and a family name still follow.
    static func givenName(_ tokens: [String]) -> String {
        var k = 0
        while k + 2 < tokens.count, Compare.leadingNames.contains(tokens[k]) || tokens[k] == "I" || tokens[k] == "NI" { k += 1 }
        return tokens.isEmpty ? "" : tokens[k]
    }

    private func level(_ f: Field, of r: Ranked?) -> String? {
        r?.parts[f.rawValue]?["level"]?.stringValue
    }

    /// Whether a usable NIK is in fact a registry family's card number that no registry person holds as a NIK.
    /// The card's block first: for nearly every NIK it is empty, and the holder is not looked up twice per mention.
    private func typedFamilyCard(_ nik: String) throws -> Bool {
        guard try !store.personsInBlock("kk:" + nik, limit: 1).isEmpty else { return false }
        return try !registryHolds(nik)
    }

    /// Whether a registry person is known by this NIK.
    private func registryHolds(_ nik: String) throws -> Bool {
        guard let holder = try store.activePersonID(nik: nik) else { return false }
        return try store.personFacts(holder)?.registry == true
    }

    private func decide(_ m: PendingMention, _ s: inout Summary) throws {
        let rules = try store.rules(mention: m.key)
        // A rebuild deciding a past update's mentions again leaves a mention a steward tied to a person not founded
        // yet for a later update: the steward tied it to a person that existed then (a registry row arriving later,
        // a person split off), and founding that person from this mention would found it with the wrong facts. It
        // stays pending; the rebuild's last round founds the person from it if no update did.
        if store.mentionHorizon != nil, let must = rules.first(where: { $0.rule == "must" }),
           try store.person(id: must.person)?.status == "dormant" {
            return
        }
        s.decided += 1
        var f = MentionFacts(data: m.data, registry: registryConnectors.contains(m.connector))
        // A family-card number typed for the NIK (a registry family's card, and no registry person's NIK) is not
        // this person's NIK: the whole family shares it. It is compared as a family card, and a person founded by
        // it is not known by it, so the next member's record typed the same way is matched on its name and birth
        // date instead of joining by "same NIK".
        if !f.registry, let nik = f.nik, try typedFamilyCard(nik) {
            f.match.nik = nil
            f.match.nikRead = nik
            f.match.noKK = nik
        }
        // A NIK whose digits break two of its parts (a province code below 11, no such birth day, no such month,
        // serial 0000) and that no registry person holds: a placeholder typed where the NIK was not known
        // (`0000000000000000`, `1234567890123456`). One typo breaks one part at most, and a NIK with one typo is
        // still its person's (the person it founds keeps it, so the right NIK meets it later). Records that share a
        // placeholder are not one person, so it is compared like a NIK and never joins anyone by "same NIK" or names
        // a person.
        if !f.registry, let nik = f.nik, let d = NIK.decode(nik), d.problems.count >= 2, try !registryHolds(nik) {
            f.match.nik = nil
            f.match.nikRead = nik
        }
        currentBlocks = Self.blocks(f)
        defer { currentBlocks = nil }
        // Steward rules first.
        if let must = rules.first(where: { $0.rule == "must" }), let p = try store.person(id: must.person) {
            // A rebuild's dormant person is founded again by the first mention a steward tied to it.
            if p.status == "dormant" { try store.insertPerson(id: p.id, nik: f.nik) }
            let target = p.status == "merged" ? (p.mergedInto ?? p.id) : p.id
            try link(m, f, to: target, link: "manual", grade: "certain", score: nil, ["rule": .string("steward: same person")], &s)
            return
        }
        let cannot = Set(rules.filter { $0.rule == "cannot" }.map(\.person))
        // A registry record whose NIK a person founded without the registry holds: that person is retired and its
        // mentions decided again after this record founds the person under its NIK (the same id), as if the
        // registry had come first (agreeing mentions link to it, clashing ones go to review).
        if f.registry, fragmentsPossible, let nik = f.nik, let holder = try store.activePersonID(nik: nik), !cannot.contains(holder),
           try store.personFacts(holder)?.registry == false, try !store.hasMustRules(person: holder) {
            try retire(holder, for: try personID("nik:" + nik))
        }

        if let nik = f.nik, let holder = try store.personIDHolding(nik: nik), !cannot.contains(holder) {
            // A new version of a mention already with the NIK's holder, from the registry or the holder's only
            // mention: the record corrects itself (a name changed, a birth date corrected), so nothing in it can clash
            // with the person, whose facts are made again from it. (It was a conflict with its own facts: the person,
            // emptied, was retired, and its NIK found nobody until the next update founded it again.)
            if m.linkedTo == holder, try f.registry || !store.holdsOtherMentions(person: holder, than: m.key) {
                try link(m, f, to: holder, link: "auto", grade: "certain", score: nil, ["rule": .string("same NIK")], &s)
                try refresh(person: holder, removed: [])
                return
            }
            let holderFacts = try store.personFacts(holder)
            let known = holderFacts.map { Self.facts($0.fields) }
            var clash: [String: JSONValue] = [:]
            if let a = known?.jenisKelamin, let b = f.jenisKelamin, a != b { clash["jenis_kelamin"] = .string("\(b) here, \(a) for the person") }
            // Day and month swapped (a date written the other way round, both readings valid) is the same date
            // read differently, not a different person; any other difference is a clash.
            if let a = known?.tanggalLahir, let b = f.tanggalLahir, a != b, Compare.date(a, b) != 1 {
                clash["tanggal_lahir"] = .string("\(b) here, \(a) for the person")
            }
            // A name that disagrees outright is a clash too, unless what is left of it still names the person. A NIK
            // is borrowed, often a relative's, or typed into another person's often enough (SOURCES.md); Dukcapil
            // numbers the people of one kecamatan, birth date and sex 0001, 0002, …, so a typo in a serial lands on a
            // neighbour's NIK, who agrees on all the NIK encodes.
            // - With neither sex nor birth date on both sides to agree (an OSS responsible person, an SP2D recipient,
            //   a SIMBG owner carry a NIK and a name only), the same given name and family name (either one a typo
            //   away) with the rest garbled is the same person (a dropped middle name and a typo); the same given
            //   name alone is not, nor a given name a typo away beside another family name. The given name is the
            //   word after a leading MUHAMMAD, AHMAD, ABDUL, SITI, NUR, NURUL, or Bali's I and NI, which lead many
            //   names (`MUHAMMAD ABDULLAH ABAS` is not `MUHAMMAD IDRIS ABAS`, nor `I KOMANG SUDARSANA` his brother
            //   `I GEDE SUDARSANA`). A single name a typo away (`SURI` for `SRI`) is the same person too.
            // - Where sex or birth date agree, a name that keeps one word, or a typo of one, is the same person
            //   (`RIZAL` for `MUHAMMAD RIZAL`, `SRUI` for `SRI`); one with no word in common is not.
            if clash.isEmpty, let a = known?.nama, let b = f.nama, Compare.name(a, b) == Compare.nameDisagrees {
                let ta = MatchName.tokens(a), tb = MatchName.tokens(b)
                let agreeing = (known?.jenisKelamin != nil && f.jenisKelamin != nil) || (known?.tanggalLahir != nil && f.tanggalLahir != nil)
                func alike(_ x: String, _ y: String) -> Bool { x == y || Compare.oneEditApart(x, y) }
                let namesThePerson: Bool
                if agreeing {
                    // A shared word, but not the given name alone beside another family name (`ADAM ANWAR DAUD` for
                    // `ADAM ABAS`: two people of one kecamatan born the same day hold NIKs a swap apart).
                    let shared = ta.filter { x in tb.contains { alike(x, $0) } }
                    let givenNameAlone = ta.count >= 2 && tb.count >= 2 && shared.count == 1 && alike(ta[0], tb[0]) && !alike(ta[ta.count - 1], tb[tb.count - 1])
                    namesThePerson = !shared.isEmpty && !givenNameAlone
                } else if ta.count == 1 && tb.count == 1 {
                    namesThePerson = Compare.oneEditApart(ta[0], tb[0])
                } else if let x = ta.last, let y = tb.last {
                    // Or the family name the same and the given name a typo away (`AISAH NANI` for `AISYAH ASMA
                    // NANI`), in a given name of four letters or more (a shorter one is too easily another name),
                    // or of three with a letter dropped or added (`DEW`, `MADE` for `MAD`; not `ANI` for `ADI`).
                    let ga = Self.givenName(ta), gb = Self.givenName(tb)
                    let shorter = min(ga.utf8.count, gb.utf8.count)
                    let typo = Compare.oneEditApart(ga, gb) && (shorter >= 4 || (shorter == 3 && ga.utf8.count != gb.utf8.count))
                    namesThePerson = (ga == gb && alike(x, y)) || (x == y && typo)
                } else {
                    namesThePerson = false
                }
                if !namesThePerson { clash["nama"] = .string("\(b) here, \(a) for the person") }
            }
            if !clash.isEmpty {
                // Never the NIK's holder. But when, the holder left aside, the other fields clearly name someone
                // else (the NIK was borrowed, or mistyped into another person's), that person is linked, as a steward
                // would; the clash stays in the evidence. Anything less clear goes to review. The NIK is left out of
                // the comparison (it is the holder's: it says nothing of whom else the record names), and the person
                // linked is neither known nor found by it.
                var g = f
                g.match.nik = nil
                // A registry holder's family is where such a record's person most often is: an SP2D line or a permit
                // carries the head of the household's NIK, or a child's (SOURCES.md). So the record is ranked as on
                // the holder's family card: the family's other members are found by it and agree on it
                // (`family_card`, as when the card itself was typed for the NIK). Anyone else is compared as before,
                // on the other fields alone (a stranger's NIK says nothing against its person). Only for ranking:
                // the person linked is not filed under the card, which is not the record's.
                var byFamily = g
                if holderFacts?.registry == true, let card = known?.noKK, f.noKK == nil { byFamily.match.noKK = card }
                let others = try rankInSteps(byFamily, excluding: cannot.union([holder]))
                // And what clashed with the holder must be that person's: a birth date one typo from the holder's and
                // a relative of the same name in the same village is the holder, mistyped, not the relative. Only a
                // registry person: its NIK is the registry's, so the borrowed NIK can never become its golden NIK.
                func ownsTheClash(_ person: String) throws -> Bool {
                    guard let pf = try store.personFacts(person), pf.registry else { return false }
                    let q = Self.facts(pf.fields)
                    if clash["jenis_kelamin"] != nil, q.jenisKelamin != f.jenisKelamin { return false }
                    if clash["tanggal_lahir"] != nil {
                        guard let a = q.tanggalLahir, let b = f.tanggalLahir, Compare.date(a, b) <= 1 else { return false }
                    }
                    if clash["nama"] != nil {
                        guard let a = q.nama, let b = f.nama, Compare.name(a, b) < Compare.nameDisagrees else { return false }
                    }
                    return true
                }
                if let (b, grade) = clearLeader(others), try ownsTheClash(b.person) {
                    var ev = explain("same NIK as another person, clashing fields; linked on the other fields", b)
                    ev["nik_holder"] = .string(holder)
                    ev["clash"] = .object(clash)
                    currentBlocks = Self.blocks(g)
                    try link(m, g, to: b.person, link: "auto", grade: grade, score: b.score, ev, &s)
                    return
                }
                var ev: [String: JSONValue] = ["rule": .string("same NIK, clashing fields"), "clash": .object(clash)]
                // Whom else the record may name, not clearly enough to be linked: the steward sees both.
                if let r = others.first, r.score >= thresholds.possible {
                    ev["runner_up"] = .object(["person_id": .string(r.person), "score": .number(FixedDecimal.two(r.score)), "fields": .object(r.parts)])
                }
                try review(m, candidate: holder, kind: "conflict", score: nil, ev, &s)
                return
            }
            try link(m, f, to: holder, link: "auto", grade: "certain", score: nil, ["rule": .string("same NIK")], &s)
            return
        }

        let ranked = f.registry ? try rank(f, try candidates(f, excluding: cannot)) : try rankInSteps(f, excluding: cannot)
        let best = ranked.first

        if f.registry {
            // The registry NIK is the identity: a person of its own; a close registry look-alike is flagged.
            let id = try newPerson(m, f, &s, ["rule": .string("registry NIK")], cannot: cannot)
            if fragmentsPossible { try absorbFragments(f, registryPerson: id, keptApart: cannot) }
            // A possible "NIK ganda" needs more than a shared name and birth date (people born the same day in one
            // kecamatan can share a name): the two NIKs must also be one typo apart or share region and birth digits.
            // And the same birth date (or its day and month swapped) and a name that does not disagree: the NIK's
            // digits are the birth date and the kecamatan again, and with serials issued in order two people of one
            // kecamatan born days apart, or the same day under other names, hold NIKs one digit apart (their score
            // had flagged them).
            let nikLevel = nikLevel(of: best)
            let born = level(.tanggal_lahir, of: best), name = level(.nama, of: best)
            if let b = best, b.person != id, b.score >= thresholds.probable, nikLevel == "one_typo" || nikLevel == "same_region_and_birth",
               born == "exact" || born == "day_month_swapped", name != nil, name != "disagree",
               try store.personFacts(b.person)?.registry == true {
                try review(m, candidate: b.person, kind: "duplicate_nik", score: b.score,
                           explain("registry: another NIK looks like the same person (NIK ganda?)", b), keepLink: true, &s)
            }
            return
        }
        if let (b, grade) = clearLeader(ranked) {
            try link(m, f, to: b.person, link: "auto", grade: grade, score: b.score, explain("match weight above the \(grade) threshold", b), &s)
            return
        }
        if let b = best, b.score >= thresholds.possible {
            let reached = b.score >= linkThreshold(b)
            let otherName = reached && Self.nearNIKOtherName(b)
            let alike = reached && !otherName
            var ev = explain(otherName ? "a NIK near the person's, but another name" : alike ? "two candidates score alike"
                             : "match weight between the possible and probable thresholds", b)
            // Which other person is as close, so a steward sees both.
            if alike, let r = ranked.dropFirst().first {
                ev["runner_up"] = .object(["person_id": .string(r.person), "score": .number(FixedDecimal.two(r.score)), "fields": .object(r.parts)])
            }
            try review(m, candidate: b.person, kind: "possible", score: b.score, ev, &s)
            return
        }
        var ev: [String: JSONValue] = ["rule": .string(f.nik == nil ? "no usable NIK; no candidate close enough" : "new NIK; no candidate close enough")]
        if let b = best { ev["best_score"] = .number(FixedDecimal.two(b.score)) }
        _ = try newPerson(m, f, &s, ev, cannot: cannot)
    }
}
