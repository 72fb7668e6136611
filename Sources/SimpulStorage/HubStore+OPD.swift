import Foundation
import SimpulCrypto
import SimpulJSON

/// An agency (OPD) allowed to query the hub: what it may see (grants: schema → fields, or everything) and for
/// which purposes. Its token is kept only as a SHA-256 hash.
public struct OPD: Sendable, Equatable {
    public enum Fields: Sendable, Equatable {
        case all
        case some(Set<String>)

        /// Whether the grant shows `field`.
        public func allows(_ field: String) -> Bool {
            switch self {
            case .all: true
            case .some(let f): f.contains(field)
            }
        }
    }

    public var name: String
    /// nil key "*" = every schema. A schema absent from the grants is not visible at all.
    public var grants: [String: Fields]
    public var allSchemas: Bool
    public var purposes: [String]
    public var ratePerMinute: Int
    public var createdAt: Int64
    public var expiresAt: Int64?
    public var revokedAt: Int64?

    public func fields(_ schema: String) -> Fields? { allSchemas ? .all : grants[schema] }

    public func active(at now: Int64) -> Bool { revokedAt == nil && (expiresAt.map { now < $0 } ?? true) }

    /// `--grant` values: `SCHEMA:FIELD,FIELD`, `SCHEMA:*` or `*`; repeated for several schemas.
    public static func parseGrants(_ specs: [String]) throws -> (all: Bool, grants: [String: Fields]) {
        var out: [String: Fields] = [:]
        var all = false
        func ident(_ s: Substring) -> Bool { !s.isEmpty && s.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || ($0 >= 0x30 && $0 <= 0x39) } }
        for spec in specs.flatMap({ $0.split(separator: " ") }) {
            if spec == "*" { all = true; continue }
            let parts = spec.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, ident(parts[0]) else { throw StoreOpenError(message: "grant '\(spec)' is not SCHEMA:FIELD,… or SCHEMA:* or *") }
            let schema = String(parts[0])
            if parts[1] == "*" { out[schema] = .all; continue }
            let fields = parts[1].split(separator: ",")
            // Connector names (ingest:dukcapil-siak) may hold hyphens; schema fields are snake_case.
            func name(_ f: Substring) -> Bool { schema == "ingest" ? ident(Substring(f.replacingOccurrences(of: "-", with: "_"))) : ident(f) }
            guard !fields.isEmpty, fields.allSatisfy(name) else { throw StoreOpenError(message: "grant '\(spec)': fields are snake_case names separated by commas") }
            if case .all? = out[schema] { continue }
            var cur: Set<String> = []
            if case .some(let f)? = out[schema] { cur = f }
            out[schema] = .some(cur.union(fields.map(String.init)))
        }
        return (all, out)
    }

    var grantsJSON: JSONValue {
        if allSchemas { return .string("*") }
        return .object(grants.mapValues { f in
            switch f {
            case .all: .string("*")
            case .some(let s): .array(s.sorted().map { .string($0) })
            }
        })
    }

    public var json: JSONValue {
        .object([
            "opd": .string(name), "grants": grantsJSON, "purposes": .array(purposes.map { .string($0) }),
            "rate_per_minute": .int(ratePerMinute), "created_at": .string(HubStore.isoTime(createdAt)),
            "expires_at": expiresAt.map { .string(HubStore.isoTime($0)) } ?? .null,
            "revoked_at": revokedAt.map { .string(HubStore.isoTime($0)) } ?? .null,
        ])
    }
}

extension HubStore {
    /// A new random token: `smp_` and 32 random bytes in hex.
    public static func newToken() throws -> String {
        guard let h = FileHandle(forReadingAtPath: "/dev/urandom"), let d = try h.read(upToCount: 32), d.count == 32 else {
            throw StoreOpenError(message: "cannot read /dev/urandom for a token")
        }
        try? h.close()
        return "smp_" + [UInt8](d).hexString
    }

    public static func tokenHash(_ token: String) -> String { SHA256.hash(Array(token.utf8)).hexString }

    /// Registers an OPD (or re-registers a revoked one) and returns its token, which is not stored.
    public func addOPD(name: String, grants: [String], purposes: [String], ratePerMinute: Int = 600, expiresAt: Int64? = nil) throws -> (OPD, String) {
        guard !name.isEmpty, name.count <= 64, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw StoreOpenError(message: "an OPD name is 1–64 printable characters without spaces (e.g. dinkes)")
        }
        let (all, g) = try OPD.parseGrants(grants)
        let ps = purposes.flatMap { $0.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init) }
        guard !ps.isEmpty else { throw StoreOpenError(message: "an OPD needs at least one purpose (--purpose CODE)") }
        let now = Int64(Date().timeIntervalSince1970)
        let opd = OPD(name: name, grants: g, allSchemas: all, purposes: ps, ratePerMinute: ratePerMinute, createdAt: now, expiresAt: expiresAt, revokedAt: nil)
        let token = try Self.newToken()
        try db.transaction {
            if let existing = try self.opd(named: name), existing.revokedAt == nil {
                throw StoreOpenError(message: "OPD '\(name)' exists; revoke it first to issue a new token")
            }
            try db.run("DELETE FROM opds WHERE name = ?", [.text(name)])
            try db.run("INSERT INTO opds(name, token_hash, grants, purposes, rate_per_minute, created_at, expires_at, revoked_at) VALUES(?,?,?,?,?,?,?,NULL)",
                       [.text(name), .text(Self.tokenHash(token)), .text(opd.grantsJSON.jsonText),
                        .text(JSONValue.array(ps.map { .string($0) }).jsonText), .int(Int64(ratePerMinute)), .int(now),
                        expiresAt.map { .int($0) } ?? .null])
        }
        return (opd, token)
    }

    static func decodeOPD(_ r: [SQLValue]) -> OPD {
        var all = false
        var grants: [String: OPD.Fields] = [:]
        switch try? JSONParser.parse(r[1].text ?? "") {
        case .string("*")?: all = true
        case .object(let o)?:
            for (k, v) in o {
                if case .array(let a) = v { grants[k] = .some(Set(a.compactMap(\.stringValue))) } else { grants[k] = .all }
            }
        default: break
        }
        var purposes: [String] = []
        if case .array(let a)? = try? JSONParser.parse(r[2].text ?? "") { purposes = a.compactMap(\.stringValue) }
        return OPD(name: r[0].text ?? "", grants: grants, allSchemas: all, purposes: purposes, ratePerMinute: Int(r[3].int ?? 600),
                   createdAt: r[4].int ?? 0, expiresAt: r[5].int, revokedAt: r[6].int)
    }

    static let opdColumns = "name, grants, purposes, rate_per_minute, created_at, expires_at, revoked_at"

    public func opd(named name: String) throws -> OPD? {
        try db.rows("SELECT \(Self.opdColumns) FROM opds WHERE name = ?", [.text(name)]).first.map(Self.decodeOPD)
    }

    /// The OPD a token belongs to (revoked and expired ones too: the caller decides and says why).
    public func opd(token: String) throws -> OPD? { try opd(tokenHash: Self.tokenHash(token)) }

    public func opd(tokenHash: String) throws -> OPD? {
        try db.rows("SELECT \(Self.opdColumns) FROM opds WHERE token_hash = ?", [.text(tokenHash)]).first.map(Self.decodeOPD)
    }

    public func opds() throws -> [OPD] {
        try db.rows("SELECT \(Self.opdColumns) FROM opds ORDER BY name").map(Self.decodeOPD)
    }

    /// Revokes an OPD's token; false if there is no such OPD or it was revoked already.
    public func revokeOPD(_ name: String) throws -> Bool {
        try db.run("UPDATE opds SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", [.int(Int64(Date().timeIntervalSince1970)), .text(name)])
        return db.changes > 0
    }
}
