import SimpulJSON

/// A path into a source row: `NIK`, `penanggung_jawab[0].nik`, `$root.tahun` (the JSON document's own fields),
/// `$row.nib` (the whole row, from inside `for_each`).
public struct InputPath: Sendable, Equatable, CustomStringConvertible {
    public enum Scope: Sendable, Equatable { case current, row, root }
    public enum Step: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    public var scope: Scope
    public var steps: [Step]
    public let description: String

    public init(_ text: String) throws(ConfigError) {
        description = text
        var t = Substring(text)
        scope = .current
        if t.hasPrefix("$root.") {
            scope = .root
            t = t.dropFirst(6)
        } else if t.hasPrefix("$row.") {
            scope = .row
            t = t.dropFirst(5)
        }
        guard !t.isEmpty else { throw ConfigError("empty input path '\(text)'") }
        // CSV column names may contain dots or spaces: a path is split only where a '[' or '.' follows a JSON key
        // shape. Column names with dots are written in quotes: "'No. SP2D'".
        if t.hasPrefix("'") && t.hasSuffix("'") && t.count >= 2 {
            steps = [.key(String(t.dropFirst().dropLast()))]
            return
        }
        var out: [Step] = []
        for part in t.split(separator: ".", omittingEmptySubsequences: false) {
            var p = part
            var key = p
            if let br = p.firstIndex(of: "[") {
                key = p[p.startIndex..<br]
                p = p[br...]
            } else {
                p = ""
            }
            if !key.isEmpty { out.append(.key(String(key))) }
            while p.hasPrefix("[") {
                guard let close = p.firstIndex(of: "]"), let n = Int(p[p.index(after: p.startIndex)..<close]) else {
                    throw ConfigError("bad index in input path '\(text)'")
                }
                out.append(.index(n))
                p = p[p.index(after: close)...]
            }
            if key.isEmpty && out.isEmpty { throw ConfigError("bad input path '\(text)'") }
        }
        steps = out
    }

    public var firstKey: String? { if case .key(let k) = steps.first { return k } else { return nil } }

    func resolve(in obj: [String: JSONValue]) -> JSONValue? {
        var node: JSONValue? = nil
        for (k, s) in steps.enumerated() {
            switch s {
            case .key(let key):
                if k == 0 { node = obj[key] } else { node = node?[key] }
            case .index(let i):
                guard k > 0, case .array(let a)? = node, i >= 0, i < a.count else { return nil }
                node = a[i]
            }
            if node == nil { return nil }
        }
        return node
    }
}

/// Why a connector definition cannot be used, with where in connector.json.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ m: String) { message = m }
    public var description: String { message }
}
