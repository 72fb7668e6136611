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
        try writeTestFile(bytes, to: p)
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

    /// The rows whose copied pointers disagree with what they copy (migration 23): a link whose `mention_id` is not
    /// its mention's row id, a mention whose `version_no` is not its version's number. Always 0 on a sound hub.
    public static func copiesOutOfStep(_ store: HubStore) throws -> Int64 {
        try store.db.scalarInt("""
            SELECT (SELECT count(*) FROM person_links l LEFT JOIN mentions m ON m.key = l.mention_key WHERE l.mention_id IS NOT m.id)
                 + (SELECT count(*) FROM mentions m LEFT JOIN record_versions v ON v.id = m.version_id WHERE m.version_no IS NOT v.version_no)
            """)
    }

    /// Takes migration 23 back off a hub, as a hub of an older schema was: links without their mention's row id,
    /// mentions without their version's number, the person index on the person id alone.
    public static let beforeMigration23 = """
        DROP INDEX person_links_person;
        CREATE INDEX person_links_person ON person_links(person_id);
        ALTER TABLE person_links DROP COLUMN mention_id;
        ALTER TABLE mentions DROP COLUMN version_no;
        """

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

/// Writes `bytes` as the whole content of the file at `path`, without syncing it to disk: a test reads it back in the
/// same process. (Foundation's `Data.write` syncs every file, which cost the JSON differential test half its time at
/// 20,000 files.)
public func writeTestFile(_ bytes: [UInt8], to path: String) throws {
    guard let f = fopen(path, "wb") else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    defer { fclose(f) }
    let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
    if written != bytes.count { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
}
