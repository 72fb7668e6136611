import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An external connector program: started in its folder with `/usr/bin/env` (so `python3` is found on PATH and
/// `./connector.py` in the folder), stdout read line by line with an idle timeout, stderr drained in the
/// background (only its size and last lines are kept, for the developer's report: never stored in the hub).
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let stdout = Pipe()
    let stderr = Pipe()
    private let lock = NSLock()
    private var errTail: [UInt8] = []
    private var errBytes = 0
    private let errDone = DispatchSemaphore(value: 0)
    private var buffer: [UInt8] = []
    private var pos = 0
    private var eof = false
    static let maxLine = 16 << 20

    init(command: [String], directory: String, environment: [String: String]? = nil) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        if let environment { process.environment = environment }
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw SyncError.transport("cannot start \(command.joined(separator: " ")): \(error.localizedDescription)")
        }
        let fd = stderr.fileHandleForReading.fileDescriptor
        Thread.detachNewThread { [self] in
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                lock.lock()
                errBytes += n
                errTail.append(contentsOf: chunk[0..<n])
                if errTail.count > 4096 { errTail.removeFirst(errTail.count - 4096) }
                lock.unlock()
            }
            errDone.signal()
        }
    }

    var pid: Int32 { process.processIdentifier }

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
        let fd = stdout.fileHandleForReading.fileDescriptor
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

    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }

    /// Waits for the exit; returns the exit status (128 + signal when killed by one).
    func wait() -> Int32 {
        process.waitUntilExit()
        try? stdout.fileHandleForReading.close()
        errDone.wait()
        try? stderr.fileHandleForReading.close()
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
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
