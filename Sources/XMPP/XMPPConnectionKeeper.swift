/// Keeps one account online: connects, and when the connection is lost reconnects after
/// `ReconnectBackoff`'s waits (1, 2, 4 … 60 s with jitter), then sends the last presence again. A refused
/// login, an untrusted certificate, a server without STARTTLS or without a login method we accept are
/// permanent: the keeper stops with the reason instead of retrying. `states` reports every change.
public actor XMPPConnectionKeeper {
    public enum State: Equatable, Sendable {
        case connecting
        case online(JID)
        case reconnecting(after: Double, reason: XMPPError)
        case stopped(reason: XMPPError)
    }

    public nonisolated let states: AsyncStream<State>
    private let continuation: AsyncStream<State>.Continuation
    private let connect: @Sendable () async throws -> XMPPClient
    private var backoff: ReconnectBackoff
    private var task: Task<Void, Never>?
    private var stopping = false
    private var presence: (show: String?, status: String?)?
    /// The connection while online (nil while connecting or waiting).
    public private(set) var client: XMPPClient?

    /// `connect` makes one connection (e.g. `XMPPClient.connect` with the account's settings).
    public init(backoff: ReconnectBackoff = ReconnectBackoff(), connect: @escaping @Sendable () async throws -> XMPPClient) {
        self.connect = connect
        self.backoff = backoff
        (states, continuation) = AsyncStream<State>.makeStream(bufferingPolicy: .bufferingNewest(64))
    }

    /// Errors after which trying again cannot help without the user changing something.
    public static func isPermanent(_ error: XMPPError) -> Bool {
        switch error {
        case .authenticationFailed, .untrustedCertificate, .noSupportedMechanism, .startTLSUnavailable: return true
        default: return false
        }
    }

    public func start() {
        guard task == nil, !stopping else { return }
        task = Task { await self.run() }
    }

    /// Goes offline for good (the connection closed politely); `states` ends with stopped(.closed).
    public func stop() async {
        stopping = true
        task?.cancel()
        if let client { await client.close() }
        await task?.value
        finish(.closed)
    }

    /// Sends available presence now (when online) and again after every reconnection.
    public func setPresence(show: String? = nil, status: String? = nil) {
        presence = (show, status)
        client?.sendPresence(show: show, status: status)
    }

    private func finish(_ reason: XMPPError) {
        client = nil
        continuation.yield(.stopped(reason: reason))
        continuation.finish()
    }

    private func run() async {
        while !stopping && !Task.isCancelled {
            continuation.yield(.connecting)
            let reason: XMPPError
            do {
                let c = try await connect()
                if stopping { await c.close(); break }
                client = c
                backoff.reset()
                continuation.yield(.online(c.jid))
                if let presence { c.sendPresence(show: presence.show, status: presence.status) }
                reason = await c.closeReason()
                client = nil
            } catch let error as XMPPError {
                reason = error
            } catch {
                reason = .connectionFailed("\(error)")
            }
            if stopping || Task.isCancelled { break }
            if Self.isPermanent(reason) {
                stopping = true
                finish(reason)
                return
            }
            let wait = backoff.next(random: Double.random(in: 0..<1))
            continuation.yield(.reconnecting(after: wait, reason: reason))
            do { try await Task.sleep(nanoseconds: UInt64(wait * 1e9)) } catch { break }
        }
    }
}
