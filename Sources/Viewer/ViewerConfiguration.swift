public import NIOCore
public import Pixels
public import RFBProtocol
public import RFBTransport

/// What happens in a viewer session, for the terminal, the status line and `--json`.
public enum ViewerEvent: Sendable, Equatable {
    case connected(remoteAddress: String)
    case serverVerified(String)
    case sessionStarted(name: String, width: Int, height: Int, encoding: String)
    case refused(String)
    /// Listening: a requester asks for help (its answer goes through `ViewerConfiguration.answerRequest`).
    case requestArrived(String)
    case frame(number: Int, width: Int, height: Int)
    case resized(width: Int, height: Int)
    case chat(String)
    /// A file offered, accepted, moving, stored, cancelled, … (`FileTransferLink`).
    case file(FileTransferEvent)
    /// The agent does not speak our file transfer: a file could not be offered.
    case filesUnsupported(path: String)
    /// The session ended; `byAgent` tells who ended it, `reason` why.
    case ended(byAgent: Bool, reason: String)
}

/// The pixel encodings a viewer can ask for, best first.
public enum ViewerEncoding: String, Sendable, CaseIterable {
    case tileDelta = "tile-delta"
    case zrle
    case raw

    var number: Int32 {
        switch self {
        case .tileDelta: return RFBEncoding.tileDelta
        case .zrle: return RFBEncoding.zrle
        case .raw: return RFBEncoding.raw
        }
    }
}

public struct ViewerConfiguration: Sendable {
    /// TLS for VeNCrypt (our identity for X509None, the pinned agent fingerprint for both subtypes).
    public var tls: TLSSetup.Client?
    /// Accept security type None (loopback tunnels and tests only).
    public var allowNone: Bool
    /// The one-time password, for VeNCrypt X509Plain.
    public var password: String?
    /// Preferred pixel encodings, best first (Raw is always accepted last).
    public var encodings: [ViewerEncoding]
    /// Where PNG snapshots go (nil: none written).
    public var snapshots: SnapshotWriter?
    public var events: @Sendable (ViewerEvent) -> Void
    /// The same events with the connection they belong to (for the session model); nil: not used.
    public var sessionEvents: (@Sendable (ViewerClient, ViewerEvent) -> Void)?
    /// A live view (the expert's page): told of every finished update, on the connection's event loop,
    /// with what changed. nil: nothing recorded.
    public var pictures: (@Sendable (LivePicture) -> Void)?
    /// Draw the requester's pointer into the snapshots (its image and position come from the agent).
    public var drawPointer: Bool
    /// The handshake must finish within this time (consent has its own, longer limit on the agent).
    /// Listening, it is the limit up to the requester's verified certificate (``ViewerLimits``).
    public var handshakeTimeout: TimeAmount
    /// Listening: after the expert accepted, the requester's consent (and so ServerInit) must come
    /// within this time.
    public var consentWait: TimeAmount
    /// Listening (reverse connections): decides on a request once the requester's certificate is
    /// verified; call `answer` exactly once, from any thread. nil for forward connections.
    public var answerRequest: (@Sendable (_ requester: TrustedPeer?, _ answer: @escaping @Sendable (RequestAnswer) -> Void) -> Void)?
    /// Where files the agent sends go, and how large they may be (no folder: offers are declined).
    public var files = FileReceiving(folder: nil)
    /// Measurements only (the bench's latency probe): shown each complete picture, on the event loop,
    /// right after it was decoded. Must return at once and must not keep the picture.
    public var frameObserver: (@Sendable (Framebuffer) -> Void)?

    public init(tls: TLSSetup.Client?, allowNone: Bool = false, password: String? = nil,
                encodings: [ViewerEncoding] = [.tileDelta, .zrle, .raw], snapshots: SnapshotWriter? = nil,
                events: @escaping @Sendable (ViewerEvent) -> Void = { _ in }, drawPointer: Bool = true,
                handshakeTimeout: TimeAmount = .seconds(120),
                answerRequest: (@Sendable (TrustedPeer?, @escaping @Sendable (RequestAnswer) -> Void) -> Void)? = nil) {
        self.tls = tls
        self.allowNone = allowNone
        self.password = password
        self.encodings = encodings
        self.snapshots = snapshots
        self.events = events
        self.drawPointer = drawPointer
        self.handshakeTimeout = handshakeTimeout
        self.consentWait = ViewerLimits.consentWait
        self.sessionEvents = nil
        self.pictures = nil
        self.answerRequest = answerRequest
    }

    var encodingList: [Int32] {
        var list = encodings.map(\.number)
        if !list.contains(RFBEncoding.raw) { list.append(RFBEncoding.raw) }
        // We decode tile-delta versions 2 (the grey tile kind) and 3 (the dual kind).
        if encodings.contains(.tileDelta) { list += [RFBEncoding.tileDeltaVersion3, RFBEncoding.tileDeltaVersion2] }
        // CopyRect first among the rest: it is the cheapest way to say "this moved".
        let pointer = drawPointer ? [RFBEncoding.cursor, RFBEncoding.pointerPos] : []
        return [RFBEncoding.copyRect] + list + pointer + [RFBEncoding.desktopSize,
                                                RFBEncoding.extendedDesktopSize, RFBEncoding.lastRect,
                                                RFBEncoding.sessionEnd, RFBEncoding.fileTransfer]
    }
}
