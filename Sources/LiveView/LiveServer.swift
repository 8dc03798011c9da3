public import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization
public import Viewer

/// What a page server needs from its front-end: the first messages for a page that connects (state,
/// transcript) and what to do with the page's commands.
public protocol PageDelegate: AnyObject, Sendable {
    func welcome() -> [String]
    func received(_ command: PageCommand)
}

/// The local page server: HTTP for the page's files and a WebSocket for the frame feed and the chat,
/// on 127.0.0.1 only, at a random port, behind ``PageGate``.
public final class LiveServer: Sendable {
    public let port: Int
    /// The URL to open, with its one-time token.
    public let url: String
    let channel: any Channel
    let shared: LiveShared

    /// Pages open at once, at most.
    public static let maximumPages = 4
    /// Connections (HTTP or WebSocket) open at once, at most.
    public static let maximumConnections = 32
    /// A connection must finish its request (or become a page's WebSocket) within this time; otherwise
    /// it is closed, so another local process cannot hold every place with silent connections.
    public static let requestTimeout = TimeAmount.seconds(10)

    /// Starts serving on 127.0.0.1 at a port the system chooses. `assets`: path to file.
    public static func start(group: any EventLoopGroup, assets: PageAssets) async throws -> LiveServer {
        let shared = LiveShared(assets: assets)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 32)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard shared.admit() else { throw ChannelError.ioOnClosedChannel }
                    channel.closeFuture.whenComplete { _ in shared.left() }
                    try Self.configure(channel, shared: shared)
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            throw ChannelError.unknownLocalAddress
        }
        let gate = PageGate(port: port)
        shared.gate.withLock { $0 = gate }
        return LiveServer(port: port, url: gate.url, channel: channel, shared: shared)
    }

    init(port: Int, url: String, channel: any Channel, shared: LiveShared) {
        self.port = port
        self.url = url
        self.channel = channel
        self.shared = shared
    }

    static func configure(_ channel: any Channel, shared: LiveShared) throws {
        let http = PageHTTPHandler(shared: shared)
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: PageCommand.maximumBytes, automaticErrorHandling: true,
            shouldUpgrade: { channel, head in
                let headers = head.headers.map { ($0.name, $0.value) }
                let decision = shared.decide(method: head.method.rawValue, uri: head.uri, headers: headers, upgrade: true)
                guard decision == .upgrade, shared.pageCount < maximumPages else {
                    return channel.eventLoop.makeSucceededFuture(nil)
                }
                return channel.eventLoop.makeSucceededFuture(PageHTTPHandler.securityHeaders())
            },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FeedSocketHandler(shared: shared))
                }
            })
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { context in
                context.pipeline.removeHandler(name: "page-http", promise: nil)
            }))
        try channel.pipeline.syncOperations.addHandler(http, name: "page-http")
    }

    /// The delegate that feeds pages their first messages and takes their commands.
    public func attach(_ delegate: any PageDelegate) { shared.delegate.withLock { $0 = delegate } }

    /// A finished update of the viewer: every page gets it (coalesced per page).
    public func publish(_ picture: LivePicture) { shared.publish(picture) }

    /// A JSON text message for every page.
    public func send(_ text: String) { shared.send(text) }

    /// Pages connected now.
    public var pages: Int { shared.pageCount }

    /// Bytes of feed messages sent to pages so far.
    public var bytesSent: Int { shared.counters.withLock { $0.bytes } }

    public func close() async {
        await shared.closePages()
        try? await channel.close()
    }
}

/// The state the server's connections share.
final class LiveShared: Sendable {
    let assets: PageAssets
    let gate = Mutex<PageGate?>(nil)
    let delegate = Mutex<(any PageDelegate)?>(nil)
    struct Pages {
        var handlers: [ObjectIdentifier: NIOLoopBound<FeedSocketHandler>] = [:]
        var latest: LivePicture?
        var connections = 0
    }
    let pages = Mutex(Pages())
    struct Counters { var bytes = 0 }
    let counters = Mutex(Counters())

    init(assets: PageAssets) { self.assets = assets }

    func decide(method: String, uri: String, headers: [(String, String)], upgrade: Bool) -> PageGate.Decision {
        gate.withLock { g in
            guard var current = g else { return .refuse(status: 503, reason: "starting") }
            let decision = current.decide(method: method, uri: uri, headers: headers, upgrade: upgrade)
            g = current
            return decision
        }
    }

    func admit() -> Bool {
        pages.withLock { p in
            guard p.connections < LiveServer.maximumConnections else { return false }
            p.connections += 1
            return true
        }
    }

    func left() { pages.withLock { $0.connections -= 1 } }

    var pageCount: Int { pages.withLock { $0.handlers.count } }

    func register(_ handler: NIOLoopBound<FeedSocketHandler>, id: ObjectIdentifier) -> LivePicture? {
        pages.withLock { p in
            p.handlers[id] = handler
            return p.latest
        }
    }

    func unregister(_ id: ObjectIdentifier) { pages.withLock { _ = $0.handlers.removeValue(forKey: id) } }

    func publish(_ picture: LivePicture) {
        let handlers = pages.withLock { p in
            p.latest = picture
            return Array(p.handlers.values)
        }
        for handler in handlers {
            handler.eventLoop.execute { handler.value.picture(picture) }
        }
    }

    func send(_ text: String) {
        let handlers = pages.withLock { Array($0.handlers.values) }
        for handler in handlers {
            handler.eventLoop.execute { handler.value.text(text) }
        }
    }

    func closePages() async {
        let handlers = pages.withLock { Array($0.handlers.values) }
        for handler in handlers {
            try? await handler.eventLoop.submit { handler.value.close(code: .goingAway) }.get()
        }
    }

    func sent(_ bytes: Int) { counters.withLock { $0.bytes += bytes } }
}
