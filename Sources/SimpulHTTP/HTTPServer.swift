import CEventLoop
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 server on POSIX sockets: one or more event loops (epoll), one per core, each with its own
/// listening socket on the same port (`SO_REUSEPORT`: the kernel spreads new connections over them) and its own
/// connections, doing all their socket I/O and parsing. A request the `quick` predicate accepts is handled on its
/// loop's thread, with no handoff; any other on a pool of worker threads, so a slow handler never holds a loop up.
/// Keep-alive, pipelining (answers in request order: a connection's next request is taken only after the previous
/// one is answered), Content-Length and chunked bodies, `Expect: 100-continue`, the limits of `HTTPLimits` with
/// their status codes, and a graceful stop (stop accepting, finish in-flight requests, close). It knows nothing of
/// Simpul's domain.
public final class HTTPServer: @unchecked Sendable {
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse
    /// Builds the response the server sends on its own (400, 408, 413, 431, 503…), before closing.
    public typealias ErrorResponder = @Sendable (Int, String) -> HTTPResponse
    /// True for a request whose handler returns at once (no long query, no lock held for long): it runs on the
    /// event loop. A handler that must wait for something answers `.later` and does not hold the loop either.
    public typealias Quick = @Sendable (HTTPRequest) -> Bool

    public let limits: HTTPLimits
    public private(set) var port: Int = 0
    let handler: Handler
    let quick: Quick?
    let errorResponder: ErrorResponder
    let pool: WorkerPool
    var loops: [EventLoop] = []

    private let lock = NSLock()
    private let stopRequested = Atomic<Bool>(false)
    private var deadline: Double = 0
    private let finished = NSCondition()
    private var loopsRunning = 0
    private var isFinished = false
    /// Open connections over every loop (the connection cap is for the whole server).
    let openCount = Atomic<Int>(0)

    /// Statistics for /metrics-style reporting by the layer above.
    public var openConnections: Int { openCount.load(ordering: .relaxed) }

    /// Called on an event-loop thread after it has handled the events of one wait (a round): whatever the quick
    /// handlers of that round share (a read transaction, say) can end there. Set before `start()` or `run()`.
    public var roundEnd: (@Sendable () -> Void)?

    public static func defaultError(_ status: Int, _ message: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json",
                     body: "{\"error\":{\"code\":\"\(status)\",\"message\":\"\(message.replacingOccurrences(of: "\"", with: "'"))\"}}")
    }

    /// Binds and listens (port 0: any free port; `port` tells which). `loops`: event-loop threads (one per core
    /// is right for a busy server); `workers`: threads for the handlers that are not quick.
    public init(host: String = "127.0.0.1", port: Int = 8080, limits: HTTPLimits = HTTPLimits(), workers: Int = 4, loops: Int = 1,
                quick: Quick? = nil, errorResponder: @escaping ErrorResponder = HTTPServer.defaultError, handler: @escaping Handler) throws {
        signal(SIGPIPE, SIG_IGN)
        self.limits = limits
        self.handler = handler
        self.quick = quick
        self.errorResponder = errorResponder
        let h = host == "localhost" ? "127.0.0.1" : host
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        guard inet_pton(AF_INET, h, &addr.sin_addr) == 1 else { throw HTTPServerError("not an IPv4 address: \(host)") }
        // The loops share the port through SO_REUSEPORT, which would let another process of the same user (a second
        // `simpul serve`, perhaps on another hub) join the group and be handed part of the connections, silently.
        // So the port is first bound once without it: a port some program listens on is refused.
        if port != 0 { try Self.checkFree(addr, port: port, display: "\(host):\(port)") }
        var listeners: [Int32] = []
        var boundPort = port
        do {
            for _ in 0..<min(max(1, loops), 64) {
                listeners.append(try Self.listen(addr, port: boundPort, display: "\(host):\(port)"))
                boundPort = Self.localPort(listeners[0])
            }
        } catch {
            for fd in listeners { close(fd) }
            throw error
        }
        self.port = boundPort
        self.pool = WorkerPool(threads: max(1, workers))
        for (k, fd) in listeners.enumerated() {
            guard let loop = EventLoop(server: self, index: k, listener: fd) else {
                for l in self.loops { l.closeListener() }
                for fd in listeners.dropFirst(k) { close(fd) }
                pool.shutdown()
                throw HTTPServerError("cannot create the event loop: \(String(cString: strerror(errno)))")
            }
            self.loops.append(loop)
        }
    }

    /// Raises the process's soft limit of open files to its hard limit (at most 2^20), as servers do (Go's runtime
    /// does at start): a distribution's default of 1,024 is met by 1,000 idle keep-alive connections. Returns the
    /// limit now in force.
    @discardableResult
    public static func raiseOpenFilesLimit() -> Int {
        var rl = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &rl) == 0 else { return -1 }
        let want = min(rl.rlim_max, 1 << 20)
        if rl.rlim_cur < want {
            var raised = rl
            raised.rlim_cur = want
            if setrlimit(resource, &raised) == 0 { return Int(want) }
        }
        return Int(rl.rlim_cur)
    }

    /// A TCP socket bound to `port` of `addr` (SO_REUSEADDR: connections of an earlier run waiting out TIME_WAIT do
    /// not count), and `SO_REUSEPORT` when `shared`; or the errno of a failed bind.
    private enum Bound { case socket(Int32), failed(errno: Int32) }

    private static func bound(_ address: sockaddr_in, port: Int, shared: Bool, flags: Int32 = 0) throws -> Bound {
        guard let port16 = UInt16(exactly: port) else { throw HTTPServerError("port \(port) is not 0 – 65535") }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | flags, 0)
        guard fd >= 0 else { throw HTTPServerError("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if shared { setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) }
        var addr = address
        addr.sin_port = in_port_t(port16.bigEndian)
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else {
            let e = errno
            close(fd)
            return .failed(errno: e)
        }
        return .socket(fd)
    }

    /// Throws when something listens on `port` of `addr` already: a bind without `SO_REUSEPORT` fails beside any
    /// listening socket.
    private static func checkFree(_ address: sockaddr_in, port: Int, display: String) throws {
        switch try bound(address, port: port, shared: false) {
        case .socket(let fd): close(fd)
        case .failed(let e):
            throw HTTPServerError("cannot listen on \(display): \(e == EADDRINUSE ? "another program (another simpul serve?) listens on it" : String(cString: strerror(e)))")
        }
    }

    /// A non-blocking listening socket on `port` of `addr`, shareable by the loops (`SO_REUSEPORT`).
    private static func listen(_ address: sockaddr_in, port: Int, display: String) throws -> Int32 {
        let fd: Int32
        switch try bound(address, port: port, shared: true, flags: Int32(SOCK_NONBLOCK.rawValue)) {
        case .socket(let f): fd = f
        case .failed(let e): throw HTTPServerError("cannot listen on \(display): \(String(cString: strerror(e)))")
        }
        guard Glibc.listen(fd, 1024) == 0 else {
            let e = errno
            close(fd)
            throw HTTPServerError("listen: \(String(cString: strerror(e)))")
        }
        return fd
    }

    private static func localPort(_ fd: Int32) -> Int {
        var bound = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: bound.sin_port))
    }

    /// Runs the event loops on new threads and returns at once.
    public func start() {
        for loop in loops { startThread(loop) }
    }

    private func startThread(_ loop: EventLoop) {
        lock.withLock { loopsRunning += 1 }
        let t = Thread { [self] in runLoop(loop) }
        t.name = "simpul-http-\(loop.index)"
        t.stackSize = 1 << 20
        t.start()
    }

    /// Runs the event loops (the first on the calling thread) until `stop()` has drained every connection.
    public func run() {
        for loop in loops.dropFirst() { startThread(loop) }
        lock.withLock { loopsRunning += 1 }
        runLoop(loops[0])
        wait()
    }

    private func runLoop(_ loop: EventLoop) {
        loop.run()
        let last = lock.withLock { () -> Bool in
            loopsRunning -= 1
            return loopsRunning == 0
        }
        guard last else { return }
        pool.shutdown()
        finished.lock()
        isFinished = true
        finished.broadcast()
        finished.unlock()
    }

    /// Asks for a graceful stop: no new connections; in-flight requests are answered (with `Connection: close`);
    /// idle connections are closed; after `grace` seconds whatever is left is closed. Safe from any thread.
    public func stop(grace: Double = 10) {
        lock.withLock { deadline = Monotonic.seconds() + grace }
        stopRequested.store(true, ordering: .sequentiallyConsistent)
        for loop in loops { loop.signalWake() }
    }

    /// Whether `stop()` was asked for (read on every request by every loop: an atomic, not a lock).
    var isStopping: Bool { stopRequested.load(ordering: .sequentiallyConsistent) }
    /// When a stopping loop closes whatever is left.
    var stopDeadline: Double { lock.withLock { deadline } }

    /// Blocks until the loops have stopped.
    public func wait() {
        finished.lock()
        while !isFinished { finished.wait() }
        finished.unlock()
    }

    /// Queues output for the connection's loop (from any thread).
    func streamOutput(_ id: UInt64, _ o: EventLoop.Output) {
        let k = Int(id & EventLoop.indexMask)
        guard k < loops.count else { return }
        loops[k].post(id, o)
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
    static let lock = AdaptiveLock()
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
