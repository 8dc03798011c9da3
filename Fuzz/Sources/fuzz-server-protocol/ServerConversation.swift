import FuzzSupport
import NIOCore
import Pixels
import RFBProtocol

/// The agent's protocol side without sockets: `ServerHandshake` offering None and VeNCrypt
/// X509None / X509Plain (TLS is taken as established whenever it is asked for), then `ServerSession`.
struct ServerConversation {
    enum Step: Hashable {
        case handshake(ServerHandshake.Action)
        case session(ServerSession.Action)
    }

    static let width = 128
    static let height = 96

    let control: ProtocolControl
    let plan: ReadPlan
    var handshake = ServerHandshake(configuration: ServerHandshakeConfiguration(
        allowNone: true, veNCryptSubtypes: [.x509None, .x509Plain]))
    var session: ServerSession?
    var agent: AgentSide?
    var inbox = ByteBuffer()
    private(set) var transcript: [Step] = []
    /// The error that ended the conversation, if one did.
    private(set) var threw: String?
    private(set) var closed = false

    init(control: ProtocolControl, plan: ReadPlan, answersUpdates: Bool) {
        self.control = control
        self.plan = plan
        agent = answersUpdates ? AgentSide(width: Self.width, height: Self.height) : nil
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
        if var s = session {
            let actions = try s.receive(&inbox)
            session = s
            for a in actions {
                transcript.append(.session(a))
                if var s = session { try agent?.handle(a, session: &s); session = s }
            }
            return
        }
        try perform(try handshake.receive(&inbox))
        // The handshake may have completed with session bytes already buffered.
        if session != nil, inbox.readableBytes > 0 { try receive() }
    }

    /// Performs handshake actions in order, answering the adapter events at once; after each event the
    /// buffered bytes are offered again, as the real handler does.
    mutating func perform(_ actions: [ServerHandshake.Action]) throws {
        var pending = actions
        while !pending.isEmpty, !closed {
            var next: [ServerHandshake.Action] = []
            for action in pending {
                transcript.append(.handshake(action))
                switch action {
                case .send:
                    break
                case .startTLS:
                    next += handshake.tlsEstablished()
                case .checkPlainCredentials:
                    next += handshake.plainCredentialsChecked(ok: !control.flag6)
                case .askConsent:
                    next += handshake.consent(granted: !control.flag7)
                case .consentGrantedNeedServerInit:
                    next += try handshake.serverInit(width: Self.width, height: Self.height, format: .native, name: "fuzz")
                case .completed:
                    session = ServerSession(framebufferWidth: Self.width, framebufferHeight: Self.height,
                                            pixelFormat: .native, viewOnly: true)
                case .fail:
                    closed = true
                }
            }
            if session == nil, !closed { next += try handshake.receive(&inbox) }
            pending = next
        }
    }
}
