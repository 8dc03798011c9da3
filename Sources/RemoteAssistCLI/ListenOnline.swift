import ContactNetwork
import Foundation
import PeerText
import RFBTransport
import Viewer
import XMPP

/// `listen` with an XMPP account: online (available; busy while a request is decided on or a session
/// watched, so others see "busy" at once), and every bytestream a contact offers through the server's
/// relay is handed to the listener as if it had dialled in (same caps, pinned TLS, busy rule, question).
/// Offers from anyone who is not a contact with that address are refused before any byte is relayed.
final class ListenOnline: Sendable {
    /// The status texts `request` looks for to know a resource runs `listen`.
    static let listeningStatus = "remote-assist: listening for requests"
    static let busyStatus = "remote-assist: busy in a session"
    let client: XMPPClient
    private let tasks: [Task<Void, Never>]

    private init(client: XMPPClient, tasks: [Task<Void, Never>]) {
        self.client = client
        self.tasks = tasks
    }

    /// `peerEnded`: a contact's end message (bare JID, cleaned reason), for a session whose stream may
    /// have died unnoticed.
    static func start(account: XMPPAccount, directory: String, listener: ViewerListener, console: Console,
                      debug: Bool, peerEnded: @escaping @Sendable (String, String) -> Void) async throws -> ListenOnline {
        let client: XMPPClient
        let proxy: StreamHost
        do {
            client = try await XMPPClient.connect(account: account.jid, password: account.password, host: account.serverHost,
                                                  port: account.port, trust: account.trust, resource: XMPPAccount.freshResource())
        } catch { throw CLIError(XMPPAdvice.describe(error, account: account, debug: debug)) }
        do { proxy = try await client.findProxy() } catch {
            await client.close()
            throw CLIError(error is RelayError ? "\(error)" : XMPPAdvice.describe(error, account: account, debug: debug))
        }
        let listening = listeningStatus
        client.sendPresence(status: listening)
        let offers = Task {
            for await stanza in client.stanzas {
                if let (from, reason) = XMPPSessionEnd.read(stanza) {
                    peerEnded(from, reason)
                    continue
                }
                guard stanza.name == "iq", stanza[attribute: "type"] == "set",
                      stanza.child("query", namespace: "http://jabber.org/protocol/bytestreams") != nil else { continue }
                handle(offer: stanza, client: client, proxy: proxy, directory: directory, listener: listener, console: console)
            }
            console.event("xmpp_lost", "the connection to the XMPP server \(account.serverText) was lost: requests through it stop "
                          + "until `remote-assist listen` is started again", ["server": account.serverText])
        }
        let presence = Task {
            var busy = false
            while !Task.isCancelled {
                let now = listener.session != nil
                if now != busy {
                    busy = now
                    client.sendPresence(show: busy ? "dnd" : nil, status: busy ? busyStatus : listening)
                }
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        return ListenOnline(client: client, tasks: [offers, presence])
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

    func close() async {
        for t in tasks { t.cancel() }
        await client.close()
    }
}
