import FuzzSupport
import NIOCore
import Pixels
import RFBProtocol
import Viewer

/// The viewer's protocol side without sockets: `ClientHandshake` accepting None and VeNCrypt
/// X509None / X509Plain (TLS is taken as established whenever it is asked for), then `ClientSession`
/// with the viewer's SetPixelFormat / SetEncodings, and every rectangle into `FrameAssembler`, the way
/// `ViewerSessionHandler` does it.
struct ClientConversation {
    enum Step: Hashable {
        case handshake(ClientHandshake.Action)
        case session(ClientSession.Event)
    }

    /// What our viewer lists (`ViewerConfiguration.encodingList` with every encoding and the pointer).
    static let encodings: [Int32] = [
        RFBEncoding.copyRect, RFBEncoding.tileDelta, RFBEncoding.zrle, RFBEncoding.raw, RFBEncoding.cursor,
        RFBEncoding.pointerPos, RFBEncoding.desktopSize, RFBEncoding.extendedDesktopSize, RFBEncoding.lastRect,
        RFBEncoding.sessionEnd,
    ]

    /// Larger framebuffers (up to `RFBLimits.maxFramebufferPixels`, which the protocol layer enforces)
    /// are framed but not decoded: allocating hundreds of MiB per input would slow the fuzzer to a crawl.
    static let maxDecodedPixels = 1 << 22

    let control: ProtocolControl
    let plan: ReadPlan
    let decodes: Bool
    var handshake = ClientHandshake(configuration: ClientHandshakeConfiguration(
        allowNone: true, hasIdentity: true, plainCredentials: PlainCredentials(username: "fuzz", password: "secret")))
    var session: ClientSession?
    var assembler: FrameAssembler?
    var inbox = ByteBuffer()
    private(set) var transcript: [Step] = []
    private(set) var threw: String?
    private(set) var decodeError: String?
    private(set) var closed = false

    init(control: ProtocolControl, plan: ReadPlan, decodes: Bool) {
        self.control = control
        self.plan = plan
        self.decodes = decodes
    }

    mutating func play(_ stream: ArraySlice<UInt8>) {
        do {
            try perform(handshake.start())
            for piece in plan.pieces(of: stream) {
                guard !closed else { return }
                inbox.writeBytes(piece)
                try receive()
            }
        } catch {
            threw = "\(error)"
        }
    }

    mutating func receive() throws {
        guard var s = session else {
            try perform(try handshake.receive(&inbox))
            if session != nil, inbox.readableBytes > 0 { try receive() }
            return
        }
        let events = try s.receive(&inbox)
        session = s
        for event in events {
            transcript.append(.session(event))
            guard decodes, let assembler, decodeError == nil else { continue }
            switch event {
            case .rectangle(let rectangle):
                do { try assembler.apply(rectangle, format: s.pixelFormat) } catch {
                    decodeError = "\(error)"
                    closed = true
                }
            case .framebufferResized(let width, let height):
                if width * height > Self.maxDecodedPixels { self.assembler = nil } else { assembler.resize(width: width, height: height) }
            default:
                break
            }
        }
    }

    mutating func perform(_ actions: [ClientHandshake.Action]) throws {
        var pending = actions
        while !pending.isEmpty, !closed {
            var next: [ClientHandshake.Action] = []
            for action in pending {
                transcript.append(.handshake(action))
                switch action {
                case .send:
                    break
                case .startTLS:
                    next += handshake.tlsEstablished()
                case .completed(let result):
                    try begin(result)
                case .fail:
                    closed = true
                }
            }
            if session == nil, !closed { next += try handshake.receive(&inbox) }
            pending = next
        }
    }

    /// What `ViewerSessionHandler.begin` does.
    mutating func begin(_ result: ClientHandshakeResult) throws {
        var s = ClientSession(serverInit: result.serverInit)
        if !control.flag6 { _ = try s.setPixelFormat(.native) }
        _ = try s.setEncodings(Self.encodings)
        session = s
        let (w, h) = (result.serverInit.width, result.serverInit.height)
        if decodes, w * h <= Self.maxDecodedPixels { assembler = FrameAssembler(width: w, height: h) }
    }
}
