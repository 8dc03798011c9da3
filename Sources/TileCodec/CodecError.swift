/// Why a decoder refused its input. Decoders throw this for every malformed, truncated or oversized
/// encoding; they never trap on input.
public struct CodecError: Error, Equatable, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
