public import NIOCore
public import Pixels

/// Message-level state of the agent after the handshake: reads client messages, answers the protocol
/// housekeeping itself (EndOfContinuousUpdates, fence replies) and reports the rest as actions.
///
/// Replies are produced immediately and in order, which satisfies the fence BlockBefore/BlockAfter flags;
/// an app that queues updates must flush them before a returned fence reply.
public struct ServerSession: Sendable {
    /// An update the client asked for. A non-incremental answer must not use CopyRect (the client may
    /// hold nothing to copy from).
    public struct UpdateRequest: Hashable, Sendable {
        public var incremental: Bool
        /// The requested area, clipped to the framebuffer.
        public var area: Rect
        /// The client asked for ExtendedDesktopSize: this (non-incremental) answer must carry an
        /// ExtendedDesktopSize rectangle.
        public var includeExtendedDesktopSize: Bool
    }

    public enum Action: Hashable, Sendable {
        /// Protocol replies to write now.
        case send(ByteBuffer)
        /// Send pixels in this format from now on (true colour, checked).
        case pixelFormatChanged(PixelFormat)
        case encodingsChanged([Int32])
        /// Send an update for this request (incremental requests are not reported while continuous
        /// updates are on).
        case updateRequested(UpdateRequest)
        /// Continuous updates switched on (for `area`) or off.
        case continuousUpdatesChanged(enabled: Bool, area: Rect)
        case keyEvent(down: Bool, key: UInt32)
        case pointerEvent(buttonMask: UInt8, x: Int, y: Int)
        case cutText([UInt8])
        case chat(TextChat)
        /// Answer with an ExtendedDesktopSize rectangle (reason `.thisClient`) giving the status.
        case desktopSizeRequested(width: Int, height: Int, screens: [Screen])
        /// The viewer ended the session.
        case peerEndedSession(SessionEnd)
        /// A file-transfer message (only after our confirmation; check it with a `FileTransferBook`).
        case fileTransfer(FileTransfer)
    }

    public private(set) var pixelFormat: PixelFormat
    public private(set) var encodings: [Int32] = []
    public private(set) var framebufferWidth: Int
    public private(set) var framebufferHeight: Int
    /// Key, pointer and cut text are read and dropped.
    public let viewOnly: Bool
    public private(set) var continuousUpdatesEnabled = false
    public private(set) var continuousUpdatesArea = Rect(x: 0, y: 0, width: 0, height: 0)
    /// We sent the SessionEnd confirmation rectangle: SessionEnd messages may now go to the client.
    public private(set) var sessionEndConfirmed = false
    /// We sent the file-transfer confirmation rectangle: file-transfer messages may flow both ways.
    public private(set) var fileTransferConfirmed = false
    var continuousUpdatesAnnounced = false
    var fenceAnnounced = false

    /// `pixelFormat` is the one announced in ServerInit.
    public init(framebufferWidth: Int, framebufferHeight: Int, pixelFormat: PixelFormat, viewOnly: Bool = false) {
        self.framebufferWidth = framebufferWidth
        self.framebufferHeight = framebufferHeight
        self.pixelFormat = pixelFormat
        self.viewOnly = viewOnly
    }

    public func clientSupports(_ encoding: Int32) -> Bool { encodings.contains(encoding) }

    /// The first encoding in the client's order that is among `available` (e.g. tile-delta, ZRLE, Raw);
    /// Raw when none matches (every client must accept Raw).
    public func pixelEncoding(among available: [Int32]) -> Int32 {
        encodings.first(where: available.contains) ?? RFBEncoding.raw
    }

    /// Pseudo-rectangles that must lead the next FramebufferUpdate: the SessionEnd confirmation, once,
    /// when the client listed "RASE", and the file-transfer confirmation, once, when it listed "RAFT".
    /// Calling this marks them as sent.
    public mutating func takeLeadingRectangles() -> [Rectangle] {
        var leading: [Rectangle] = []
        if !sessionEndConfirmed, clientSupports(RFBEncoding.sessionEnd) {
            sessionEndConfirmed = true
            leading.append(.sessionEndConfirmation)
        }
        if !fileTransferConfirmed, clientSupports(RFBEncoding.fileTransfer) {
            fileTransferConfirmed = true
            leading.append(.fileTransferConfirmation)
        }
        return leading
    }

    /// A file-transfer message for the client, or nil when the extension was not confirmed.
    public func fileTransfer(_ message: FileTransfer) throws -> ByteBuffer? {
        guard fileTransferConfirmed else { return nil }
        return try ServerMessage.fileTransfer(message).serialized()
    }

    /// The SessionEnd message, or nil when the client never confirmed it understands one (stock viewers:
    /// just close).
    public func sessionEnd(reason: SessionEnd.Reason, text: String) throws -> ByteBuffer? {
        guard sessionEndConfirmed else { return nil }
        return try ServerMessage.sessionEnd(SessionEnd(reason: reason, text: text)).serialized()
    }

    /// The framebuffer changed size (the app sends DesktopSize / ExtendedDesktopSize).
    public mutating func resize(width: Int, height: Int) {
        framebufferWidth = width
        framebufferHeight = height
        continuousUpdatesArea = continuousUpdatesArea.intersection(bounds)
    }

    var bounds: Rect { Rect(x: 0, y: 0, width: framebufferWidth, height: framebufferHeight) }

    /// Reads every complete client message; throws on malformed input or a refused pixel format
    /// (`RFBError.unsupportedPixelFormat`, e.g. colour-map): the adapter then closes.
    public mutating func receive(_ bytes: inout ByteBuffer) throws -> [Action] {
        var actions: [Action] = []
        while let message = try ClientMessage.read(from: &bytes) {
            try handle(message, &actions)
        }
        return actions
    }

    mutating func handle(_ message: ClientMessage, _ actions: inout [Action]) throws {
        switch message {
        case .setPixelFormat(let pf):
            if let reason = pf.unsupportedReason { throw RFBError.unsupportedPixelFormat(reason) }
            pixelFormat = pf
            actions.append(.pixelFormatChanged(pf))
        case .setEncodings(let list):
            encodings = list
            actions.append(.encodingsChanged(list))
            if list.contains(RFBEncoding.continuousUpdates), !continuousUpdatesAnnounced {
                continuousUpdatesAnnounced = true
                actions.append(.send(try ServerMessage.endOfContinuousUpdates.serialized()))
            }
            if list.contains(RFBEncoding.fence), !fenceAnnounced {
                fenceAnnounced = true
                actions.append(.send(try ServerMessage.serverFence(Fence(flags: Fence.request)).serialized()))
            }
        case .framebufferUpdateRequest(let incremental, let area):
            if incremental, continuousUpdatesEnabled { return }
            let eds = !incremental && clientSupports(RFBEncoding.extendedDesktopSize)
            actions.append(.updateRequested(UpdateRequest(incremental: incremental, area: area.intersection(bounds),
                                                          includeExtendedDesktopSize: eds)))
        case .keyEvent(let down, let key):
            if !viewOnly { actions.append(.keyEvent(down: down, key: key)) }
        case .pointerEvent(let mask, let x, let y):
            // Positions are clamped into the framebuffer so the app never injects outside the screen.
            if !viewOnly {
                actions.append(.pointerEvent(buttonMask: mask, x: min(Int(x), max(0, framebufferWidth - 1)),
                                             y: min(Int(y), max(0, framebufferHeight - 1))))
            }
        case .clientCutText(let text):
            if !viewOnly { actions.append(.cutText(text)) }
        case .textChat(let chat):
            actions.append(.chat(chat))
        case .enableContinuousUpdates(let enable, let area):
            guard continuousUpdatesAnnounced else {
                throw RFBError.unexpected("EnableContinuousUpdates without ContinuousUpdates in SetEncodings")
            }
            if enable {
                continuousUpdatesEnabled = true
                continuousUpdatesArea = area.intersection(bounds)
                actions.append(.continuousUpdatesChanged(enabled: true, area: continuousUpdatesArea))
            } else {
                continuousUpdatesEnabled = false
                actions.append(.send(try ServerMessage.endOfContinuousUpdates.serialized()))
                actions.append(.continuousUpdatesChanged(enabled: false, area: continuousUpdatesArea))
            }
        case .clientFence(let fence):
            if fence.isRequest {
                actions.append(.send(try ServerMessage.serverFence(fence.reply).serialized()))
            }
        case .setDesktopSize(let w, let h, let screens):
            actions.append(.desktopSizeRequested(width: Int(w), height: Int(h), screens: screens))
        case .sessionEnd(let end):
            actions.append(.peerEndedSession(end))
        case .fileTransfer(let message):
            guard fileTransferConfirmed else {
                throw RFBError.unexpected("file-transfer message before the extension was confirmed")
            }
            actions.append(.fileTransfer(message))
        }
    }
}
