import Foundation
import SimpulHTTP
import SimpulIngest
import SimpulStorage

/// Request counters and a latency histogram per route, in the Prometheus text format.
final class Metrics: @unchecked Sendable {
    static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
    private let lock = AdaptiveLock()
    /// Per route (one dictionary lookup per request, no key built): requests by method and status (a handful,
    /// searched in order), counts per latency bucket (+Inf last) and the sum of latencies.
    fileprivate struct RouteStats {
        var requests: [(method: String, status: Int, count: Int)] = []
        var histogram = [Int](repeating: 0, count: Metrics.buckets.count + 1)
        var sum = 0.0
    }
    private var routes: [String: RouteStats] = [:]
    private var pushed: [String: [Int]] = [:]  // connector → read, accepted, unchanged, dead-lettered (pushes through this server)

    func countIngest(_ s: RunSummary) {
        lock.withLock {
            var c = pushed[s.connector] ?? [0, 0, 0, 0]
            c[0] += s.read
            c[1] += s.accepted
            c[2] += s.unchanged
            c[3] += s.deadLettered
            pushed[s.connector] = c
        }
    }

    func observe(route: String, method: String, status: Int, seconds: Double) {
        let i = Self.buckets.firstIndex { seconds <= $0 } ?? Self.buckets.count
        lock.withLock {
            routes[route, default: RouteStats()].record(method: method, status: status, bucket: i, seconds: seconds)
        }
    }

    static func label(_ s: String) -> String { s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") }

    func text(stores: StorePool, openConnections: Int) -> String {
        var out = "# HELP simpul_http_requests_total HTTP requests by route, method and status.\n# TYPE simpul_http_requests_total counter\n"
        let (stats, push) = lock.withLock { (routes, pushed) }
        // In the order of "route|method|status", as ever.
        let req = stats.flatMap { r in r.value.requests.map { (r.key + "|" + $0.method + "|" + String($0.status), r.key, $0.method, $0.status, $0.count) } }
        for (_, route, method, status, n) in req.sorted(by: { $0.0 < $1.0 }) {
            out += "simpul_http_requests_total{route=\"\(Self.label(route))\",method=\"\(method)\",status=\"\(status)\"} \(n)\n"
        }
        let hist = stats.mapValues(\.histogram), sum = stats.mapValues(\.sum)
        out += "# HELP simpul_http_request_duration_seconds Time to answer, by route.\n# TYPE simpul_http_request_duration_seconds histogram\n"
        for (route, h) in hist.sorted(by: { $0.key < $1.key }) {
            var cum = 0
            for (i, b) in Self.buckets.enumerated() {
                cum += h[i]
                out += "simpul_http_request_duration_seconds_bucket{route=\"\(Self.label(route))\",le=\"\(b)\"} \(cum)\n"
            }
            cum += h[Self.buckets.count]
            out += "simpul_http_request_duration_seconds_bucket{route=\"\(Self.label(route))\",le=\"+Inf\"} \(cum)\n"
            out += "simpul_http_request_duration_seconds_sum{route=\"\(Self.label(route))\"} \(sum[route] ?? 0)\n"
            out += "simpul_http_request_duration_seconds_count{route=\"\(Self.label(route))\"} \(cum)\n"
        }
        out += "# HELP simpul_push_rows_total Rows pushed through POST /v1/ingest, by connector and outcome.\n# TYPE simpul_push_rows_total counter\n"
        for (c, v) in push.sorted(by: { $0.key < $1.key }) {
            for (i, outcome) in ["read", "accepted", "unchanged", "dead_lettered"].enumerated() {
                out += "simpul_push_rows_total{connector=\"\(Self.label(c))\",outcome=\"\(outcome)\"} \(v[i])\n"
            }
        }
        out += "# HELP simpul_http_open_connections Open client connections.\n# TYPE simpul_http_open_connections gauge\nsimpul_http_open_connections \(openConnections)\n"
        if let (counts, dead, topics) = try? stores.with({ s in (try s.recordCounts(), try s.openDeadLetterCount(), try s.topics()) }) {
            out += "# HELP simpul_records Current records by schema.\n# TYPE simpul_records gauge\n"
            for (schema, n) in counts { out += "simpul_records{schema=\"\(Self.label(schema))\"} \(n)\n" }
            out += "# HELP simpul_dead_letters_open Dead-lettered rows not yet resolved.\n# TYPE simpul_dead_letters_open gauge\nsimpul_dead_letters_open \(dead)\n"
            out += "# HELP simpul_topic_last_seq Last sequence number per topic (raw.* counts ingested rows).\n# TYPE simpul_topic_last_seq gauge\n"
            for t in topics { out += "simpul_topic_last_seq{topic=\"\(Self.label(t.name))\"} \(t.lastSeq)\n" }
        }
        if let runs = try? stores.with({ s in try s.runCounts() }) {
            out += "# HELP simpul_connector_runs_total Connector runs by connector, kind and status (running, ok, failed, interrupted).\n# TYPE simpul_connector_runs_total counter\n"
            for r in runs {
                out += "simpul_connector_runs_total{connector=\"\(Self.label(r.connector))\",kind=\"\(Self.label(r.kind))\",status=\"\(Self.label(r.status))\"} \(r.count)\n"
            }
        }
        return out
    }
}

extension Metrics.RouteStats {
    mutating func record(method: String, status: Int, bucket: Int, seconds: Double) {
        if let k = requests.firstIndex(where: { $0.status == status && $0.method == method }) {
            requests[k].count += 1
        } else {
            requests.append((method, status, 1))
        }
        histogram[bucket] += 1
        sum += seconds
    }
}
