import Foundation

/// Where the hub finds its shared schemas and reference connectors.
///
/// Order: `SIMPUL_HOME`, then the current directory and its parents, then the folders above the executable
/// (so `swift run simpul` and `.build/debug/simpul` both work from anywhere inside the checkout).
public struct HubHome: Sendable {
    public let root: String
    public var schemasDir: String { root + "/schemas" }
    /// Reference data (region codes) shipped with the hub.
    public var regionsFile: String { root + "/data/wilayah/wilayah.csv" }
    /// Person-matching thresholds (optional).
    public var matchingFile: String { root + "/config/matching.json" }
    public var connectorsDir: String { root + "/connectors" }

    public init(root: String) { self.root = root }

    public static func locate() throws -> HubHome {
        let fm = FileManager.default
        func ok(_ d: String) -> Bool { fm.fileExists(atPath: d + "/schemas") && fm.fileExists(atPath: d + "/connectors") }
        if let env = ProcessInfo.processInfo.environment["SIMPUL_HOME"], !env.isEmpty {
            guard ok(env) else { throw HubError.usage("SIMPUL_HOME=\(env) has no schemas/ and connectors/ folders") }
            return HubHome(root: env)
        }
        var candidates: [String] = []
        var d = fm.currentDirectoryPath
        for _ in 0..<6 {
            candidates.append(d)
            d = (d as NSString).deletingLastPathComponent
        }
        var e = (CommandLine.arguments.first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path } ?? "")
        for _ in 0..<6 {
            e = (e as NSString).deletingLastPathComponent
            candidates.append(e)
        }
        for c in candidates where ok(c) { return HubHome(root: c) }
        throw HubError.usage("cannot find the hub's schemas/ and connectors/ folders: run from the Simpul checkout or set SIMPUL_HOME")
    }

    /// A connector by name (a folder under connectors/) or by path to its folder.
    public func connectorDirectory(_ nameOrDir: String) throws -> String {
        let fm = FileManager.default
        if nameOrDir.contains("/") || fm.fileExists(atPath: nameOrDir + "/connector.json") {
            guard fm.fileExists(atPath: nameOrDir + "/connector.json") else {
                throw HubError.usage("\(nameOrDir) has no connector.json")
            }
            return nameOrDir
        }
        return try connectorDirectory(named: nameOrDir)
    }

    /// A connector of this hub by name only (a folder under connectors/): what the server uses, so a folder that
    /// happens to sit in its working directory is never taken instead.
    public func connectorDirectory(named name: String) throws -> String {
        let d = connectorsDir + "/" + name
        guard !name.contains("/"), FileManager.default.fileExists(atPath: d + "/connector.json") else {
            throw HubError.notFound("no connector '\(name)' (known: \(connectorNames().joined(separator: ", ")))")
        }
        return d
    }

    /// The shared schemas' names (`schemas/<name>.json`).
    public func schemaNames() -> [String] {
        (((try? FileManager.default.contentsOfDirectory(atPath: schemasDir)) ?? []).filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }).sorted()
    }

    public func connectorNames() -> [String] {
        let fm = FileManager.default
        return ((try? fm.contentsOfDirectory(atPath: connectorsDir)) ?? [])
            .filter { fm.fileExists(atPath: connectorsDir + "/" + $0 + "/connector.json") }.sorted()
    }
}

/// Errors the hub reports to a person, each with an exit status for the CLI and a status for HTTP.
public enum HubError: Error, Sendable, CustomStringConvertible {
    case usage(String)
    case notFound(String)
    case invalid(String)
    case failed(String)

    public var description: String {
        switch self {
        case .usage(let m), .notFound(let m), .invalid(let m), .failed(let m): return m
        }
    }
}
