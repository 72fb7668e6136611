import SimpulJSON
import SimpulNormalise

/// Something a budget officer must look at, with the codes and source keys it is about.
public struct Finding: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case plannedNotBudgeted = "planned_not_budgeted"
        case budgetedNotPlanned = "budgeted_not_planned"
        case orphanDisbursement = "orphan_disbursement"
        case overCeiling = "over_ceiling"
        case duplicateSP2DNumber = "duplicate_sp2d_number"
        case invalidCode = "invalid_code"
        case inconsistentAmounts = "inconsistent_amounts"
    }

    public var kind: Kind
    public var skpd: String
    public var sub: String?
    public var akun: String?
    public var amount: Money
    /// Source keys of the records the finding is about (plan, budget line and SP2D line keys).
    public var records: [String]
    public var message: String

    public var json: JSONValue {
        .object([
            "kind": .string(kind.rawValue), "kode_skpd": .string(skpd), "kode_sub_kegiatan": sub.map { .string($0) } ?? .null,
            "kode_akun": akun.map { .string($0) } ?? .null, "amount": .string(amount.description),
            "records": .array(records.map { .string($0) }), "message": .string(message),
        ])
    }
}
