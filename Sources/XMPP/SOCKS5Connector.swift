public import NIOCore
import NIOPosix

/// The client side of SOCKS5 for XEP-0065 on NIO: connects to a proxy, writes the greeting and then the
/// CONNECT request each as one whole write, checks the replies, and hands over the channel, its SOCKS
/// handler removed, with any bytes that came after the reply.
public enum SOCKS5Connector {
    /// The channel comes back with **autoRead off** and an empty pipeline: nothing is read (so nothing is
    /// lost) until the caller has added its handlers and then sets `ChannelOptions.autoRead` to true (or
    /// calls `read()`). Bytes that arrived with the reply, or in the same read loop after it, are in
    /// `leftover`; they come before anything the channel reads later.
    public static func connect(host: String, port: Int, address: String, timeout: TimeAmount = .seconds(10),
                               group: (any EventLoopGroup)? = nil) async throws -> (channel: any Channel, leftover: [UInt8]) {
        let loop = (group ?? MultiThreadedEventLoopGroup.singleton).next()
        let done = loop.makePromise(of: Void.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(SOCKS5ClientHandler(address: address, done: done))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            done.fail(XMPPError.connectionFailed("the bytestream proxy \(host):\(port): \(error)"))
            throw XMPPError.connectionFailed("the bytestream proxy \(host):\(port): \(error)")
        }
        let timer = loop.scheduleTask(in: timeout) {
            done.fail(XMPPError.timeout("the bytestream proxy's SOCKS5 reply"))
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            try await done.futureResult.get()
            // Reads are off now; whatever the read loop still delivered is in the handler.
            let leftover = try await loop.submit {
                let handler = try channel.pipeline.syncOperations.handler(type: SOCKS5ClientHandler.self)
                let bytes = handler.takeLeftover()
                channel.pipeline.syncOperations.removeHandler(handler, promise: nil)
                return bytes
            }.get()
            return (channel, leftover)
        } catch {
            try? await channel.close()
            throw error
        }
    }
}

/// Bounds the bytes kept between the reply and the handover (a few read buffers at most in practice).
let maximumLeftoverBytes = 1 << 20

final class SOCKS5ClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let address: String
    private let done: EventLoopPromise<Void>
    private var received: [UInt8] = []
    private var leftover: [UInt8] = []
    private var selected = false
    private var finished = false

    init(address: String, done: EventLoopPromise<Void>) {
        self.address = address
        self.done = done
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: SOCKS5Bytestream.greeting)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else {
            // After the reply, until the connector removes us: the rest of this read loop.
            if leftover.count <= maximumLeftoverBytes { leftover += unwrapInboundIn(data).readableBytesView }
            return
        }
        received += unwrapInboundIn(data).readableBytesView
        do {
            if !selected {
                guard let n = try SOCKS5Bytestream.parseMethodSelection(received) else { return }
                received.removeFirst(n)
                selected = true
                guard received.isEmpty else { throw SOCKS5Bytestream.Failure.malformed("bytes before the CONNECT reply") }
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(
                    bytes: SOCKS5Bytestream.connectRequest(address: address))), promise: nil)
                return
            }
            guard let n = try SOCKS5Bytestream.parseConnectReply(received) else {
                if received.count > 262 { throw SOCKS5Bytestream.Failure.malformed("reply too long") }
                return
            }
            finished = true
            leftover = Array(received[n...])
            received = []
            // Reads stop after this read loop; the connector takes `leftover` and removes us.
            try context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false)
            done.succeed(())
        } catch {
            finished = true
            done.fail(XMPPError.connectionFailed("\(error)"))
            context.close(promise: nil)
        }
    }

    /// The bytes after the reply (at most `maximumLeftoverBytes` plus one read; the read loop reads at most
    /// a few buffers before it sees autoRead off).
    func takeLeftover() -> [UInt8] {
        defer { leftover = [] }
        return leftover
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !finished {
            finished = true
            done.fail(XMPPError.connectionFailed("the bytestream proxy closed the connection"))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !finished {
            finished = true
            done.fail(XMPPError.connectionFailed("the bytestream proxy: \(error)"))
        }
        context.close(promise: nil)
    }
}
