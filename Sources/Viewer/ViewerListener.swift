public import NIOCore
import NIOPosix
public import RFBProtocol
public import RFBTransport
import Synchronization

/// A requester's agent that dialled in and was verified (its certificate is a contact's, or unknown
/// with `--allow-new`): the expert decides on it.
public struct ViewerRequest: Sendable {
    public let peer: TrustedPeer?
    public let remoteAddress: String
    public let client: ViewerClient
}

/// What happened to connections that never became the session, for the log only.
public enum ListenerNotice: Sendable, Equatable {
    /// Over a connection cap: closed at once.
    case refusedAtDoor(remoteAddress: String, reason: String)
    /// Closed before its certificate was verified (a timeout, bad bytes, an untrusted certificate).
    case closedUnverified(remoteAddress: String, reason: String)
    /// Verified, but told the expert is busy with another request or session.
    case busy(requester: String, remoteAddress: String)
}

/// The expert's listening viewer (`listen`): requesters' agents dial in. A connection counts only once
/// its TLS peer is verified: before that it is held to the admission caps (``ConnectionAdmission``) and
/// a short time limit, and none of its events reach the session. One request or session at a time:
/// while one is decided on or watched, every other verified requester is refused as busy.
public final class ViewerListener: Sendable {
    /// The TCP port listened on; 0 when requests come only through an XMPP relay.
    public let localPort: Int
    private let serverChannel: (any Channel)?
    /// Runs a relayed connection through the same admission, verification and busy rule as one that
    /// dialled in (`adopt`).
    private let adoptOne: @Sendable (any Channel, _ remote: String, _ admissionKey: String) throws -> Void
    private struct State {
        var admission: ConnectionAdmission
        /// The request being decided on, or the session being watched.
        var active: ViewerClient?
    }
    /// Shared by the listener and every connection's closures.
    private final class Shared: Sendable {
        let lock: Mutex<State>
        init(_ admission: ConnectionAdmission) { lock = Mutex(State(admission: admission)) }
        func withLock<T>(_ body: (inout State) -> T) -> T { lock.withLock { body(&$0) } }
    }
    private let state: Shared

    private init(channel: (any Channel)?, state: Shared,
                 adoptOne: @escaping @Sendable (any Channel, String, String) throws -> Void) {
        serverChannel = channel
        localPort = channel?.localAddress?.port ?? 0
        self.state = state
        self.adoptOne = adoptOne
    }

    /// Listens on `host:port`. `decide` is asked for each verified request while not busy (the
    /// expert's y/N; call `answer` once, from any thread). After an acceptance, that connection's
    /// events go to `configuration.events` and `sessionEvents`; a request that goes away while it is
    /// decided on reports its `.ended` there too, so its question can be withdrawn.
    /// With `host` nil nothing is listened on: requests come only through `adopt` (an XMPP relay).
    public static func start(host: String?, port: Int, configuration: ViewerConfiguration, busyText: String,
                             admission: ConnectionAdmission = ConnectionAdmission(),
                             decide: @escaping @Sendable (ViewerRequest, @escaping @Sendable (RequestAnswer) -> Void) -> Void,
                             notices: @escaping @Sendable (ListenerNotice) -> Void = { _ in },
                             group: any EventLoopGroup) async throws -> ViewerListener {
        let state = Shared(admission)
        let adoptOne: @Sendable (any Channel, String, String) throws -> Void = { channel, remote, key in
            try accept(channel, remote: remote, admissionKey: key, configuration: configuration, busyText: busyText, state: state,
                       decide: decide, notices: notices)
        }
        guard let host else { return ViewerListener(channel: nil, state: state, adoptOne: adoptOne) }
        let channel = try await ServerBootstrap(group: group)
            // Room for a burst: connections over the caps are accepted and closed at once by us; a
            // full kernel queue would instead drop them half-open, where the peer waits in vain.
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try TCPKeepAlive.enable(on: channel)
                    try accept(channel, remote: AddressText.describe(channel.remoteAddress),
                               admissionKey: channel.remoteAddress?.ipAddress ?? "?", configuration: configuration,
                               busyText: busyText, state: state, decide: decide, notices: notices)
                }
            }
            .bind(host: host, port: port).get()
        return ViewerListener(channel: channel, state: state, adoptOne: adoptOne)
    }

    /// Takes a connection that is already open (a stream an XMPP server's proxy relays from `from`) as
    /// if it had dialled in: the same caps (counted per `from`), certificate verification, busy rule and
    /// question. `leftover`: bytes the relay read past its own reply. The channel should have autoRead
    /// off until now.
    public func adopt(_ channel: any Channel, leftover: [UInt8] = [], from: String) async throws {
        let adoptOne = self.adoptOne
        try await channel.eventLoop.submit {
            do {
                try adoptOne(channel, "\(from) (through the XMPP relay)", "xmpp:" + from)
            } catch {
                channel.close(promise: nil)
                throw error
            }
            OpenedChannel.begin(channel, leftover: leftover)
        }.get()
    }

    /// Runs on the new channel's event loop, inside the child initializer.
    private static func accept(_ channel: any Channel, remote: String, admissionKey: String,
                               configuration: ViewerConfiguration, busyText: String, state: Shared,
                               decide: @escaping @Sendable (ViewerRequest, @escaping @Sendable (RequestAnswer) -> Void) -> Void,
                               notices: @escaping @Sendable (ListenerNotice) -> Void) throws {
        let decision = state.withLock { $0.admission.admit(address: admissionKey) }
        guard case .admitted(let ticket) = decision else {
            let reason = if case .refused(let text) = decision { text } else { "refused" }
            notices(.refusedAtDoor(remoteAddress: remote, reason: reason))
            throw ListenerRefusal(reason: reason)
        }
        /// Where this connection stands: unverified, verified (decided on), accepted, or refused as busy.
        enum Standing { case unverified, verified, accepted, busy }
        let standing = Mutex(Standing.unverified)
        let release: @Sendable () -> Void = { state.withLock { $0.admission.release(ticket) } }

        var perConnection = configuration
        perConnection.handshakeTimeout = min(configuration.handshakeTimeout, ViewerLimits.handshakeBeforeVerification)
        let events = configuration.events
        let sessionEvents = configuration.sessionEvents
        let me = Mutex<ViewerClient?>(nil)
        perConnection.sessionEvents = nil
        perConnection.events = { event in
            let now = standing.withLock { $0 }
            switch now {
            case .unverified:
                if case .ended(_, let reason) = event {
                    release()
                    notices(.closedUnverified(remoteAddress: remote, reason: reason))
                }
            case .busy:
                if case .ended = event { release() }
            case .verified:
                // Only the end of a request being decided on: its question is withdrawn.
                guard case .ended = event else { return }
                events(event)
                if let sessionEvents, let client = me.withLock({ $0 }) { sessionEvents(client, event) }
            case .accepted:
                events(event)
                if let sessionEvents, let client = me.withLock({ $0 }) { sessionEvents(client, event) }
            }
            if case .ended = event { me.withLock { $0 = nil } }
        }
        perConnection.answerRequest = { peer, answer in
            // The certificate is verified: the connection no longer counts against the caps.
            release()
            guard let client = me.withLock({ $0 }) else { return answer(.refused(.error, "not ready")) }
            let claimed = state.withLock { s -> Bool in
                guard s.active == nil else { return false }
                s.active = client
                return true
            }
            guard claimed else {
                standing.withLock { $0 = .busy }
                notices(.busy(requester: peer?.description ?? "an unknown requester", remoteAddress: remote))
                return answer(.refused(.busy, busyText))
            }
            standing.withLock { $0 = .verified }
            decide(ViewerRequest(peer: peer, remoteAddress: remote, client: client)) { verdict in
                if verdict.isAccepted {
                    standing.withLock { $0 = .accepted }
                } else {
                    state.withLock { s in if s.active?.channel === channel { s.active = nil } }
                }
                answer(verdict)
            }
        }
        let client = try ViewerClient.install(on: channel, configuration: perConnection)
        me.withLock { $0 = client }
        channel.closeFuture.whenComplete { _ in
            release()
            state.withLock { s in if s.active?.channel === channel { s.active = nil } }
        }
    }

    /// The session being answered or watched, if any.
    public var session: ViewerClient? { state.withLock { $0.active } }

    /// Connections counted against the caps now (accepted by the socket, not yet verified).
    public var unverifiedConnections: Int { state.withLock { $0.admission.count } }

    public func close() async {
        try? await serverChannel?.close()
    }
}

/// A connection refused at the door (over a cap); the channel is closed by the bootstrap.
struct ListenerRefusal: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
