public import NIOCore
import NIOPosix
import RFBTransport
import Synchronization

/// The reverse connection (`request`): the requester's agent dials the expert's listening viewer
/// (like `vncviewer -listen`), so a requester behind NAT can be helped. It is still the RFB server.
public enum AgentDialer {
    /// Connects to `host:port` and runs `configuration` (which should have `reverse: true`).
    public static func connect(host: String, port: Int, configuration: AgentConfiguration,
                               group: any EventLoopGroup) async throws -> AgentSessionControl {
        let dialled = Mutex<AgentSessionControl?>(nil)
        _ = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try TCPKeepAlive.enable(on: channel)
                    let made = try attach(to: channel, configuration: configuration)
                    dialled.withLock { $0 = made }
                }
            }
            .connect(host: host, port: port)
            .get()
        // Kept from the initializer: a connection refused at once may have lost its handler by now.
        guard let made = dialled.withLock({ $0 }) else { throw ChannelError.inappropriateOperationForState }
        return made
    }

    /// Runs `configuration` on a connection that is already open (a stream relayed by an XMPP server's
    /// SOCKS5 proxy): the session starts at once. `leftover`: bytes the relay read past its own reply.
    /// The channel should have autoRead off until now; it is turned on once the session handler is in.
    public static func run(on channel: any Channel, leftover: [UInt8] = [], configuration: AgentConfiguration) async throws -> AgentSessionControl {
        try await channel.eventLoop.submit {
            let made = try attach(to: channel, configuration: configuration)
            OpenedChannel.begin(channel, leftover: leftover)
            return made
        }.get()
    }

    /// Adds the session handler to `channel` (on its event loop).
    private static func attach(to channel: any Channel, configuration: AgentConfiguration) throws -> AgentSessionControl {
        var perConnection = configuration
        let control = Mutex<AgentSessionControl?>(nil)
        if let sessionEvents = configuration.sessionEvents {
            perConnection.events = { event in
                configuration.events(event)
                // Dropped at the end: the control holds the handler, which holds this closure.
                let c = control.withLock { c in
                    defer { if case .ended = event { c = nil } else if case .connectionClosed = event { c = nil } }
                    return c
                }
                if let c { sessionEvents(c, event) }
            }
        }
        let handler = AgentSessionHandler(configuration: perConnection)
        try channel.pipeline.syncOperations.addHandler(handler)
        let made = AgentSessionControl(loop: channel.eventLoop, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop),
                                       channel: channel)
        control.withLock { $0 = made }
        return made
    }
}
