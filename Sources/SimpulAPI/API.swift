import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SimpulHTTP
import SimpulIngest
import SimpulPersons
import SimpulJSON
import SimpulNormalise
import SimpulSchema
import SimpulStorage

/// The hub's HTTP API: routes, authentication (OPD bearer tokens), purposes, rate limits, the audit log for
/// personal data, metrics, and the OpenAPI document generated from the same route definitions.
public final class API: @unchecked Sendable {
    public let dbPath: String
    public let schemas: SchemaRegistry
    /// Where connectors are found, for push ingest (nil: push is not offered).
    public let home: HubHome?
    /// Pushes are written one at a time (the store has one writer).
    let pushLock = NSLock()
    let console: ConsoleFiles

    /// Runs `body` while no push or steward action updates the person index (scheduled syncs use it).
    public func withIndexLock<T>(_ body: () throws -> T) rethrows -> T {
        pushLock.lock()
        defer { pushLock.unlock() }
        return try body()
    }
    private let stores: StorePool
    private let loopReaders = ThreadReaders()
    public private(set) var routes: [Route] = []
    /// The routes' patterns split into segments once, beside `routes`: matching reads them without copying a route.
    private var segments: [[String]] = []
    let metrics = Metrics()
    let limiter = RateLimiter()
    let feeds: Feeds
    let tokens = TokenCache()
    /// Region codes for NIK checks in golden records (empty when the hub's home has none).
    let regions: Regions
    let audit: AuditWriter

    /// What `--grant` may name besides the shared schemas.
    public static let grantableScopes: Set<String> = ["reconciliation", "audit", "ingest", "persons", "connectors"]

    /// Which browser origins may call the API (`serve --cors-origin`); none by default.
    public let cors: CORSPolicy

    public init(dbPath: String, schemas: SchemaRegistry, home: HubHome? = nil, cors: CORSPolicy = .none) throws {
        self.cors = cors
        self.dbPath = dbPath
        self.schemas = schemas
        self.home = home
        regions = home.flatMap { try? Regions(file: $0.regionsFile) } ?? Regions(names: [:])
        _ = try HubStore(path: dbPath)  // migrates, or refuses a newer database
        stores = StorePool(path: dbPath)
        audit = AuditWriter(dbPath: dbPath)
        feeds = Feeds(dbPath: dbPath, audit: audit)
        console = ConsoleFiles(directory: home.map { $0.root + "/console" })
        routes = Routes.all(self) + PersonRoutes.all(self) + ConnectorRoutes.all(self)
        segments = routes.map(\.segments)
        shadowers = Self.shadowers(segments)
        quickTable = routes.filter { $0.quick && $0.method == "GET" }.map(\.segments)
    }

    private var quickTable: [[String]] = []
    /// For each route with path parameters, the routes without any that name some of its paths literally: a path
    /// one of those names (`/v1/persons/link`) is not the value of the parameter (`/v1/persons/{id}`). Empty for
    /// most routes, so matching them costs nothing more.
    private var shadowers: [[Int]] = []

    static func shadowers(_ segments: [[String]]) -> [[Int]] {
        func param(_ s: String) -> Bool { s.utf8.first == 0x7B }
        return segments.map { mine in
            guard mine.contains(where: param) else { return [] }
            return segments.indices.filter { j in
                let other = segments[j]
                return other.count == mine.count && !other.contains(where: param) && zip(mine, other).allSatisfy { param($0) || $0 == $1 }
            }
        }
    }

    /// Whether route `i` answers `got`: it matches, and no route naming the path literally shadows it.
    private func answers(_ i: Int, _ got: [Substring]) -> [String: String]? {
        guard let p = Route.match(segments[i], got) else { return nil }
        if !shadowers[i].isEmpty, shadowers[i].contains(where: { Route.match(segments[$0], got) != nil }) { return nil }
        return p
    }

    /// For the server: whether this request's route answers at once, so it may run on the event loop.
    public func isQuick(_ req: HTTPRequest) -> Bool {
        guard req.method == "GET" || req.method == "HEAD", !quickTable.isEmpty else { return false }
        return quickTable.contains { Route.fits($0, path: req.path) }
    }

    /// The HTTP handler: never throws, never crashes on input; errors become JSON with their status.
    public func handle(_ req: HTTPRequest) -> HTTPResponse {
        if req.path == "/" || req.path.hasPrefix("/console/"), let page = console.response(for: req) { return page }
        guard !cors.origins.isEmpty else { return answer(req) }
        let allow = cors.allowOrigin(req)
        if let allow, req.method == "OPTIONS", req.header("access-control-request-method") != nil {
            let methods = self.methods(for: req.path)
            metrics.observe(route: "preflight", method: req.method, status: methods.isEmpty ? 404 : 204, seconds: 0)
            guard !methods.isEmpty else {
                var e = APIError(404, "not_found", "no route for \(req.path); see /openapi.json").response
                e.headers += CORSPolicy.headers(allowOrigin: allow)
                return e
            }
            return CORSPolicy.preflight(allowOrigin: allow, methods: methods)
        }
        // With origins listed, an answer depends on the Origin (for caches in between), allowed or not.
        let extra = allow.map { CORSPolicy.headers(allowOrigin: $0) } ?? (cors.origins.contains("*") ? [] : [("Vary", "Origin")])
        if extra.isEmpty { return answer(req) }
        var resp = answer(req)
        if let later = resp.deferred {
            return .later { answer in later { r in var r = r; r.headers += extra; answer(r) } }
        }
        resp.headers += extra
        return resp
    }

    /// The methods some route of `path` answers, in route order.
    private func methods(for path: String) -> [String] {
        let got = Route.pathSegments(path)
        var methods: [String] = []
        for i in segments.indices where answers(i, got) != nil && !methods.contains(routes[i].method) {
            methods.append(routes[i].method)
        }
        return methods
    }

    private func answer(_ req: HTTPRequest) -> HTTPResponse {
        let t0 = DispatchTime.now().uptimeNanoseconds
        var routeName = "unmatched"
        let resp: HTTPResponse
        do {
            resp = try dispatch(req, routeName: &routeName)
        } catch let e as APIError {
            resp = e.response
        } catch {
            // Store errors never carry bound values (personal data); still, only the kind of failure is sent.
            resp = APIError(503, "unavailable", "the hub could not answer: \(type(of: error))").response
        }
        // An answer given later (after its audit commit, or a long poll) is measured when it is given.
        if let later = resp.deferred {
            let metrics = self.metrics, route = routeName, method = req.method
            return .later { answer in
                later { r in
                    metrics.observe(route: route, method: method, status: r.status, seconds: Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                    answer(r)
                }
            }
        }
        metrics.observe(route: routeName, method: req.method, status: resp.status, seconds: Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        return resp
    }

    private func dispatch(_ req: HTTPRequest, routeName: inout String) throws -> HTTPResponse {
        var allowed: [String] = []
        var found: (Route, [String: String])?
        let got = Route.pathSegments(req.path)
        // By index: a route (a struct of a dozen fields) is copied only once it matches, not for every one tried.
        for i in segments.indices {
            guard let p = answers(i, got) else { continue }
            let method = routes[i].method
            if !allowed.contains(method) { allowed.append(method) }
            if method == req.method || (req.method == "HEAD" && method == "GET") { found = (routes[i], p); break }
        }
        guard let (route, params) = found else {
            if !allowed.isEmpty {
                var e = APIError(405, "method_not_allowed", "\(req.method) is not allowed here; use \(allowed.joined(separator: ", "))").response
                e.headers.append(("Allow", allowed.joined(separator: ", ")))
                return e
            }
            throw APIError(404, "not_found", "no route for \(req.path); see /openapi.json")
        }
        routeName = route.pattern
        // Who asks comes first (401/403), then what is asked (400).
        func checkQuery() throws {
            for q in req.query where !route.openQuery && !route.query.contains(where: { $0.name == q.name }) {
                throw APIError(400, "unknown_parameter", "unknown query parameter '\(q.name)'",
                               detail: .object(["allowed": .array(route.query.map { .string($0.name) })]))
            }
            for q in route.query where q.required && (req.query(q.name) ?? "").isEmpty {
                throw APIError(400, "missing_parameter", "query parameter '\(q.name)' is required: \(q.description)")
            }
            // A constrained parameter sent empty is a mistake, not "absent".
            for q in route.query where !q.schema.isEmpty && req.query(q.name) == "" {
                throw APIError(400, "invalid_parameter", "query parameter '\(q.name)' is empty: \(q.description)")
            }
            // A body in a coding the hub cannot undo would be read as the export itself and fail row by row
            // (RFC 9110 §15.5.16). gzip is undone by the route (`PushBody`).
            if route.requestBody != nil, let coding = req.header("content-encoding"), PushBody.coding(coding) == nil {
                throw APIError(415, "unsupported_encoding", "Content-Encoding '\(coding.prefix(40))' is not supported: send the body as gzip or uncompressed")
            }
        }
        // A quick route reads in one transaction: one snapshot for the whole answer, SQLite's file locks taken once.
        // On an event-loop thread the transaction is the round's (see `endOfRound`).
        if route.quick, let reader = loopReaders.current {
            try reader.db.beginRead()
            return try answer(route, params, req, reader, checkQuery)
        }
        return try stores.with { store in try route.quick ? store.db.reading { try answer(route, params, req, store, checkQuery) }
                                                           : answer(route, params, req, store, checkQuery) }
    }

    private func answer(_ route: Route, _ params: [String: String], _ req: HTTPRequest, _ store: HubStore,
                        _ checkQuery: () throws -> Void) throws -> HTTPResponse {
        var r = APIRequest(http: req, params: params, opd: nil, purpose: nil, store: store)
        r.personal = route.access == .personal || (route.access == .token && route.personalWhen?(params) == true)
        guard r.personal else {
            if route.access == .token { try authenticate(&r, route: route) }
            try checkQuery()
            return try route.handler(&r)
        }
        // Personal data: every answer and every refusal is audited, with the person asked about.
        r.persons = [params["nik"], params["id"], req.query("nik")].compactMap { $0 }.filter(NIK.isSixteenDigits)
            + [params["id"]].compactMap { $0 }.filter(HubStore.isPersonID)
        do {
            try authenticate(&r, route: route)
            try checkQuery()
            let resp = try route.handler(&r)
            // A deferred answer (long poll) is audited by whoever answers it, with what it then holds.
            if resp.deferred != nil { return resp }
            // Fail closed: the answer leaves only once its audit entry is durable.
            return afterAudit(AuditItem(opd: r.opd!.name, purpose: r.purpose, route: route.pattern, persons: r.persons,
                                        result: "ok", status: resp.status), resp)
        } catch let e as APIError {
            return afterAudit(AuditItem(opd: r.opd?.name ?? "-", purpose: r.purpose, route: route.pattern, persons: r.persons,
                                        result: e.status == 404 ? "not_found" : "refused:\(e.code)", status: e.status), e.response)
        }
    }

    /// For the server's event loops (`HTTPServer.roundEnd`): ends the read transaction that the quick requests of
    /// the round just handled shared. A loop handles what one wait for events returned (7 requests on average under
    /// 64 connections) in a round; one transaction for them all pays SQLite's per-transaction costs (a shared lock
    /// on the file and one on the log's index, each a system call to take and to release, and a check of the file's
    /// size) once a round instead of once a request. A round takes a fraction of a millisecond, and its snapshot is
    /// taken after the wait returned, so a request sees every write answered before it was sent. The first call
    /// on a thread gives it a reader of its own.
    public func endOfRound() {
        if let reader = loopReaders.current {
            reader.db.endRead()
        } else if let reader = try? stores.reader() {
            loopReaders.current = reader
        }
    }

    /// `resp`, answered once `item` is durable; a 503 without it if the audit log cannot be written. No thread
    /// waits for the commit: the audit writer hands the answer to the server.
    private func afterAudit(_ item: AuditItem, _ resp: HTTPResponse) -> HTTPResponse {
        let audit = self.audit
        return .later { answer in
            audit.append(item) { failure in
                answer(failure == nil ? resp : APIError(503, "unavailable", "the hub could not answer: its audit log could not be written (\(failure!))").response)
            }
        }
    }

    private func authenticate(_ r: inout APIRequest, route: Route) throws {
        // The scheme in any case (RFC 9110 §11.1), checked on the first bytes without copying the whole token.
        guard let auth = r.http.header("authorization"), auth.utf8.count > 7,
              zip(auth.utf8.prefix(7), "bearer ".utf8).allSatisfy({ $0.asciiLowercased == $1 }),
              case let token = auth.dropFirst(7).trimmedOWS, !token.isEmpty
        else { throw APIError(401, "unauthorized", "send 'Authorization: Bearer <token>' (simpul opd add gives a token)") }
        guard let opd = try tokens.opd(token, store: r.store) else { throw APIError(401, "unauthorized", "unknown token") }
        let now = Int64(Date().timeIntervalSince1970)
        r.opd = opd  // named in the audit entry of a refusal too
        if opd.revokedAt != nil { throw APIError(401, "token_revoked", "this token was revoked") }
        if let e = opd.expiresAt, now >= e { throw APIError(401, "token_expired", "this token expired at \(HubStore.isoTime(e))") }
        if let wait = limiter.wait(opd.name, perMinute: opd.ratePerMinute) {
            throw APIError(429, "rate_limited", "more than \(opd.ratePerMinute) requests a minute for OPD \(opd.name); slow down",
                           retryAfter: wait)
        }
        guard r.personal else { return }
        let purpose = r.http.header("x-purpose")?.trimmedOWS ?? ""
        r.purpose = purpose.isEmpty ? nil : purpose
        if purpose.isEmpty || !opd.purposes.contains(purpose) {
            let e = APIError(403, "purpose_required",
                             purpose.isEmpty ? "personal data needs an X-Purpose header with one of your OPD's purposes"
                                 : "purpose '\(purpose)' was not granted to OPD \(opd.name)",
                             detail: .object(["granted_purposes": .array(opd.purposes.map { .string($0) })]))
            throw e
        }
    }

    /// Checks `--grant` values against the shared schemas: an unknown schema or field is a mistake, not a silent no-op.
    public static func checkGrants(_ specs: [String], schemas: SchemaRegistry, connectors: [String]? = nil) throws {
        let (_, grants) = try OPD.parseGrants(specs)
        for (scope, fields) in grants.sorted(by: { $0.key < $1.key }) {
            if scope == "ingest" {
                // ingest:CONNECTOR,… or ingest:* — which connectors the OPD may push to.
                if case .some(let names) = fields, let connectors {
                    let unknown = names.subtracting(connectors).sorted()
                    guard unknown.isEmpty else {
                        throw APIError(400, "invalid_grant", "no connector \(unknown.joined(separator: ", ")); connectors: \(connectors.sorted().joined(separator: ","))")
                    }
                }
                continue
            }
            if grantableScopes.contains(scope) {
                guard fields == .all else { throw APIError(400, "invalid_grant", "grant \(scope):* (it has no fields)") }
                continue
            }
            guard let schema = schemas[scope] else {
                throw APIError(400, "invalid_grant", "no schema named '\(scope)'; grantable: \((schemas.names + grantableScopes.sorted()).joined(separator: ", "))")
            }
            if case .some(let f) = fields {
                let unknown = f.subtracting(schema.fieldNames).sorted()
                guard unknown.isEmpty else {
                    throw APIError(400, "invalid_grant", "schema \(scope) has no field \(unknown.joined(separator: ", ")); its fields: \(schema.fieldNames.joined(separator: ","))")
                }
            }
        }
    }

    /// Ends change-feed streams and answers long polls, before the server's graceful stop.
    public func shutdown() { feeds.shutdown() }

    /// After the server stopped: copies the write-ahead log into the database and truncates it, so the next
    /// process opens the database at once.
    public func close() {
        _ = try? stores.with { try $0.db.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    public var openAPI: JSONValue { OpenAPI.document(routes) }
    public func metricsText() -> String {
        let a = audit.stats
        return metrics.text(stores: stores, openConnections: openConnections?() ?? 0)
            + "# HELP simpul_audit_entries_total Audit entries written by this server.\n# TYPE simpul_audit_entries_total counter\nsimpul_audit_entries_total \(a.entries)\n"
            + "# HELP simpul_audit_commits_total Audit commits (group commit: entries / commits per fsync).\n# TYPE simpul_audit_commits_total counter\nsimpul_audit_commits_total \(a.commits)\n"
    }

    /// Audit entries and commits so far (group commit shares one commit among concurrent requests).
    public var auditStats: (commits: Int, entries: Int) { audit.stats }
    /// Set by the server owner, for the connections gauge.
    public var openConnections: (@Sendable () -> Int)?
}

/// The server's log (standard error): what went wrong and what to do, the kind of failure only, never personal data.
enum ServerLog {
    static func line(_ text: String) {
        let bytes = Array(("simpul: " + text + "\n").utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}

/// SQLite connections for handler threads: one per concurrent request, reused.
final class StorePool: @unchecked Sendable {
    static let readerMapBytes: Int64 = 1 << 40
    let path: String
    private var free: [HubStore] = []
    private let lock = AdaptiveLock()

    init(path: String) { self.path = path }

    func with<T>(_ body: (HubStore) throws -> T) throws -> T {
        let s = try lock.withLock { free.popLast() } ?? reader()
        defer { lock.withLock { free.append(s) } }
        return try body(s)
    }

    /// A new connection for reading.
    func reader() throws -> HubStore {
        let s = try HubStore(path: path)
        // Many handler threads each hold a reader: a smaller page cache each (the OS caches the file too).
        try s.db.execute("PRAGMA cache_size=-8192")
        // Pages read straight from a memory map of the hub's file (up to SQLite's limit, 2 GiB on Debian) instead
        // of copied in by a system call each. The map stays valid while the file does not change, which the
        // audit log's commits no longer do (it has a file of its own); an ingest or push remaps once.
        try s.db.execute("PRAGMA main.mmap_size=\(Self.readerMapBytes)")
        return s
    }
}

/// One reader per thread, for the threads that ask for one (the event loops), kept in a POSIX thread-specific
/// slot: finding it costs a load, not a lock.
final class ThreadReaders: @unchecked Sendable {
    private var key = pthread_key_t()

    init() {
        pthread_key_create(&key) { p in if let p { Unmanaged<HubStore>.fromOpaque(p).release() } }
    }

    var current: HubStore? {
        get { pthread_getspecific(key).map { Unmanaged<HubStore>.fromOpaque($0).takeUnretainedValue() } }
        set {
            if let old = pthread_getspecific(key) { Unmanaged<HubStore>.fromOpaque(old).release() }
            pthread_setspecific(key, newValue.map { Unmanaged.passRetained($0).toOpaque() })
        }
    }
}

/// Per-OPD token buckets: `perMinute` requests a minute, bursts up to the same number.
final class RateLimiter: @unchecked Sendable {
    private var buckets: [String: (tokens: Double, at: Double)] = [:]
    private let lock = AdaptiveLock()

    /// nil when the request may go ahead (it takes a token); else the whole seconds until the bucket holds one
    /// again, at least 1 (what `Retry-After` says).
    func wait(_ key: String, perMinute: Int, now: Double = Monotonic.seconds()) -> Int? {
        lock.withLock {
            let cap = Double(max(1, perMinute))
            var b = buckets[key] ?? (cap, now)
            b.tokens = min(cap, b.tokens + max(0, now - b.at) * cap / 60)
            b.at = now
            defer { buckets[key] = b }
            if b.tokens >= 1 {
                b.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - b.tokens) * 60 / cap).rounded(.up)))
        }
    }
}

/// Recently seen tokens with their OPD, for one second: a busy OPD does not cost a database lookup and a SHA-256
/// per request, and a revocation or expiry takes effect within a second. Keyed by the token itself: it is in this
/// process's memory anyway while its request is handled, the entry lives a second, and it is never written
/// anywhere (the database holds only hashes).
final class TokenCache: @unchecked Sendable {
    static let ttl = 1.0
    private var entries: [String: (opd: OPD, at: Double)] = [:]
    private let lock = AdaptiveLock()

    func opd(_ token: String, store: HubStore) throws -> OPD? {
        let now = Monotonic.seconds()
        if let e = lock.withLock({ entries[token] }), now - e.at < Self.ttl { return e.opd }
        guard let opd = try store.opd(tokenHash: HubStore.tokenHash(token)) else { return nil }
        lock.withLock {
            if entries.count > 10_000 { entries.removeAll() }
            entries[token] = (opd, now)
        }
        return opd
    }
}
