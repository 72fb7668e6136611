import SimpulJSON

/// A key template such as `{@tahun}|{@dokumen}` or `{$row_key}#{$index}`.
/// `{@path}` reads the source row, `{name}` reads a field of the mapped record, `{$row_key}`, `{$index}`,
/// `{$seq}` and `{$line}` read the mapping context. A piece that is missing renders as an empty string.
public struct Template: Sendable {
    public enum Piece: Sendable {
        case literal(String)
        case input(InputPath)
        case output(String)
        case context(String)
    }

    public let pieces: [Piece]
    public let text: String
    public static let contextNames: Set<String> = ["$row_key", "$index", "$seq", "$line"]

    public init(_ text: String) throws(ConfigError) {
        self.text = text
        var pieces: [Piece] = []
        var lit = ""
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if c == "{" {
                guard let close = text[i...].firstIndex(of: "}") else { throw ConfigError("unclosed '{' in template '\(text)'") }
                if !lit.isEmpty { pieces.append(.literal(lit)); lit = "" }
                let name = String(text[text.index(after: i)..<close])
                if name.hasPrefix("@") {
                    pieces.append(.input(try InputPath(String(name.dropFirst()))))
                } else if name.hasPrefix("$record.") {
                    pieces.append(.output(name))
                } else if name.hasPrefix("$") && !name.hasPrefix("$root.") && !name.hasPrefix("$row.") {
                    guard Template.contextNames.contains(name) else {
                        throw ConfigError("unknown '\(name)' in template '\(text)' (known: \(Template.contextNames.sorted().joined(separator: ", ")))")
                    }
                    pieces.append(.context(name))
                } else if name.hasPrefix("$root.") || name.hasPrefix("$row.") {
                    pieces.append(.input(try InputPath(name)))
                } else {
                    guard !name.isEmpty else { throw ConfigError("empty {} in template '\(text)'") }
                    pieces.append(.output(name))
                }
                i = text.index(after: close)
            } else {
                lit.append(c)
                i = text.index(after: i)
            }
        }
        if !lit.isEmpty { pieces.append(.literal(lit)) }
        self.pieces = pieces
    }

    public var usesOutput: Bool { pieces.contains { if case .output = $0 { return true } else { return false } } }
}
