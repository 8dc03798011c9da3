public import NIOCore
import NIOPosix
import Synchronization
public import Pixels
public import RFBProtocol
public import RFBTransport

/// A viewer connection (`view HOST`): dial, run the session, and a thread-safe handle for the terminal.
public struct ViewerClient: Sendable {
    let handler: NIOLoopBound<ViewerSessionHandler>
    public let channel: any Channel

    /// Connects to `host:port` and starts the handshake.
    public static func connect(host: String, port: Int, configuration: ViewerConfiguration,
                               group: any EventLoopGroup) async throws -> ViewerClient {
        // Kept from the initializer: a connection refused at once (an untrusted agent) may have lost its
        // handler by the time `connect` completes, so it is not looked up in the pipeline afterwards.
        let made = Mutex<ViewerClient?>(nil)
        _ = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let client = try ViewerClient.install(on: channel, configuration: configuration)
                    made.withLock { $0 = client }
                }
            }
            .connect(host: host, port: port)
            .get()
        guard let client = made.withLock({ $0 }) else { throw ChannelError.inappropriateOperationForState }
        return client
    }

    /// Runs the viewer on a connection that is already open (a stream relayed by an XMPP server's SOCKS5
    /// proxy): the session starts at once. `leftover`: bytes the relay read past its own reply. The
    /// channel should have autoRead off until now; it is turned on once the session handler is in.
    public static func run(on channel: any Channel, leftover: [UInt8] = [], configuration: ViewerConfiguration) async throws -> ViewerClient {
        try await channel.eventLoop.submit {
            let client = try install(on: channel, configuration: configuration)
            OpenedChannel.begin(channel, leftover: leftover)
            return client
        }.get()
    }

    /// Adds the session handler to a new channel; with `sessionEvents` set, its events carry this client.
    static func install(on channel: any Channel, configuration: ViewerConfiguration) throws -> ViewerClient {
        var perConnection = configuration
        let me = Mutex<ViewerClient?>(nil)
        if let sessionEvents = configuration.sessionEvents {
            perConnection.events = { event in
                configuration.events(event)
                // Dropped at the end: the client holds the handler, which holds this closure.
                let client = me.withLock { c in
                    defer { if case .ended = event { c = nil } }
                    return c
                }
                if let client { sessionEvents(client, event) }
            }
        }
        let handler = ViewerSessionHandler(configuration: perConnection)
        try channel.pipeline.syncOperations.addHandler(handler)
        let client = ViewerClient(handler: NIOLoopBound(handler, eventLoop: channel.eventLoop), channel: channel)
        if configuration.sessionEvents != nil { me.withLock { $0 = client } }
        return client
    }

    /// Tells connections apart (for as long as the connection is open).
    public var connectionID: ObjectIdentifier { ObjectIdentifier(channel) }

    public func sendChat(_ text: String) {
        let handler = handler
        channel.eventLoop.execute { try? handler.value.sendChat(text) }
    }

    public func end(reason: SessionEnd.Reason, text: String) {
        let handler = handler
        channel.eventLoop.execute { handler.value.end(reason: reason, text: text) }
    }

    /// Offers a file to the agent (the client owns its descriptor from now on).
    public func offerFile(_ file: OutgoingFile) {
        let handler = handler
        channel.eventLoop.execute { handler.value.offerFile(file) }
    }

    public func acceptFile(_ id: UInt32) {
        let handler = handler
        channel.eventLoop.execute { handler.value.acceptFile(id) }
    }

    public func declineFile(_ id: UInt32, reason: String) {
        let handler = handler
        channel.eventLoop.execute { handler.value.declineFile(id, reason: reason) }
    }

    /// Stops this session's transfers and withdraws its open offers; returns how many.
    public func cancelFiles(reason: String) async -> Int {
        let handler = handler
        return (try? await channel.eventLoop.submit { handler.value.cancelFiles(reason: reason) }.get()) ?? 0
    }

    /// Writes a numbered snapshot now; returns its path (nil when nothing is shown yet or no folder).
    public func snapshot() async throws -> String? {
        let handler = handler
        return try await channel.eventLoop.submit { try handler.value.snapshot() }.get()
    }

    /// Pictures received and bytes read so far.
    public func statistics() async -> SessionStatistics {
        let handler = handler
        return (try? await channel.eventLoop.submit { handler.value.statistics }.get()) ?? SessionStatistics()
    }

    /// The current picture.
    public func framebuffer() async throws -> Framebuffer? {
        let handler = handler
        return try await channel.eventLoop.submit { handler.value.framebuffer }.get()
    }

    /// Completes when the connection is closed.
    public var closed: EventLoopFuture<Void> { channel.closeFuture }
}
