public import NIOCore
public import Pixels

/// Every client-to-server message we understand (RFC 6143 §7.5 plus the extensions we use).
public enum ClientMessage: Hashable, Sendable {
    /// 0: the format the client wants pixels in (any format parses; the session decides whether to serve it).
    case setPixelFormat(PixelFormat)
    /// 2: encodings and pseudo-encodings, in the client's order of preference.
    case setEncodings([Int32])
    /// 3: U8 incremental, U16 x, y, width, height.
    case framebufferUpdateRequest(incremental: Bool, area: Rect)
    /// 4: U8 down, 2 padding, U32 keysym.
    case keyEvent(down: Bool, key: UInt32)
    /// 5: U8 button mask, U16 x, U16 y.
    case pointerEvent(buttonMask: UInt8, x: UInt16, y: UInt16)
    /// 6: 3 padding, U32 length, Latin-1 text.
    case clientCutText([UInt8])
    /// 11: UltraVNC TextChat.
    case textChat(TextChat)
    /// 150: U8 enable, U16 x, y, width, height.
    case enableContinuousUpdates(enable: Bool, area: Rect)
    /// 248.
    case clientFence(Fence)
    /// 251: U8 padding, U16 width, U16 height, U8 screen count, U8 padding, screens.
    case setDesktopSize(width: UInt16, height: UInt16, screens: [Screen])
    /// 212: our SessionEnd extension.
    case sessionEnd(SessionEnd)
    /// 214: our file-transfer extension.
    case fileTransfer(FileTransfer)

    public enum MessageType {
        public static let setPixelFormat: UInt8 = 0
        public static let setEncodings: UInt8 = 2
        public static let framebufferUpdateRequest: UInt8 = 3
        public static let keyEvent: UInt8 = 4
        public static let pointerEvent: UInt8 = 5
        public static let clientCutText: UInt8 = 6
        public static let textChat: UInt8 = TextChat.messageType
        public static let enableContinuousUpdates: UInt8 = 150
        public static let clientFence: UInt8 = Fence.messageType
        public static let setDesktopSize: UInt8 = 251
        public static let sessionEnd: UInt8 = SessionEnd.messageType
        public static let fileTransfer: UInt8 = FileTransfer.messageType
    }

    /// Reads one message: nil when more bytes are needed (nothing is consumed), throws on malformed,
    /// oversized or unknown messages (lengths are checked before waiting for their bytes).
    public static func read(from buffer: inout ByteBuffer) throws -> ClientMessage? {
        try buffer.rfbTransaction { b -> ClientMessage? in
            guard let type = b.rfbU8() else { return nil }
            switch type {
            case MessageType.setPixelFormat:
                guard b.rfbSkip(3), let pf = try PixelFormat.read(from: &b) else { return nil }
                return .setPixelFormat(pf)
            case MessageType.setEncodings:
                guard b.rfbSkip(1), let count = b.rfbU16() else { return nil }
                guard Int(count) <= RFBLimits.maxEncodings else {
                    throw RFBError.tooLarge(what: "SetEncodings list", length: Int(count), limit: RFBLimits.maxEncodings)
                }
                guard b.readableBytes >= Int(count) * 4 else { return nil }
                var list: [Int32] = []
                list.reserveCapacity(Int(count))
                for _ in 0..<count {
                    guard let e = b.rfbS32() else { return nil }
                    list.append(e)
                }
                return .setEncodings(list)
            case MessageType.framebufferUpdateRequest:
                guard let inc = b.rfbU8(), let area = readArea(&b) else { return nil }
                return .framebufferUpdateRequest(incremental: inc != 0, area: area)
            case MessageType.keyEvent:
                guard let down = b.rfbU8(), b.rfbSkip(2), let key = b.rfbU32() else { return nil }
                return .keyEvent(down: down != 0, key: key)
            case MessageType.pointerEvent:
                guard let mask = b.rfbU8(), let x = b.rfbU16(), let y = b.rfbU16() else { return nil }
                return .pointerEvent(buttonMask: mask, x: x, y: y)
            case MessageType.clientCutText:
                guard b.rfbSkip(3),
                      let text = try b.rfbLengthPrefixedBytes(what: "ClientCutText", limit: RFBLimits.maxCutTextLength)
                else { return nil }
                return .clientCutText(text)
            case MessageType.textChat:
                guard let chat = try TextChat.readBody(from: &b) else { return nil }
                return .textChat(chat)
            case MessageType.enableContinuousUpdates:
                guard let en = b.rfbU8(), let area = readArea(&b) else { return nil }
                return .enableContinuousUpdates(enable: en != 0, area: area)
            case MessageType.clientFence:
                guard let fence = try Fence.readBody(from: &b) else { return nil }
                return .clientFence(fence)
            case MessageType.setDesktopSize:
                guard b.rfbSkip(1), let w = b.rfbU16(), let h = b.rfbU16(), let n = b.rfbU8(), b.rfbSkip(1),
                      let screens = Screen.readList(count: Int(n), from: &b)
                else { return nil }
                return .setDesktopSize(width: w, height: h, screens: screens)
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

    /// Appends the message; throws when a value cannot be expressed within the wire fields and limits.
    public func write(into buffer: inout ByteBuffer) throws {
        switch self {
        case .setPixelFormat(let pf):
            buffer.rfbWriteU8(MessageType.setPixelFormat)
            buffer.rfbWritePadding(3)
            pf.write(into: &buffer)
        case .setEncodings(let list):
            guard list.count <= RFBLimits.maxEncodings else {
                throw RFBError.invalidArgument("\(list.count) encodings (at most \(RFBLimits.maxEncodings))")
            }
            buffer.rfbWriteU8(MessageType.setEncodings)
            buffer.rfbWritePadding(1)
            buffer.rfbWriteU16(UInt16(list.count))
            for e in list { buffer.rfbWriteS32(e) }
        case .framebufferUpdateRequest(let inc, let area):
            buffer.rfbWriteU8(MessageType.framebufferUpdateRequest)
            buffer.rfbWriteU8(inc ? 1 : 0)
            try writeArea(area, into: &buffer)
        case .keyEvent(let down, let key):
            buffer.rfbWriteU8(MessageType.keyEvent)
            buffer.rfbWriteU8(down ? 1 : 0)
            buffer.rfbWritePadding(2)
            buffer.rfbWriteU32(key)
        case .pointerEvent(let mask, let x, let y):
            buffer.rfbWriteU8(MessageType.pointerEvent)
            buffer.rfbWriteU8(mask)
            buffer.rfbWriteU16(x)
            buffer.rfbWriteU16(y)
        case .clientCutText(let text):
            guard text.count <= RFBLimits.maxCutTextLength else {
                throw RFBError.invalidArgument("cut text of \(text.count) bytes (at most \(RFBLimits.maxCutTextLength))")
            }
            buffer.rfbWriteU8(MessageType.clientCutText)
            buffer.rfbWritePadding(3)
            buffer.rfbWriteU32(UInt32(text.count))
            buffer.writeBytes(text)
        case .textChat(let chat):
            try chat.write(into: &buffer)
        case .enableContinuousUpdates(let en, let area):
            buffer.rfbWriteU8(MessageType.enableContinuousUpdates)
            buffer.rfbWriteU8(en ? 1 : 0)
            try writeArea(area, into: &buffer)
        case .clientFence(let fence):
            try fence.write(into: &buffer)
        case .setDesktopSize(let w, let h, let screens):
            guard screens.count <= 255 else { throw RFBError.invalidArgument("\(screens.count) screens (at most 255)") }
            buffer.rfbWriteU8(MessageType.setDesktopSize)
            buffer.rfbWritePadding(1)
            buffer.rfbWriteU16(w)
            buffer.rfbWriteU16(h)
            buffer.rfbWriteU8(UInt8(screens.count))
            buffer.rfbWritePadding(1)
            for s in screens { s.write(into: &buffer) }
        case .sessionEnd(let end):
            try end.write(into: &buffer)
        case .fileTransfer(let message):
            try message.write(into: &buffer)
        }
    }

    /// The message as a fresh buffer.
    public func serialized() throws -> ByteBuffer {
        var b = ByteBuffer()
        try write(into: &b)
        return b
    }
}

func readArea(_ b: inout ByteBuffer) -> Rect? {
    guard let x = b.rfbU16(), let y = b.rfbU16(), let w = b.rfbU16(), let h = b.rfbU16() else { return nil }
    return Rect(x: Int(x), y: Int(y), width: Int(w), height: Int(h))
}

func writeArea(_ r: Rect, into buffer: inout ByteBuffer) throws {
    buffer.rfbWriteU16(try rfbU16Field(r.x, "x"))
    buffer.rfbWriteU16(try rfbU16Field(r.y, "y"))
    buffer.rfbWriteU16(try rfbU16Field(r.width, "width"))
    buffer.rfbWriteU16(try rfbU16Field(r.height, "height"))
}
