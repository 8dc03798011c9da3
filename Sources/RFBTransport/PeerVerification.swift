import NIOCore
import NIOSSL

/// The pinning check of one connection, shared by the TLS handler's custom verification callback and the
/// ``PeerVerificationHandler`` that reports its outcome. Lives on the connection's event loop.
final class PeerVerification {
    let trust: TrustedPeers
    /// Whether a successful handshake must have verified a certificate.
    let requiresCertificate: Bool
    private(set) var matched: TrustedPeer?
    private(set) var rejected: Fingerprint?

    init(trust: TrustedPeers, requiresCertificate: Bool) {
        self.trust = trust
        self.requiresCertificate = requiresCertificate
    }

    /// The callback for `NIOSSLServerHandler`/`NIOSSLClientHandler`: the leaf (first) certificate's
    /// SHA-256 must be trusted. Nothing else of BoringSSL's default verification applies: the pin is the trust.
    var callback: NIOSSLCustomVerificationCallback {
        { [self] certificates, promise in
            promise.succeed(self.verify(certificates))
        }
    }

    /// The error for the refused certificate, if one was refused: compared with the expected peer's
    /// fingerprint when the connection was meant for one peer.
    var rejection: TLSPeerError? {
        guard let rejected else { return nil }
        if let expected = trust.expected { return .differentCertificate(presented: rejected, expected: expected) }
        return .untrustedCertificate(rejected)
    }

    func verify(_ certificates: [NIOSSLCertificate]) -> NIOSSLVerificationResult {
        guard let leaf = certificates.first, let der = try? leaf.toDERBytes() else { return .failed }
        let fingerprint = Fingerprint(certificateDER: der)
        guard let peer = trust.match(fingerprint) else {
            rejected = fingerprint
            return .failed
        }
        matched = peer
        return .certificateVerified
    }
}
