import Foundation
import SimpulConnectors
import SimpulIngest
import SimpulJSON
import SimpulStorage

/// Runs an external connector program: `spec`, `check --config`, `discover --config`, `read --config [--state]`.
public struct ExternalSync {
    public let connector: Connector
    public let source: ExternalSource

    public init(connector: Connector, source: ExternalSource) {
        self.connector = connector
        self.source = source
    }

    /// What a `read` did, beyond the run summary.
    public struct ReadReport: Sendable {
        public var records = 0
        public var states = 0
        public var logs = 0
        /// Lines that were not usable messages (dead-lettered with their line and reason).
        public var badLines = 0
        public var exitStatus: Int32 = 0
        /// Set when the run failed: the connector's ERROR message, a non-zero exit, a timeout.
        public var failure: String? = nil
        public var interrupted = false
        public var stderrTail = ""
    }

    /// Test hook for the acceptance kit: after this many STATEs were saved, the program is killed when the next
    /// STATE arrives: the records between are committed, that STATE is not (a crash between two STATEs).
    public var interruptAfterStates: Int? = nil
    /// LOG messages go here (the CLI prints them to stderr with --verbose; the hub never stores them).
    public var onLog: ((String, String) -> Void)? = nil
    public var isCancelled: @Sendable () -> Bool = { false }
    public var onCommit: ((Int) -> Void)? = nil

    // MARK: verbs with one answer

    public func spec() throws -> JSONValue {
        for m in try messages(verb: "spec", config: false) { if case .spec(let s) = m { return s } }
        throw SyncError.protocolError("spec printed no SPEC message")
    }

    public func check() throws -> (ok: Bool, message: String) {
        for m in try messages(verb: "check", config: true) { if case .connectionStatus(let ok, let msg) = m { return (ok, msg) } }
        throw SyncError.protocolError("check printed no CONNECTION_STATUS message")
    }

    public func discover() throws -> [(name: String, schema: JSONValue)] {
        for m in try messages(verb: "discover", config: true) { if case .catalog(let s) = m { return s } }
        throw SyncError.protocolError("discover printed no CATALOG message")
    }

    func messages(verb: String, config: Bool) throws -> [ProtocolMessage] {
        let files = try TempFiles()
        defer { files.remove() }
        var args = source.command + [verb]
        if config { args += ["--config", try files.write("config.json", try configJSON())] }
        let child = try ChildProcess(command: args, directory: connector.directory)
        var out: [ProtocolMessage] = []
        var problems: [String] = []
        var n = 0
        do {
            while let l = try child.nextLine(idle: source.idleTimeout) {
                n += 1
                switch Self.item(l, line: n) {
                case .message(_, _, let m)?: out.append(m)
                case .bad(let line, _, let reason, _)?: problems.append("line \(line): \(reason)")
                case nil: continue
                }
            }
        } catch {
            child.kill()
            _ = child.wait()
            throw error
        }
        let status = child.wait()
        for m in out { if case .error(let e) = m { throw SyncError.transport("\(verb): \(e)") } }
        if status != 0 { throw SyncError.transport("\(verb) exited with status \(status)\(Self.tail(child.stderrTail))") }
        // Every stdout line is a message: a line that is not one is reported, even next to a good answer.
        if !problems.isEmpty { throw SyncError.protocolError("\(verb): \(problems.prefix(3).joined(separator: "; "))") }
        return out
    }

    /// The configured config with `${NAME}` replaced from the environment (secrets stay out of connector.json).
    public func configJSON() throws -> JSONValue { try source.resolvedConfig() }

    // MARK: read

    /// Runs `read` into `session`: RECORDs are mapped and written in batches; at each STATE everything before it
    /// is committed, then the state is saved. A program that fails, stops answering or breaks the protocol fails
    /// the run; what it sent before its last STATE stays committed, and the next run resumes from that STATE.
    public func read(into session: IngestSession, state: JSONValue?) throws -> ReadReport {
        let store = session.ingestor.store
        let files = try TempFiles()
        defer { files.remove() }
        var args = source.command + ["read", "--config", try files.write("config.json", try configJSON())]
        if let state { args += ["--state", try files.write("state.json", state)] }
        let child = try ChildProcess(command: args, directory: connector.directory)
        let stream = try session.records(name: "\(connector.name) read (run \(session.run))")
        var report = ReadReport()
        // A reader thread splits and parses the program's output while this thread maps and commits.
        let channel = BoundedChannel<OutputChunk>(capacity: 8)
        let idle = source.idleTimeout
        let readerDone = DispatchSemaphore(value: 0)
        let reader = Thread {
            Self.readOutput(child, idle: idle, into: channel)
            readerDone.signal()
        }
        reader.stackSize = 8 << 20
        reader.start()
        defer { channel.close() }
        do {
            loop: while let chunk = channel.receive() {
                let items: [OutputItem]
                switch chunk {
                case .items(let i): items = i
                case .failed(let reason):
                    child.kill()
                    report.failure = reason
                    break loop
                case .end: break loop
                }
                for item in items {
                    if isCancelled() {
                        child.kill()
                        report.interrupted = true
                        report.failure = "stopped: the hub is shutting down (the next run resumes from the last STATE)"
                        break loop
                    }
                    switch item {
                    case .bad(let line, let field, let reason, let bytes):
                        report.badLines += 1
                        try stream.addMalformed(line: line, field: field, reason: reason, raw: bytes)
                    case .message(let line, let bytes, .record(let name, let data)):
                        if let streams = source.streams, !streams.contains(name ?? "") {
                            report.badLines += 1
                            try stream.addMalformed(line: line, field: "stream",
                                                    reason: "stream \(name ?? "(none)") is not one this connector maps (source.streams)", raw: bytes)
                            continue
                        }
                        report.records += 1
                        try stream.add(fields: data, line: line, raw: bytes)
                    case .message(_, _, .state(let s)):
                        if let k = interruptAfterStates, report.states >= k {
                            try stream.commit()
                            child.kill()
                            report.interrupted = true
                            break loop
                        }
                        // The records before this STATE and the STATE itself, in one durable transaction.
                        try stream.commit { try store.saveConnectorState(connector.name, state: s, run: session.run) }
                        report.states += 1
                        onCommit?(report.records)
                    case .message(_, _, .log(let level, let message)):
                        report.logs += 1
                        onLog?(level, message)
                    case .message(_, _, .error(let m)):
                        report.failure = "the connector reported: \(m)"
                    case .message(let line, let bytes, _):
                        onLog?("WARN", "line \(line): a \(String(decoding: bytes.prefix(40), as: UTF8.self))… message is not expected during read; ignored")
                    }
                }
            }
        } catch {
            child.kill()
            report.failure = "\(error)"
        }
        // Whatever ended the loop, the reader sees the program's output end (it was killed, or it finished);
        // it must be done with the pipe before `wait` closes it.
        channel.close()
        readerDone.wait()
        try stream.close()
        let status = child.wait()
        report.exitStatus = status
        report.stderrTail = child.stderrTail
        if !report.interrupted && report.failure == nil && status != 0 {
            report.failure = "the connector exited with status \(status)"
        }
        return report
    }

    enum OutputItem: Sendable {
        case message(line: Int, bytes: [UInt8], ProtocolMessage)
        case bad(line: Int, field: String?, reason: String, bytes: [UInt8])
    }

    enum OutputChunk: Sendable {
        case items([OutputItem])
        case failed(String)
        case end
    }

    /// The reader thread: lines of the program's output, parsed, in chunks. A chunk is handed over when it is full
    /// or when no further complete line is waiting, so a message is never held back while the program pauses.
    static func readOutput(_ child: ChildProcess, idle: Double, into channel: BoundedChannel<OutputChunk>) {
        var chunk: [OutputItem] = []
        var lineNo = 0
        do {
            while true {
                if !chunk.isEmpty && !child.hasBufferedLine {
                    channel.send(.items(chunk))
                    chunk = []
                }
                if channel.isClosed { return }
                guard let l = try child.nextLine(idle: idle) else { break }
                lineNo += 1
                if let item = item(l, line: lineNo) { chunk.append(item) }
                if chunk.count >= 256 {
                    channel.send(.items(chunk))
                    chunk = []
                }
            }
            if !chunk.isEmpty { channel.send(.items(chunk)) }
            channel.send(.end)
        } catch {
            if !chunk.isEmpty { channel.send(.items(chunk)) }
            channel.send(.failed("\(error)"))
        }
    }

    /// One line of the program's output as a message, or as a bad line with its reason; nil for an empty line.
    static func item(_ l: ChildProcess.Line, line: Int) -> OutputItem? {
        switch l {
        case .tooLong:
            return .bad(line: line, field: nil, reason: "a line of the connector's output is longer than 16 MiB", bytes: [])
        case .line(let bytes):
            if bytes.isEmpty { return nil }
            switch ProtocolMessage.parse(bytes) {
            case .success(let m): return .message(line: line, bytes: bytes, m)
            case .failure(let p): return .bad(line: line, field: p.field, reason: p.reason, bytes: bytes)
            }
        }
    }

    static func tail(_ s: String) -> String {
        let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !t.isEmpty else { return "" }
        return " (stderr: …\(t.suffix(300)))"
    }
}

/// A private temporary folder (mode 0700) for config and state files; configs may hold secrets.
final class TempFiles {
    let dir: String
    init() throws {
        dir = NSTemporaryDirectory() + "simpul-sync-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }
    func write(_ name: String, _ v: JSONValue) throws -> String {
        let p = dir + "/" + name
        guard FileManager.default.createFile(atPath: p, contents: Data(v.jsonText.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw SyncError.transport("cannot write the connector's \(name) in \(dir)")
        }
        return p
    }
    func remove() { try? FileManager.default.removeItem(atPath: dir) }
}

extension ExternalSource {
    /// `config` with `${NAME}` replaced from the environment.
    public func resolvedConfig() throws -> JSONValue {
        func expand(_ v: JSONValue) throws -> JSONValue {
            switch v {
            case .string(let s): return .string(try expandEnvironment(s))
            case .array(let a): return .array(try a.map(expand))
            case .object(let o): return .object(try o.mapValues(expand))
            default: return v
            }
        }
        do { return try expand(config) } catch let e as ConfigError { throw SyncError.config("source.config: \(e.message)") }
    }
}
