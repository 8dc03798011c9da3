public import NIOCore

/// ClientFence / ServerFence (message type 248): U8 248, 3 padding, U32 flags, U8 length <= 64, payload.
public struct Fence: Hashable, Sendable {
    public static let messageType: UInt8 = 248

    public static let blockBefore: UInt32 = 1 << 0
    public static let blockAfter: UInt32 = 1 << 1
    public static let syncNext: UInt32 = 1 << 2
    public static let request: UInt32 = 1 << 31
    /// The flag bits we understand (and echo in a reply).
    public static let knownFlags: UInt32 = blockBefore | blockAfter | syncNext

    public var flags: UInt32
    public var payload: [UInt8]

    public init(flags: UInt32, payload: [UInt8] = []) {
        self.flags = flags
        self.payload = payload
    }

    public var isRequest: Bool { flags & Self.request != 0 }

    /// The answer to a request: same payload, Request and unknown bits cleared.
    public var reply: Fence { Fence(flags: flags & Self.knownFlags, payload: payload) }

    static func readBody(from b: inout ByteBuffer) throws -> Fence? {
        guard b.rfbSkip(3), let flags = b.rfbU32(), let length = b.rfbU8() else { return nil }
        guard Int(length) <= RFBLimits.maxFencePayloadLength else {
            throw RFBError.tooLarge(what: "fence payload", length: Int(length), limit: RFBLimits.maxFencePayloadLength)
        }
        guard let payload = b.readBytes(length: Int(length)) else { return nil }
        return Fence(flags: flags, payload: payload)
    }

    public func write(into buffer: inout ByteBuffer) throws {
        guard payload.count <= RFBLimits.maxFencePayloadLength else {
            throw RFBError.invalidArgument("fence payload of \(payload.count) bytes (at most \(RFBLimits.maxFencePayloadLength))")
        }
        buffer.rfbWriteU8(Self.messageType)
        buffer.rfbWritePadding(3)
        buffer.rfbWriteU32(flags)
        buffer.rfbWriteU8(UInt8(payload.count))
        buffer.writeBytes(payload)
    }
}
