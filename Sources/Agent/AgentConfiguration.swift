public import NIOCore
public import Pixels
public import RFBTransport

/// How the agent lets viewers in.
public struct AgentSecurity: Sendable {
    /// VeNCrypt X509None: mutual TLS, the viewer's certificate must be a contact.
    public var mutualTLS: TLSSetup.Server?
    /// VeNCrypt X509Plain: TLS, then the one-time password (for stock viewers).
    public var passwordTLS: TLSSetup.Server?
    public var passwords: PasswordGate?
    /// Security type None: only for `--insecure-loopback` (the listener is then bound to 127.0.0.1).
    public var allowNone: Bool

    public init(mutualTLS: TLSSetup.Server? = nil, passwordTLS: TLSSetup.Server? = nil, passwords: PasswordGate? = nil,
                allowNone: Bool = false) {
        self.mutualTLS = mutualTLS
        self.passwordTLS = passwordTLS
        self.passwords = passwords
        self.allowNone = allowNone
    }
}

/// Who asks to see the screen, as shown to the requester before they decide.
public struct ConsentRequest: Sendable, Equatable {
    /// "alice (SHA256:…)", "a viewer with the one-time password", …
    public var viewer: String
    public var remoteAddress: String

    public init(viewer: String, remoteAddress: String) {
        self.viewer = viewer
        self.remoteAddress = remoteAddress
    }
}

/// What happens in an agent session, for the terminal, the status line and `--json`.
public enum AgentEvent: Sendable, Equatable {
    case connected(remoteAddress: String)
    case viewerVerified(String)
    case authenticationFailed(String)
    case consentAsked(ConsentRequest)
    case consentRefused(String)
    /// Reverse connections: the expert answered the request (nil: accepted).
    case requestAnswered(refusal: String?)
    case sessionStarted(viewer: String, width: Int, height: Int)
    case chat(String)
    /// The viewer does not speak our extensions (a stock VNC viewer): chat and pause notices are not
    /// sent to it (reported once a session, at the first line typed).
    case chatUnsupported
    /// A file offered, accepted, moving, stored, cancelled, … (`FileTransferLink`).
    case file(FileTransferEvent)
    /// The viewer does not speak our file transfer: a file could not be offered.
    case filesUnsupported(path: String)
    case resized(width: Int, height: Int)
    /// The session ended; `byViewer` tells who ended it.
    case ended(byViewer: Bool, reason: String)
    /// A connection closed before it became a session (refused at the door, handshake timeout, failed
    /// authentication, refused consent, bad bytes): one line for the log, the listening goes on.
    case connectionClosed(remoteAddress: String, reason: String)
}

/// The requester's answer to a consent request, given once: `decide(true)`, or `decide(false, reason:
/// "bob did not answer")` with the words the viewer is told (RFB 3.8 SecurityResult reason).
public struct ConsentReply: Sendable {
    private let deliver: @Sendable (Bool, String?) -> Void

    public init(_ deliver: @escaping @Sendable (_ granted: Bool, _ reason: String?) -> Void) {
        self.deliver = deliver
    }

    public func callAsFunction(_ granted: Bool, reason: String? = nil) { deliver(granted, reason) }
}

public struct AgentConfiguration: Sendable {
    public var security: AgentSecurity
    /// The desktop name sent in ServerInit.
    public var desktopName: String
    /// Opens the screen; called on the capture thread only after consent (once for every viewer that
    /// watches at the same time: they share `screen`). Setting it gives the configuration a new screen.
    public var makeSource: @Sendable () throws -> any ScreenSource {
        get { screen.makeSource }
        set { screen = SharedScreen(makeSource: newValue) }
    }
    /// The one capture of the screen that every connection served with this configuration (and its
    /// copies) shares.
    public private(set) var screen: SharedScreen
    /// Asks the requester; call `decide` exactly once, from any thread.
    public var consent: @Sendable (_ request: ConsentRequest, _ decide: ConsentReply) -> Void
    public var events: @Sendable (AgentEvent) -> Void
    /// The same events with the connection they belong to (for a session model that keeps one record a
    /// connection); set by whoever serves more than one connection.
    public var sessionEvents: (@Sendable (AgentSessionControl, AgentEvent) -> Void)?
    /// The handshake up to the choice of security, and for X509None on to the consent question, must
    /// finish within this time (``AgentLimits/handshakeTimeout``).
    public var handshakeTimeout: TimeAmount
    /// From the choice of VeNCrypt X509Plain to the one-time password, for a person at a stock viewer
    /// (``AgentLimits/passwordTimeout``).
    public var passwordTimeout: TimeAmount
    /// Coalescing window for damage before an update is built.
    public var deferMilliseconds: Int
    /// A reverse connection (`request`): wait for the expert's RequestAnswer after TLS, before consent.
    public var reverse: Bool
    /// How the other side's address is named in events, instead of the socket's peer address (a relayed
    /// stream's socket is connected to the relay, not to the person).
    public var remoteLabel: String? = nil
    /// How long the expert may take to answer a reverse request.
    public var answerTimeout: TimeAmount
    /// From consent to ServerInit (``AgentLimits/sessionStartTimeout``).
    public var sessionStartTimeout: TimeAmount
    /// Where files the viewer sends go, and how large they may be (no folder: offers are declined).
    public var files = FileReceiving(folder: nil)

    public init(security: AgentSecurity, desktopName: String,
                makeSource: @escaping @Sendable () throws -> any ScreenSource,
                consent: @escaping @Sendable (ConsentRequest, ConsentReply) -> Void,
                events: @escaping @Sendable (AgentEvent) -> Void = { _ in },
                handshakeTimeout: TimeAmount = AgentLimits.handshakeTimeout, deferMilliseconds: Int = 8, reverse: Bool = false,
                answerTimeout: TimeAmount = .seconds(120), sessionStartTimeout: TimeAmount = AgentLimits.sessionStartTimeout,
                passwordTimeout: TimeAmount = AgentLimits.passwordTimeout) {
        self.security = security
        self.desktopName = desktopName
        self.screen = SharedScreen(makeSource: makeSource)
        self.consent = consent
        self.events = events
        self.sessionEvents = nil
        self.handshakeTimeout = handshakeTimeout
        self.passwordTimeout = passwordTimeout
        self.deferMilliseconds = deferMilliseconds
        self.reverse = reverse
        self.answerTimeout = answerTimeout
        self.sessionStartTimeout = sessionStartTimeout
    }
}
