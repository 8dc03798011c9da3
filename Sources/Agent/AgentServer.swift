public import NIOCore
import NIOPosix
import RFBTransport
import Synchronization

/// The listening agent (`share`): every connection runs the handshake and asks for consent; one
/// session at a time is controlled from the terminal (the newest).
public final class AgentServer: Sendable {
    public let localPort: Int
    private let serverChannel: any Channel
    private let current = Mutex<AgentSessionControl?>(nil)

    private init(channel: any Channel) {
        serverChannel = channel
        localPort = channel.localAddress?.port ?? 0
    }

    /// Binds `host:port` (port 0: any free port) and serves `configuration`.
    public static func start(host: String, port: Int, configuration: AgentConfiguration,
                             group: any EventLoopGroup) async throws -> AgentServer {
        let holder = Mutex<AgentServer?>(nil)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try TCPKeepAlive.enable(on: channel)
                    let handler = AgentSessionHandler(configuration: configuration)
                    try channel.pipeline.syncOperations.addHandler(handler)
                    let control = AgentSessionControl(loop: channel.eventLoop,
                                                      handler: NIOLoopBound(handler, eventLoop: channel.eventLoop),
                                                      channel: channel)
                    holder.withLock { $0?.current.withLock { $0 = control } }
                }
            }
            .bind(host: host, port: port).get()
        let server = AgentServer(channel: channel)
        holder.withLock { $0 = server }
        return server
    }

    /// The newest connection's session, if any.
    public var session: AgentSessionControl? { current.withLock { $0 } }

    public func close() async {
        try? await serverChannel.close()
    }
}
