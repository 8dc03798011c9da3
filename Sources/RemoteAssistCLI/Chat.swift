import ArgumentParser
import ContactNetwork
import Foundation
import PeerText
import RFBTransport
import XMPP

struct Chat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chat with a contact through the XMPP server, outside a session.",
        discussion: """
            Ordinary XMPP chat messages: the contact may answer from remote-assist or from any XMPP client \
            (Gajim, Dino, Conversations). Type a line to send it; /quit, Ctrl-C or end of input ends. Inside \
            a session, chat stays in the session's encrypted connection instead.

            Examples:
              remote-assist chat alice
              remote-assist chat alice --send "are you free at 3?"      send one line and return
            """)
    @OptionGroup var identity: IdentityOptions
    @Argument(help: "The contact (with an XMPP address; see `remote-assist contacts list`).") var contact: String
    @Option(help: ArgumentHelp("Send this one line and return.", valueName: "TEXT")) var send: String?
    @Flag(help: "Print events as JSON lines (for scripts).") var json = false
    @OptionGroup var debugging: DebugOption

    func run() async throws {
        let book = try identity.contacts()
        guard let peer = book.contact(named: contact) else { throw CLIError("'\(contact)' is not a contact (remote-assist contacts list)") }
        guard let jidText = peer.jid, let jid = try? JID(jidText) else {
            throw CLIError("\(peer.name) has no XMPP address; chat outside a session goes through XMPP "
                           + "(`remote-assist contacts add \(peer.name) NAME@SERVER` asks them)")
        }
        let account = try ContactsOnline.requireAccount(identity, for: "chatting with \(peer.name)")
        let client: XMPPClient
        do {
            client = try await XMPPClient.connect(account: account.jid, password: account.password, host: account.serverHost,
                                                  port: account.port, trust: account.trust, resource: XMPPAccount.freshResource())
        } catch { throw CLIError(XMPPAdvice.describe(error, account: account, debug: debugging.debug)) }
        if let send {
            client.sendMessage(to: jid, body: try Self.checked(send))
            _ = try? await client.roster()  // a round trip: the message is with the server before we leave
            await client.close()
            print("sent to \(peer.name)")
            return
        }
        let console = Console(json: json)
        let me = try identity.identity()
        client.sendPresence(status: "remote-assist: chatting")
        let exit = ExitSignal()
        let incoming = Task {
            for await stanza in client.stanzas where stanza.name == "message" {
                guard stanza[attribute: "type"] != "error", stanza[attribute: "type"] != "groupchat",
                      let fromText = stanza[attribute: "from"], let from = try? JID(fromText),
                      ContactBook.foldedJID(from.bare.description) == ContactBook.foldedJID(jid.description),
                      let body = stanza.child("body", namespace: "jabber:client")?.text, !body.isEmpty else { continue }
                // Our own pairing messages are not chat.
                if stanza.child("contact", namespace: ContactNamespace.contact) != nil { continue }
                let text = PeerText.clean(body, limit: PeerText.chatLimit)
                console.event("chat", "<\(peer.name)> \(text)", ["from": peer.name, "text": text])
            }
            console.event("xmpp_lost", "the connection to the XMPP server \(account.serverText) ended")
            exit.finish(1)
        }
        console.event("chatting", "chatting with \(peer.name) (\(jid)) through \(account.serverText); type a line to send it, /quit to end",
                      ["contact": peer.name, "jid": jid.description])
        let signals = Signals { _ in exit.finish(0) }
        console.startInput { line in
            guard let line, line != "/quit" else { return exit.finish(0) }
            guard !line.isEmpty else { return }
            do {
                let text = try Self.checked(line)
                client.sendMessage(to: jid, body: text)
                console.own("<\(me.displayName)> \(text)")
            } catch {
                console.event("not_sent", "\(error)")
            }
        }
        let status = await exit.wait()
        console.finish()
        _ = signals
        incoming.cancel()
        await client.close()
        if status != 0 { throw ExitCode(status) }
    }

    /// What we send is held to the limit of what we accept.
    static func checked(_ text: String) throws -> String {
        guard text.utf8.count <= PeerText.chatLimit else { throw CLIError("a chat line is at most \(PeerText.chatLimit) bytes") }
        return text
    }
}
