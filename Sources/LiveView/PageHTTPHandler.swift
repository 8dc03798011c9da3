import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Serves the page's files (GET only, behind ``PageGate``), one request per connection.
final class PageHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let shared: LiveShared
    private var answered = false
    private var deadline: Scheduled<Void>?

    init(shared: LiveShared) { self.shared = shared }

    /// A connection that sends no whole request in time is closed (the handler is removed when the
    /// connection becomes a WebSocket, which cancels this).
    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: LiveServer.requestTimeout) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { deadline?.cancel() }

    /// On every response: nobody may frame the page, load anything but its own files, or sniff types.
    static func securityHeaders() -> HTTPHeaders {
        HTTPHeaders([
            ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "no-referrer"),
            ("Cache-Control", "no-store"),
        ])
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data), !answered else { return }
        answered = true
        let headers = head.headers.map { ($0.name, $0.value) }
        // A WebSocket upgrade that reaches this handler was refused by the upgrader.
        if head.headers.contains(name: "upgrade") {
            let decision = shared.decide(method: head.method.rawValue, uri: head.uri, headers: headers, upgrade: true)
            if case .refuse(let status, let reason) = decision { return respond(context, status: status, text: reason) }
            return respond(context, status: 403, text: "no WebSocket here")
        }
        switch shared.decide(method: head.method.rawValue, uri: head.uri, headers: headers, upgrade: false) {
        case .refuse(let status, let reason):
            respond(context, status: status, text: reason)
        case .exchange(let cookie):
            respond(context, status: 303, text: "", extra: [("Location", "/"), ("Set-Cookie", cookie)])
        case .upgrade:
            respond(context, status: 403, text: "no WebSocket here")
        case .serve(let path):
            guard let asset = shared.assets.file(path) else { return respond(context, status: 404, text: "not found") }
            respond(context, status: 200, body: asset.bytes, type: asset.type)
        }
    }

    private func respond(_ context: ChannelHandlerContext, status: Int, text: String, extra: [(String, String)] = []) {
        respond(context, status: status, body: Array((text.isEmpty ? "" : text + "\n").utf8), type: "text/plain; charset=utf-8", extra: extra)
    }

    private func respond(_ context: ChannelHandlerContext, status: Int, body: [UInt8], type: String, extra: [(String, String)] = []) {
        var headers = Self.securityHeaders()
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Content-Length", value: "\(body.count)")
        headers.add(name: "Connection", value: "close")
        for (name, value) in extra { headers.add(name: name, value: value) }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    /// A refused WebSocket upgrade (the gate said no, or too many pages) arrives here as an error of
    /// the upgrader: it gets a 403 like every other refusal.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is NIOWebSocketUpgradeError, !answered else { return context.close(promise: nil) }
        answered = true
        respond(context, status: 403, text: "refused: the feed needs this page's cookie and Origin, and at most \(LiveServer.maximumPages) pages")
    }
}
