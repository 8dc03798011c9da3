#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
public import NIOCore
public import NIOSSL

extension TLSSetup {
    /// The client side: pins the server's certificate, and presents our certificate if the server asks.
    public struct Client: Sendable {
        public let context: NIOSSLContext
        public let trustedServers: TrustedPeers

        /// `credentials` is presented when the server requests a client certificate (X509None); pass nil
        /// to present none (X509Plain).
        public init(credentials: TLSCredentials?, trustedServers: TrustedPeers) throws {
            var configuration = TLSConfiguration.makeClientConfiguration()
            TLSSetup.restrictVersions(&configuration)
            // The server must present a certificate; the callback checks its fingerprint. Host names are not
            // checked: the pin is stronger than a name.
            configuration.certificateVerification = .noHostnameVerification
            if let credentials {
                configuration.certificateChain = credentials.certificateChain.map { .certificate($0) }
                configuration.privateKey = .privateKey(credentials.privateKey)
            }
            self.context = try NIOSSLContext(configuration: configuration)
            self.trustedServers = trustedServers
        }

        /// A TLS client handler with the pin check, and the handler reporting the verified server.
        /// `serverHostname` is sent as SNI unless it is an IP address (TLS forbids that); it is not used for
        /// trust. Call on `eventLoop`.
        public func makeHandlers(serverHostname: String? = nil, on eventLoop: any EventLoop) throws
            -> PinnedTLSHandlers<NIOSSLClientHandler>
        {
            let verification = PeerVerification(trust: trustedServers, requiresCertificate: true)
            let tls = try NIOSSLClientHandler(
                context: context, serverHostname: serverHostname.flatMap(Self.sniName),
                customVerificationCallback: verification.callback)
            return PinnedTLSHandlers(tls: tls, verification: verification, eventLoop: eventLoop)
        }

        /// The host name to send as SNI: nil for IPv4/IPv6 literals (with or without brackets).
        static func sniName(_ host: String) -> String? {
            var bare = host
            if bare.hasPrefix("[") && bare.hasSuffix("]") { bare = String(bare.dropFirst().dropLast()) }
            var v4 = in_addr()
            var v6 = in6_addr()
            if inet_pton(AF_INET, bare, &v4) == 1 || inet_pton(AF_INET6, bare, &v6) == 1 { return nil }
            return host.isEmpty ? nil : host
        }
    }
}
