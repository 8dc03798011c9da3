#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// What went wrong with a connection, as a person can act on it. Library errors (NIO, BoringSSL,
/// errno) are sorted into these; their own text is shown only with `--debug`.
public enum ConnectionFailure: Equatable, Sendable {
    /// Nothing listens at the address (ECONNREFUSED).
    case refused
    /// No answer in time (connect timeout, ETIMEDOUT).
    case timedOut
    /// No route to the address.
    case unreachable
    /// The host name does not resolve.
    case unknownHost
    /// bind: the port is taken.
    case addressInUse
    /// bind: a port below 1024 needs privileges.
    case portNeedsPrivileges
    /// bind: the address is not one of this machine's.
    case addressNotHere
    /// The other side refused our certificate: we are not one of their contacts.
    case ourCertificateRefused
    /// Their certificate is not one of our contacts.
    case theirCertificateUntrusted(Fingerprint)
    /// Their certificate is not the one expected of them (which groups differ: ``TLSPeerError``).
    case certificateMismatch(String)
    /// One side speaks only TLS older than 1.3.
    case tlsVersion
    /// The other side's TLS or certificate failed in another way.
    case tlsFailed
    /// The connection was reset (ECONNRESET, EPIPE).
    case reset
    /// Cut without a TLS goodbye: the other process was killed or the network failed.
    case cutOff
    /// Anything else.
    case other

    /// Sorts an error thrown by NIO, NIOSSL or our TLS handlers.
    public static func classify(_ error: any Error) -> ConnectionFailure {
        if let peer = error as? TLSPeerError {
            switch peer {
            case .untrustedCertificate(let fingerprint): return .theirCertificateUntrusted(fingerprint)
            case .differentCertificate: return .certificateMismatch("\(peer)")
            case .noCertificate: return .ourCertificateRefused
            case .closedBeforeHandshake: return .cutOff
            }
        }
        if let connect = error as? NIOConnectionError {
            if connect.dnsAError != nil || connect.dnsAAAAError != nil, connect.connectionErrors.isEmpty { return .unknownHost }
            let inner = connect.connectionErrors.map { classify($0.error) }
            if inner.contains(.refused) { return .refused }
            return inner.first ?? .unknownHost
        }
        if let channel = error as? ChannelError {
            switch channel {
            case .connectTimeout: return .timedOut
            case .ioOnClosedChannel, .alreadyClosed, .eof, .outputClosed, .inputClosed: return .reset
            default: return .other
            }
        }
        if let ssl = error as? NIOSSLError {
            if case .uncleanShutdown = ssl { return .cutOff }
            return classifyTLS("\(ssl)")
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return .refused
            case ETIMEDOUT: return .timedOut
            case EHOSTUNREACH, ENETUNREACH, ENETDOWN, EHOSTDOWN: return .unreachable
            case EADDRINUSE: return .addressInUse
            case EACCES: return .portNeedsPrivileges
            case EADDRNOTAVAIL: return .addressNotHere
            case ECONNRESET, EPIPE: return .reset
            default: return .other
            }
        }
        if error is SocketAddressError { return .unknownHost }
        let text = "\(error)"
        if text.contains("SSL") || text.contains("TLS") { return classifyTLS(text) }
        return .other
    }

    /// BoringSSL reports TLS alerts only as text ("…:SSLV3_ALERT_CERTIFICATE_UNKNOWN").
    private static func classifyTLS(_ text: String) -> ConnectionFailure {
        if text.contains("CERTIFICATE_UNKNOWN") || text.contains("BAD_CERTIFICATE") || text.contains("CERTIFICATE_REQUIRED")
            || text.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") {
            return .ourCertificateRefused
        }
        if text.contains("PROTOCOL_VERSION") || text.contains("UNSUPPORTED_PROTOCOL") { return .tlsVersion }
        return .tlsFailed
    }

    /// The cause in words, about "the other side" (callers that know the name say it themselves).
    public var plain: String {
        switch self {
        case .refused: return "nothing is listening there"
        case .timedOut: return "the other side stopped answering (the network was lost, or a firewall drops the connection)"
        case .unreachable: return "the network is unreachable"
        case .unknownHost: return "the host name is not known"
        case .addressInUse: return "the port is in use"
        case .portNeedsPrivileges: return "ports below 1024 need administrator rights"
        case .addressNotHere: return "that address is not one of this machine's"
        case .ourCertificateRefused: return "the other side does not have you as a contact (your certificate was refused)"
        case .theirCertificateUntrusted(let fingerprint): return "their certificate (\(fingerprint)) is not one of your contacts"
        case .certificateMismatch(let text): return text
        case .tlsVersion: return "the other side's TLS is older than 1.3, which remote-assist requires"
        case .tlsFailed: return "the secure connection (TLS) could not be set up"
        case .reset: return "the connection was reset by the other side"
        case .cutOff: return "the connection was cut without a goodbye (the other side was killed or the network failed)"
        case .other: return "the connection failed"
        }
    }
}

/// Connection errors in words a person understands, for "session ended: …" lines: the cause, and the
/// library's own text only when details are asked for (`--debug`).
public enum ConnectionErrorText {
    private static let details = Atomic<Bool>(false)

    /// Set once at start by `--debug`: every error text then ends with the library's own words.
    public static func showDetails(_ on: Bool) { details.store(on, ordering: .relaxed) }
    public static var detailsShown: Bool { details.load(ordering: .relaxed) }

    public static func describe(_ error: any Error) -> String {
        ConnectionFailure.classify(error).plain + detail(error)
    }

    /// " [debug: …]" with `--debug`, else nothing.
    public static func detail(_ error: any Error) -> String {
        detailsShown ? " [debug: \(error)]" : ""
    }
}
