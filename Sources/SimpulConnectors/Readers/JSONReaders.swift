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

    public func next() throws(FileRejection) -> ReadItem? {
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
/// top-level fields are the file's context (`$root.tahun`). A document that is not valid JSON, or has no array at
/// the path, is a rejected file.
public final class JSONDocumentReader: RowReader {
    public static let maxDocumentBytes = 512 << 20
    let input: ByteInput
    let recordPath: [String]
    let require: [String: JSONValue]
    var items: [JSONValue] = []
    var lines: [Int] = []
    var text: [UInt8] = []
    var pos = 0
    var loaded = false
    public private(set) var root: [String: JSONValue] = [:]

    public init(input: ByteInput, recordPath: [String], require: [String: JSONValue] = [:]) {
        self.input = input
        self.recordPath = recordPath
        self.require = require
    }

    func load() throws(FileRejection) {
        loaded = true
        guard var bytes = input.readAll(limit: JSONDocumentReader.maxDocumentBytes) else {
            throw FileRejection("JSON document is larger than the \(JSONDocumentReader.maxDocumentBytes >> 20) MiB limit")
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { throw FileRejection("empty file") }
        let parsed: (value: JSONValue, elementLines: [Int])
        do { parsed = try JSONParser.parse(bytes, trackArrayAt: recordPath) } catch {
            throw FileRejection("not valid JSON: \(error.description) (truncated or corrupt file?)")
        }
        guard case .object(let o) = parsed.value else { throw FileRejection("the document is not a JSON object") }
        for (k, v) in require where o[k] != v {
            // What the source said about it, when it said something (an API's error message).
            let said = ["message", "error", "pesan"].lazy.compactMap { o[$0]?.stringValue }.first.map { " (\($0.prefix(200)))" } ?? ""
            throw FileRejection("field '\(k)' must be \(v.jsonText), got \(o[k]?.jsonText ?? "nothing")\(said)")
        }
        var node: JSONValue = parsed.value
        for k in recordPath {
            guard let n = node[k] else { throw FileRejection("no '\(recordPath.joined(separator: "."))' array in the document") }
            node = n
        }
        // A page with nothing on it may carry `null` where the array would be (an API's empty result): no rows.
        if case .null = node { node = .array([]) }
        guard case .array(let a) = node else { throw FileRejection("'\(recordPath.joined(separator: "."))' is not an array") }
        items = a
        lines = parsed.elementLines
        var r = o
        if let first = recordPath.first, recordPath.count == 1 { r.removeValue(forKey: first) }
        root = r
        text = bytes
    }

    public func next() throws(FileRejection) -> ReadItem? {
        if !loaded { try load() }
        guard pos < items.count else { return nil }
        defer { pos += 1 }
        let line = pos < lines.count ? lines[pos] : 0
        let raw = JSONWriter.bytes(items[pos])
        guard case .object(let o) = items[pos] else {
            return .malformed(line: line, field: nil, reason: "record \(pos + 1) is not a JSON object", raw: raw)
        }
        return .row(SourceRow(line: line, fields: o, raw: raw))
    }
}
