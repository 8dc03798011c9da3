/// The first byte of a protocol target's input (the rest is the byte stream of the peer):
/// bits 0-5 choose how the stream is cut into reads (`ReadPlan`, 0 = all at once); for the server
/// target bit 6 refuses the Plain credentials and bit 7 the requester's consent; for the client target
/// bit 6 keeps the server's pixel format (no SetPixelFormat, as some viewers do).
public struct ProtocolControl: Sendable, Hashable {
    public var byte: UInt8

    public init(byte: UInt8) { self.byte = byte }

    public init(readSeed: UInt8, flag6: Bool = false, flag7: Bool = false) {
        byte = (readSeed & 0x3F) | (flag6 ? 0x40 : 0) | (flag7 ? 0x80 : 0)
    }

    public var plan: ReadPlan { ReadPlan(seed: byte & 0x3F) }
    public var flag6: Bool { byte & 0x40 != 0 }
    public var flag7: Bool { byte & 0x80 != 0 }
}
