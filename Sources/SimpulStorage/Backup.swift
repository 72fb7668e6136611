import CSQLite
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Consistent copies of a hub's database files while the hub keeps running (`simpul backup`).
public enum Backup {
    public struct Copied: Sendable {
        public let path: String
        public let bytes: Int64
        public let seconds: Double
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Copies the SQLite database `source` to `target` with SQLite's online backup: every page in one read
    /// transaction, so the copy is the database as of one moment while writers go on (WAL readers never block them).
    /// It is written as `target.partial`, flushed to disk and only then renamed to `target` (and the folder flushed),
    /// so a file named `target` is always a whole copy; an interrupted run leaves a `.partial`, which the next run
    /// replaces. An existing `target` is never overwritten. The copy is readable by its owner only (mode 0600).
    public static func copy(_ source: String, to target: String) throws -> Copied {
        let start = Monotonic.now()
        let fm = FileManager.default
        guard fm.fileExists(atPath: source) else { throw Failure(message: "\(source) does not exist") }
        guard !fm.fileExists(atPath: target) else { throw Failure(message: "\(target) exists: a backup never overwrites a file") }
        let partial = target + ".partial"
        for suffix in ["", "-journal", "-wal", "-shm"] { try? fm.removeItem(atPath: partial + suffix) }
        // Personal data: the copy is readable by its owner only, from its first byte.
        let fd = open(partial, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw Failure(message: "cannot create \(partial): \(String(cString: strerror(errno)))") }
        close(fd)
        do {
            let src = try Database(path: source)
            let dst = try Database(path: partial)
            guard let b = sqlite3_backup_init(dst.handle, "main", src.handle, "main") else {
                throw Failure(message: "cannot start the copy of \(source): \(String(cString: sqlite3_errmsg(dst.handle)))")
            }
            var rc = sqlite3_backup_step(b, -1)
            // Another process's write lock held past the busy timeout: try again a few times.
            var tries = 0
            while (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && tries < 50 {
                usleep(100_000)
                tries += 1
                rc = sqlite3_backup_step(b, -1)
            }
            let finish = sqlite3_backup_finish(b)
            guard rc == SQLITE_DONE, finish == SQLITE_OK else {
                throw Failure(message: "copying \(source) failed: \(String(cString: sqlite3_errstr(rc == SQLITE_DONE ? finish : rc)))")
            }
        }
        try flush(partial)
        guard rename(partial, target) == 0 else {
            throw Failure(message: "cannot rename \(partial) to \(target): \(String(cString: strerror(errno)))")
        }
        try flush((target as NSString).deletingLastPathComponent.isEmpty ? "." : (target as NSString).deletingLastPathComponent)
        let bytes = (try? fm.attributesOfItem(atPath: target)[.size] as? NSNumber)?.int64Value ?? 0
        return Copied(path: target, bytes: bytes, seconds: Monotonic.now() - start)
    }

    /// fsync of a file or a folder.
    static func flush(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Failure(message: "cannot open \(path) to flush it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Failure(message: "cannot flush \(path) to disk: \(String(cString: strerror(errno)))") }
    }

    /// `PRAGMA quick_check` of a database file: nil when it is sound, else SQLite's first complaint.
    public static func quickCheck(_ path: String) throws -> String? {
        let db = try Database(path: path)
        let rows = try db.rows("PRAGMA quick_check")
        let first = rows.first?.first?.text ?? "no answer"
        return first == "ok" ? nil : first
    }
}

enum Monotonic {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
