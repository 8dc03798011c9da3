public import NIOCore

/// A TLS handler and the ``PeerVerificationHandler`` that must follow it, plus the future of the verified
/// peer. For the VeNCrypt in-band upgrade, add them at the front of the live pipeline once the sub-type
/// is agreed; the handshake starts as soon as the TLS handler is added to an active channel.
public struct PinnedTLSHandlers<TLSHandler: ChannelHandler> {
    public let tls: TLSHandler
    public let verification: PeerVerificationHandler

    init(tls: TLSHandler, verification: PeerVerification, eventLoop: any EventLoop) {
        self.tls = tls
        self.verification = PeerVerificationHandler(verification: verification, promise: eventLoop.makePromise())
    }

    /// The verified peer: its contact name and fingerprint (nil on a server that requested no client
    /// certificate). Fails with ``TLSPeerError`` or the TLS error if the handshake does not succeed.
    public var peer: EventLoopFuture<TrustedPeer?> { verification.peer }

    /// Adds the TLS handler at `position` and the verification handler right after it. Call on the
    /// channel's event loop.
    public func add(to pipeline: ChannelPipeline.SynchronousOperations,
                    position: ChannelPipeline.SynchronousOperations.Position = .first) throws {
        try pipeline.addHandler(tls, position: position)
        try pipeline.addHandler(verification, position: ChannelPipeline.SynchronousOperations.Position.after(tls))
    }
}
