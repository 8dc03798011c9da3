public import NIOCore
import NIOPosix
public import RFBTransport
import Synchronization

/// The listening agent (`share`): every connection runs the handshake and asks for consent. Connections
/// that have not authenticated yet are capped (``AgentLimits``): over a cap a new one is closed at once,
/// with a logged reason. The terminal controls the sessions that started (the newest one for `session`).
public final class AgentServer: Sendable {
    public let localPort: Int
    private let serverChannel: any Channel
    private let connections: Connections

    private init(channel: any Channel, connections: Connections) {
        serverChannel = channel
        localPort = channel.localAddress?.port ?? 0
        self.connections = connections
    }

    /// Binds `host:port` (port 0: any free port) and serves `configuration`.
    public static func start(host: String, port: Int, configuration: AgentConfiguration,
                             admission: ConnectionAdmission = ConnectionAdmission(),
                             group: any EventLoopGroup) async throws -> AgentServer {
        let connections = Connections(admission: admission)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try connections.accept(channel, configuration: configuration)
                }
            }
            .bind(host: host, port: port).get()
        return AgentServer(channel: channel, connections: connections)
    }

    /// The newest session that started and is still open, if any.
    public var session: AgentSessionControl? { connections.sessions.last }

    /// Every session that started and is still open, oldest first.
    public var sessions: [AgentSessionControl] { connections.sessions }

    /// Connections counted against the caps now (accepted, not yet authenticated).
    public var unauthenticatedConnections: Int { connections.unauthenticated }

    public func close() async {
        try? await serverChannel.close()
    }
}

/// A connection refused at the door (over a cap); the channel is closed by the bootstrap.
struct ConnectionRefused: Error, CustomStringConvertible {
    let description: String
}

/// The per-connection bookkeeping of the listening agent: admission tickets and started sessions.
private final class Connections: Sendable {
    private struct State {
        var admission: ConnectionAdmission
        var sessions: [AgentSessionControl] = []
    }
    private let state: Mutex<State>

    init(admission: ConnectionAdmission) {
        state = Mutex(State(admission: admission))
    }

    var sessions: [AgentSessionControl] { state.withLock { $0.sessions } }
    var unauthenticated: Int { state.withLock { $0.admission.count } }

    /// Runs on the new channel's event loop, inside the child initializer.
    func accept(_ channel: any Channel, configuration: AgentConfiguration) throws {
        let address = channel.remoteAddress?.ipAddress ?? "?"
        let decision = state.withLock { $0.admission.admit(address: address) }
        guard case .admitted(let ticket) = decision else {
            let reason = if case .refused(let text) = decision { text } else { "refused" }
            configuration.events(.connectionClosed(remoteAddress: AddressText.describe(channel.remoteAddress),
                                                   reason: "refused at once: \(reason)"))
            throw ConnectionRefused(description: reason)
        }
        try TCPKeepAlive.enable(on: channel)
        let control = Mutex<AgentSessionControl?>(nil)
        var perConnection = configuration
        perConnection.events = { [self] event in
            // Taken before the end lets go of it: the end is the last event the session model must see.
            let current = control.withLock { $0 }
            switch event {
            case .consentAsked:
                release(ticket)
            case .sessionStarted:
                release(ticket)
                if let c = control.withLock({ $0 }) { state.withLock { $0.sessions.append(c) } }
            case .ended, .connectionClosed:
                release(ticket)
                forget(channel)
                control.withLock { $0 = nil }
            default:
                break
            }
            configuration.events(event)
            if let sessionEvents = configuration.sessionEvents, let current { sessionEvents(current, event) }
        }
        let handler = AgentSessionHandler(configuration: perConnection)
        try channel.pipeline.syncOperations.addHandler(handler)
        control.withLock {
            $0 = AgentSessionControl(loop: channel.eventLoop, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop),
                                     channel: channel)
        }
        // The control holds the handler, whose configuration holds this closure: drop it at the end, or
        // every connection's handler, channel and buffers stay in memory for good.
        channel.closeFuture.whenComplete { [self] _ in
            release(ticket)
            forget(channel)
            // After the close's own events (channelInactive reports the end with this control).
            channel.eventLoop.execute { control.withLock { $0 = nil } }
        }
    }

    private func release(_ ticket: ConnectionAdmission.Ticket) {
        state.withLock { $0.admission.release(ticket) }
    }

    private func forget(_ channel: any Channel) {
        state.withLock { $0.sessions.removeAll { $0.channel === channel } }
    }
}
