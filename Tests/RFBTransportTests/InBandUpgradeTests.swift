import NIOCore
import NIOPosix
import NIOSSL
import RFBTransport
import XCTest

/// Server side of a VeNCrypt-like exchange: plaintext request, plaintext "OK", then TLS is added to the
/// live pipeline; once the peer is verified (TLSPeerVerifiedEvent) it sends a greeting through TLS.
private final class UpgradingServer: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let setup: TLSSetup.Server
    let peer: EventLoopPromise<TrustedPeer?>
    let event: EventLoopPromise<TLSPeerVerifiedEvent>
    var upgraded = false

    init(setup: TLSSetup.Server, peer: EventLoopPromise<TrustedPeer?>, event: EventLoopPromise<TLSPeerVerifiedEvent>) {
        self.setup = setup
        self.peer = peer
        self.event = event
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard !upgraded, buffer.readString(length: buffer.readableBytes) == "TLS?" else { return }
        upgraded = true
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "OK")), promise: nil)
        do {
            let handlers = setup.makeHandlers(on: context.eventLoop)
            try handlers.add(to: context.pipeline.syncOperations, position: .first)
            handlers.peer.cascade(to: peer)
        } catch {
            peer.fail(error)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let verified = event as? TLSPeerVerifiedEvent {
            self.event.succeed(verified)
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "hello over TLS")), promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}

private final class UpgradingClient: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let setup: TLSSetup.Client
    let peer: EventLoopPromise<TrustedPeer?>
    let received: EventLoopPromise<String>
    var upgraded = false
    var text = ""

    init(setup: TLSSetup.Client, peer: EventLoopPromise<TrustedPeer?>, received: EventLoopPromise<String>) {
        self.setup = setup
        self.peer = peer
        self.received = received
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "TLS?")), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let chunk = buffer.readString(length: buffer.readableBytes) ?? ""
        if !upgraded {
            guard chunk == "OK" else { return received.fail(HandshakeTimeout()) }
            upgraded = true
            do {
                let handlers = try setup.makeHandlers(on: context.eventLoop)
                try handlers.add(to: context.pipeline.syncOperations, position: .first)
                handlers.peer.cascade(to: peer)
            } catch {
                peer.fail(error)
            }
            return
        }
        text += chunk
        if text.utf8.count >= 14 { received.succeed(text) }
    }
}

final class InBandUpgradeTests: XCTestCase {
    func testTLSAddedToLivePipelineAfterPlaintextExchange() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let alice = try Identity.loadOrCreate(directory: temp.path + "/alice", name: "alice")
        let bob = try Identity.loadOrCreate(directory: temp.path + "/bob", name: "bob")
        let serverSetup = try TLSSetup.Server(
            credentials: TLSCredentials(identity: alice),
            clientCertificates: .required(TrustedPeers(fingerprint: bob.fingerprint, name: "bob")))
        let clientSetup = try TLSSetup.Client(
            credentials: TLSCredentials(identity: bob), trustedServers: TrustedPeers(fingerprint: alice.fingerprint, name: "alice"))

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let serverPeer = loop.makePromise(of: TrustedPeer?.self)
        let serverEvent = loop.makePromise(of: TLSPeerVerifiedEvent.self)
        let clientPeer = loop.makePromise(of: TrustedPeer?.self)
        let received = loop.makePromise(of: String.self)
        loop.scheduleTask(in: .seconds(20)) {
            for promise in [serverPeer, clientPeer] { promise.fail(HandshakeTimeout()) }
            serverEvent.fail(HandshakeTimeout())
            received.fail(HandshakeTimeout())
        }

        let listener = try ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        UpgradingServer(setup: serverSetup, peer: serverPeer, event: serverEvent))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        defer { try? listener.close().wait() }
        let port = try XCTUnwrap(listener.localAddress?.port)
        let client = try ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        UpgradingClient(setup: clientSetup, peer: clientPeer, received: received))
                }
            }
            .connect(host: "127.0.0.1", port: port).wait()
        defer { try? client.close().wait() }

        XCTAssertEqual(try serverPeer.futureResult.wait(), TrustedPeer(name: "bob", fingerprint: bob.fingerprint))
        XCTAssertEqual(try serverEvent.futureResult.wait(),
                       TLSPeerVerifiedEvent(peer: TrustedPeer(name: "bob", fingerprint: bob.fingerprint)))
        XCTAssertEqual(try clientPeer.futureResult.wait(), TrustedPeer(name: "alice", fingerprint: alice.fingerprint))
        XCTAssertEqual(try received.futureResult.wait(), "hello over TLS")
    }
}
