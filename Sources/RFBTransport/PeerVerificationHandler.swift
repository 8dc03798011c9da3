public import NIOCore
import NIOTLS

/// Fired inbound after the TLS handshake, once the peer is verified. `peer` is nil only on a server that
/// did not ask for a client certificate (X509Plain).
public struct TLSPeerVerifiedEvent: Sendable, Equatable {
    public let peer: TrustedPeer?

    public init(peer: TrustedPeer?) {
        self.peer = peer
    }
}

/// Sits right after the TLS handler and turns the handshake's outcome into ``peer`` (a future) and a
/// ``TLSPeerVerifiedEvent``. The future fails with ``TLSPeerError/untrustedCertificate(_:)`` (or
/// ``TLSPeerError/differentCertificate(presented:expected:)``) when the pin check refused the peer, with the TLS error for other handshake failures, and with
/// ``TLSPeerError/closedBeforeHandshake`` if the channel closes first. Bytes pass through untouched.
public final class PeerVerificationHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer

    private let verification: PeerVerification
    private let promise: EventLoopPromise<TrustedPeer?>
    private var finished = false

    init(verification: PeerVerification, promise: EventLoopPromise<TrustedPeer?>) {
        self.verification = verification
        self.promise = promise
    }

    /// The verified peer, known when the handshake completes.
    public var peer: EventLoopFuture<TrustedPeer?> { promise.futureResult }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        guard let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent, !finished else { return }
        if verification.requiresCertificate && verification.matched == nil {
            finish(.failure(TLSPeerError.noCertificate))
            context.close(promise: nil)
            return
        }
        finish(.success(verification.matched))
        context.fireUserInboundEventTriggered(TLSPeerVerifiedEvent(peer: verification.matched))
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let rejection = verification.rejection {
            finish(.failure(rejection))
        } else {
            finish(.failure(error))
        }
        context.fireErrorCaught(error)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(verification.rejection ?? TLSPeerError.closedBeforeHandshake))
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        finish(.failure(TLSPeerError.closedBeforeHandshake))
    }

    private func finish(_ result: Result<TrustedPeer?, any Error>) {
        guard !finished else { return }
        finished = true
        promise.completeWith(result)
    }
}

@available(*, unavailable)
extension PeerVerificationHandler: Sendable {}
