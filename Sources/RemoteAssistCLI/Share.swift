import Agent
import ArgumentParser
import Foundation
import NIOPosix
import RFBProtocol
import RFBTransport
import Synchronization
import X11Capture

struct Share: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Share this screen: listen for a viewer (the forward direction of `request`).",
        discussion: """
            Viewers connect with VeNCrypt TLS 1.3: your contacts by certificate (mutual TLS), stock VNC \
            viewers (TigerVNC, Remmina, libvncclient) with the one-time password printed at start. You \
            are asked before anything of your screen is shown; capture starts only after "yes".

            While a viewer watches, type a line to chat. Commands: /pause, /resume, /quit, /help. \
            Ctrl-C or end of input ends the session.

            Examples:
              remote-assist share                          listen on port 5900, ask before sharing
              remote-assist share --display :1 --port 5901
              remote-assist share --insecure-loopback      no TLS, 127.0.0.1 only (for SSH tunnels)
            """)

    @Option(help: "TCP port to listen on.") var port = 5900
    @Option(help: "Address to listen on.") var host = "0.0.0.0"
    @Option(help: "X display to share (default: $DISPLAY).") var display: String?
    @Flag(help: "Consent given in advance (scripts): do not ask before sharing.") var allowView = false
    @Option(help: "Seconds to wait for the consent answer before refusing.") var consentTimeout = 60
    @Flag(help: "Offer security type None, listening on 127.0.0.1 only (for tunnels and tests).") var insecureLoopback = false
    @Option(help: ArgumentHelp("Present this PEM certificate (e.g. signed by your organisation's CA) instead of your own.", valueName: "FILE")) var tlsCert: String?
    @Option(help: ArgumentHelp("The private key of --tls-cert (mode 0600).", valueName: "FILE")) var tlsKey: String?
    @Flag(help: "Print events as JSON lines (for scripts).") var json = false
    @Flag(help: "After a session ends, wait for the next viewer (with a new one-time password) instead of exiting.") var keepListening = false
    @OptionGroup var identity: IdentityOptions

    func validate() throws {
        guard (1...65535).contains(port) || port == 0 else { throw ValidationError("--port must be 0-65535") }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        guard consentTimeout > 0 else { throw ValidationError("--consent-timeout must be positive") }
    }

    func run() async throws {
        MemoryTuning.forLongRunningAgent()
        let console = Console(json: json)
        let me = try identity.identity()
        let book = try identity.contacts()
        let credentials: TLSCredentials
        do {
            credentials = try tlsCert.map { try TLSCredentials.load(certificateFile: $0, keyFile: tlsKey ?? "") }
                ?? TLSCredentials(identity: me)
        } catch { throw CLIError("\(error)") }
        let gate = PasswordGate()
        let password = gate.rotate()
        let security = AgentSecurity(
            mutualTLS: try TLSSetup.Server(credentials: credentials, clientCertificates: .required(TrustedPeers(contacts: book))),
            passwordTLS: try TLSSetup.Server(credentials: credentials, clientCertificates: .notRequested),
            passwords: gate, allowNone: insecureLoopback)
        let question = PendingQuestion(console: console)
        let consent = ConsentPrompt(console: console, question: question, timeoutSeconds: consentTimeout, givenInAdvance: allowView)
        let exit = ExitSignal()
        let nextViewer: @Sendable () -> Void = {
            let fresh = gate.rotate()
            console.event("password", "waiting for the next viewer; new one-time password: \(fresh.text)", ["password": fresh.text])
        }
        let session = SessionLines(console: console, localName: me.displayName, auditLog: try identity.directory() + "/audit.log",
                                   afterLastSession: keepListening ? nextViewer : nil)
        let displayName = display
        let configuration = AgentConfiguration(
            security: security, desktopName: "\(me.displayName)'s desktop",
            makeSource: { try X11ScreenSource(displayName: displayName) },
            consent: { consent.ask($0, $1) },
            events: { event in session.agentEvent(event, exit: exit) })

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bindHost = insecureLoopback ? "127.0.0.1" : host
        let server: AgentServer
        do {
            server = try await AgentServer.start(host: bindHost, port: port, configuration: configuration, group: group)
        } catch {
            throw CLIError("cannot listen on \(bindHost):\(port): \(error)")
        }
        console.event("listening", "sharing display \(display ?? ProcessInfo.processInfo.environment["DISPLAY"] ?? "?") on \(bindHost):\(server.localPort) as \(me.displayName) (\(credentials.fingerprint))",
                      ["port": server.localPort, "fingerprint": "\(credentials.fingerprint)"])
        console.event("password", "one-time password for stock VNC viewers (VeNCrypt, any user name): \(password.text)",
                      ["password": password.text])

        let signals = Signals { sig in
            guard !exit.isFinished else { return }
            let running = server.sessions
            if !running.isEmpty, session.started {
                for s in running { s.end(reason: .interrupted, text: "\(me.displayName) ended the session (interrupted)") }
                if keepListening { exit.finish(0) }
            } else {
                console.event("stopped", "stopped sharing")
                exit.finish(0)
            }
        }
        let ticker = StatusTicker(console: console, lines: session) { await server.session?.statistics() }
        session.ticker.withLock { $0 = ticker }
        ticker.start(exit: exit)
        console.startInput { line in
            guard !exit.isFinished else { return }
            if question.take(line) { return }
            session.typed(line, agents: server.sessions, exit: exit)
        }
        let status = await exit.wait()
        console.finish()
        _ = signals
        await server.close()
        _ = CapturePump.waitForAllToStop()
        try? await group.shutdownGracefully()
        if status != 0 { throw ExitCode(status) }
    }
}
