/// Why a value could not be normalised. The reason says what is wrong in words a person can act on and never
/// quotes a personal value (it may quote codes such as budget or region codes).
public struct NormaliseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
