import Foundation
import SimpulHTTP
import SimpulJSON
import SimpulStorage

/// Change feeds: `/v1/topics/{topic}/events` as JSON pages with long polling (`wait=`), or as server-sent events
/// (`Accept: text/event-stream`). Subscribers see only the fields their OPD was granted; deliveries of personal
/// records are audited before they leave, like any other read.
///
/// No worker thread waits: a long poll is a deferred answer and a stream is fed, both by one watcher thread that
/// notices new events (every 100 ms it compares the topics' last sequence numbers, so ingests by another
/// process, such as `simpul ingest`, are seen too).
final class Feeds: @unchecked Sendable {
    struct Reader {
        var topic: String
        var schema: String
        var fields: OPD.Fields
        var token: String
        var opd: String
        var purpose: String?
        var personal: Bool
        var route: String
    }

    final class Waiter {
        let reader: Reader
        var after: Int64
        let limit: Int
        let deadline: Double
        let answer: @Sendable (HTTPResponse) -> Void
        init(reader: Reader, after: Int64, limit: Int, deadline: Double, answer: @escaping @Sendable (HTTPResponse) -> Void) {
            self.reader = reader
            self.after = after
            self.limit = limit
            self.deadline = deadline
            self.answer = answer
        }
    }

    final class Subscriber {
        let reader: Reader
        var after: Int64
        let stream: ResponseStream
        var lastSent: Double
        init(reader: Reader, after: Int64, stream: ResponseStream, now: Double) {
            self.reader = reader
            self.after = after
            self.stream = stream
            self.lastSent = now
        }
    }

    static let maxWait = 30
    static let heartbeat = 15.0
    static let streamBatch = 500

    let dbPath: String
    private let cond = NSCondition()
    private var waiters: [Waiter] = []
    private var subscribers: [Subscriber] = []
    private var started = false
    private var stopped = false

    let audit: AuditWriter

    init(dbPath: String, audit: AuditWriter) {
        self.dbPath = dbPath
        self.audit = audit
    }

    // MARK: - One page, at once

    /// Events after `after`, cut to the reader's grant, with the NIKs they mention when personal (for the caller's
    /// audit entry).
    static func page(store: HubStore, reader: Reader, after: Int64, limit: Int) throws -> (events: [JSONValue], last: Int64, persons: [String]) {
        let events = try store.readTopic(reader.topic, from: after + 1, limit: limit)
        var persons: [String] = []
        if reader.personal && !events.isEmpty {
            persons = try store.mentionedPersons(schema: reader.schema, sourceKeys: events.map(\.key))
        }
        let out = events.map { e in
            JSONValue.object(["seq": .int(Int(e.seq)), "key": .string(e.key), "at": .string(HubStore.isoTime(e.at)),
                              "data": Routes.cut(e.payload, reader.fields)])
        }
        return (out, events.last?.seq ?? after, persons)
    }

    /// Events as server-sent events: `id: SEQ`, `event: record`, `data: {…}`.
    static func sse(_ events: [JSONValue]) -> String {
        events.map { "id: \($0["seq"]?.scalarText ?? "")\nevent: record\ndata: \($0.jsonText)\n\n" }.joined()
    }

    static func pageJSON(_ topic: String, _ events: [JSONValue], next: Int64) -> HTTPResponse {
        .json(.object(["topic": .string(topic), "events": .array(events), "next_after": .int(Int(next))]))
    }

    // MARK: - Waiting

    func wait(_ w: Waiter) {
        cond.withLock {
            if stopped {
                w.answer(Self.pageJSON(w.reader.topic, [], next: w.after))
                return
            }
            waiters.append(w)
            startIfNeeded()
            cond.signal()
        }
    }

    func subscribe(_ s: Subscriber) {
        cond.withLock {
            if stopped {
                s.stream.finish()
                return
            }
            subscribers.append(s)
            startIfNeeded()
            cond.signal()
        }
    }

    /// Answers every waiter (no new events) and ends every stream; for a graceful stop.
    func shutdown() {
        let (ws, ss) = cond.withLock { () -> ([Waiter], [Subscriber]) in
            stopped = true
            defer { waiters = []; subscribers = [] }
            cond.broadcast()
            return (waiters, subscribers)
        }
        for w in ws { w.answer(Self.pageJSON(w.reader.topic, [], next: w.after)) }
        for s in ss {
            s.stream.send(Array("event: end\ndata: {\"reason\":\"the hub is stopping\"}\n\n".utf8))
            s.stream.finish()
        }
    }

    private func startIfNeeded() {
        guard !started else { return }
        started = true
        let t = Thread { [self] in watch() }
        t.name = "simpul-feeds"
        t.start()
    }


    private func watch() {
        var store: HubStore? = nil
        while true {
            let (ws, ss, stop) = cond.withLock { () -> ([Waiter], [Subscriber], Bool) in
                while waiters.isEmpty && subscribers.isEmpty && !stopped { cond.wait() }
                return (waiters, subscribers, stopped)
            }
            if stop { return }
            do {
                if store == nil { store = try HubStore(path: dbPath) }
                try round(store!, ws, ss)
            } catch {
                // The database is unreachable: answer the waiters with 503 and end the streams; they retry.
                let e = APIError(503, "unavailable", "the change feed could not read the hub: \(type(of: error))").response
                let (w2, s2) = cond.withLock { () -> ([Waiter], [Subscriber]) in
                    defer { waiters = []; subscribers = [] }
                    return (waiters, subscribers)
                }
                for w in w2 { w.answer(e) }
                for s in s2 { s.stream.finish() }
                store = nil
            }
            cond.withLock { _ = cond.wait(until: Date().addingTimeInterval(0.1)) }
        }
    }

    /// One pass: whose topic moved, who timed out, which streams need a heartbeat or have ended.
    private func round(_ store: HubStore, _ ws: [Waiter], _ ss: [Subscriber]) throws {
        let last = Dictionary(try store.topics().map { ($0.name, $0.lastSeq) }, uniquingKeysWith: { a, _ in a })
        let t = Monotonic.seconds()
        var doneWaiters: [ObjectIdentifier] = []
        for w in ws {
            let moved = (last[w.reader.topic] ?? 0) > w.after
            guard moved || t >= w.deadline else { continue }
            doneWaiters.append(ObjectIdentifier(w))
            w.answer(try deliver(store, w.reader, after: w.after, limit: w.limit))
        }
        var doneSubs: [ObjectIdentifier] = []
        for s in ss {
            guard s.stream.isOpen else { doneSubs.append(ObjectIdentifier(s)); continue }
            if (last[s.reader.topic] ?? 0) > s.after {
                // Still allowed? A revoked or expired token ends the stream.
                guard let opd = try store.opd(token: s.reader.token), opd.revokedAt == nil,
                      opd.expiresAt.map({ Int64(Date().timeIntervalSince1970) < $0 }) ?? true
                else {
                    s.stream.send(Array("event: end\ndata: {\"reason\":\"the token was revoked or expired\"}\n\n".utf8))
                    s.stream.finish()
                    doneSubs.append(ObjectIdentifier(s))
                    continue
                }
                let (events, next, persons) = try Self.page(store: store, reader: s.reader, after: s.after, limit: Self.streamBatch)
                if s.reader.personal {
                    try audit.append(AuditItem(opd: s.reader.opd, purpose: s.reader.purpose, route: s.reader.route, persons: persons, result: "ok", status: 200))
                }
                let text = Self.sse(events)
                if !s.stream.send(Array(text.utf8)) { doneSubs.append(ObjectIdentifier(s)); continue }
                s.after = next
                s.lastSent = t
            } else if t - s.lastSent >= Self.heartbeat {
                if !s.stream.send(Array(": keep-alive\n\n".utf8)) { doneSubs.append(ObjectIdentifier(s)) }
                s.lastSent = t
            }
        }
        if !doneWaiters.isEmpty || !doneSubs.isEmpty {
            let dw = Set(doneWaiters), ds = Set(doneSubs)
            cond.withLock {
                waiters.removeAll { dw.contains(ObjectIdentifier($0)) }
                subscribers.removeAll { ds.contains(ObjectIdentifier($0)) }
            }
        }
    }

    /// A long poll's answer: the page, audited first when it holds personal records (fail closed).
    private func deliver(_ store: HubStore, _ reader: Reader, after: Int64, limit: Int) throws -> HTTPResponse {
        let (events, next, persons) = try Self.page(store: store, reader: reader, after: after, limit: limit)
        if reader.personal && !events.isEmpty {
            try audit.append(AuditItem(opd: reader.opd, purpose: reader.purpose, route: reader.route, persons: persons, result: "ok", status: 200))
        }
        return Self.pageJSON(reader.topic, events, next: next)
    }
}

extension RecordQueries {
    /// A topic an OPD may read: `records.<schema>` of a schema it was granted. Returns the schema and the fields.
    static func readableTopic(_ topic: String, opd: OPD, api: API) throws -> (schema: String, fields: OPD.Fields) {
        guard topic.hasPrefix("records.") else {
            throw APIError(403, "operator_only", "topic \(topic) is for operators (simpul topics read); OPDs read records.<schema> topics")
        }
        let schema = String(topic.dropFirst(8))
        guard api.schemas[schema] != nil else { throw APIError(404, "not_found", "no topic '\(topic)'") }
        guard let fields = opd.fields(schema) else { throw APIError(403, "not_granted", "OPD \(opd.name) was not granted \(schema) records") }
        return (schema, fields)
    }

    /// A durable consumer's name: letters, digits, `.`, `_` and `-`, up to 64.
    static let consumerPattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
    nonisolated(unsafe) static let consumerRegex = try! Regex(consumerPattern)

    static func consumerName(_ s: String?) throws -> String? {
        guard let s else { return nil }
        guard s.wholeMatch(of: consumerRegex) != nil else {
            throw APIError(400, "invalid_parameter", "consumer is a name of letters, digits, '.', '_' and '-' (up to 64)")
        }
        return s
    }

    /// Consumers are the OPD's own: two OPDs' consumers of one name are two consumers.
    static func offsetKey(_ opd: String, _ consumer: String) -> String { "opd:\(opd):\(consumer)" }

    static let offsetBody: (mediaType: String, schema: JSONValue) = ("application/json", .object([
        "type": .string("object"), "required": .array([.string("consumer"), .string("seq")]),
        "properties": .object(["consumer": .object(["type": .string("string"), "pattern": .string(consumerPattern)]),
                               "seq": .object(["type": .string("integer"), "minimum": .int(0)])]),
    ]))

    /// Commits a durable consumer's offset: the last event it has processed (at-least-once: commit after processing).
    /// Any sequence number up to the topic's last may be committed, an earlier one too, to read again from there.
    static func commitOffset(_ r: inout APIRequest, api: API) throws -> HTTPResponse {
        let topic = r.params["topic"] ?? ""
        _ = try readableTopic(topic, opd: r.opd!, api: api)
        guard let body = try? JSONParser.parse(r.http.body), let c = body["consumer"]?.stringValue,
              case .number(let n)? = body["seq"], let seq = Int64(n), seq >= 0
        else { throw APIError(400, "invalid_body", "send JSON {\"consumer\": \"NAME\", \"seq\": the last sequence number processed}") }
        let consumer = try consumerName(c)!
        let last = try r.store.topics().first { $0.name == topic }?.lastSeq ?? 0
        guard seq <= last else { throw APIError(400, "invalid_body", "seq \(seq) is past the topic's last event (\(last))") }
        try r.store.setOffset(consumer: offsetKey(r.opd!.name, consumer), topic: topic, seq: seq)
        return .json(.object(["topic": .string(topic), "consumer": .string(consumer), "seq": .int(Int(seq))]))
    }

    /// The topic route: checks the topic and grant, answers at once, or hands the request to the feed watcher.
    static func events(_ r: inout APIRequest, api: API) throws -> HTTPResponse {
        let topic = r.params["topic"] ?? ""
        let opd = r.opd!
        let (schema, fields) = try readableTopic(topic, opd: opd, api: api)
        var after = Int64(try r.int("after", 0, 0...Int(Int32.max)))
        var position = "after"
        let consumer = try consumerName(r.http.query("consumer"))
        if r.http.query("after") == nil, let last = r.http.header("last-event-id"), let n = Int64(last), n >= 0 { after = n; position = "Last-Event-ID" }
        // A durable consumer reads on from its committed offset, unless the request says where.
        else if r.http.query("after") == nil, let consumer {
            after = try r.store.offset(consumer: offsetKey(opd.name, consumer), topic: topic)
            position = "consumer \(consumer)'s committed offset"
        }
        // A position past the topic's end (asked only when a page comes back empty): a cursor kept from another hub,
        // or this hub restored from a backup older than the cursor. Waiting there would skip, silently, every event
        // numbered up to it once they are written again (Kafka answers OFFSET_OUT_OF_RANGE for the same reason).
        func checkNotPastEnd() throws {
            let last = try r.store.lastSeq(topic: topic)
            guard after > last else { return }
            throw APIError(416, "after_past_end", "\(position) (\(after)) is past the end of \(topic), whose last event is \(last): a position "
                           + "from another hub, or this hub was restored from an earlier backup; read on from after=\(last), or from 0 to read it all again",
                           detail: .object(["after": .int(Int(after)), "last_seq": .int(Int(last))]))
        }
        let limit = try r.int("limit", 100, 1...1000)
        let wait = try r.int("wait", 0, 0...Feeds.maxWait)
        let auth = r.http.header("authorization") ?? ""
        let reader = Feeds.Reader(topic: topic, schema: schema, fields: fields, token: String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces),
                                  opd: opd.name, purpose: r.purpose, personal: r.personal, route: "/v1/topics/{topic}/events")
        if (r.http.header("accept") ?? "").contains("text/event-stream") {
            // The first batch goes through the normal path (audited by the dispatcher); the rest is streamed.
            let (events, next, persons) = try Feeds.page(store: r.store, reader: reader, after: after, limit: Feeds.streamBatch)
            if events.isEmpty { try checkNotPastEnd() }
            r.persons = persons
            let first = "retry: 3000\n\n" + Feeds.sse(events)
            let feeds = api.feeds, head = Array(first.utf8)
            return .streaming(headers: [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")]) { stream in
                stream.send(head)
                feeds.subscribe(Feeds.Subscriber(reader: reader, after: next, stream: stream, now: Monotonic.seconds()))
            }
        }
        let (events, next, persons) = try Feeds.page(store: r.store, reader: reader, after: after, limit: limit)
        if events.isEmpty { try checkNotPastEnd() }
        if !events.isEmpty || wait == 0 {
            r.persons = persons
            return Feeds.pageJSON(topic, events, next: next)
        }
        // Nothing yet: wait for events (the watcher audits what it delivers).
        let feeds = api.feeds, from = after
        return .later { answer in
            feeds.wait(Feeds.Waiter(reader: reader, after: from, limit: limit, deadline: Monotonic.seconds() + Double(wait), answer: answer))
        }
    }
}
