import CEventLoop
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 server on POSIX sockets: one event-loop thread (epoll) owns every connection and does all socket
/// I/O and parsing; handlers run on a pool of worker threads. Keep-alive, pipelining (answers in request order:
/// a connection's next request is taken only after the previous one is answered), Content-Length and chunked
/// bodies, `Expect: 100-continue`, the limits of `HTTPLimits` with their status codes, and a graceful stop
/// (stop accepting, finish in-flight requests, close). It knows nothing of Simpul's domain.
public final class HTTPServer: @unchecked Sendable {
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse
    /// Builds the response the server sends on its own (400, 408, 413, 431, 503…), before closing.
    public typealias ErrorResponder = @Sendable (Int, String) -> HTTPResponse

    public let limits: HTTPLimits
    public private(set) var port: Int = 0
    let handler: Handler
    let errorResponder: ErrorResponder
    let pool: WorkerPool

    private var listener: Int32 = -1
    private let ep: Int32
    private let wake: Int32
    private var connections: [UInt64: Connection] = [:]
    private var nextID: UInt64 = 2

    private let lock = NSLock()
    private var completed: [(UInt64, Output)] = []
    /// Streamed responses in progress, by connection.
    private var streams: [UInt64: ResponseStream] = [:]

    enum Output {
        case response(HTTPResponse)
        case chunk([UInt8])
        case end
    }
    private var stopRequested = false
    private var stopDeadline: Double = 0
    private let finished = NSCondition()
    private var isFinished = false

    /// Statistics for /metrics-style reporting by the layer above.
    public var openConnections: Int { lock.withLock { openCount } }
    private var openCount = 0

    public static func defaultError(_ status: Int, _ message: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json",
                     body: "{\"error\":{\"code\":\"\(status)\",\"message\":\"\(message.replacingOccurrences(of: "\"", with: "'"))\"}}")
    }

    /// Binds and listens (port 0: any free port; `port` tells which).
    public init(host: String = "127.0.0.1", port: Int = 8080, limits: HTTPLimits = HTTPLimits(), workers: Int = 4,
                errorResponder: @escaping ErrorResponder = HTTPServer.defaultError, handler: @escaping Handler) throws {
        signal(SIGPIPE, SIG_IGN)
        self.limits = limits
        self.handler = handler
        self.errorResponder = errorResponder
        self.pool = WorkerPool(threads: max(1, workers))
        ep = simpul_epoll_create()
        wake = simpul_eventfd()
        guard ep >= 0, wake >= 0 else { throw HTTPServerError("cannot create the event loop: \(String(cString: strerror(errno)))") }
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw HTTPServerError("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        let h = host == "localhost" ? "127.0.0.1" : host
        guard inet_pton(AF_INET, h, &addr.sin_addr) == 1 else { throw HTTPServerError("not an IPv4 address: \(host)") }
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else {
            let e = errno
            close(listener)
            throw HTTPServerError("cannot listen on \(host):\(port): \(String(cString: strerror(e)))")
        }
        guard listen(listener, 1024) == 0 else { throw HTTPServerError("listen: \(String(cString: strerror(errno)))") }
        var bound = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) } }
        self.port = Int(UInt16(bigEndian: bound.sin_port))
        simpul_epoll_ctl(ep, 1, listener, EV.read, 0)
        simpul_epoll_ctl(ep, 1, wake, EV.read, 1)
    }

    deinit {
        if listener >= 0 { close(listener) }
        close(ep)
        close(wake)
    }

    /// Runs the event loop on a new thread and returns at once.
    public func start() {
        let t = Thread { [self] in run() }
        t.name = "simpul-http"
        t.stackSize = 1 << 20
        t.start()
    }

    /// Asks for a graceful stop: no new connections; in-flight requests are answered (with `Connection: close`);
    /// idle connections are closed; after `grace` seconds whatever is left is closed. Safe from any thread.
    public func stop(grace: Double = 10) {
        lock.withLock {
            stopRequested = true
            stopDeadline = now() + grace
        }
        signalWake()
    }

    /// Blocks until the loop has stopped.
    public func wait() {
        finished.lock()
        while !isFinished { finished.wait() }
        finished.unlock()
    }

    private func signalWake() {
        var one: UInt64 = 1
        _ = write(wake, &one, 8)
    }

    func now() -> Double { Monotonic.seconds() }

    // MARK: - The loop

    /// The event loop, on the calling thread, until `stop()` has drained every connection.
    public func run() {
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
            let t = now()
            let (stopNow, deadline) = lock.withLock { (stopRequested, stopDeadline) }
            if stopNow && !stopping {
                stopping = true
                simpul_epoll_ctl(ep, 3, listener, 0, 0)
                close(listener)
                listener = -1
            }
            if stopping {
                for c in Array(connections.values) where !c.busy && c.pendingOutput == 0 && c.lingerUntil == nil {
                    if c.unread == 0 { closeConnection(c) } else { c.keepAlive = false }
                }
                // Done when nothing is left but connections in their lingering close.
                if connections.values.allSatisfy({ $0.lingerUntil != nil }) || t > deadline { break }
            }
            if t - lastTimers >= 0.25 {
                lastTimers = t
                timers(t)
            }
        }
        for c in Array(connections.values) { closeConnection(c) }
        pool.shutdown()
        finished.lock()
        isFinished = true
        finished.broadcast()
        finished.unlock()
    }

    private func acceptAll() {
        while listener >= 0 {
            let fd = simpul_accept(listener)
            if fd < 0 { return }  // EAGAIN, or a transient error (EMFILE, ECONNABORTED): try again on the next event
            if connections.count >= limits.maxConnections {
                let r = errorResponder(503, "too many connections").serialized(keepAlive: false, date: HTTPDate.now())
                _ = r.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(fd)
                continue
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let c = Connection(id: nextID, fd: fd, peer: Self.peerAddress(fd), now: now())
            nextID += 1
            connections[c.id] = c
            lock.withLock { openCount = connections.count }
            simpul_epoll_ctl(ep, 1, fd, EV.read, c.id)
        }
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
    private var readBuffer = [UInt8](repeating: 0, count: HTTPServer.readSize)

    private func readable(_ c: Connection) {
        var gotEOF = false
        while true {
            let n = readBuffer.withUnsafeMutableBytes { recv(c.fd, $0.baseAddress, HTTPServer.readSize, 0) }
            if n > 0 {
                c.lastActive = now()
                if c.lingerUntil != nil { continue }  // closing: read and drop
                c.inbuf.append(contentsOf: readBuffer[0..<n])
                if n < HTTPServer.readSize { break }
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
                c.keepAlive = keepAlive && !lock.withLock({ stopRequested })
                c.headOnly = req.method == "HEAD"
                req.peer = c.peer
                let id = c.id, handler = self.handler, request = req
                pool.submit { [weak self] in
                    let resp = handler(request)
                    if let later = resp.deferred {
                        // Answered later (long polling): the handler keeps the callback; no worker waits.
                        let once = Once()
                        weak let server = self
                        later { r in if once.take() { server?.complete(id, r) } }
                    } else {
                        self?.complete(id, resp)
                    }
                }
            case .error(let status, let message):
                c.dropInput()
                c.out.append(contentsOf: errorResponder(status, message).serialized(keepAlive: false, date: HTTPDate.now()))
                c.closeAfterWrite = true
            }
        }
        flush(c)
        if connections[c.id] != nil, c.peerClosed, !c.busy, c.pendingOutput == 0 { closeConnection(c) }
    }

    private func complete(_ id: UInt64, _ resp: HTTPResponse) {
        streamOutput(id, .response(resp))
    }

    /// Queues output for the loop. Only the first item of a batch wakes it: the loop takes the whole queue under
    /// the lock after it is woken, so answers completed together (one audit commit) cost one wake-up.
    func streamOutput(_ id: UInt64, _ o: Output) {
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
        let stopping = lock.withLock { stopRequested }
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
                let stream = ResponseStream(server: self, connection: id)
                streams[id] = stream
                let start = resp.stream!
                pool.submit { start(stream) }
                flush(c)
            case .response(let resp):
                finishResponse(c, resp.serialized(keepAlive: c.keepAlive && !stopping && !c.peerClosed, date: HTTPDate.now(), headOnly: c.headOnly),
                               keep: c.keepAlive && !stopping && !c.peerClosed)
            case .chunk(let bytes) where c.streaming:
                c.out.append(contentsOf: Array((String(bytes.count, radix: 16) + "\r\n").utf8))
                c.out.append(contentsOf: bytes)
                c.out.append(contentsOf: [0x0D, 0x0A])
                if c.pendingOutput > Self.maxStreamBacklog { closeConnection(c); continue }
                flush(c)
            case .end where c.streaming:
                c.streaming = false
                streams.removeValue(forKey: id)
                finishResponse(c, Array("0\r\n\r\n".utf8), keep: c.keepAlive && !stopping && !c.peerClosed)
            default:
                continue
            }
        }
    }

    /// The last bytes of a response are queued: the connection may take its next request.
    private func finishResponse(_ c: Connection, _ bytes: [UInt8], keep: Bool) {
        c.busy = false
        c.out.append(contentsOf: bytes)
        if !keep { c.closeAfterWrite = true }
        if !c.peerClosed && !c.closeAfterWrite { setInterest(c, read: true) }
        process(c)
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
        lock.withLock { openCount = connections.count }
    }

    private func timers(_ t: Double) {
        for c in Array(connections.values) {
            if let until = c.lingerUntil {
                if t > until { closeConnection(c) }
                continue
            }
            if c.busy { continue }
            if let started = c.requestStarted, t - started > limits.requestTimeout {
                c.dropInput()
                c.out.append(contentsOf: errorResponder(408, "the request was not received in time").serialized(keepAlive: false, date: HTTPDate.now()))
                c.closeAfterWrite = true
                flush(c)
            } else if c.unread == 0 && c.pendingOutput == 0 && t - c.lastActive > limits.idleTimeout {
                closeConnection(c)
            }
        }
    }
}

/// Seconds on the monotonic clock (for timeouts and ages; never goes back).
public enum Monotonic {
    public static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// The event bits of the C shim.
enum EV {
    static let read: UInt32 = 1
    static let write: UInt32 = 4
    static let error: UInt32 = 8
    static let hangup: UInt32 = 16
}

final class Connection {
    let id: UInt64
    let fd: Int32
    let peer: String
    var inbuf: [UInt8] = []
    /// Where the unconsumed input starts in `inbuf`.
    var inpos = 0
    var unread: Int { inbuf.count - inpos }
    /// `inbuf.count` needed before parsing the current request again can get further.
    var needBytes = 0
    /// A chunked body decoded so far, for the request being received.
    var chunked: HTTPParser.ChunkedProgress?

    func dropInput() {
        inbuf.removeAll()
        inpos = 0
        needBytes = 0
        chunked = nil
    }
    var out: [UInt8] = []
    var outPos = 0
    var busy = false
    var streaming = false
    var keepAlive = true
    var headOnly = false
    var closeAfterWrite = false
    var peerClosed = false
    var sentContinue = false
    var wantRead = true
    var wantWrite = false
    var requestStarted: Double?
    var lastActive: Double
    var lingerUntil: Double?
    var pendingOutput: Int { out.count - outPos }

    init(id: UInt64, fd: Int32, peer: String, now: Double) {
        self.id = id
        self.fd = fd
        self.peer = peer
        lastActive = now
    }
}

public struct HTTPServerError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

/// The IMF-fixdate for the Date header, computed once per second.
enum HTTPDate {
    nonisolated(unsafe) static var cache: (Int, String) = (0, "")
    static let lock = NSLock()
    static func now() -> String {
        let t = Int(time(nil))
        return lock.withLock {
            if cache.0 == t { return cache.1 }
            var tt = time_t(t)
            var tmv = tm()
            gmtime_r(&tt, &tmv)
            let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
            let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
            let s = "\(days[Int(tmv.tm_wday)]), \(two(tmv.tm_mday)) \(months[Int(tmv.tm_mon)]) \(tmv.tm_year + 1900) "
                + "\(two(tmv.tm_hour)):\(two(tmv.tm_min)):\(two(tmv.tm_sec)) GMT"
            cache = (t, s)
            return s
        }
    }
}

/// True the first time only: a deferred answer is taken once.
final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var taken = false
    func take() -> Bool { lock.withLock { defer { taken = true }; return !taken } }
}

/// Threads that run handlers.
final class WorkerPool: @unchecked Sendable {
    private let cond = NSCondition()
    private var queue: [@Sendable () -> Void] = []
    private var head = 0
    private var closed = false
    private var threads: [Thread] = []
    private var live = 0

    init(threads n: Int) {
        for k in 0..<n {
            let t = Thread { [self] in work() }
            t.name = "simpul-worker-\(k)"
            t.stackSize = 4 << 20
            threads.append(t)
            live += 1
            t.start()
        }
    }

    func submit(_ job: @escaping @Sendable () -> Void) {
        cond.lock()
        queue.append(job)
        cond.signal()
        cond.unlock()
    }

    private func work() {
        while true {
            cond.lock()
            while head == queue.count && !closed { cond.wait() }
            if head == queue.count && closed {
                live -= 1
                cond.broadcast()
                cond.unlock()
                return
            }
            let job = queue[head]
            head += 1
            if head > 1024 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            cond.unlock()
            job()
        }
    }

    /// Finishes queued jobs, then stops the threads.
    func shutdown() {
        cond.lock()
        closed = true
        cond.broadcast()
        while live > 0 { cond.wait() }
        cond.unlock()
    }
}
