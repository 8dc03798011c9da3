public import NIOCore
import NIOPosix
public import RFBProtocol
public import RFBTransport
import Synchronization

/// The expert's listening viewer (`listen`): requesters' agents dial in. One session at a time: while
/// one runs, every other requester is refused as busy, with a reason it prints.
public final class ViewerListener: Sendable {
    public let localPort: Int
    private let serverChannel: any Channel
    private struct State {
        var active: ViewerClient?
        var busy = false
    }
    private let state = Mutex(State())

    private init(channel: any Channel) {
        serverChannel = channel
        localPort = channel.localAddress?.port ?? 0
    }

    /// Listens on `host:port`. `decide` is asked for each request while not busy (the expert's y/N).
    /// `configuration` is used per connection with its `answerRequest` replaced.
    public static func start(host: String, port: Int, configuration: ViewerConfiguration, busyText: String,
                             decide: @escaping @Sendable (TrustedPeer?, @escaping @Sendable (RequestAnswer) -> Void) -> Void,
                             group: any EventLoopGroup) async throws -> ViewerListener {
        let holder = Mutex<ViewerListener?>(nil)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 8)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try TCPKeepAlive.enable(on: channel)
                    var perConnection = configuration
                    // A connection refused as busy stays out of the events of the session being watched.
                    let refusedAsBusy = Mutex(false)
                    let events = configuration.events
                    perConnection.events = { event in
                        if !refusedAsBusy.withLock({ $0 }) { events(event) }
                    }
                    perConnection.answerRequest = { peer, answer in
                        guard let listener = holder.withLock({ $0 }) else { return answer(.refused(.error, "not ready")) }
                        let claimed = listener.state.withLock { s -> Bool in
                            guard !s.busy else { return false }
                            s.busy = true
                            return true
                        }
                        guard claimed else {
                            refusedAsBusy.withLock { $0 = true }
                            return answer(.refused(.busy, busyText))
                        }
                        decide(peer) { verdict in
                            if !verdict.isAccepted { listener.state.withLock { $0.busy = false; $0.active = nil } }
                            answer(verdict)
                        }
                    }
                    let handler = ViewerSessionHandler(configuration: perConnection)
                    try channel.pipeline.syncOperations.addHandler(handler)
                    let client = ViewerClient(handler: NIOLoopBound(handler, eventLoop: channel.eventLoop), channel: channel)
                    channel.closeFuture.whenComplete { _ in
                        holder.withLock { listener in
                            listener?.state.withLock { s in
                                if s.active?.channel === channel { s.active = nil; s.busy = false }
                            }
                        }
                    }
                    holder.withLock { listener in
                        listener?.state.withLock { s in if s.active == nil { s.active = client } }
                    }
                }
            }
            .bind(host: host, port: port).get()
        let listener = ViewerListener(channel: channel)
        holder.withLock { $0 = listener }
        return listener
    }

    /// The session being answered or watched, if any.
    public var session: ViewerClient? { state.withLock { $0.active } }

    public func close() async {
        try? await serverChannel.close()
    }
}
