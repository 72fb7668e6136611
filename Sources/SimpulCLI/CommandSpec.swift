import Foundation
import SimpulIngest

/// The static description of one CLI verb. Parsing and `--help` both come from it, so they never drift.
public struct CommandSpec: Sendable {
    public struct Option: Sendable {
        public var name: String
        public var value: String?  // nil: a flag
        public var help: String
        public var repeatable = false
    }

    public var name: String  // "ingest", "dlq list"
    public var summary: String
    public var arguments: String  // "FILE|DIR…"
    public var minArgs: Int
    public var maxArgs: Int  // -1 unbounded
    public var options: [Option]
    public var details: String = ""
    public var run: @Sendable (Invocation) throws -> Int32

    public var usage: String {
        let opts = options.map { o in o.value.map { "[\(o.name) \($0)]" } ?? "[\(o.name)]" }.joined(separator: " ")
        return "simpul \(name)\(arguments.isEmpty ? "" : " " + arguments)\(opts.isEmpty ? "" : " " + opts)"
    }

    public var help: String {
        var s = "\(summary)\n\nUsage: \(usage)\n"
        if !options.isEmpty {
            s += "\nOptions:\n"
            let width = options.map { $0.name.count + ($0.value.map { $0.count + 1 } ?? 0) }.max() ?? 0
            for o in options {
                let left = o.name + (o.value.map { " " + $0 } ?? "")
                s += "  \(left)\(String(repeating: " ", count: width - left.count + 2))\(o.help)\n"
            }
            s += "  --help\(String(repeating: " ", count: max(0, width - 4)))show this help\n"
        }
        if !details.isEmpty { s += "\n" + details + "\n" }
        return s
    }
}

/// A usage mistake: the CLI prints one line saying what to do and exits 64 (EX_USAGE).
public struct UsageError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var verb: String?
    public init(_ message: String, verb: String? = nil) {
        self.message = message
        self.verb = verb
    }
    public var description: String { message }
}

/// What the parser hands a verb: its options and positional arguments.
public struct Invocation: Sendable {
    public var spec: CommandSpec
    public var options: [String: [String]]
    public var flags: Set<String>
    public var arguments: [String]

    public func value(_ name: String) -> String? { options[name]?.last }
    public func values(_ name: String) -> [String] { options[name] ?? [] }
    public func flag(_ name: String) -> Bool { flags.contains(name) }
    public var json: Bool { flags.contains("--json") }
    public var dbPath: String { value("--db") ?? "./simpul.db" }

    /// The hub of a verb that reads or changes an existing one. A missing file is exit 66 with what to do, never a new
    /// empty hub made on the spot: `audit access` or `audit verify` would then answer "no recorded access" or "the
    /// chain is sound" about a hub that is elsewhere (a mistyped `--db`, or the default `./simpul.db` in another
    /// folder). `init`, `demo`, `ingest`, `serve`, `opd add` and `connector run` create the hub when it is missing.
    public var existingDBPath: String {
        get throws(HubError) {
            let path = dbPath
            guard FileManager.default.fileExists(atPath: path) else {
                throw HubError.notFound("no hub at \(path): give its path with --db PATH, or create one with 'simpul init --db \(path)'")
            }
            return path
        }
    }

    /// A whole-number option; below `min` is a usage error (exit 64), not silently raised.
    public func int(_ name: String, default d: Int, min: Int = 0, max: Int = .max) throws -> Int {
        guard let v = value(name) else { return d }
        guard let n = Int(v), n >= min, n <= max else {
            let what = max != .max ? "a whole number from \(min) to \(max)" : min == 0 ? "a whole number" : "a whole number of at least \(min)"
            throw UsageError("\(name) takes \(what), got '\(v)'. See 'simpul \(spec.name) --help'.", verb: spec.name)
        }
        return n
    }
}

/// Splits argv into a verb and its options, from the specs.
public enum ArgumentParser {
    public enum Parsed {
        case help(String)
        case run(Invocation)
    }

    public static func parse(_ argv: [String], specs: [CommandSpec], toolHelp: String) throws -> Parsed {
        if argv.isEmpty || argv == ["--help"] || argv == ["-h"] || argv == ["help"] { return .help(toolHelp) }
        if argv.first == "help" {
            let rest = argv.dropFirst().joined(separator: " ")
            if let s = specs.first(where: { $0.name == rest }) { return .help(s.help) }
            throw UsageError("no verb '\(rest)'. Run 'simpul --help' for the list.")
        }
        // Longest verb match: "dlq list" before "dlq".
        var best: CommandSpec? = nil
        var used = 0
        for s in specs {
            let words = s.name.split(separator: " ").map(String.init)
            if argv.count >= words.count && Array(argv[0..<words.count]) == words && words.count > used {
                best = s
                used = words.count
            }
        }
        guard let spec = best else {
            let group = specs.filter { $0.name.hasPrefix(argv[0] + " ") }
            if !group.isEmpty {
                if argv.count == 1 || argv[1] == "--help" {
                    return .help("simpul \(argv[0]) has these verbs:\n" + group.map { "  \($0.usage)\n      \($0.summary)" }.joined(separator: "\n") + "\n")
                }
                throw UsageError("'simpul \(argv[0]) \(argv[1])' is not a verb; use one of: \(group.map(\.name).joined(separator: ", ")).")
            }
            throw UsageError("'\(argv[0])' is not a simpul verb. Run 'simpul --help' for the list.")
        }
        var options: [String: [String]] = [:]
        var flags: Set<String> = []
        var args: [String] = []
        var i = used
        let rest = Array(argv)
        var onlyArgs = false
        while i < rest.count {
            let a = rest[i]
            i += 1
            if onlyArgs || !a.hasPrefix("-") || a == "-" {
                args.append(a)
                continue
            }
            if a == "--" { onlyArgs = true; continue }
            if a == "--help" || a == "-h" { return .help(spec.help) }
            var name = a
            var inline: String? = nil
            if let eq = a.firstIndex(of: "=") {
                name = String(a[a.startIndex..<eq])
                inline = String(a[a.index(after: eq)...])
            }
            guard let o = spec.options.first(where: { $0.name == name }) else {
                throw UsageError("unknown option '\(name)'. See 'simpul \(spec.name) --help'.", verb: spec.name)
            }
            if o.value == nil {
                if inline != nil { throw UsageError("\(name) takes no value. See 'simpul \(spec.name) --help'.", verb: spec.name) }
                flags.insert(name)
                continue
            }
            let v: String
            if let inline { v = inline } else {
                guard i < rest.count else {
                    throw UsageError("\(name) needs a value (\(o.value!)). See 'simpul \(spec.name) --help'.", verb: spec.name)
                }
                v = rest[i]
                i += 1
            }
            if options[name] != nil && !o.repeatable {
                throw UsageError("\(name) given twice. See 'simpul \(spec.name) --help'.", verb: spec.name)
            }
            options[name, default: []].append(v)
        }
        if args.count < spec.minArgs {
            throw UsageError("missing \(spec.arguments). Usage: \(spec.usage)", verb: spec.name)
        }
        if spec.maxArgs >= 0 && args.count > spec.maxArgs {
            throw UsageError("unexpected argument '\(args[spec.maxArgs])'. Usage: \(spec.usage)", verb: spec.name)
        }
        return .run(Invocation(spec: spec, options: options, flags: flags, arguments: args))
    }
}
