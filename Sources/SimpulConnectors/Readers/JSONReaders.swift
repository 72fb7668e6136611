import SimpulJSON

/// Newline-delimited JSON: one object per line. A line that is not a JSON object is malformed; the rest go on.
public final class NDJSONReader: RowReader {
    let input: ByteInput
    let maxLineBytes: Int
    var line = 0

    public init(input: ByteInput, maxLineBytes: Int = 1 << 20) {
        self.input = input
        self.maxLineBytes = maxLineBytes
    }

    /// Set when the file is one JSON array of records instead of a line each (an API's answer saved as is, a
    /// pretty-printed export): it is then read as that array, and a truncated one is a rejected file.
    var asArray: JSONDocumentReader?
    var started = false

    public func next() throws(FileRejection) -> ReadItem? {
        if !started {
            started = true
            var head = input.head(4096)
            if let foreign = ForeignFile.reason(head: head, format: "NDJSON") { throw FileRejection(foreign) }
            if head.starts(with: [0xEF, 0xBB, 0xBF]) { head.removeFirst(3) }
            if head.first(where: { !JSONDocumentReader.isSpace($0) }) == UInt8(ascii: "[") {
                asArray = JSONDocumentReader(input: input, recordPath: [], maxRecordBytes: maxLineBytes)
            }
        }
        if let asArray { return try asArray.next() }
        while true {
            guard input.peek() != nil else { return nil }
            line += 1
            if line == 1 && input.peek() == 0xEF {
                _ = input.next(); _ = input.next(); _ = input.next()
            }
            var bytes: [UInt8] = []
            var oversized = false
            if let span = input.lineSpan(limit: maxLineBytes) {
                bytes = Array(span)
                input.advance(span.count + 1)
            } else {
                while let b = input.next(), b != 0x0A {
                    if oversized { continue }
                    bytes.append(b)
                    if bytes.count > maxLineBytes { oversized = true }
                }
            }
            if oversized {
                return .malformed(line: line, field: nil, reason: "line is longer than the \(maxLineBytes / 1024) KiB limit",
                                  raw: Array(bytes.prefix(maxLineBytes)))
            }
            if bytes.last == 0x0D { bytes.removeLast() }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            do {
                let v = try JSONParser.parse(bytes)
                guard case .object(let o) = v else {
                    return .malformed(line: line, field: nil, reason: "line is JSON but not an object", raw: bytes)
                }
                return .row(SourceRow(line: line, fields: o, raw: bytes))
            } catch {
                return .malformed(line: line, field: nil, reason: "line is not valid JSON: \(error.message) at column \(error.column)", raw: bytes)
            }
        }
    }
}

/// A JSON document whose records are an array at `recordPath` (e.g. `data`, `items`). The document's other
/// fields are the file's context (`$root.tahun`). A document that is not valid JSON, or has no array at the path,
/// is a rejected file, and none of its records are read.
///
/// Streamed in two passes over the input, so memory does not grow with the number of records:
/// 1. the whole document is checked: each record is cut out and parsed (and dropped), and everything outside the
///    records array (the envelope: status, paging, context) is kept, with the array left empty, and parsed;
/// 2. the records are read again from the start of the array, one at a time.
/// Limits: a record of more than `maxRecordBytes` is a malformed row (dead-lettered, the rest go on); an envelope
/// of more than ``maxEnvelopeBytes`` rejects the file.
public final class JSONDocumentReader: RowReader {
    public static let maxEnvelopeBytes = 16 << 20
    let input: ByteInput
    let recordPath: [String]
    let require: [String: JSONValue]
    let maxRecordBytes: Int
    var loaded = false
    /// Where the records array's first element may start (just after its `[`), and on which line.
    var records: (offset: Int, line: Int)? = nil
    /// The records came as an object keyed by their positions (`{"0": {…}, "2": {…}}`: PHP's `json_encode` of an
    /// array with a gap in its keys): read as the array of its values, in the order written.
    var keyed = false
    var done = false
    var line = 1
    var index = 0
    /// The document without its records: what `$root.` paths read.
    public private(set) var root: [String: JSONValue] = [:]

    public init(input: ByteInput, recordPath: [String], require: [String: JSONValue] = [:], maxRecordBytes: Int = 1 << 20) {
        self.input = input
        self.recordPath = recordPath
        self.require = require
        self.maxRecordBytes = maxRecordBytes
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }

    func truncated(_ what: String) -> FileRejection {
        FileRejection("not valid JSON: unexpected end of the JSON text \(what) at line \(line) (truncated or corrupt file?)")
    }

    /// Skips white space, counting lines; line feeds are copied to `keep` so the envelope keeps the file's lines.
    func skipSpace(keep: inout [UInt8]) {
        while let c = input.peek(), Self.isSpace(c) {
            _ = input.next()
            if c == 0x0A {
                line += 1
                keep.append(c)
            }
        }
    }

    /// Cuts one JSON value out of the input as it stands (not checked: the parser does that), up to `limit` bytes;
    /// reading goes on to the value's end whatever its size. Returns the bytes, whether it was longer, and whether
    /// the value ended before the input did.
    func cutValue(limit: Int) -> (bytes: [UInt8], oversized: Bool, complete: Bool) {
        var out: [UInt8] = []
        var oversized = false
        func keep(_ c: UInt8) {
            if oversized { return }
            out.append(c)
            if out.count > limit { oversized = true }  // its first limit + 1 bytes are kept, for the dead letter
        }
        guard let first = input.peek() else { return (out, false, false) }
        if first != UInt8(ascii: "{") && first != UInt8(ascii: "[") && first != UInt8(ascii: "\"") {
            // A number or literal (or stray text the parser will name): up to the next structural byte.
            while let c = input.peek(), !Self.isSpace(c), c != UInt8(ascii: ","), c != UInt8(ascii: "]"), c != UInt8(ascii: "}") {
                keep(input.next()!)
            }
            return (out, oversized, true)
        }
        var depth = 0
        var inString = false
        var escaped = false
        // The window is scanned in place and what was scanned kept in one copy (a call per byte was a fifth of the
        // reader thread's time on a large document).
        while input.start < input.end || input.fill() {
            let window = input.buf
            var k = input.start
            let stop = input.end
            var ended = false
            scan: while k < stop {
                let c = window[k]
                k += 1
                if c == 0x0A { line += 1 }
                if inString {
                    if escaped {
                        escaped = false
                    } else if c == UInt8(ascii: "\\") {
                        escaped = true
                    } else if c == UInt8(ascii: "\"") {
                        inString = false
                        if depth == 0 { ended = true; break scan }
                    }
                    continue
                }
                switch c {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { ended = true; break scan }
                default: break
                }
            }
            if !oversized {
                // Its first limit + 1 bytes are kept, for the dead letter.
                let n = min(k - input.start, limit + 1 - out.count)
                out.append(contentsOf: UnsafeBufferPointer(start: window + input.start, count: n))
                if out.count > limit { oversized = true }
            }
            input.start = k
            if ended { return (out, oversized, true) }
        }
        return (out, oversized, false)
    }

    /// Pass 1, for one value at `path` from the root (nil once off the way to the records): appends the envelope's
    /// bytes to `env`, and checks the records array's elements without keeping them.
    func envelope(path: [String]?, into env: inout [UInt8]) throws(FileRejection) {
        skipSpace(keep: &env)
        guard let c = input.peek() else { return stop() }
        if c == UInt8(ascii: "["), path == recordPath {
            _ = input.next()
            env.append(c)
            records = (input.offset, line)
            var n = 0
            while true {
                skipSpace(keep: &env)
                guard let d = input.peek() else { throw truncated("inside the records array") }
                if d == UInt8(ascii: "]") {
                    if n > 0 { throw FileRejection("not valid JSON: a record was expected after ',' at line \(line)") }
                    break
                }
                n += 1
                let start = line
                try checkRecord(n)
                env.append(contentsOf: Array(repeating: 0x0A, count: line - start))
                skipSpace(keep: &env)
                guard let sep = input.peek() else { throw truncated("inside the records array") }
                if sep == UInt8(ascii: ",") {
                    _ = input.next()
                    continue
                }
                if sep == UInt8(ascii: "]") { break }
                throw FileRejection("not valid JSON: expected ',' or ']' after record \(n) at line \(line)")
            }
            _ = input.next()
            env.append(UInt8(ascii: "]"))
            return
        }
        if c == UInt8(ascii: "{"), path == recordPath, try keyedRecords(into: &env) { return }
        if c == UInt8(ascii: "{"), let path, path.count < recordPath.count {
            // On the way to the records: walk this object's members. Anything unexpected ends the walk; the rest
            // of the input then goes to the parser of the envelope, which names the mistake and where it is.
            _ = input.next()
            env.append(c)
            while !stopped {
                skipSpace(keep: &env)
                guard let k = input.peek(), k == UInt8(ascii: "\"") || k == UInt8(ascii: "}") else { return stop() }
                if k == UInt8(ascii: "}") {
                    _ = input.next()
                    env.append(k)
                    return
                }
                let key = cutValue(limit: Self.maxEnvelopeBytes)
                env += key.bytes
                if !key.complete { return stop() }
                skipSpace(keep: &env)
                guard let name = (try? JSONParser.parse(key.bytes))?.stringValue, input.peek() == UInt8(ascii: ":") else { return stop() }
                env.append(input.next()!)
                try envelope(path: path + [name], into: &env)
                if stopped { return }
                skipSpace(keep: &env)
                guard let sep = input.peek(), sep == UInt8(ascii: ",") || sep == UInt8(ascii: "}") else { return stop() }
                _ = input.next()
                env.append(sep)
                if sep == UInt8(ascii: "}") { return }
                if env.count > Self.maxEnvelopeBytes { throw tooLarge() }
            }
            return
        }
        let v = cutValue(limit: Self.maxEnvelopeBytes)
        if v.oversized { throw tooLarge() }
        env += v.bytes
        if !v.complete { return stop() }
        if path == recordPath { records = nil }  // the path holds something else than an array (a later key wins)
    }

    /// Pass 1 for record `n`: cut out and parsed (not kept), so a broken record rejects the file before any is read.
    func checkRecord(_ n: Int) throws(FileRejection) {
        let start = line
        let v = cutValue(limit: maxRecordBytes)
        guard v.complete else { throw truncated("inside record \(n)") }
        if !v.oversized {
            do { _ = try JSONParser.parse(v.bytes) } catch {
                throw FileRejection("not valid JSON: \(error.message) at line \(start + error.line - 1) (record \(n)) (truncated or corrupt file?)")
            }
        }
    }

    /// Pass 1 for records written as an object whose keys are all whole numbers: checks each record as
    /// `envelope` does for an array, and puts `[]` in the envelope. False (nothing consumed) when the object is
    /// not so keyed: it is then an ordinary value, and the path does not hold records.
    func keyedRecords(into env: inout [UInt8]) throws(FileRejection) -> Bool {
        let start = input.offset, startLine = line
        _ = input.next()
        var ignored: [UInt8] = []
        var n = 0
        func notKeyed() -> Bool {
            input.seek(to: start)
            line = startLine
            return false
        }
        while true {
            skipSpace(keep: &ignored)
            guard let k = input.peek() else { throw truncated("inside the records object") }
            if k == UInt8(ascii: "}") && n == 0 {
                // `{}` is PHP's empty array as often as an empty object: no records.
                _ = input.next()
                break
            }
            guard k == UInt8(ascii: "\"") else { return notKeyed() }
            let key = cutValue(limit: 64)
            guard key.complete, !key.oversized, let name = (try? JSONParser.parse(key.bytes))?.stringValue,
                  !name.isEmpty, name.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return notKeyed() }
            skipSpace(keep: &ignored)
            guard input.next() == UInt8(ascii: ":") else { return notKeyed() }
            skipSpace(keep: &ignored)
            n += 1
            try checkRecord(n)
            skipSpace(keep: &ignored)
            guard let sep = input.next() else { throw truncated("inside the records object") }
            if sep == UInt8(ascii: "}") { break }
            guard sep == UInt8(ascii: ",") else { throw FileRejection("not valid JSON: expected ',' or '}' after record \(n) at line \(line)") }
        }
        // The envelope keeps the file's lines and an empty array where the records were.
        env.append(contentsOf: Array(repeating: 0x0A, count: line - startLine))
        env += Array("[]".utf8)
        records = (start + 1, startLine)
        keyed = true
        return true
    }

    /// Set when the walk of pass 1 met something it does not expect: the rest is left to the parser.
    var stopped = false

    func stop() { stopped = true }

    func tooLarge() -> FileRejection {
        FileRejection("the JSON document outside its '\(recordPath.joined(separator: "."))' array is larger than \(Self.maxEnvelopeBytes >> 20) MiB")
    }

    func load() throws(FileRejection) {
        loaded = true
        if let foreign = ForeignFile.reason(head: input.head(4096), format: "JSON") { throw FileRejection(foreign) }
        if input.peek() == 0xEF {
            _ = input.next()
            guard input.next() == 0xBB, input.next() == 0xBF else { throw FileRejection("not valid JSON: the file starts with an invalid byte sequence (not UTF-8)") }
        }
        var env: [UInt8] = []
        skipSpace(keep: &env)
        if input.peek() == nil { throw FileRejection("empty file") }
        try envelope(path: [], into: &env)
        // What follows the document (stray text) goes to the parser of the envelope, which names it.
        while env.count <= Self.maxEnvelopeBytes, let c = input.next() { env.append(c) }
        let parsed: JSONValue
        do { parsed = try JSONParser.parse(env) } catch {
            throw FileRejection("not valid JSON: \(error.description) (truncated or corrupt file?)")
        }
        var o: [String: JSONValue]
        switch parsed {
        case .object(let obj): o = obj
        // The records are the document (an NDJSON file that came as one JSON array): no envelope.
        case .array where recordPath.isEmpty: o = [:]
        default: throw FileRejection("the document is not a JSON object")
        }
        // Text in any case (`"Success"`, `"SUCCESS"`): APIs differ in that, not in meaning.
        func holds(_ got: JSONValue?, _ want: JSONValue) -> Bool {
            if case .string(let g)? = got, case .string(let w) = want { return g.lowercased() == w.lowercased() }
            return got == want
        }
        for (k, v) in require where !holds(o[k], v) {
            // What the source said about it, when it said something (an API's error message).
            let said = ["message", "error", "pesan"].lazy.compactMap { o[$0]?.stringValue }.first.map { " (\($0.prefix(200)))" } ?? ""
            throw FileRejection("field '\(k)' must be \(v.jsonText), got \(o[k]?.jsonText ?? "nothing")\(said)")
        }
        var node: JSONValue = parsed
        for k in recordPath {
            guard let n = node[k] else { throw FileRejection("no '\(recordPath.joined(separator: "."))' array in the document") }
            node = n
        }
        switch node {
        case .array: break
        // A page with nothing on it may carry `null` where the array would be (an API's empty result): no rows.
        case .null: records = nil
        default: throw FileRejection("'\(recordPath.joined(separator: "."))' is not an array")
        }
        if !recordPath.isEmpty { o.remove(path: recordPath) }
        root = o
        if let records {
            input.seek(to: records.offset)
            line = records.line
        } else {
            done = true
        }
    }

    public func next() throws(FileRejection) -> ReadItem? {
        if !loaded { try load() }
        if done { return nil }
        var ignored: [UInt8] = []
        skipSpace(keep: &ignored)
        if input.peek() == UInt8(ascii: keyed ? "}" : "]") {
            done = true
            return nil
        }
        if keyed {
            // The key (checked in pass 1) and its colon.
            _ = cutValue(limit: 64)
            skipSpace(keep: &ignored)
            _ = input.next()
            skipSpace(keep: &ignored)
        }
        index += 1
        let start = line
        let v = cutValue(limit: maxRecordBytes)
        skipSpace(keep: &ignored)
        if input.next() != UInt8(ascii: ",") { done = true }
        if v.oversized {
            return .malformed(line: start, field: nil, reason: "record \(index) is larger than the \(maxRecordBytes / 1024) KiB limit", raw: v.bytes)
        }
        guard let value = try? JSONParser.parse(v.bytes) else {
            return .malformed(line: start, field: nil, reason: "record \(index) is not valid JSON", raw: v.bytes)
        }
        // The record as it came (what a dead letter shows), as NDJSON lines are kept: not written out again.
        guard case .object(let o) = value else {
            return .malformed(line: start, field: nil, reason: "record \(index) is not a JSON object", raw: v.bytes)
        }
        return .row(SourceRow(line: start, fields: o, raw: v.bytes))
    }
}

extension [String: JSONValue] {
    /// Removes the value at a path of keys (the records array, from the envelope). A one-key path removes the
    /// member; a longer one removes it from the object that holds it.
    mutating func remove(path: [String]) {
        guard let first = path.first else { return }
        if path.count == 1 {
            removeValue(forKey: first)
        } else if case .object(var inner)? = self[first] {
            inner.remove(path: Array(path.dropFirst()))
            self[first] = .object(inner)
        }
    }
}
