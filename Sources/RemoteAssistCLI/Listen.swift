import ArgumentParser
import Foundation
import NIOPosix
import RFBProtocol
import RFBTransport
import Viewer

struct Listen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Wait for a contact's request for help, accept it, and watch their screen.",
        discussion: """
            Requesters dial in (`remote-assist request YOURNAME`); each request shows who asks, with the \
            certificate fingerprint, and waits for your y/N. Only contacts are let in; with --allow-new an \
            unknown requester is shown with its fingerprint and you may add them by typing a name. While \
            you watch, another requester is told you are busy.

            The picture goes to --snapshots: latest.png (replaced atomically), final.png at the end, \
            numbered snapshots on /snap; the chat goes to chat.log there. Type to chat; /snap, /quit, \
            /help. Ctrl-C or end of input end the session.

            Examples:
              remote-assist listen                             port 5500, snapshots in ./remote-assist-snapshots
              remote-assist listen --port 5600 --snapshots /tmp/help --allow-new
            """)

    @Option(help: "TCP port to listen on.") var port = 5500
    @Option(help: "Address to listen on.") var host = "0.0.0.0"
    @Option(help: ArgumentHelp("Folder for the PNG snapshots and the chat log.", valueName: "DIR")) var snapshots = "remote-assist-snapshots"
    @Option(help: "Write latest.png at most this many times a second.") var rate: Double = 2
    @Flag(help: "Let a requester who is not a contact ask (you compare the fingerprint and may add them).") var allowNew = false
    @Option(help: "Seconds to wait for your answer to a request.") var acceptTimeout = 60
    @Flag(help: "Print events as JSON lines (for scripts).") var json = false
    @OptionGroup var identity: IdentityOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0-65535") }
        guard rate > 0, acceptTimeout > 0 else { throw ValidationError("--rate and --accept-timeout must be positive") }
    }

    func run() async throws {
        let console = Console(json: json)
        let me = try identity.identity()
        let book = try identity.contacts()
        let directory = try identity.directory()
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
        let session = SessionLines(console: console, localName: me.displayName, chatLog: snapshots + "/chat.log", listening: true)
        let question = PendingQuestion(console: console)
        let configuration = ViewerConfiguration(tls: tls, snapshots: writer,
                                                events: { session.viewerEvent($0, exit: exit, snapshots: writer) })
        let timeout = acceptTimeout
        let decide: @Sendable (TrustedPeer?, @escaping @Sendable (RequestAnswer) -> Void) -> Void = { peer, answer in
            let fingerprint = peer.map { "\($0.fingerprint)" } ?? "?"
            if let name = peer?.name {
                question.ask("\(name) (\(fingerprint)) asks for help. Accept? [y/N]", timeoutSeconds: timeout) { line, timedOut in
                    if timedOut { console.event("timeout", "no answer within \(timeout) s: request refused", ["timeout": true]) }
                    let yes = !timedOut && ConsentPrompt.isYes(line)
                    console.event(yes ? "accepted" : "declined", yes ? "accepted \(name)'s request; waiting for them to allow viewing"
                                                                    : "declined \(name)'s request", ["contact": name])
                    answer(yes ? .accepted() : .refused(timedOut ? .timeout : .declined,
                                                        timedOut ? "\(me.displayName) did not answer the request" : "\(me.displayName) declined the request"))
                }
            } else {
                question.ask("An unknown requester (\(fingerprint)) asks for help; they are not a contact. Compare the fingerprint with them, then type a name to add them and accept, or press Enter to refuse:",
                             timeoutSeconds: timeout) { line, timedOut in
                    if timedOut { console.event("timeout", "no answer within \(timeout) s: request refused", ["timeout": true]) }
                    let name = (line ?? "").trimmingCharacters(in: .whitespaces)
                    guard !name.isEmpty, let peer else {
                        console.event("declined", "declined the unknown requester")
                        return answer(.refused(.declined, "\(me.displayName) declined the request"))
                    }
                    do {
                        var contacts = try ContactBook.load(directory: directory)
                        _ = try contacts.add(name: name, fingerprint: peer.fingerprint)
                        try contacts.save()
                        console.event("accepted", "added \(name) (\(peer.fingerprint)) to your contacts and accepted", ["contact": name])
                        answer(.accepted())
                    } catch {
                        console.event("declined", "cannot add \(name): \(error); request declined")
                        answer(.refused(.declined, "\(me.displayName) declined the request"))
                    }
                }
            }
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let listener: ViewerListener
        do {
            listener = try await ViewerListener.start(host: host, port: port, configuration: configuration,
                                                      busyText: "\(me.displayName) is busy in another session",
                                                      decide: decide, group: group)
        } catch {
            try? await group.shutdownGracefully()
            throw CLIError("cannot listen on \(host):\(port): \(error)")
        }
        console.event("listening", "waiting for requests on \(host):\(listener.localPort) as \(me.displayName) (\(me.fingerprint)); snapshots in \(snapshots)",
                      ["port": listener.localPort, "fingerprint": "\(me.fingerprint)"])
        let signals = Signals { _ in
            guard !exit.isFinished else { return }
            if let s = listener.session, session.started { s.end(reason: .interrupted, text: "\(me.displayName) ended the session (interrupted)") }
            else { console.event("stopped", "stopped listening"); exit.finish(0) }
        }
        let ticker = StatusTicker(console: console, lines: session) { await listener.session?.statistics() }
        session.ticker.withLock { $0 = ticker }
        ticker.start(exit: exit)
        console.startInput { line in
            guard !exit.isFinished else { return }
            if question.take(line) { return }
            if let s = listener.session, session.started { session.typed(line, viewer: s, exit: exit) }
            else if line == nil { exit.finish(0) }
            else if line == "/quit" { exit.finish(0) }
            else if !(line ?? "").isEmpty { console.event("help", "no session yet: waiting for a request (/quit to stop)") }
        }
        let status = await exit.wait()
        console.finish()
        _ = signals
        await listener.close()
        try? await group.shutdownGracefully()
        if status != 0 && status != 3 { throw ExitCode(status) }
    }
}
