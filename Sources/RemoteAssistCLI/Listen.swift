import ArgumentParser
import Foundation
import LiveView
import SessionModel
import NIOPosix
import RFBProtocol
import RFBTransport
import Synchronization
import Viewer
import XMPP

struct Listen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Wait for a contact's request for help, accept it, and watch their screen.",
        discussion: """
            With an XMPP account (`remote-assist account`), listen goes online (busy while in a session) and \
            requests come through the server's relay: no TCP port is opened unless --port is given. \
            Requesters dial in (`remote-assist request YOURNAME`); each request shows who asks, with the \
            certificate fingerprint, and waits for your y/N. Only contacts are let in; with --allow-new an \
            unknown requester is shown with its fingerprint: compare it with them, answer y, then type a \
            name to save them as a contact (or Enter to help them this once). Requests that arrive while you \
            answer another wait their turn. While \
            you watch, another requester is told you are busy.

            The picture goes to --snapshots: latest.png (replaced atomically), final.png at the end, \
            numbered snapshots on /snap; the chat goes to chat.log there. Type to chat; /snap, /quit, \
            /help. Ctrl-C or end of input end the session. /send PATH offers a file; /accept or /decline [reason] answers an offer (files go to --downloads, \
            only once accepted and their SHA-256 checked); /cancel stops transfers.

            Examples:
              remote-assist listen                             port 5500, snapshots in ./remote-assist-snapshots
              remote-assist listen --port 5600 --snapshots /tmp/help --allow-new
            """)

    @Option(help: "TCP port to listen on (default 5500; with an XMPP account none is opened unless this is given).") var port: Int?
    @Option(help: ArgumentHelp("Address to listen on. The default, 0.0.0.0, is every network interface of this machine (the addresses are printed at start), so requesters elsewhere can dial in; only contacts' certificates (or, with --allow-new, anyone you then accept) get past TLS, and connections are capped per address. 127.0.0.1: this machine only.", valueName: "ADDRESS")) var host = "0.0.0.0"
    @Option(help: ArgumentHelp("Folder for the PNG snapshots and the chat log.", valueName: "DIR")) var snapshots = "remote-assist-snapshots"
    @Option(help: "Write latest.png at most this many times a second.") var rate: Double = 2
    @Flag(help: "Let a requester who is not a contact ask (you compare the fingerprint and may add them).") var allowNew = false
    @Option(help: "Seconds to wait for your answer to a request.") var acceptTimeout = 60
    @Flag(help: "Print events as JSON lines (for scripts).") var json = false
    @OptionGroup var files: FileOptions
    @OptionGroup var identity: IdentityOptions
    @OptionGroup var webOptions: WebOptions
    @OptionGroup var debugging: DebugOption

    func validate() throws {
        if let port { guard (0...65535).contains(port) else { throw ValidationError("--port must be 0-65535") } }
        guard rate > 0, acceptTimeout > 0 else { throw ValidationError("--rate and --accept-timeout must be positive") }
    }

    func run() async throws {
        debugging.apply()
        let console = Console(json: json)
        let me = try identity.identity()
        let book = try identity.contacts()
        let directory = try identity.directory()
        try StandardInput.requireAnswerer("a contact's request for help (\"Accept? [y/N]\")", fix: "Run `remote-assist listen` in a terminal, or add --web to answer in a web page.", page: webOptions.web)
        let trust = allowNew ? TrustedPeers.contactsOrAnyone(book.contacts) : TrustedPeers(contacts: book)
        let tls = try TLSSetup.Client(credentials: TLSCredentials(identity: me), trustedServers: trust)
        let writer: SnapshotWriter
        do {
            writer = try SnapshotWriter(directory: snapshots, maxPerSecond: rate) { problem in
                console.event("snapshot_failed", problem, ["reason": problem])
            }
        } catch let problem as PrivateFolderError {
            throw CLIError(problem.suggesting("--snapshots").description)
        } catch {
            throw CLIError("cannot use the snapshots folder \(snapshots): \(error)")
        }
        let exit = ExitSignal()
        let webGroup = webOptions.web ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : nil
        var web: (server: LiveServer, page: PageFrontEnd, relay: SessionOutputRelay)?
        if let webGroup {
            // The page's End with no session live stops listening, as /quit does.
            web = try await webOptions.start(role: .viewing, localName: me.displayName, console: console, group: webGroup) {
                console.event("stopped", "stopped listening")
                exit.finish(0)
            }
        }
        // Through XMPP: the link that carries our end message when we end (the stream may be dead).
        let xmppLink = Mutex<ListenOnline?>(nil)
        // The command ends with the session it watched; requests that never became one do not end it.
        let terminal = SessionTerminal(console: console, role: .viewing, localName: me.displayName,
                                       chatLog: snapshots + "/chat.log", snapshots: writer, relay: web?.relay,
                                       ended: { record, wasLive, _ in
            if wasLive, !record.endedByPeer, let link = xmppLink.withLock({ $0 }),
               let jid = (try? ContactBook.load(directory: directory))?.contact(named: record.name)?.jid {
                link.send(XMPPSessionEnd.message(to: jid, text: record.endReason ?? "the session ended"))
            }
            if wasLive { exit.finish(0) }
        })
        let model = terminal.model
        web?.page.bind(model)
        var configuration = ViewerConfiguration(tls: tls, snapshots: writer)
        configuration.sessionEvents = { client, event in model.viewerEvent(client, event) }
        if let server = web?.server { configuration.pictures = { server.publish($0) } }
        configuration.files = try files.receiving(fallback: snapshots + "/received")
        let timeout = acceptTimeout
        let saveContact: @Sendable (String, Fingerprint) throws -> Void = { name, fingerprint in
            var contacts = try ContactBook.load(directory: directory)
            _ = try contacts.add(name: name, fingerprint: fingerprint)
            try contacts.save()
        }
        let account = try ContactsOnline.account(identity)
        // With an account, requests come through the server: no port is opened unless asked for.
        let tcpPort: Int? = port ?? (account == nil ? 5500 : nil)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let listener: ViewerListener
        do {
            listener = try await ViewerListener.start(
                host: tcpPort == nil ? nil : host, port: tcpPort ?? 0, configuration: configuration, busyText: "\(me.displayName) is busy in another session",
                decide: { request, answer in
                    model.decideRequest(request, timeoutSeconds: timeout, saveContact: saveContact, answer: answer)
                },
                notices: { model.listenerNotice($0) }, group: group)
        } catch {
            try? await group.shutdownGracefully()
            await web?.server.close()
            try? await webGroup?.shutdownGracefully()
            throw FailureAdvice.listen(error, host: host, port: tcpPort ?? 0, command: "listen")
        }
        var online: ListenOnline?
        if let account {
            do {
                online = try await ListenOnline.start(account: account, directory: directory, listener: listener, console: console,
                                                      debug: debugging.debug) { from, reason in
                    // Their end message: if the session with them still runs (its stream died unnoticed), it ends now.
                    guard let contact = (try? ContactBook.load(directory: directory))?.contact(withJID: from),
                          model.live.contains(where: { $0.name == contact.name }) else { return }
                    _ = model.endAll(reason: .interrupted, text: "\(contact.name)'s remote-assist said through the XMPP server: \(reason)")
                }
                xmppLink.withLock { $0 = online }
            } catch {
                await listener.close()
                try? await group.shutdownGracefully()
                await web?.server.close()
                try? await webGroup?.shutdownGracefully()
                throw error
            }
        }
        let addresses = tcpPort == nil ? [] : ListeningAddresses.describe(host: host, port: listener.localPort)
        var places = addresses
        if let account { places.insert("XMPP as \(account.jid) (online)", at: 0) }
        console.event("listening", "waiting for requests as \(me.displayName) (\(me.fingerprint)) at \(places.joined(separator: ", "))"
                      + (tcpPort == nil ? " (no TCP port open)" : "") + "; snapshots in \(snapshots)",
                      ["port": listener.localPort, "addresses": addresses, "fingerprint": "\(me.fingerprint)", "xmpp": account.map { "\($0.jid)" } ?? ""])
        let signals = Signals { _ in
            guard !exit.isFinished else { return }
            if !model.live.isEmpty { model.endAll(reason: .interrupted, text: "\(me.displayName) ended the session (interrupted)") }
            else { console.event("stopped", "stopped listening"); exit.finish(0) }
        }
        let ticker = StatusTicker(console: console, model: model)
        terminal.ticker.withLock { $0 = ticker }
        ticker.start(exit: exit)
        console.startInput { line in
            guard !exit.isFinished else { return }
            if terminal.typed(line) { return }
            if model.live.isEmpty { exit.finish(0); return }
            model.endAll(reason: line == nil ? .endOfInput : .userQuit,
                         text: line == nil ? "\(me.displayName) ended the session (end of input)" : "\(me.displayName) ended the session")
        }
        let status = await exit.wait()
        console.finish()
        _ = signals
        await online?.close()  // after a round trip: our end message is out before we leave
        await listener.close()
        try? await group.shutdownGracefully()
        await web?.server.close()
        try? await webGroup?.shutdownGracefully()
        if status != 0 && status != 3 { throw ExitCode(status) }
    }
}
