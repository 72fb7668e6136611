import Foundation
import SimpulIngest
import SimpulStorage

/// A hub on a fresh temporary database, using the checkout's schemas/ and connectors/. Each test gets its own.
public final class TestHub {
    public let dir: String
    public let hub: Hub
    public var store: HubStore { hub.store }
    public var home: HubHome { hub.home }

    public init(file: String = #filePath) throws {
        dir = NSTemporaryDirectory() + "simpul-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        hub = try Hub(home: TestHub.home(file: file), dbPath: dir + "/simpul.db")
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// The checkout root: the folder holding Package.swift above the test source file.
    public static func home(file: String = #filePath) -> HubHome {
        var d = URL(fileURLWithPath: file).deletingLastPathComponent()
        while d.path != "/" {
            if FileManager.default.fileExists(atPath: d.appendingPathComponent("Package.swift").path) { return HubHome(root: d.path) }
            d = d.deletingLastPathComponent()
        }
        return HubHome(root: FileManager.default.currentDirectoryPath)
    }

    /// Writes `content` to a file in the test's folder and returns its path.
    @discardableResult
    public func write(_ name: String, _ content: String) throws -> String {
        try write(name, bytes: Array(content.utf8))
    }

    @discardableResult
    public func write(_ name: String, bytes: [UInt8]) throws -> String {
        let p = dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    /// Packs the file at `path` with the system's `gzip` (kept beside it as `path.gz`) and returns the packed bytes.
    public func gzip(_ path: String) throws -> [UInt8] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-k", "-f", path]
        try p.run()
        p.waitUntilExit()
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + ".gz")))
    }

    public func ingest(_ connector: String, _ paths: [String]) throws -> RunSummary {
        try hub.ingestor(connector).ingest(paths: paths)
    }

    public func samples(_ connector: String) -> String { home.connectorsDir + "/" + connector + "/samples" }

    /// A copy of a reference connector's folder that a test may edit (e.g. to fix a mapping).
    public func copyConnector(_ name: String, as newName: String) throws -> String {
        let dst = dir + "/" + newName
        try FileManager.default.copyItem(atPath: home.connectorsDir + "/" + name, toPath: dst)
        let cfg = dst + "/connector.json"
        let text = try String(contentsOfFile: cfg, encoding: .utf8)
            .replacingOccurrences(of: "\"name\": \"\(name)\"", with: "\"name\": \"\(newName)\"")
        try text.write(toFile: cfg, atomically: true, encoding: .utf8)
        return dst
    }
}
