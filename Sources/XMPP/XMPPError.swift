/// One clear reason an XMPP connection failed or ended.
public enum XMPPError: Error, Equatable, Sendable, CustomStringConvertible {
    case connectionFailed(String)
    case startTLSUnavailable
    case untrustedCertificate(String)
    case tlsFailed(String)
    case authenticationFailed(String)
    case noSupportedMechanism([String])
    case streamError(String)
    case protocolViolation(String)
    case timeout(String)
    case closed
    case iqError(String)
    /// The application read `stanzas` too slowly: this many were waiting (`XMPPLimits.maximumQueuedStanzas`).
    case fellBehind(Int)
    /// The server's SOCKS5 proxy could not be reached, or refused to connect the two sides.
    case relayRefused(String)

    public var description: String {
        switch self {
        case .connectionFailed(let why): return "cannot reach the XMPP server: \(why)"
        case .startTLSUnavailable: return "the XMPP server does not offer STARTTLS (refused: never without TLS)"
        case .untrustedCertificate(let why): return "the XMPP server's certificate is not trusted: \(why)"
        case .tlsFailed(let why): return "TLS with the XMPP server failed: \(why)"
        case .authenticationFailed(let why): return "the XMPP server refused the login: \(why)"
        case .noSupportedMechanism(let offered): return "the XMPP server offers no login method we accept (offered: \(offered.joined(separator: ", ").prefix(200)))"
        case .streamError(let why): return "the XMPP server ended the stream: \(why)"
        case .protocolViolation(let why): return "the XMPP server broke the protocol: \(why)"
        case .timeout(let what): return "no answer from the XMPP server in time (\(what))"
        case .closed: return "the connection to the XMPP server is closed"
        case .iqError(let why): return "the XMPP server answered with an error: \(why)"
        case .relayRefused(let why): return "the XMPP server's relay refused the stream: \(why)"
        case .fellBehind(let count): return "closed the XMPP connection: \(count) incoming stanzas were waiting unread"
        }
    }
}
