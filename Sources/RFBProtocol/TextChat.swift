public import NIOCore

/// UltraVNC TextChat (message type 11 in both directions): U8 11, 3 padding, U32 length, text.
/// The lengths 0xFFFFFFFF / 0xFFFFFFFE / 0xFFFFFFFD mean open / close / finished and carry no text;
/// a text message holds 1...4095 bytes of UTF-8 (read leniently: invalid UTF-8 is taken as Latin-1).
public enum TextChat: Hashable, Sendable {
    case open
    case close
    case finished
    case message(String)

    public static let messageType: UInt8 = 11
    static let openLength: UInt32 = 0xFFFF_FFFF
    static let closeLength: UInt32 = 0xFFFF_FFFE
    static let finishedLength: UInt32 = 0xFFFF_FFFD

    /// Splits `text` into messages of at most `maxChatLength` UTF-8 bytes each, never inside a character.
    /// Empty text gives no message.
    public static func messages(for text: String) -> [TextChat] {
        var result: [TextChat] = []
        var current = ""
        var currentBytes = 0
        for ch in text {
            let n = String(ch).utf8.count
            if currentBytes + n > RFBLimits.maxChatLength, currentBytes > 0 {
                result.append(.message(current))
                current = ""
                currentBytes = 0
            }
            current.append(ch)
            currentBytes += n
        }
        if currentBytes > 0 { result.append(.message(current)) }
        return result
    }

    /// Reads what follows the type byte.
    static func readBody(from b: inout ByteBuffer) throws -> TextChat? {
        guard b.rfbSkip(3), let length = b.rfbU32() else { return nil }
        switch length {
        case openLength: return .open
        case closeLength: return .close
        case finishedLength: return .finished
        case 0: throw RFBError.malformed("empty TextChat message")
        default:
            guard Int(length) <= RFBLimits.maxChatLength else {
                throw RFBError.tooLarge(what: "TextChat text", length: Int(length), limit: RFBLimits.maxChatLength)
            }
            guard let bytes = b.readBytes(length: Int(length)) else { return nil }
            // Text should be UTF-8; older UltraVNC peers send a legacy code page. Invalid UTF-8 is read as
            // Latin-1 rather than dropping the peer (rfbproto: invalid UTF-8 must not cost synchronisation).
            return .message(rfbLenientText(bytes))
        }
    }

    /// Writes the whole message including the type byte.
    public func write(into buffer: inout ByteBuffer) throws {
        buffer.rfbWriteU8(Self.messageType)
        buffer.rfbWritePadding(3)
        switch self {
        case .open: buffer.rfbWriteU32(Self.openLength)
        case .close: buffer.rfbWriteU32(Self.closeLength)
        case .finished: buffer.rfbWriteU32(Self.finishedLength)
        case .message(let text):
            let bytes = Array(text.utf8)
            guard (1...RFBLimits.maxChatLength).contains(bytes.count) else {
                throw RFBError.invalidArgument("TextChat text of \(bytes.count) bytes (1...\(RFBLimits.maxChatLength) allowed; use TextChat.messages(for:))")
            }
            buffer.rfbWriteU32(UInt32(bytes.count))
            buffer.writeBytes(bytes)
        }
    }
}
