import ContactNetwork
import Foundation
import PeerText
import RFBTransport
import Synchronization
import Viewer
import XMPP

/// `listen` with an XMPP account: online (available; busy while a request is decided on or a session
/// watched, so others see "busy" at once), and every bytestream a contact offers through the server's
/// relay is handed to the listener as if it had dialled in (same caps, pinned TLS, busy rule, question).
/// Offers from anyone who is not a contact with that address are refused before any byte is relayed.
/// A lost server is reconnected with backoff (1, 2, 4 … 60 s), and the presence sent again.
final class ListenOnline: Sendable {
    /// The status texts `request` looks for to know a resource runs `listen`.
    static let listeningStatus = "remote-assist: listening for requests"
    static let busyStatus = "remote-assist: busy in a session"
    private let keeper: XMPPConnectionKeeper
    private let tasks: [Task<Void, Never>]
    /// The current connection's reader of offers and end messages.
    private let offers: TaskSlot

    /// Holds one task, replaced as connections come and go.
    final class TaskSlot: Sendable {
        let task = Mutex<Task<Void, Never>?>(nil)
    }

    private init(keeper: XMPPConnectionKeeper, tasks: [Task<Void, Never>], offers: TaskSlot) {
        self.keeper = keeper
        self.tasks = tasks
        self.offers = offers
    }

    /// Returns once online; a first connection that fails is one plain error (nothing keeps retrying).
    /// `peerEnded`: a contact's end message (bare JID, cleaned reason), for a session whose stream may
    /// have died unnoticed.
    static func start(account: XMPPAccount, directory: String, listener: ViewerListener, console: Console,
                      debug: Bool, peerEnded: @escaping @Sendable (String, String) -> Void) async throws -> ListenOnline {
        let keeper = XMPPConnectionKeeper {
            try await XMPPClient.connect(account: account.jid, password: account.password, host: account.serverHost,
                                         port: account.port, trust: account.trust, resource: XMPPAccount.freshResource())
        }
        await keeper.setPresence(status: listeningStatus)
        let first = Mutex<CheckedContinuation<XMPPError?, Never>?>(nil)
        let offers = TaskSlot()
        let states = Task {
            var wasOnline = false
            for await state in keeper.states {
                switch state {
                case .connecting:
                    continue
                case .online:
                    guard let client = await keeper.client else { continue }
                    let proxy: StreamHost
                    do { proxy = try await client.findProxy() } catch {
                        console.event("xmpp_no_relay", "\(error)")
                        first.withLock { $0?.resume(returning: .protocolViolation("\(error)")); $0 = nil }
                        continue
                    }
                    if wasOnline { console.event("xmpp_online", "back online at the XMPP server \(account.serverText)") }
                    wasOnline = true
                    offers.task.withLock { old in
                        old?.cancel()
                        old = Task { await serve(client: client, proxy: proxy, directory: directory, listener: listener, console: console, peerEnded: peerEnded) }
                    }
                    first.withLock { $0?.resume(returning: nil); $0 = nil }
                case .reconnecting(let after, let reason):
                    // A first connection that fails is the caller's error, not a reconnect.
                    let wasFirst = first.withLock { waiter -> Bool in
                        guard let c = waiter else { return false }
                        c.resume(returning: reason)
                        waiter = nil
                        return true
                    }
                    if wasFirst { continue }
                    console.event("xmpp_lost", "lost the XMPP server \(account.serverText) (\(XMPPAdvice.describe(reason, account: account, debug: debug))); "
                                  + "trying again in \(Int(after.rounded(.up))) s; requests through it wait until then", ["server": account.serverText])
                case .stopped(let reason):
                    first.withLock { $0?.resume(returning: reason); $0 = nil }
                    if reason != .closed {
                        console.event("xmpp_stopped", "stopped using the XMPP server: \(XMPPAdvice.describe(reason, account: account, debug: debug))")
                    }
                }
            }
        }
        // The waiter is in place before the keeper starts, so the first outcome cannot come before it.
        let failure = await withCheckedContinuation { c in
            first.withLock { $0 = c }
            Task { await keeper.start() }
        }
        if let failure {
            states.cancel()
            await keeper.stop()
            throw CLIError(XMPPAdvice.describe(failure, account: account, debug: debug))
        }
        let presence = Task {
            var busy = false
            while !Task.isCancelled {
                let now = listener.session != nil
                if now != busy {
                    busy = now
                    await keeper.setPresence(show: busy ? "dnd" : nil, status: busy ? busyStatus : listeningStatus)
                }
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        return ListenOnline(keeper: keeper, tasks: [states, presence], offers: offers)
    }

    /// One connection's offers and end messages, until it ends.
    private static func serve(client: XMPPClient, proxy: StreamHost, directory: String, listener: ViewerListener, console: Console,
                              peerEnded: @escaping @Sendable (String, String) -> Void) async {
        for await stanza in client.stanzas {
            if let (from, reason) = XMPPSessionEnd.read(stanza) {
                peerEnded(from, reason)
                continue
            }
            guard stanza.name == "iq", stanza[attribute: "type"] == "set",
                  stanza.child("query", namespace: "http://jabber.org/protocol/bytestreams") != nil else { continue }
            handle(offer: stanza, client: client, proxy: proxy, directory: directory, listener: listener, console: console)
        }
    }

    private static func handle(offer: XMLElement, client: XMPPClient, proxy: StreamHost, directory: String,
                               listener: ViewerListener, console: Console) {
        guard let fromText = offer[attribute: "from"], let from = try? JID(fromText) else { return }
        let bare = from.bare.description
        let shown = PeerText.clean(bare, limit: 120)
        let contact = (try? ContactBook.load(directory: directory))?.contact(withJID: bare)
        guard contact != nil else {
            client.answerError(offer, condition: "forbidden", type: "auth")
            console.event("not_a_contact", "\(shown) asked for help through XMPP but is not one of your contacts: refused "
                          + "(`remote-assist contacts add NAME \(shown)` asks them to become one)", ["jid": shown])
            return
        }
        Task {
            do {
                let stream = try await client.acceptBytestream(offer, proxy: proxy)
                try await RelayFraming.install(on: stream.channel, leftover: stream.leftover)
                try await listener.adopt(stream.channel, from: shown)
            } catch {
                console.event("relay_failed", "a request from \(shown) through the XMPP relay failed: \(PeerText.clean("\(error)", limit: 200))",
                              ["jid": shown])
            }
        }
    }

    /// Sends a stanza on the current connection (dropped while reconnecting).
    func send(_ element: XMLElement) {
        let keeper = keeper
        Task { await keeper.client?.send(element) }
    }

    /// Waits until what was sent is with the server (a round trip), then goes offline.
    func close() async {
        if let client = await keeper.client { _ = try? await client.roster() }
        for t in tasks { t.cancel() }
        offers.task.withLock { $0?.cancel() }
        await keeper.stop()
    }
}
