public import NIOCore
public import Pixels

/// Message-level state of the viewer after the handshake: frames server messages (rectangles stay
/// undecoded), tracks the framebuffer size, the pixel format in use and which extensions the server
/// confirmed, and answers fence requests itself.
public struct ClientSession: Sendable {
    public enum Event: Hashable, Sendable {
        /// Protocol replies to write now (fence replies).
        case send(ByteBuffer)
        case updateBegan(rectangleCount: UInt16)
        /// One rectangle, in order (CopyRect depends on it). Pseudo-rectangles are included.
        case rectangle(Rectangle)
        case updateEnded
        /// DesktopSize / ExtendedDesktopSize changed the framebuffer size (contents are gone). Never answer
        /// it with a non-incremental request (the server would answer with ExtendedDesktopSize again: a loop).
        case framebufferResized(width: Int, height: Int)
        case desktopNameChanged(String)
        case bell
        case cutText([UInt8])
        case chat(TextChat)
        /// EndOfContinuousUpdates: the server supports them (first time) or stopped them.
        case endOfContinuousUpdates
        /// The server confirmed SessionEnd: `sessionEnd(reason:text:)` now returns a message.
        case sessionEndConfirmed
        case peerEndedSession(SessionEnd)
        /// The server confirmed file transfer: `fileTransfer(_:)` now returns messages.
        case fileTransferConfirmed
        /// A file-transfer message (check it with a `FileTransferBook`).
        case fileTransfer(FileTransfer)
    }

    public private(set) var framebufferWidth: Int
    public private(set) var framebufferHeight: Int
    public private(set) var desktopName: String
    /// The format rectangles arrive in (ServerInit's until `setPixelFormat`).
    public private(set) var pixelFormat: PixelFormat
    public private(set) var encodings: [Int32] = []
    public private(set) var serverSupportsContinuousUpdates = false
    public private(set) var serverSupportsFence = false
    public private(set) var sessionEndConfirmed = false
    public private(set) var fileTransferConfirmed = false
    var update: FramebufferUpdateReader?

    public init(serverInit: ServerInit) {
        framebufferWidth = serverInit.width
        framebufferHeight = serverInit.height
        desktopName = serverInit.name
        pixelFormat = serverInit.pixelFormat
    }

    /// Whether a FramebufferUpdate is partly read.
    public var isInsideUpdate: Bool { update != nil }

    /// SetPixelFormat; refuses formats we cannot decode (colour map, …). Send it before the first
    /// update request: rectangles are framed with the new format from now on.
    public mutating func setPixelFormat(_ format: PixelFormat) throws -> ByteBuffer {
        if let reason = format.unsupportedReason { throw RFBError.unsupportedPixelFormat(reason) }
        let bytes = try ClientMessage.setPixelFormat(format).serialized()
        pixelFormat = format
        return bytes
    }

    /// SetEncodings.
    public mutating func setEncodings(_ list: [Int32]) throws -> ByteBuffer {
        let bytes = try ClientMessage.setEncodings(list).serialized()
        encodings = list
        return bytes
    }

    /// A FramebufferUpdateRequest for the whole framebuffer.
    public func updateRequest(incremental: Bool) throws -> ByteBuffer {
        try ClientMessage.framebufferUpdateRequest(
            incremental: incremental, area: Rect(x: 0, y: 0, width: framebufferWidth, height: framebufferHeight)
        ).serialized()
    }

    /// The SessionEnd message, or nil when the server has not confirmed it (stock servers: just close).
    public func sessionEnd(reason: SessionEnd.Reason, text: String) throws -> ByteBuffer? {
        guard sessionEndConfirmed else { return nil }
        return try ClientMessage.sessionEnd(SessionEnd(reason: reason, text: text)).serialized()
    }

    /// A file-transfer message for the server, or nil when the server has not confirmed the extension.
    public func fileTransfer(_ message: FileTransfer) throws -> ByteBuffer? {
        guard fileTransferConfirmed else { return nil }
        return try ClientMessage.fileTransfer(message).serialized()
    }

    public mutating func receive(_ bytes: inout ByteBuffer) throws -> [Event] {
        var events: [Event] = []
        while true {
            if var reader = update {
                guard let rect = try reader.next(from: &bytes) else { break }
                update = reader
                try handle(rect, &events)
                if reader.isComplete {
                    update = nil
                    events.append(.updateEnded)
                }
                continue
            }
            guard let message = try ServerMessage.read(from: &bytes) else { break }
            try handle(message, &events)
        }
        return events
    }

    mutating func handle(_ rect: Rectangle, _ events: inout [Event]) throws {
        events.append(.rectangle(rect))
        switch rect.header.encoding {
        case RFBEncoding.desktopSize:
            resized(Int(rect.header.width), Int(rect.header.height), &events)
        case RFBEncoding.extendedDesktopSize:
            let eds = try ExtendedDesktopSize(rect)
            if eds.status == .noError { resized(eds.width, eds.height, &events) }
        case RFBEncoding.desktopName:
            var body = rect.body
            if let bytes = try body.rfbLengthPrefixedBytes(what: "desktop name", limit: RFBLimits.maxDesktopNameLength) {
                desktopName = rfbLenientText(bytes)
                events.append(.desktopNameChanged(desktopName))
            }
        case RFBEncoding.sessionEnd:
            guard encodings.contains(RFBEncoding.sessionEnd) else {
                throw RFBError.unexpected("SessionEnd confirmation although we never listed it")
            }
            if !sessionEndConfirmed {
                sessionEndConfirmed = true
                events.append(.sessionEndConfirmed)
            }
        case RFBEncoding.fileTransfer:
            guard encodings.contains(RFBEncoding.fileTransfer) else {
                throw RFBError.unexpected("file-transfer confirmation although we never listed it")
            }
            if !fileTransferConfirmed {
                fileTransferConfirmed = true
                events.append(.fileTransferConfirmed)
            }
        default:
            break
        }
    }

    mutating func resized(_ w: Int, _ h: Int, _ events: inout [Event]) {
        // Servers that support ExtendedDesktopSize send it in answer to every non-incremental request
        // (x11vnc does), mostly with the size unchanged: that is no resize, and the picture is kept.
        guard w != framebufferWidth || h != framebufferHeight else { return }
        framebufferWidth = w
        framebufferHeight = h
        events.append(.framebufferResized(width: w, height: h))
    }

    mutating func handle(_ message: ServerMessage, _ events: inout [Event]) throws {
        switch message {
        case .framebufferUpdate(let count):
            let reader = try FramebufferUpdateReader(rectangleCount: count, pixelFormat: pixelFormat,
                                                     framebufferWidth: framebufferWidth,
                                                     framebufferHeight: framebufferHeight)
            events.append(.updateBegan(rectangleCount: count))
            if reader.isComplete {
                events.append(.updateEnded)
            } else {
                update = reader
            }
        case .setColourMapEntries:
            break  // we only ever use true-colour formats: read and ignored
        case .bell:
            events.append(.bell)
        case .serverCutText(let text):
            events.append(.cutText(text))
        case .textChat(let chat):
            events.append(.chat(chat))
        case .endOfContinuousUpdates:
            serverSupportsContinuousUpdates = true
            events.append(.endOfContinuousUpdates)
        case .serverFence(let fence):
            serverSupportsFence = true
            if fence.isRequest {
                events.append(.send(try ClientMessage.clientFence(fence.reply).serialized()))
            }
        case .sessionEnd(let end):
            events.append(.peerEndedSession(end))
        case .fileTransfer(let message):
            guard fileTransferConfirmed else {
                throw RFBError.unexpected("file-transfer message before the extension was confirmed")
            }
            events.append(.fileTransfer(message))
        }
    }
}
