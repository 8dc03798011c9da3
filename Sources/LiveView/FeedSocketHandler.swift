import Foundation
import NIOCore
import NIOWebSocket
import Viewer

/// One page's WebSocket: sends it the frame feed (coalesced: only when the socket can take more) and
/// the session's JSON messages; takes its commands, bounded in size (the frame decoder's limit) and
/// rate (``FeedSocketHandler/rate``).
final class FeedSocketHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let shared: LiveShared
    private var feed = LiveFeed()
    private var limit = RateLimit(perSecond: FeedSocketHandler.rate, burst: FeedSocketHandler.burst)
    private var context: ChannelHandlerContext?
    private var closing = false
    private let started = ContinuousClock.now

    /// Messages a second a page may send on average, and at once.
    static let rate = 20.0
    static let burst = 40.0

    init(shared: LiveShared) { self.shared = shared }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let latest = shared.register(bound, id: ObjectIdentifier(context.channel))
        for text in shared.delegate.withLock({ $0 })?.welcome() ?? [] { self.text(text) }
        if let latest { picture(latest) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        shared.unregister(ObjectIdentifier(context.channel))
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        shared.unregister(ObjectIdentifier(context.channel))
        context.fireChannelInactive()
    }

    func picture(_ picture: LivePicture) {
        feed.add(picture)
        pump()
    }

    /// Sends what changed while the socket takes more; otherwise waits for it to drain (and meanwhile
    /// newer pictures replace the ones not sent).
    private func pump() {
        guard let context, !closing, context.channel.isWritable, feed.hasPending else { return }
        var bytes = 0
        for message in feed.take() {
            let encoded = message.encoded()
            bytes += encoded.count
            context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: encoded))), promise: nil)
        }
        context.flush()
        shared.sent(bytes)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        pump()
        context.fireChannelWritabilityChanged()
    }

    func text(_ text: String) {
        guard let context, !closing else { return }
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text))), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            guard frame.fin else { return close(code: .policyViolation) }
            let seconds = (ContinuousClock.now - started) / .seconds(1)
            guard limit.allow(at: seconds) else { return close(code: .policyViolation) }
            var data = frame.unmaskedData
            guard let text = data.readString(length: data.readableBytes), let command = PageCommand.parse(text) else {
                return close(code: .unacceptableData)
            }
            shared.delegate.withLock { $0 }?.received(command)
        case .ping:
            guard frame.fin else { return close(code: .protocolError) }
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .pong:
            break
        case .connectionClose:
            close(code: .normalClosure)
        default:
            // Binary and continuation frames: the page sends neither.
            close(code: .unacceptableData)
        }
    }

    func close(code: WebSocketErrorCode) {
        guard let context, !closing else { return }
        closing = true
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)))
            .whenComplete { _ in channel.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}
