public import NIOCore

/// Our reverse-connection extension (see `codecs/reverse-request.md`): when a requester's agent dials
/// an expert's listening viewer, the viewer answers the request right after the VeNCrypt TLS handshake,
/// before the agent asks its user for consent: U8 213, U8 answer, U16 padding, U32 length <= 1024,
/// UTF-8 text. Answer 0 accepts; any other value is a `SessionEnd.Reason` (declined, busy, timeout, …).
public struct RequestAnswer: Hashable, Sendable {
    public static let messageType: UInt8 = 213
    public static let acceptedCode: UInt8 = 0
    /// The whole message is at most this long.
    public static let maxLength = 8 + RFBLimits.maxSessionEndTextLength

    /// nil when accepted; otherwise why not.
    public var refusal: SessionEnd.Reason?
    /// For the requester, e.g. "alice is busy in another session".
    public var text: String

    public static func accepted(_ text: String = "") -> RequestAnswer { RequestAnswer(refusal: nil, text: text) }
    /// A refusal never carries code 0, which means "accepted" on the wire: `.userQuit` (0) is sent as
    /// `.declined`.
    public static func refused(_ reason: SessionEnd.Reason, _ text: String) -> RequestAnswer {
        RequestAnswer(refusal: reason.rawValue == acceptedCode ? .declined : reason, text: text)
    }

    public var isAccepted: Bool { refusal == nil }

    /// nil: more bytes needed (nothing consumed). Throws on anything else than a well-formed answer.
    public static func read(from buffer: inout ByteBuffer) throws -> RequestAnswer? {
        var b = buffer
        guard let type = b.rfbU8() else { return nil }
        guard type == messageType else { throw RFBError.malformed("expected a request answer (213), got message type \(type)") }
        guard let code = b.rfbU8(), b.rfbSkip(2),
              let bytes = try b.rfbLengthPrefixedBytes(what: "request answer text", limit: RFBLimits.maxSessionEndTextLength)
        else { return nil }
        guard let text = rfbStrictUTF8(bytes) else { throw RFBError.malformed("request answer text is not UTF-8") }
        buffer = b
        return RequestAnswer(refusal: code == acceptedCode ? nil : SessionEnd.Reason(rawValue: code), text: text)
    }

    public func write(into buffer: inout ByteBuffer) throws {
        let bytes = Array(text.utf8)
        guard bytes.count <= RFBLimits.maxSessionEndTextLength else {
            throw RFBError.invalidArgument("request answer text of \(bytes.count) bytes (at most \(RFBLimits.maxSessionEndTextLength))")
        }
        buffer.rfbWriteU8(Self.messageType)
        // A refusal is never written as the acceptance code, however it was made.
        buffer.rfbWriteU8(refusal.map { $0.rawValue == Self.acceptedCode ? SessionEnd.Reason.declined.rawValue : $0.rawValue }
                          ?? Self.acceptedCode)
        buffer.rfbWritePadding(2)
        buffer.rfbWriteU32(UInt32(bytes.count))
        buffer.writeBytes(bytes)
    }

    public func serialized() throws -> ByteBuffer {
        var b = ByteBuffer()
        try write(into: &b)
        return b
    }
}
