public import NIOCore
import NIOPosix
import RFBTransport

/// The reverse connection (`request`): the requester's agent dials the expert's listening viewer
/// (like `vncviewer -listen`), so a requester behind NAT can be helped. It is still the RFB server.
public enum AgentDialer {
    /// Connects to `host:port` and runs `configuration` (which should have `reverse: true`).
    public static func connect(host: String, port: Int, configuration: AgentConfiguration,
                               group: any EventLoopGroup) async throws -> AgentSessionControl {
        try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try TCPKeepAlive.enable(on: channel)
                    try channel.pipeline.syncOperations.addHandler(AgentSessionHandler(configuration: configuration))
                }
            }
            .connect(host: host, port: port)
            .flatMapThrowing { channel in
                let handler = try channel.pipeline.syncOperations.handler(type: AgentSessionHandler.self)
                return AgentSessionControl(loop: channel.eventLoop, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop),
                                           channel: channel)
            }
            .get()
    }
}
