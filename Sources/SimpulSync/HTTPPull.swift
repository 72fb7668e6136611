import Foundation
import SimpulConnectors
import SimpulHTTP
import SimpulIngest
import SimpulJSON

/// Pages through a source's JSON API. Each page is ingested like a pushed body (the connector's `input` reads it)
/// and committed before the next is asked for; with `incremental`, the highest updated-at of the committed pages
/// is saved as the connector's state and sent as `param` on the next run.
///
/// Transport errors (refused connection, timeout, 5xx, 429, a page that is not the expected JSON) are retried
/// with exponential backoff, then fail the run; a 4xx other than 429 fails it at once. A failed run keeps every
/// page committed before the failure, and the saved state never moves past a page that was not committed.
public struct HTTPPull {
    public let connector: Connector
    public let source: HTTPSource
    /// Sleeps between retries (tests pass a recorder).
    public var sleep: (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }
    /// Retries and other notes, for the run's log.
    public var onLog: ((String, String) -> Void)? = nil
    public var isCancelled: @Sendable () -> Bool = { false }
    public var onCommit: ((Int) -> Void)? = nil

    public init(connector: Connector, source: HTTPSource) {
        self.connector = connector
        self.source = source
    }

    public struct PullReport: Sendable {
        public var pages = 0
        public var requests = 0
        public var retries = 0
        public var failure: String? = nil
        public var cancelled = false
    }

    public func pull(into session: IngestSession, state: JSONValue?) -> PullReport {
        var report = PullReport()
        let store = session.ingestor.store
        let base: String
        let headers: [(String, String)]
        do { (base, headers) = try source.resolved() } catch {
            report.failure = "source: \(error)"
            return report
        }
        let since = state?["updated_since"]?.stringValue
        var highest = since
        var page = 0
        var cursor: String? = nil
        paging: while report.pages < source.maxPages {
            if isCancelled() {
                report.cancelled = true
                report.failure = "stopped: the hub is shutting down (the next run resumes from the saved state)"
                return report
            }
            var params = source.query
            if let inc = source.incremental, let since { params.append((inc.param, since)) }
            switch source.pagination {
            case .none: break
            case .page(let p, let sp, let size, let start, _):
                params.append((p, String(start + page)))
                if let sp { params.append((sp, String(size))) }
            case .offset(let p, let lp, let size):
                params.append((p, String(page * size)))
                params.append((lp, String(size)))
            case .cursor(let p, _, let sp, let size):
                if let cursor { params.append((p, cursor)) }
                if let sp, let size { params.append((sp, String(size))) }
            }
            let url = HTTPClient.url(base, adding: params)
            let body: [UInt8]
            let doc: JSONValue
            switch fetch(url, headers: headers, report: &report) {
            case .failure(let reason):
                report.failure = "page \(page + 1) (\(Self.redacted(url))): \(reason)"
                return report
            case .success(let (b, d)):
                body = b
                doc = d
            }
            let name = "\(Self.redacted(url))"
            let f: FileSummary
            do { f = try session.add(body: body, name: name) } catch {
                report.failure = "page \(page + 1): storing it failed: \(error)"
                return report
            }
            report.pages += 1
            if let reason = f.rejectedFile {
                report.failure = "page \(page + 1) was rejected: \(reason) (kept in the dead-letter queue)"
                return report
            }
            let records = Self.records(doc, path: connector.recordPath)
            onCommit?(session.summary.read)
            if let inc = source.incremental {
                for r in records {
                    if let u = r[inc.field]?.scalarText, !u.isEmpty, highest.map({ u > $0 }) ?? true { highest = u }
                }
            }
            // The page is committed: with a sorted source its position may now be saved.
            if source.incrementalSorted, let h = highest, h != since {
                do { try store.saveConnectorState(connector.name, state: .object(["updated_since": .string(h)]), run: session.run) } catch {
                    report.failure = "saving state failed: \(error)"
                    return report
                }
            }
            page += 1
            switch source.pagination {
            case .none: break paging
            case .page(_, _, let size, let start, let totalPath):
                if records.count < size { break paging }
                if let totalPath {
                    var v: JSONValue? = doc
                    for k in totalPath { v = v?[k] }
                    if let total = v?.scalarText.flatMap({ Int($0) }), start + page - 1 >= total { break paging }
                }
            case .offset(_, _, let size):
                if records.count < size { break paging }
            case .cursor(_, let next, _, _):
                var v: JSONValue? = doc
                for k in next { v = v?[k] }
                guard let c = v?.scalarText, !c.isEmpty, c != cursor else { break paging }
                cursor = c
            }
        }
        let stoppedEarly = report.pages >= source.maxPages
        if stoppedEarly { onLog?("WARN", "stopped after max_pages (\(source.maxPages)) pages") }
        // Every page of the source is committed (or, sorted, every page up to here): the cursor moves to the newest
        // record seen. An unsorted source stopped by max_pages keeps the old cursor: later pages may be older.
        if let h = highest, h != since, !stoppedEarly || source.incrementalSorted {
            do { try store.saveConnectorState(connector.name, state: .object(["updated_since": .string(h)]), run: session.run) } catch {
                report.failure = "saving state failed: \(error)"
            }
        }
        return report
    }

    enum Fetch {
        case success(([UInt8], JSONValue))
        case failure(String)
    }

    /// The longest `Retry-After` a pull waits for; a source asking for more ends the run.
    static let longestRetryAfter = 900.0

    /// One page with retries. A page must be a JSON document whose records path is an array.
    func fetch(_ url: String, headers: [(String, String)], report: inout PullReport) -> Fetch {
        var attempt = 0
        var delay = source.backoff
        while true {
            report.requests += 1
            let problem: String
            do {
                let r = try HTTPClient.get(url, headers: headers, timeout: source.timeout, maxBody: source.maxBodyBytes)
                switch r.status {
                case 200..<300:
                    if let doc = try? JSONParser.parse(r.body), Self.hasRecords(doc, path: connector.recordPath) {
                        return .success((r.body, doc))
                    }
                    problem = "the page is not a JSON document with \(connector.recordPath.isEmpty ? "records" : connector.recordPath.joined(separator: "."))"
                case 429, 500..<600:
                    problem = "the source answered \(r.status)"
                    // A busy source says how long to wait: that, when longer than the backoff, up to a limit.
                    if r.status == 429 || r.status == 503, let asked = r.retryAfter() {
                        if asked > Self.longestRetryAfter {
                            return .failure("the source answered \(r.status) and asked to wait \(Int(asked)) s (Retry-After); not waited for, since it is more than \(Int(Self.longestRetryAfter)) s: run again later")
                        }
                        delay = max(delay, asked)
                    }
                default:
                    // 4xx: asking again will not help (wrong URL, token or parameters).
                    return .failure("the source answered \(r.status); not retried (a 4xx means the request is wrong: check url, headers and token)")
                }
            } catch {
                // The client throws only HTTPClient.Failure; a bad URL will not get better by asking again. The
                // URL itself is left out: the run's error already names it with secret-looking values masked.
                if case .invalidURL = error {
                    return .failure("not an http:// URL (for https, put a local TLS forwarder in front: docs/connectors.md)")
                }
                problem = "\(error)"
            }
            if attempt >= source.retries { return .failure("\(problem), after \(attempt + 1) attempt(s)") }
            attempt += 1
            report.retries += 1
            onLog?("WARN", "\(problem); retry \(attempt) of \(source.retries) in \(String(format: "%.1f", delay)) s")
            var slept = 0.0
            while slept < delay && !isCancelled() {
                sleep(min(0.25, delay - slept))
                slept += 0.25
            }
            if isCancelled() { return .failure("\(problem); the hub is shutting down") }
            delay = min(source.maxBackoff, delay * 2)
        }
    }

    static func hasRecords(_ doc: JSONValue, path: [String]) -> Bool {
        if path.isEmpty { return doc.arrayValue != nil }
        var v: JSONValue? = doc
        for k in path { v = v?[k] }
        return v?.arrayValue != nil
    }

    static func records(_ doc: JSONValue, path: [String]) -> [JSONValue] {
        var v: JSONValue? = doc
        for k in path { v = v?[k] }
        return v?.arrayValue ?? []
    }

    /// The URL as stored in run files and dead letters: query values that look like secrets are masked.
    static func redacted(_ url: String) -> String {
        guard let q = url.firstIndex(of: "?") else { return url }
        let parts = url[url.index(after: q)...].split(separator: "&").map { p -> String in
            let kv = p.split(separator: "=", maxSplits: 1)
            let k = kv.first.map(String.init) ?? ""
            let secret = ["token", "key", "secret", "password", "signature"].contains { k.lowercased().contains($0) }
            return secret ? "\(k)=***" : String(p)
        }
        return String(url[...q]) + parts.joined(separator: "&")
    }
}
