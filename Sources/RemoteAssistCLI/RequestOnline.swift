import Agent
import ContactNetwork
import Foundation
import NIOCore
import PeerText
import RFBTransport
import XMPP

/// `request NAME` for a contact with an XMPP address: log in, see whether they are online and not busy
/// (answered at once otherwise), offer a bytestream through our server's relay to the resource they are
/// online with, and run the agent on it. The expert's accept or decline, and our consent, then happen in
/// the session exactly as over TCP, after both pinned certificates were checked end to end.
enum RequestOnline {
    struct Dialled {
        let agent: AgentSessionControl
        let client: XMPPClient
    }

    static let presenceWait: Duration = .seconds(3)

    static func dial(account: XMPPAccount, expert: Contact, jid: String, configuration: AgentConfiguration,
                     console: Console, debug: Bool) async throws -> Dialled {
        let client: XMPPClient
        do {
            client = try await XMPPClient.connect(account: account.jid, password: account.password, host: account.serverHost,
                                                  port: account.port, trust: account.trust, resource: XMPPAccount.freshResource())
        } catch { throw CLIError(XMPPAdvice.describe(error, account: account, debug: debug)) }
        do {
            let proxy = try await client.findProxy()
            let roster = try await client.roster()
            let item = roster.first { ContactBook.foldedJID($0.jid) == ContactBook.foldedJID(jid) }
            guard let item, item.subscription == "both" || item.subscription == "to" else {
                throw CLIError("\(expert.name) (\(jid)) has not accepted you as a contact on the XMPP server yet; "
                               + "`remote-assist contacts list` completes it once they have")
            }
            client.sendPresence(show: "away", status: "remote-assist: asking for help")
            let target = try await onlineResource(of: jid, client: client)
            guard let target else {
                throw CLIError("\(expert.name) is offline (not signed in to \(account.jid.domain)'s XMPP server); ask \(expert.name) to run `remote-assist listen`")
            }
            if target.busy { throw CLIError("refused: \(expert.name) is busy in another session") }
            let sid = PairingCode.newNonce().prefix(16).map { String(format: "%02x", $0) }.joined()
            console.event("relaying", "through \(proxy.jid) (the XMPP server's relay; it sees only encrypted bytes)", ["proxy": "\(proxy.jid)"])
            let stream: (channel: any Channel, leftover: [UInt8])
            do {
                stream = try await client.openBytestream(to: target.jid, sid: sid, via: proxy)
            } catch XMPPError.iqError(let condition) where condition == "forbidden" {
                throw CLIError("\(expert.name)'s remote-assist refused the request: you are not among \(expert.name)'s contacts there")
            } catch XMPPError.relayRefused(let why) {
                throw CLIError("the XMPP server's relay \(proxy.jid) did not connect you with \(expert.name): \(PeerText.clean(why, limit: 160)); "
                               + "ask the server's administrator to let your account use it, or reach \(expert.name) directly "
                               + "(`remote-assist contacts add \(expert.name) \(expert.fingerprint) --address HOST:PORT`)")
            }
            var relayed = configuration
            relayed.remoteLabel = "the XMPP relay"
            // Our framing under TLS on both ends (servers that hold the tail of a burst: see RelayFraming).
            try await RelayFraming.install(on: stream.channel, leftover: stream.leftover)
            let agent = try await AgentDialer.run(on: stream.channel, configuration: relayed)
            return Dialled(agent: agent, client: client)
        } catch {
            await client.close()
            if error is CLIError { throw error }
            if error is RelayError { throw CLIError("\(error)") }
            throw CLIError(XMPPAdvice.describe(error, account: account, debug: debug))
        }
    }

    /// The expert's resource that runs remote-assist's `listen` (its status says so: available, or busy),
    /// from the presences
    /// the server sends after ours; nil when none arrives in `presenceWait`.
    private static func onlineResource(of bare: String, client: XMPPClient) async throws -> (jid: JID, busy: Bool)? {
        let deadline = ContinuousClock.now + presenceWait
        let stanzas = client.stanzas
        return await withTaskGroup(of: (jid: JID, busy: Bool)?.self) { group in
            group.addTask {
                for await stanza in stanzas where stanza.name == "presence" {
                    guard let fromText = stanza[attribute: "from"], let from = try? JID(fromText), from.resource != nil,
                          ContactBook.foldedJID(from.bare.description) == ContactBook.foldedJID(bare),
                          let state = ContactPresence(stanza: stanza), state != .offline,
                          let status = stanza.child("status", namespace: "jabber:client")?.text,
                          status.hasPrefix(ListenOnline.listeningStatus) || status.hasPrefix(ListenOnline.busyStatus) else { continue }
                    return (from, state == .busy)
                }
                return nil
            }
            group.addTask {
                try? await Task.sleep(until: deadline)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
