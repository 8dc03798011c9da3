public import NIOCore

/// One colour of SetColourMapEntries.
public struct ColourMapEntry: Hashable, Sendable {
    public var red: UInt16
    public var green: UInt16
    public var blue: UInt16
    public init(red: UInt16, green: UInt16, blue: UInt16) {
        self.red = red
        self.green = green
        self.blue = blue
    }
}

/// Every server-to-client message we understand (RFC 6143 §7.6 plus the extensions we use).
///
/// A FramebufferUpdate is read in two steps: `read(from:)` returns only its header
/// (`.framebufferUpdate(rectangleCount:)`); the rectangles follow and are framed by
/// `FramebufferUpdateReader`, which needs the pixel format and framebuffer size.
public enum ServerMessage: Hashable, Sendable {
    /// 0: U8 padding, U16 number of rectangles (65535: until a LastRect rectangle). Rectangles follow.
    case framebufferUpdate(rectangleCount: UInt16)
    /// 1: U8 padding, U16 first colour, U16 count, count x (U16 red, green, blue).
    case setColourMapEntries(firstColour: UInt16, colours: [ColourMapEntry])
    /// 2.
    case bell
    /// 3: 3 padding, U32 length, Latin-1 text.
    case serverCutText([UInt8])
    /// 11: UltraVNC TextChat.
    case textChat(TextChat)
    /// 150: no body.
    case endOfContinuousUpdates
    /// 248.
    case serverFence(Fence)
    /// 212: our SessionEnd extension.
    case sessionEnd(SessionEnd)
    /// 214: our file-transfer extension.
    case fileTransfer(FileTransfer)

    public enum MessageType {
        public static let framebufferUpdate: UInt8 = 0
        public static let setColourMapEntries: UInt8 = 1
        public static let bell: UInt8 = 2
        public static let serverCutText: UInt8 = 3
        public static let textChat: UInt8 = TextChat.messageType
        public static let endOfContinuousUpdates: UInt8 = 150
        public static let serverFence: UInt8 = Fence.messageType
        public static let sessionEnd: UInt8 = SessionEnd.messageType
        public static let fileTransfer: UInt8 = FileTransfer.messageType
    }

    /// Reads one message (for FramebufferUpdate: its 4-byte header). Nil when more bytes are needed
    /// (nothing consumed); throws on malformed, oversized or unknown messages.
    public static func read(from buffer: inout ByteBuffer) throws -> ServerMessage? {
        try buffer.rfbTransaction { b -> ServerMessage? in
            guard let type = b.rfbU8() else { return nil }
            switch type {
            case MessageType.framebufferUpdate:
                guard b.rfbSkip(1), let count = b.rfbU16() else { return nil }
                return .framebufferUpdate(rectangleCount: count)
            case MessageType.setColourMapEntries:
                guard b.rfbSkip(1), let first = b.rfbU16(), let count = b.rfbU16() else { return nil }
                guard Int(first) + Int(count) <= 65_536 else {
                    throw RFBError.malformed("colour map entries \(first)+\(count) beyond 65536")
                }
                guard b.readableBytes >= Int(count) * 6 else { return nil }
                var colours: [ColourMapEntry] = []
                colours.reserveCapacity(Int(count))
                for _ in 0..<count {
                    guard let r = b.rfbU16(), let g = b.rfbU16(), let bl = b.rfbU16() else { return nil }
                    colours.append(ColourMapEntry(red: r, green: g, blue: bl))
                }
                return .setColourMapEntries(firstColour: first, colours: colours)
            case MessageType.bell:
                return .bell
            case MessageType.serverCutText:
                guard b.rfbSkip(3),
                      let text = try b.rfbLengthPrefixedBytes(what: "ServerCutText", limit: RFBLimits.maxCutTextLength)
                else { return nil }
                return .serverCutText(text)
            case MessageType.textChat:
                guard let chat = try TextChat.readBody(from: &b) else { return nil }
                return .textChat(chat)
            case MessageType.endOfContinuousUpdates:
                return .endOfContinuousUpdates
            case MessageType.serverFence:
                guard let fence = try Fence.readBody(from: &b) else { return nil }
                return .serverFence(fence)
            case MessageType.sessionEnd:
                guard let end = try SessionEnd.readBody(from: &b) else { return nil }
                return .sessionEnd(end)
            case MessageType.fileTransfer:
                guard let message = try FileTransfer.readBody(from: &b) else { return nil }
                return .fileTransfer(message)
            default:
                throw RFBError.unknownMessageType(type)
            }
        }
    }

    /// Appends the message (for FramebufferUpdate: only its header; write the rectangles after it).
    public func write(into buffer: inout ByteBuffer) throws {
        switch self {
        case .framebufferUpdate(let count):
            buffer.rfbWriteU8(MessageType.framebufferUpdate)
            buffer.rfbWritePadding(1)
            buffer.rfbWriteU16(count)
        case .setColourMapEntries(let first, let colours):
            guard Int(first) + colours.count <= 65_536 else {
                throw RFBError.invalidArgument("colour map entries \(first)+\(colours.count) beyond 65536")
            }
            buffer.rfbWriteU8(MessageType.setColourMapEntries)
            buffer.rfbWritePadding(1)
            buffer.rfbWriteU16(first)
            buffer.rfbWriteU16(UInt16(colours.count))
            for c in colours {
                buffer.rfbWriteU16(c.red)
                buffer.rfbWriteU16(c.green)
                buffer.rfbWriteU16(c.blue)
            }
        case .bell:
            buffer.rfbWriteU8(MessageType.bell)
        case .serverCutText(let text):
            guard text.count <= RFBLimits.maxCutTextLength else {
                throw RFBError.invalidArgument("cut text of \(text.count) bytes (at most \(RFBLimits.maxCutTextLength))")
            }
            buffer.rfbWriteU8(MessageType.serverCutText)
            buffer.rfbWritePadding(3)
            buffer.rfbWriteU32(UInt32(text.count))
            buffer.writeBytes(text)
        case .textChat(let chat):
            try chat.write(into: &buffer)
        case .endOfContinuousUpdates:
            buffer.rfbWriteU8(MessageType.endOfContinuousUpdates)
        case .serverFence(let fence):
            try fence.write(into: &buffer)
        case .sessionEnd(let end):
            try end.write(into: &buffer)
        case .fileTransfer(let message):
            try message.write(into: &buffer)
        }
    }

    public func serialized() throws -> ByteBuffer {
        var b = ByteBuffer()
        try write(into: &b)
        return b
    }
}
