import ArgumentParser
import Foundation
import LiveView
import SessionModel
import NIOPosix
import RFBProtocol
import RFBTransport
import Synchronization
import Viewer

struct View: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "View a shared screen: connect to an agent (`remote-assist share`, or any VNC server).",
        discussion: """
            The agent's certificate must be a contact's, or the fingerprint given with --fingerprint. The \
            picture is written to the snapshots folder as latest.png (replaced atomically, --rate times a \
            second at most), final.png at the end, and numbered snapshots on /snap.

            Type a line to chat. Commands: /snap, /quit, /help. Ctrl-C or end of input ends the session. \
            /send PATH offers a file; /accept or /decline [reason] answers an offer (files go to --downloads, \
            only once accepted and their SHA-256 checked); /cancel stops transfers.
            Exit status: 0 after a session, 3 when the requester refused, 1 on errors.

            Examples:
              remote-assist view bob.example.org              port 5900, bob must be a contact
              remote-assist view 10.0.0.7:5901 --fingerprint SHA256:ABCD-...
              remote-assist view 127.0.0.1:5900 --insecure-loopback --encoding zrle
            """)

    @Argument(help: ArgumentHelp("The agent to view.", valueName: "HOST[:PORT]")) var target: String
    @Option(help: ArgumentHelp("Folder for the PNG snapshots.", valueName: "DIR")) var snapshots = "remote-assist-snapshots"
    @Option(help: "Write latest.png at most this many times a second.") var rate: Double = 2
    @Option(help: ArgumentHelp("Trust the agent with this certificate fingerprint.", valueName: "FINGERPRINT")) var fingerprint: String?
    @Option(help: "The agent's one-time password (VeNCrypt X509Plain, as a stock viewer would). Other users of this machine can read command lines: prefer --password-stdin or the REMOTE_ASSIST_PASSWORD environment variable.") var password: String?
    @Flag(help: "Read the one-time password from the first line of standard input (chat input follows it).") var passwordStdin = false
    @Option(help: "Preferred encoding: tile-delta, zrle or raw.") var encoding: String = "tile-delta"
    @Flag(help: "Accept security type None (loopback tunnels and tests only).") var insecureLoopback = false
    @Flag(help: "Print events as JSON lines (for scripts).") var json = false
    @OptionGroup var files: FileOptions
    @OptionGroup var identity: IdentityOptions
    @OptionGroup var webOptions: WebOptions
    @OptionGroup var debugging: DebugOption

    func validate() throws {
        guard ViewerEncoding(rawValue: encoding) != nil else { throw ValidationError("--encoding must be tile-delta, zrle or raw") }
        guard rate > 0 else { throw ValidationError("--rate must be positive") }
        _ = try HostPort(target, defaultPort: 5900)
    }

    func run() async throws {
        debugging.apply()
        let console = Console(json: json)
        let endpoint = try HostPort(target, defaultPort: 5900)
        let me = try identity.identity()
        let book = try identity.contacts()
        var trusted = book.contacts
        var expected: TrustedPeer?
        if let fingerprint {
            // A contact keeps its name; an unknown fingerprint is named by the host it was reached at. A
            // different certificate is then compared with this one group by group.
            do {
                let pinned = try Fingerprint.parse(fingerprint)
                let contact = trusted.first { $0.fingerprint == pinned }
                if contact == nil {
                    trusted.append(try (try? Contact(name: endpoint.host, fingerprint: pinned)) ?? Contact(name: "sharer", fingerprint: pinned))
                }
                expected = TrustedPeer(name: contact?.name ?? trusted.last?.name, fingerprint: pinned)
            } catch {
                throw CLIError("\(error)")
            }
        }
        let secret = try oneTimePassword()
        var trust = TrustedPeers(trusted)
        trust.expected = expected
        let tls = try TLSSetup.Client(credentials: secret == nil ? TLSCredentials(identity: me) : nil,
                                      trustedServers: trust)
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
        var order = ViewerEncoding.allCases
        if let preferred = ViewerEncoding(rawValue: encoding) { order.removeAll { $0 == preferred }; order.insert(preferred, at: 0) }
        let exit = ExitSignal()
        // The page's End before the session is live: the connection is ended, as /quit does.
        let dialled = Mutex<ViewerClient?>(nil)
        let name = me.displayName
        let webGroup = webOptions.web ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : nil
        var web: (server: LiveServer, page: PageFrontEnd, relay: SessionOutputRelay)?
        if let webGroup {
            web = try await webOptions.start(role: .viewing, localName: name, console: console, group: webGroup) {
                dialled.withLock { $0 }?.end(reason: .userQuit, text: "\(name) ended the session")
            }
        }
        // 0 after a session; 3 when it never started (refused, unreachable, …).
        let terminal = SessionTerminal(console: console, role: .viewing, localName: me.displayName,
                                       chatLog: snapshots + "/chat.log", snapshots: writer, relay: web?.relay,
                                       ended: { _, wasLive, _ in exit.finish(wasLive ? 0 : 3) })
        let model = terminal.model
        web?.page.bind(model)
        var configuration = ViewerConfiguration(
            tls: tls, allowNone: insecureLoopback, password: secret, encodings: order, snapshots: writer)
        configuration.sessionEvents = { client, event in model.viewerEvent(client, event) }
        if let server = web?.server { configuration.pictures = { server.publish($0) } }
        configuration.files = try files.receiving(fallback: snapshots + "/received")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client: ViewerClient
        do {
            client = try await ViewerClient.connect(host: endpoint.host, port: endpoint.port, configuration: configuration, group: group)
        } catch {
            try? await group.shutdownGracefully()
            await web?.server.close()
            try? await webGroup?.shutdownGracefully()
            let who = book.contacts.first { $0.address.map { "\($0)" } == "\(endpoint.host):\(endpoint.port)" }?.name ?? "the person you help"
            throw FailureAdvice.dial(error, who: who, address: "\(endpoint.host):\(endpoint.port)", theirCommand: "remote-assist share")
        }
        dialled.withLock { $0 = client }
        let signals = Signals { _ in
            guard !exit.isFinished else { return }
            client.end(reason: .interrupted, text: "\(me.displayName) ended the session (interrupted)") }
        let ticker = StatusTicker(console: console, model: model)
        terminal.ticker.withLock { $0 = ticker }
        ticker.start(exit: exit)
        console.startInput { line in
            guard !exit.isFinished else { return }
            if terminal.typed(line) { return }
            client.end(reason: line == nil ? .endOfInput : .userQuit,
                       text: line == nil ? "\(me.displayName) ended the session (end of input)" : "\(me.displayName) ended the session")
        }
        let status = await exit.wait()
        console.finish()
        _ = signals
        try? await client.channel.close()
        try? await group.shutdownGracefully()
        await web?.server.close()
        try? await webGroup?.shutdownGracefully()
        if status != 0 { throw ExitCode(status) }
    }
}

extension View {
    /// The one-time password: --password, else the first line of standard input with
    /// --password-stdin, else $REMOTE_ASSIST_PASSWORD; nil: none (certificate authentication).
    func oneTimePassword() throws -> String? {
        if let password { return password }
        if passwordStdin {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw CLIError("--password-stdin: no password on standard input")
            }
            return line.trimmingCharacters(in: .whitespaces)
        }
        if let value = ProcessInfo.processInfo.environment["REMOTE_ASSIST_PASSWORD"], !value.isEmpty { return value }
        return nil
    }
}

/// `HOST`, `HOST:PORT`, `[V6]:PORT`.
struct HostPort {
    let host: String
    let port: Int

    init(_ text: String, defaultPort: Int) throws {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            port = rest.hasPrefix(":") ? Int(rest.dropFirst()) ?? -1 : defaultPort
        } else if let colon = text.lastIndex(of: ":"), text.filter({ $0 == ":" }).count == 1 {
            host = String(text[..<colon])
            port = Int(text[text.index(after: colon)...]) ?? -1
        } else {
            host = text
            port = defaultPort
        }
        guard !host.isEmpty, (1...65535).contains(port) else { throw ValidationError("'\(text)' is not HOST[:PORT]") }
    }
}
