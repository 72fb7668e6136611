import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An external connector program: started in its folder through `/bin/sh` (`cd DIR && exec "$@"`, so `python3` is
/// found on PATH and `./connector.py` in the folder) in a process group of its own, so a kill reaches whatever it
/// started. stdout is read line by line with an idle timeout; stderr is drained in the background (only its last
/// 4 KiB are kept, for the developer's report: never stored in the hub).
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    let outFD: Int32
    let errFD: Int32
    private let lock = NSLock()
    private var errTail: [UInt8] = []
    private let errDone = DispatchSemaphore(value: 0)
    private var buffer: [UInt8] = []
    private var pos = 0
    private var eof = false
    private var exitStatus: Int32? = nil
    static let maxLine = 16 << 20

    init(command: [String], directory: String) throws {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0 else { throw SyncError.transport("pipe: \(String(cString: strerror(errno)))") }
        guard pipe(&errPipe) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            throw SyncError.transport("pipe: \(String(cString: strerror(errno)))")
        }
        // Not inherited by other programs started meanwhile (the child gets its copies through dup2).
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attr, 0)
        let argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory] + command
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, "/bin/sh", &actions, &attr, &cargs, environ)
        close(outPipe[1])
        close(errPipe[1])
        guard rc == 0 else {
            close(outPipe[0]); close(errPipe[0])
            throw SyncError.transport("cannot start \(command.joined(separator: " ")): \(String(cString: strerror(rc)))")
        }
        pid = child
        outFD = outPipe[0]
        errFD = errPipe[0]
        let fd = errFD
        Thread.detachNewThread { [self] in
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                lock.lock()
                errTail.append(contentsOf: chunk[0..<n])
                if errTail.count > 4096 { errTail.removeFirst(errTail.count - 4096) }
                lock.unlock()
            }
            errDone.signal()
        }
    }


    /// The last lines the program wrote to stderr (for the developer running `connector test` or `connector run`).
    var stderrTail: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: errTail, as: UTF8.self)
    }

    enum Line {
        case line([UInt8])
        /// Longer than `maxLine`: skipped up to its end.
        case tooLong
    }

    /// True when a whole line is already read in (the next `nextLine` will not wait).
    var hasBufferedLine: Bool { eof || buffer[pos...].contains(10) }

    /// The next line of stdout (without its newline), nil at end of output. Throws `SyncError.transport` when the
    /// program prints nothing for `idle` seconds.
    func nextLine(idle: Double) throws -> Line? {
        var skipping = false
        while true {
            if let nl = buffer[pos...].firstIndex(of: 10) {
                let line = Array(buffer[pos..<nl])
                pos = nl + 1
                if pos > 1 << 20 {
                    buffer.removeFirst(pos)
                    pos = 0
                }
                return skipping ? .tooLong : .line(line.last == 13 ? Array(line.dropLast()) : line)
            }
            if buffer.count - pos > Self.maxLine {
                buffer.removeAll()
                pos = 0
                skipping = true
            }
            if eof {
                guard pos < buffer.count else { return skipping ? .tooLong : nil }
                let line = Array(buffer[pos...])
                buffer.removeAll()
                pos = 0
                return skipping ? .tooLong : .line(line)
            }
            try fill(idle: idle)
        }
    }

    private func fill(idle: Double) throws {
        let fd = outFD
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let r = poll(&p, 1, Int32(min(Double(Int32.max), idle * 1000)))
        if r == 0 { throw SyncError.transport("the connector printed nothing for \(Int(idle)) s") }
        if r < 0 {
            if errno == EINTR { return }
            throw SyncError.transport("reading the connector's output: \(String(cString: strerror(errno)))")
        }
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR || errno == EAGAIN { return }
            throw SyncError.transport("reading the connector's output: \(String(cString: strerror(errno)))")
        }
        if n == 0 { eof = true } else { buffer.append(contentsOf: chunk[0..<n]) }
    }

    /// Kills the program and everything it started (its process group).
    func kill() {
        if exitStatus == nil { Glibc.kill(-pid, SIGKILL) }
    }

    /// Waits for the exit; returns the exit status (128 + signal when killed by one). Whatever the program left
    /// running in its group is killed too, so nothing holds the pipes open.
    func wait() -> Int32 {
        if let s = exitStatus { return s }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        Glibc.kill(-pid, SIGKILL)
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        exitStatus = code
        close(outFD)
        _ = errDone.wait(timeout: .now() + 2)
        close(errFD)
        return code
    }
}

/// Why a sync run failed. `transport`: the source or program could not be read (retry later); `protocolError`:
/// the program broke the connector protocol; `config`: connector.json or the environment is wrong.
public enum SyncError: Error, Sendable, CustomStringConvertible {
    case transport(String)
    case protocolError(String)
    case config(String)
    case busy(String)

    public var description: String {
        switch self {
        case .transport(let m), .protocolError(let m), .config(let m), .busy(let m): return m
        }
    }
}
