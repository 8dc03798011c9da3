public import NIOSSL

/// TLS for VeNCrypt: TLS 1.3 only, our credentials, and trust decided by certificate pinning in the
/// custom verification callback (never by switching verification off). ``TLSSetup/Server`` and
/// ``TLSSetup/Client`` build the `NIOSSLContext` once and make handlers per connection, to be inserted
/// into a live pipeline when the VeNCrypt sub-type is agreed.
public enum TLSSetup {
    /// The only TLS version spoken, as both minimum and maximum.
    public static let version = TLSVersion.tlsv13

    /// What a server asks of clients.
    public enum ClientCertificates: Sendable {
        /// X509None: the client must present a certificate whose fingerprint is trusted (mutual TLS).
        case required(TrustedPeers)
        /// X509Plain: no client certificate is requested; the client authenticates with a one-time
        /// password inside TLS.
        case notRequested
    }

    static func restrictVersions(_ configuration: inout TLSConfiguration) {
        configuration.minimumTLSVersion = version
        configuration.maximumTLSVersion = version
        // Pinning replaces path building: no CA is trusted, and none is loaded from the system.
        configuration.trustRoots = .certificates([])
    }
}
