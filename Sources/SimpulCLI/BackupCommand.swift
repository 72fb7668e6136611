import Foundation
import SimpulJSON
import SimpulStorage

/// `simpul backup`: a consistent copy of the hub and its audit log while the hub runs.
enum BackupCommand {
    static let specs: [CommandSpec] = [
        CommandSpec(name: "backup", summary: "copy the hub and its audit log, consistently, while the hub runs", arguments: "", minArgs: 0, maxArgs: 0,
                    options: [Opt(name: "--to", value: "PATH", help: "the copy of the hub file (required), or a folder for one named after the hub and the time (simpul-20261127T020000Z.db); the audit log goes to PATH-audit beside it"),
                              Opt(name: "--no-check", value: nil, help: "skip checking the copies (SQLite quick_check, the audit chain)"),
                              Commands.db, Commands.json],
                    details: """
                        The hub first, then its audit log, each with SQLite's online backup (one read transaction: the file as of
                        one moment, while the server and ingests go on). Taken in that order, the audit copy holds every read
                        of the data the hub copy holds. Each is written as PATH.partial and renamed once complete and on disk;
                        an existing PATH is never overwritten. Then both copies are checked (quick_check, audit verify); exits
                        65 if a check fails. Restore: stop the server, put both files in place under paired names (X and
                        X-audit), remove the old -wal/-shm files, start, run simpul audit verify (docs/operations.md).
                        """,
                    run: { try backup($0) }),
    ]

    static func backup(_ inv: Invocation) throws -> Int32 {
        guard var to = inv.value("--to"), !to.isEmpty else { throw UsageError("--to PATH is required (e.g. --to /backup/simpul-2026-11-27.db, or a folder)", verb: inv.spec.name) }
        let fm = FileManager.default
        // A folder: the copy is named after the hub and the time (UTC), so a daily job needs no date arithmetic.
        var toDir: ObjCBool = false
        if fm.fileExists(atPath: to, isDirectory: &toDir), toDir.boolValue {
            let hub = ((inv.dbPath as NSString).lastPathComponent as NSString).deletingPathExtension
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
            to = (to as NSString).appendingPathComponent("\(hub.isEmpty ? "simpul" : hub)-\(f.string(from: Date())).db")
        }
        guard fm.fileExists(atPath: inv.dbPath) else {
            Console.err("simpul backup: no hub at \(inv.dbPath)")
            return ExitCode.noInput
        }
        let folder = (to as NSString).deletingLastPathComponent
        var isDir: ObjCBool = false
        guard folder.isEmpty || (fm.fileExists(atPath: folder, isDirectory: &isDir) && isDir.boolValue) else {
            throw UsageError("--to: the folder \(folder) does not exist", verb: inv.spec.name)
        }
        let auditSource = HubStore.auditLogPath(hubPath: inv.dbPath), auditTarget = HubStore.auditLogPath(hubPath: to)
        for t in [to, auditTarget] where fm.fileExists(atPath: t) {
            throw UsageError("--to: \(t) exists; a backup never overwrites a file (choose a new name, e.g. with the date)", verb: inv.spec.name)
        }
        // Migrates an older hub first, so the copy opens with this binary as it is.
        _ = try HubStore(path: inv.dbPath)
        let hub: Backup.Copied, audit: Backup.Copied
        do {
            hub = try Backup.copy(inv.dbPath, to: to)
            audit = try Backup.copy(auditSource, to: auditTarget)
        } catch let e as Backup.Failure {
            Console.err("simpul backup: \(e)")
            return ExitCode.failure
        }
        var problems: [String] = []
        var entries = 0
        if !inv.flag("--no-check") {
            for c in [hub, audit] {
                if let bad = try Backup.quickCheck(c.path) { problems.append("\(c.path): \(bad)") }
            }
            if problems.isEmpty {
                let (n, broken) = try HubStore(path: to).verifyAudit()
                entries = n
                if let broken { problems.append("audit chain of the copy broken at entry \(broken.id): \(broken.reason)") }
            }
        }
        let checked = !inv.flag("--no-check")
        if inv.json {
            func file(_ c: Backup.Copied) -> JSONValue {
                .object(["path": .string(c.path), "bytes": .int(Int(c.bytes)), "seconds": .number(String(format: "%.2f", c.seconds))])
            }
            Console.out(JSONValue.object(["hub": file(hub), "audit": file(audit), "checked": .bool(checked),
                                          "audit_entries": checked ? .int(entries) : .null, "ok": .bool(problems.isEmpty),
                                          "problems": .array(problems.map { .string($0) })]).jsonText)
        } else {
            func mib(_ b: Int64) -> String { String(format: "%.1f MiB", Double(b) / 1_048_576) }
            Console.out("hub:       \(hub.path) (\(mib(hub.bytes)), \(String(format: "%.1f", hub.seconds)) s)")
            Console.out("audit log: \(audit.path) (\(mib(audit.bytes)), \(String(format: "%.1f", audit.seconds)) s)")
            if !checked {
                Console.out("not checked (--no-check)")
            } else if problems.isEmpty {
                Console.out("checked: both files sound, audit chain of \(entries) entries verified")
            } else {
                for p in problems { Console.out("CHECK FAILED: \(p)") }
            }
        }
        return problems.isEmpty ? ExitCode.ok : ExitCode.dataError
    }
}
