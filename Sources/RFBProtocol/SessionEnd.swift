public import NIOCore

/// Our SessionEnd extension (message type 212 in both directions, see `codecs/session-end.md`):
/// U8 212, U8 reason code, U16 padding, U32 length <= 1024, UTF-8 text.
/// Only sent once the peer confirmed pseudo-encoding `RFBEncoding.sessionEnd` ("RASE").
public struct SessionEnd: Hashable, Sendable {
    public static let messageType: UInt8 = 212

    /// Why the session ended. Unknown codes from a newer peer are kept as they are.
    public struct Reason: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        public static let userQuit = Reason(rawValue: 0)
        public static let interrupted = Reason(rawValue: 1)
        public static let endOfInput = Reason(rawValue: 2)
        public static let declined = Reason(rawValue: 3)
        public static let busy = Reason(rawValue: 4)
        public static let error = Reason(rawValue: 5)
        public static let timeout = Reason(rawValue: 6)

        public var description: String {
            switch rawValue {
            case 0: return "user quit"
            case 1: return "interrupted"
            case 2: return "end of input"
            case 3: return "declined"
            case 4: return "busy"
            case 5: return "error"
            case 6: return "timeout"
            default: return "reason \(rawValue)"
            }
        }
    }

    public var reason: Reason
    /// Who ended it and why, e.g. "alice ended the session".
    public var text: String

    public init(reason: Reason, text: String) {
        self.reason = reason
        self.text = text
    }

    static func readBody(from b: inout ByteBuffer) throws -> SessionEnd? {
        guard let code = b.rfbU8(), b.rfbSkip(2),
              let bytes = try b.rfbLengthPrefixedBytes(what: "SessionEnd text", limit: RFBLimits.maxSessionEndTextLength)
        else { return nil }
        guard let text = rfbStrictUTF8(bytes) else { throw RFBError.malformed("SessionEnd text is not UTF-8") }
        return SessionEnd(reason: Reason(rawValue: code), text: text)
    }

    public func write(into buffer: inout ByteBuffer) throws {
        let bytes = Array(text.utf8)
        guard bytes.count <= RFBLimits.maxSessionEndTextLength else {
            throw RFBError.invalidArgument("SessionEnd text of \(bytes.count) bytes (at most \(RFBLimits.maxSessionEndTextLength))")
        }
        buffer.rfbWriteU8(Self.messageType)
        buffer.rfbWriteU8(reason.rawValue)
        buffer.rfbWritePadding(2)
        buffer.rfbWriteU32(UInt32(bytes.count))
        buffer.writeBytes(bytes)
    }
}
