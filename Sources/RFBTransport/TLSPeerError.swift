/// Why a TLS peer was not accepted.
public enum TLSPeerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The peer's certificate is not among the trusted fingerprints.
    case untrustedCertificate(Fingerprint)
    /// The peer presented no certificate although one is required.
    case noCertificate
    /// The connection closed (or the handler was removed) before the handshake finished.
    case closedBeforeHandshake

    public var description: String {
        switch self {
        case .untrustedCertificate(let fingerprint):
            return "the other side's certificate \(fingerprint) is not one of your contacts"
        case .noCertificate:
            return "the other side presented no certificate"
        case .closedBeforeHandshake:
            return "the connection closed before the TLS handshake finished"
        }
    }
}
