import NIOCore
import NIOPosix
import NIOSSL
import RFBTransport
import XCTest

struct HandshakeTimeout: Error {}

/// Records the first error seen on a channel (for a raw NIOSSL client that has no verification handler).
final class ErrorRecorder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let error: EventLoopPromise<any Error>
    init(_ promise: EventLoopPromise<any Error>) { error = promise }
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.error.succeed(error)
        context.fireErrorCaught(error)
    }
}

/// Collects every decrypted byte read and completes once `expected` bytes arrived.
final class ByteCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private var bytes: [UInt8] = []
    let expected: Int
    let done: EventLoopPromise<[UInt8]>
    init(expected: Int, done: EventLoopPromise<[UInt8]>) {
        self.expected = expected
        self.done = done
    }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        bytes += buffer.readBytes(length: buffer.readableBytes) ?? []
        if bytes.count >= expected { done.succeed(bytes) }
    }
}

/// A real TCP listener on 127.0.0.1 (ephemeral port) whose connections get `server`'s TLS handlers.
struct TLSTestRun {
    let group: MultiThreadedEventLoopGroup
    let listener: any Channel
    let serverPeer: EventLoopPromise<TrustedPeer?>

    init(server: TLSSetup.Server) throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let serverPeer = group.next().makePromise(of: TrustedPeer?.self)
        self.serverPeer = serverPeer
        listener = try ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handlers = server.makeHandlers(on: channel.eventLoop)
                    try handlers.add(to: channel.pipeline.syncOperations)
                    handlers.peer.cascade(to: serverPeer)
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        group.next().scheduleTask(in: .seconds(20)) { serverPeer.fail(HandshakeTimeout()) }
    }

    var port: Int {
        get throws { try XCTUnwrap(listener.localAddress?.port) }
    }

    /// Connects a client whose pipeline is set up by `install`, returning the channel and the client's result.
    func connect(
        _ install: @escaping @Sendable (any Channel) throws -> EventLoopFuture<TrustedPeer?>
    ) throws -> (channel: any Channel, peer: EventLoopFuture<TrustedPeer?>) {
        let clientPeer = group.next().makePromise(of: TrustedPeer?.self)
        let channel = try ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try install(channel).cascade(to: clientPeer) }
            }
            .connect(host: "127.0.0.1", port: try port).wait()
        group.next().scheduleTask(in: .seconds(20)) { clientPeer.fail(HandshakeTimeout()) }
        return (channel, clientPeer.futureResult)
    }

    /// Connects a client made by `TLSSetup.Client`.
    func connect(client: TLSSetup.Client, serverHostname: String? = nil) throws
        -> (channel: any Channel, peer: EventLoopFuture<TrustedPeer?>)
    {
        try connect { channel in
            let handlers = try client.makeHandlers(serverHostname: serverHostname, on: channel.eventLoop)
            try handlers.add(to: channel.pipeline.syncOperations)
            return handlers.peer
        }
    }

    /// Waits until `channel` is closed (by the peer); false if it is still open after 20 seconds.
    func closedByPeer(_ channel: any Channel) -> Bool {
        let closed = group.next().makePromise(of: Bool.self)
        channel.closeFuture.whenComplete { _ in closed.succeed(true) }
        group.next().scheduleTask(in: .seconds(20)) { closed.succeed(false) }
        return (try? closed.futureResult.wait()) ?? false
    }

    func shutdown() {
        try? listener.close().wait()
        try? group.syncShutdownGracefully()
    }
}

func result<T: Sendable>(_ future: EventLoopFuture<T>) -> Result<T, any Error> {
    Result { try future.wait() }
}
