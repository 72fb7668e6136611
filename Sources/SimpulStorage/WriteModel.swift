/// What the ingest pipeline hands the store: one entry per source row, already mapped and validated.
/// Building these is pure work that can run on another thread; the store only writes them.
public struct RowWrite: Sendable {
    /// The row's source key as written in the source (the raw log's key).
    public var sourceKey: String
    /// Permanent idempotency key: the source key's first 8 bytes, then sha256(connector, source key, content hash)'s first 16.
    public var idem: [UInt8]
    /// The parsed source fields as canonical JSON: what replay re-normalises.
    public var payload: String
    public var line: Int
    public var outcome: RowOutcome

    public init(sourceKey: String, idem: [UInt8], payload: String, line: Int, outcome: RowOutcome) {
        self.sourceKey = sourceKey
        self.idem = idem
        self.payload = payload
        self.line = line
        self.outcome = outcome
    }
}

public enum RowOutcome: Sendable {
    /// Normalised and valid: the records and person mentions the row yields.
    case records([RecordWrite], [MentionWrite])
    /// Parsed but not normalisable: goes to the dead-letter queue, the raw row stays in the log.
    case dead(DeadLetter)
    /// Not normalised yet: the row was already stored and settled when it was read (a re-ingested snapshot), so
    /// the store will almost surely count it unchanged without needing the outcome. Computed only if it does need it.
    case deferred(@Sendable () -> RowOutcome)
}

public struct RecordWrite: Sendable {
    public var schema: String
    public var sourceKey: String
    /// Canonical JSON of the normalised record (without provenance, which the store adds when reading).
    public var data: String
    public var dataHash: [UInt8]
    /// The source's own version of the row (e.g. SIAK TGL_UPDATE), comparable as text; nil when none.
    public var sourceVersion: String?
    /// The record's `nama`, for the citizen name index.
    public var nama: String?

    public init(schema: String, sourceKey: String, data: String, dataHash: [UInt8], sourceVersion: String?, nama: String? = nil) {
        self.schema = schema
        self.sourceKey = sourceKey
        self.data = data
        self.dataHash = dataHash
        self.sourceVersion = sourceVersion
        self.nama = nama
    }
}

public struct MentionWrite: Sendable {
    /// `<connector>:<key>` as SOURCES.md gives it.
    public var key: String
    public var schema: String
    public var sourceKey: String
    public var data: String
    /// The mention's `nik` field as written (usable or not), for the index of mentions by NIK.
    public var nik: String?

    public init(key: String, schema: String, sourceKey: String, data: String, nik: String? = nil) {
        self.key = key
        self.schema = schema
        self.sourceKey = sourceKey
        self.data = data
        self.nik = nik
    }
}

/// A row that could not be taken in, with what a person needs to fix it.
public struct DeadLetter: Sendable, Equatable {
    public var line: Int
    public var field: String?
    public var reason: String
    /// The row as it came (bytes, since it may not be valid UTF-8), cut to ``DeadLetter/maxRaw``.
    public var raw: [UInt8]
    public var rawTruncated: Bool

    public static let maxRaw = 64 * 1024

    public init(line: Int, field: String?, reason: String, raw: [UInt8]) {
        self.line = line
        self.field = field
        self.reason = reason
        if raw.count > DeadLetter.maxRaw {
            self.raw = Array(raw[0..<DeadLetter.maxRaw])
            rawTruncated = true
        } else {
            self.raw = raw
            rawTruncated = false
        }
    }
}

/// What happened to one row, as the run summary counts it.
public enum RowResult: Sendable, Equatable {
    case accepted
    case unchanged
    case deadLettered
}
