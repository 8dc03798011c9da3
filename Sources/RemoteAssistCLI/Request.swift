import Agent
import ContactNetwork
import ArgumentParser
import Foundation
import LiveView
import NIOPosix
import RFBProtocol
import RFBTransport
import SessionModel
import Synchronization
import X11Capture
import XMPP

struct Request: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a contact for help: dial their `remote-assist listen` and, once they accept, let them see your screen.",
        discussion: """
            A contact with an XMPP address (after `remote-assist account`) is reached through the XMPP \
            server: online and not busy, the request goes through the server's relay, which carries only \
            encrypted bytes. Otherwise the contact must have an address (`contacts add NAME FINGERPRINT \
            --address HOST:PORT`). Either way your agent dials out, so you can be helped from behind NAT. Both certificates are checked against \
            your contacts (mutual TLS 1.3). When the contact accepts you are asked:

              Allow alice (SHA256:…) to see your screen? [y/N]

            Nothing of your screen is captured or sent before "y". No answer within --consent-timeout is \
            no. While shared, type to chat; /pause and /resume stop and restart the picture; /quit, \
            Ctrl-C or end of input end the session. Who viewed, when and how long is appended to \
            audit.log in the config folder, and every file sent or received. /send PATH offers a file; /accept or /decline [reason] answers an offer (files go to --downloads, \
            only once accepted and their SHA-256 checked); /cancel stops transfers.

            Examples:
              remote-assist request alice
              remote-assist request alice --display :1 --allow-view     consent given in advance (scripts)
            """)

    @Argument(help: "The contact to ask (see `remote-assist contacts list`).") var contact: String
    @Option(help: "X display to share (default: $DISPLAY).") var display: String?
    @Flag(help: "Consent given in advance (scripts): do not ask before sharing.") var allowView = false
    @Option(help: "Seconds to wait for your consent answer before refusing.") var consentTimeout = 60
    @Option(help: "Seconds to wait for the contact to accept.") var answerTimeout = 120
    @Flag(help: "Print events as JSON lines (for scripts).") var json = false
    @OptionGroup var files: FileOptions
    @OptionGroup var identity: IdentityOptions
    @OptionGroup var webOptions: WebOptions
    @OptionGroup var debugging: DebugOption

    func validate() throws {
        guard consentTimeout > 0, answerTimeout > 0 else { throw ValidationError("timeouts must be positive") }
    }

    func run() async throws {
        MemoryTuning.forLongRunningAgent()
        debugging.apply()
        let console = Console(json: json)
        let me = try identity.identity()
        let book = try identity.contacts()
        guard let expert = book.contact(named: contact) else {
            throw CLIError("'\(contact)' is not a contact (remote-assist contacts list)")
        }
        // Through the XMPP server when the contact has an XMPP address and we have an account; else direct.
        let account = expert.jid == nil ? nil : try ContactsOnline.account(identity)
        let address = expert.address
        if account == nil && address == nil {
            throw CLIError(expert.jid == nil
                ? "contact '\(contact)' has no address: add it with `remote-assist contacts add \(contact) \(expert.fingerprint) --address HOST:PORT`"
                : "contact '\(contact)' is reached through XMPP, and no account is set: `remote-assist account NAME@SERVER` first")
        }
        let screen = try DisplayCheck.open(display)
        if !allowView {
            try StandardInput.requireAnswerer("\"Allow NAME to see your screen?\"",
                                              fix: "Run `remote-assist request` in a terminal, add --web to answer in a web page, or add --allow-view to consent in advance.",
                                              page: webOptions.web)
        }
        let credentials = TLSCredentials(identity: me)
        let security = AgentSecurity(
            mutualTLS: try TLSSetup.Server(credentials: credentials,
                                           clientCertificates: .required(TrustedPeers(fingerprint: expert.fingerprint, name: expert.name))))
        let exit = ExitSignal()
        // The page: the consent question as a dialog, then the panel (chat, Pause/Resume, End). Its End
        // before the session is live withdraws the request, as /quit does.
        let dialled = Mutex<AgentSessionControl?>(nil)
        let name = me.displayName
        let webGroup = webOptions.web ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : nil
        var web: (server: LiveServer, page: PageFrontEnd, relay: SessionOutputRelay)?
        if let webGroup {
            web = try await webOptions.start(role: .sharing, localName: name, console: console, group: webGroup) {
                dialled.withLock { $0 }?.end(reason: .userQuit, text: "\(name) withdrew the request")
                exit.finish(0)
            }
        }
        // Through XMPP: the link that carries our end message when we end (the stream may be dead).
        let xmppLink = Mutex<XMPPClient?>(nil)
        // 0 after a session; 4 when the connection closed before one started (declined, unreachable, …).
        let terminal = SessionTerminal(console: console, role: .sharing, localName: me.displayName, peerName: expert.name,
                                       auditLog: try identity.directory() + "/audit.log", relay: web?.relay,
                                       ended: { record, wasLive, _ in
            if wasLive, !record.endedByPeer, let link = xmppLink.withLock({ $0 }), let jid = expert.jid {
                link.send(XMPPSessionEnd.message(to: jid, text: record.endReason ?? "the session ended"))
            }
            if !wasLive, FailureAdvice.saysOurCertificateWasRefused(record.endReason) {
                console.event("advice", FailureAdvice.notTheirContact(expert.name, me: me.displayName, fingerprint: me.fingerprint,
                                                                      theirCommand: "remote-assist listen"))
            }
            exit.finish(wasLive ? 0 : 4)
        })
        let model = terminal.model
        web?.page.bind(model)
        let displayName: String? = screen
        var configuration = AgentConfiguration(
            security: security, desktopName: "\(me.displayName)'s desktop",
            makeSource: { try X11ScreenSource(displayName: displayName) },
            consent: model.consentPolicy(givenInAdvance: allowView, timeoutSeconds: consentTimeout),
            reverse: true, answerTimeout: .seconds(Int64(answerTimeout)))
        configuration.sessionEvents = { control, event in model.agentEvent(control, event) }
        configuration.files = try files.receiving(fallback: "remote-assist-received")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let place = account.map { _ in "through XMPP (\(expert.jid ?? ""))" } ?? address.map { "at \($0)" } ?? ""
        console.event("requesting", "asking \(expert.name) (\(expert.fingerprint)) \(place) for help; waiting for them to accept",
                      ["contact": expert.name, "address": address.map { "\($0)" } ?? "", "jid": expert.jid ?? ""])
        let agent: AgentSessionControl
        var online: RequestOnline.Dialled?
        do {
            if let account, let jid = expert.jid {
                online = try await RequestOnline.dial(account: account, expert: expert, jid: jid, configuration: configuration,
                                                      console: console, debug: debugging.debug)
                guard let dialled = online else { throw CLIError("no way to reach \(expert.name)") }
                agent = dialled.agent
            } else if let address {
                agent = try await AgentDialer.connect(host: address.host, port: address.port, configuration: configuration, group: group)
            } else {
                throw CLIError("no way to reach \(expert.name)")
            }
        } catch {
            try? await group.shutdownGracefully()
            await web?.server.close()
            try? await webGroup?.shutdownGracefully()
            if error is CLIError { throw error }
            throw FailureAdvice.dial(error, who: expert.name, address: address.map { "\($0)" } ?? "", theirCommand: "remote-assist listen")
        }
        dialled.withLock { $0 = agent }
        var endMessages: Task<Void, Never>?
        if let online, let jid = expert.jid {
            xmppLink.withLock { $0 = online.client }
            // The expert's end message: if our session still runs (its stream died unnoticed), it ends now.
            endMessages = Task {
                for await stanza in online.client.stanzas {
                    guard let (from, reason) = XMPPSessionEnd.read(stanza), XMPPSessionEnd.same(from, jid), !model.live.isEmpty else { continue }
                    agent.end(reason: .interrupted, text: "\(expert.name)'s remote-assist said through the XMPP server: \(reason)")
                }
            }
        }
        let signals = Signals { _ in
            guard !exit.isFinished else { return }
            if !model.live.isEmpty { agent.end(reason: .interrupted, text: "\(me.displayName) ended the session (interrupted)") }
            else { agent.end(reason: .interrupted, text: "\(me.displayName) withdrew the request"); exit.finish(0) }
        }
        let ticker = StatusTicker(console: console, model: model)
        terminal.ticker.withLock { $0 = ticker }
        ticker.start(exit: exit)
        console.startInput { line in
            guard !exit.isFinished else { return }
            if terminal.typed(line) { return }
            if model.live.isEmpty {
                agent.end(reason: line == nil ? .endOfInput : .userQuit, text: "\(me.displayName) withdrew the request")
                exit.finish(0)
                return
            }
            agent.end(reason: line == nil ? .endOfInput : .userQuit,
                      text: line == nil ? "\(me.displayName) ended the session (end of input)" : "\(me.displayName) ended the session")
        }
        let status = await exit.wait()
        console.finish()
        _ = signals
        try? await agent.channel.close()
        if let client = online?.client {
            _ = try? await client.roster()  // a round trip: our end message is with the server before we leave
            await client.close()
        }
        endMessages?.cancel()
        _ = CapturePump.waitForAllToStop()
        try? await group.shutdownGracefully()
        await web?.server.close()
        try? await webGroup?.shutdownGracefully()
        if status != 0 { throw ExitCode(status) }
    }
}
