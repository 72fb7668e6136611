import CEventLoop
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One event loop of an `HTTPServer`: its own epoll instance, listening socket and connections, run by one thread.
/// Everything here is touched by that thread only, except `post` (the queue of answers finished elsewhere).
final class EventLoop: @unchecked Sendable {
    /// Connection ids carry their loop's index in the low bits, so an answer finds its way back.
    static let indexMask: UInt64 = 0xFF
    unowned let server: HTTPServer
    let index: Int
    private var listener: Int32
    private let ep: Int32
    private let wake: Int32
    private var connections: [UInt64: Connection] = [:]
    private var nextSerial: UInt64 = 1

    private let lock = AdaptiveLock()
    private var completed: [(UInt64, Output)] = []
    /// Streamed responses in progress, by connection.
    private var streams: [UInt64: ResponseStream] = [:]

    enum Output {
        case response(HTTPResponse)
        case chunk([UInt8])
        case end
    }

    private var limits: HTTPLimits { server.limits }

    /// A descriptor held in reserve (`/dev/null`): when the process runs out of descriptors (EMFILE), it is let go to
    /// accept the waiting connection and answer it 503, then taken again. Without it the listener stays readable
    /// with nothing accepted, and the loop would spin on it at full CPU while those clients hang (libuv's trick).
    private var reserve: Int32 = -1
    /// The listener is out of the epoll set until the next timer round (out of descriptors with no reserve).
    private var listenerPaused = false

    init?(server: HTTPServer, index: Int, listener: Int32) {
        self.server = server
        self.index = index
        self.listener = listener
        reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)
        ep = simpul_epoll_create()
        wake = simpul_eventfd()
        guard ep >= 0, wake >= 0 else {
            if ep >= 0 { close(ep) }
            if wake >= 0 { close(wake) }
            return nil
        }
        simpul_epoll_ctl(ep, 1, listener, EV.read, 0)
        simpul_epoll_ctl(ep, 1, wake, EV.read, 1)
    }

    deinit {
        if listener >= 0 { close(listener) }
        if reserve >= 0 { close(reserve) }
        close(ep)
        close(wake)
    }

    func closeListener() {
        guard listener >= 0 else { return }
        simpul_epoll_ctl(ep, 3, listener, 0, 0)
        close(listener)
        listener = -1
    }

    func signalWake() {
        var one: UInt64 = 1
        _ = write(wake, &one, 8)
    }

    func now() -> Double { Monotonic.seconds() }

    // MARK: - The loop

    /// The event loop, on the calling thread, until the server's stop has drained every connection.
    func run() {
        var tokens = [UInt64](repeating: 0, count: 256)
        var events = [UInt32](repeating: 0, count: 256)
        var lastTimers = now()
        var stopping = false
        while true {
            let n = simpul_epoll_wait(ep, &tokens, &events, 256, 250)
            if n < 0 && errno != EINTR { break }
            for k in 0..<max(0, Int(n)) {
                switch tokens[k] {
                case 0: acceptAll()
                case 1: drainCompleted()
                default:
                    guard let c = connections[tokens[k]] else { continue }
                    let e = events[k]
                    if e & (EV.read | EV.hangup | EV.error) != 0 { readable(c) }
                    if connections[c.id] != nil, e & EV.write != 0 { flush(c) }
                }
            }
            if n > 0 { server.roundEnd?() }
            let t = now()
            if server.isStopping && !stopping {
                stopping = true
                closeListener()
            }
            if stopping {
                for c in Array(connections.values) where !c.busy && c.pendingOutput == 0 && c.lingerUntil == nil {
                    if c.unread == 0 { closeConnection(c) } else { c.keepAlive = false }
                }
                // Done when nothing is left but connections in their lingering close.
                if connections.values.allSatisfy({ $0.lingerUntil != nil }) || t > server.stopDeadline { break }
            }
            if t - lastTimers >= 0.25 {
                lastTimers = t
                timers(t)
            }
        }
        for c in Array(connections.values) { closeConnection(c) }
    }

    private func acceptAll() {
        while listener >= 0 {
            let fd = simpul_accept(listener)
            if fd < 0 {
                // Out of descriptors: the reserve makes room for this one connection, to tell it so and close it.
                guard errno == EMFILE || errno == ENFILE else { return }  // EAGAIN, ECONNABORTED: the next event
                if reserve < 0 { reserve = open("/dev/null", O_RDONLY | O_CLOEXEC) }
                guard reserve >= 0 else {
                    // No reserve to be had either (another thread took the last descriptor): stop watching the
                    // listener until the next timer round instead of spinning on it.
                    simpul_epoll_ctl(ep, 3, listener, 0, 0)
                    listenerPaused = true
                    return
                }
                close(reserve)
                let waiting = simpul_accept(listener)
                if waiting >= 0 { refuse(waiting, "the server has no file descriptors left (raise its open-files limit)") }
                reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)
                if waiting < 0 { return }
                continue
            }
            if server.openCount.load(ordering: .relaxed) >= limits.maxConnections {
                refuse(fd, "too many connections")
                continue
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let c = Connection(id: nextSerial << 8 | UInt64(index), fd: fd, peer: Self.peerAddress(fd), now: now())
            nextSerial += 1
            connections[c.id] = c
            server.openCount.add(1, ordering: .relaxed)
            simpul_epoll_ctl(ep, 1, fd, EV.read, c.id)
        }
    }

    /// Answers 503 with `Retry-After: 1` and closes: a connection or descriptor frees in moments, so the client is
    /// asked to come back in a second, not to give up.
    private func refuse(_ fd: Int32, _ why: String) {
        var full = server.errorResponder(503, why)
        if full.header("retry-after") == nil { full.headers.append(("Retry-After", "1")) }
        let r = full.serialized(keepAlive: false, date: HTTPDate.now())
        _ = r.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        close(fd)
    }

    static func peerAddress(_ fd: Int32) -> String {
        var addr = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &len) } }
        guard rc == 0 else { return "" }
        var buf = [CChar](repeating: 0, count: 64)
        inet_ntop(AF_INET, &addr.sin_addr, &buf, 64)
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static let readSize = 64 * 1024
    private var readBuffer = [UInt8](repeating: 0, count: EventLoop.readSize)

    private func readable(_ c: Connection) {
        var gotEOF = false
        while true {
            let n = readBuffer.withUnsafeMutableBytes { recv(c.fd, $0.baseAddress, EventLoop.readSize, 0) }
            if n > 0 {
                c.lastActive = now()
                if c.lingerUntil != nil { continue }  // closing: read and drop
                c.inbuf.append(contentsOf: readBuffer[0..<n])
                if n < EventLoop.readSize { break }
                // Backpressure: while a request is being handled, hold at most one more request's worth.
                if c.busy && c.unread > limits.maxHeadBytes + limits.maxBodyBytes { setInterest(c, read: false); break }
            } else if n == 0 {
                gotEOF = true
                break
            } else {
                if errno == EINTR { continue }
                if errno != EAGAIN && errno != EWOULDBLOCK { closeConnection(c); return }
                break
            }
        }
        if gotEOF {
            c.peerClosed = true
            if c.streaming { closeConnection(c); return }  // a stream's reader left: stop producing
            // A client that vanished, or half-closed after its last request: answer what is complete, then close.
            if c.lingerUntil != nil || (!c.busy && c.pendingOutput == 0 && c.unread == 0) { closeConnection(c); return }
            setInterest(c, read: false)
        }
        process(c)
    }

    /// Takes the next complete request from the connection's buffer, if it is not busy with one.
    private func process(_ c: Connection) {
        guard connections[c.id] != nil else { return }
        while !c.busy && !c.closeAfterWrite && c.lingerUntil == nil {
            if c.unread == 0 { c.requestStarted = nil; break }
            if c.requestStarted == nil { c.requestStarted = now() }
            // Not enough bytes yet for the parse to get further than last time: wait for more.
            let result: HTTPParser.Result = c.inbuf.count < c.needBytes ? .incomplete(expectsContinue: false, need: c.needBytes - c.inpos)
                : HTTPParser.parse(c.inbuf, from: c.inpos, limits: limits, progress: &c.chunked)
            switch result {
            case .incomplete(let expectsContinue, let need):
                c.needBytes = c.inpos + need
                if expectsContinue && !c.sentContinue {
                    c.sentContinue = true
                    c.out.append(contentsOf: Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                }
                if c.peerClosed {  // the client vanished mid-request: nothing to answer
                    flush(c)
                    if connections[c.id] != nil && c.pendingOutput == 0 { closeConnection(c) }
                    return
                }
                flush(c)
                return
            case .request(var req, let consumed, let keepAlive):
                c.inpos += consumed
                c.chunked = nil
                c.needBytes = 0
                // Consumed bytes are dropped in one move when there are many (not one shift per pipelined request).
                if c.inpos == c.inbuf.count {
                    c.inbuf.removeAll(keepingCapacity: c.inbuf.capacity <= 1 << 20)
                    c.inpos = 0
                } else if c.inpos >= 1 << 16 {
                    c.inbuf.removeFirst(c.inpos)
                    c.inpos = 0
                }
                c.sentContinue = false
                c.requestStarted = c.unread == 0 ? nil : now()
                c.busy = true
                c.keepAlive = keepAlive && !server.isStopping
                c.headOnly = req.method == "HEAD"
                req.peer = c.peer
                dispatch(req, on: c)
            case .error(let status, let message):
                c.dropInput()
                c.out.append(contentsOf: server.errorResponder(status, message).serialized(keepAlive: false, date: HTTPDate.now()))
                c.closeAfterWrite = true
            }
        }
        flush(c)
        if connections[c.id] != nil, c.peerClosed, !c.busy, c.pendingOutput == 0 { closeConnection(c) }
    }

    /// Runs the handler here when the request is quick, else on the worker pool. An answer given at once is
    /// queued on the connection straight away; a later or streamed one comes back through `post`.
    private func dispatch(_ request: HTTPRequest, on c: Connection) {
        let id = c.id, handler = server.handler
        weak let server = self.server
        @Sendable func answer(_ resp: HTTPResponse) {
            if let later = resp.deferred {
                // Answered later (an audit commit, long polling): whoever holds the callback answers; no thread waits.
                let once = Once()
                later { r in if once.take() { server?.streamOutput(id, .response(r)) } }
            } else {
                server?.streamOutput(id, .response(resp))
            }
        }
        guard self.server.quick?(request) == true else {
            server?.pool.submit { answer(handler(request)) }
            return
        }
        let resp = handler(request)
        if resp.deferred == nil && resp.stream == nil {
            respond(c, resp)
        } else {
            answer(resp)
        }
    }

    /// Queues a finished response on `c`; the caller's loop takes its next request.
    private func respond(_ c: Connection, _ resp: HTTPResponse) {
        finish(c) { keep, out in resp.serialize(into: &out, keepAlive: keep, date: HTTPDate.now(), headOnly: c.headOnly) }
    }

    /// The last bytes of an answer (written for whether the connection stays open) are queued: `c` is free for its
    /// next request, or closes once they are sent.
    private func finish(_ c: Connection, _ writeLast: (_ keepAlive: Bool, _ out: inout [UInt8]) -> Void) {
        let keep = c.keepAlive && !server.isStopping && !c.peerClosed
        writeLast(keep, &c.out)
        c.busy = false
        if !keep { c.closeAfterWrite = true }
        if !c.peerClosed && !c.closeAfterWrite && !c.wantRead { setInterest(c, read: true) }
    }

    /// Queues an answer finished on another thread (or later on this one); only the first of a batch wakes the
    /// loop, which takes the whole queue when woken, so answers completed together (one audit commit) cost one
    /// wake-up.
    func post(_ id: UInt64, _ o: Output) {
        let first = lock.withLock { () -> Bool in
            completed.append((id, o))
            return completed.count == 1
        }
        if first { signalWake() }
    }

    /// A slow reader of a streamed response is disconnected once this much output is waiting for it.
    static let maxStreamBacklog = 8 << 20

    private func drainCompleted() {
        var v: UInt64 = 0
        _ = read(wake, &v, 8)
        let done = lock.withLock { () -> [(UInt64, Output)] in
            let d = completed
            completed.removeAll(keepingCapacity: true)
            return d
        }
        let stopping = server.isStopping
        for (id, output) in done {
            guard let c = connections[id], c.busy else { continue }  // the client went away
            switch output {
            case .response(let resp) where c.streaming:
                _ = resp  // a stream answers only through its chunks
            case .response(let resp) where resp.stream != nil && !c.headOnly:
                c.streaming = true
                let keep = c.keepAlive && !stopping && !c.peerClosed
                c.keepAlive = keep
                c.out.append(contentsOf: resp.serialized(keepAlive: keep, date: HTTPDate.now(), chunked: true))
                let stream = ResponseStream(server: server, connection: id)
                streams[id] = stream
                let start = resp.stream!
                server.pool.submit { start(stream) }
                flush(c)
            case .response(let resp):
                respond(c, resp)
                process(c)
            case .chunk(let bytes) where c.streaming:
                c.out.append(contentsOf: Array((String(bytes.count, radix: 16) + "\r\n").utf8))
                c.out.append(contentsOf: bytes)
                c.out.append(contentsOf: [0x0D, 0x0A])
                if c.pendingOutput > Self.maxStreamBacklog { closeConnection(c); continue }
                flush(c)
            case .end where c.streaming:
                c.streaming = false
                streams.removeValue(forKey: id)
                finish(c) { _, out in out.append(contentsOf: [0x30, 0x0D, 0x0A, 0x0D, 0x0A]) }
                process(c)
            default:
                continue
            }
        }
    }

    private func flush(_ c: Connection) {
        guard connections[c.id] != nil else { return }
        while c.outPos < c.out.count {
            let n = c.out.withUnsafeBytes { send(c.fd, $0.baseAddress! + c.outPos, $0.count - c.outPos, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                c.outPos += n
                c.lastActive = now()
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                setInterest(c, write: true)
                return
            } else {
                closeConnection(c)
                return
            }
        }
        c.out.removeAll(keepingCapacity: c.out.capacity <= 1 << 16)
        c.outPos = 0
        if c.wantWrite { setInterest(c, write: false) }
        if c.closeAfterWrite {
            if c.peerClosed { closeConnection(c); return }
            // Lingering close: stop sending, read and drop what the client still sends for a moment, so the
            // response is not lost to a reset.
            shutdown(c.fd, Int32(SHUT_WR))
            c.lingerUntil = now() + 2
            setInterest(c, read: true)
        }
    }

    private func setInterest(_ c: Connection, read: Bool? = nil, write: Bool? = nil) {
        if let read { c.wantRead = read }
        if let write { c.wantWrite = write }
        var e: UInt32 = 0
        if c.wantRead { e |= EV.read }
        if c.wantWrite { e |= EV.write }
        simpul_epoll_ctl(ep, 2, c.fd, e, c.id)
    }

    private func closeConnection(_ c: Connection) {
        guard connections.removeValue(forKey: c.id) != nil else { return }
        streams.removeValue(forKey: c.id)?.markClosed()
        simpul_epoll_ctl(ep, 3, c.fd, 0, 0)
        close(c.fd)
        server.openCount.subtract(1, ordering: .relaxed)
    }

    private func timers(_ t: Double) {
        if listenerPaused {
            listenerPaused = false
            if listener >= 0 { simpul_epoll_ctl(ep, 1, listener, EV.read, 0) }
        }
        for c in Array(connections.values) {
            if let until = c.lingerUntil {
                if t > until { closeConnection(c) }
                continue
            }
            if c.busy { continue }
            if let started = c.requestStarted, t - started > limits.requestTimeout {
                c.dropInput()
                c.out.append(contentsOf: server.errorResponder(408, "the request was not received in time").serialized(keepAlive: false, date: HTTPDate.now()))
                c.closeAfterWrite = true
                flush(c)
            } else if c.unread == 0 && c.pendingOutput == 0 && t - c.lastActive > limits.idleTimeout {
                closeConnection(c)
            }
        }
    }
}
