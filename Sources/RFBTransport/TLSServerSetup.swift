public import NIOCore
public import NIOSSL

extension TLSSetup {
    /// The server side: one per listener, handlers per connection.
    public struct Server: Sendable {
        public let context: NIOSSLContext
        public let clientCertificates: ClientCertificates
        /// The fingerprint clients will see.
        public let fingerprint: Fingerprint

        public init(credentials: TLSCredentials, clientCertificates: ClientCertificates) throws {
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: credentials.certificateChain.map { .certificate($0) },
                privateKey: .privateKey(credentials.privateKey))
            TLSSetup.restrictVersions(&configuration)
            switch clientCertificates {
            case .required:
                // Ask for and require a client certificate; the callback decides whether it is trusted.
                configuration.certificateVerification = .noHostnameVerification
            case .notRequested:
                // No client certificate is requested at all (the password authenticates the client).
                configuration.certificateVerification = .none
            }
            self.context = try NIOSSLContext(configuration: configuration)
            self.clientCertificates = clientCertificates
            self.fingerprint = credentials.fingerprint
        }

        /// A TLS server handler with the pin check, and the handler reporting the verified client.
        /// Call on `eventLoop`, then add them with ``PinnedTLSHandlers/add(to:position:)``.
        public func makeHandlers(on eventLoop: any EventLoop) -> PinnedTLSHandlers<NIOSSLServerHandler> {
            switch clientCertificates {
            case .required(let trust):
                let verification = PeerVerification(trust: trust, requiresCertificate: true)
                return PinnedTLSHandlers(
                    tls: NIOSSLServerHandler(context: context, customVerificationCallback: verification.callback),
                    verification: verification, eventLoop: eventLoop)
            case .notRequested:
                let verification = PeerVerification(trust: TrustedPeers([]), requiresCertificate: false)
                return PinnedTLSHandlers(tls: NIOSSLServerHandler(context: context), verification: verification,
                                         eventLoop: eventLoop)
            }
        }
    }
}
