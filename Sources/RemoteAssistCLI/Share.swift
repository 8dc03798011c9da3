import Agent
import ArgumentParser
import Foundation
import LiveView
import NIOPosix
import RFBProtocol
import RFBTransport
import SessionModel
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
            Ctrl-C or end of input ends the session. /send PATH offers a file; /accept or /decline [reason] answers an offer (files go to --downloads, \
            only once accepted and their SHA-256 checked); /cancel stops transfers.

            Examples:
              remote-assist share                          listen on port 5900, ask before sharing
              remote-assist share --display :1 --port 5901
              remote-assist share --insecure-loopback      no TLS, 127.0.0.1 only (for SSH tunnels)
            """)

    @Option(help: "TCP port to listen on.") var port = 5900
    @Option(help: ArgumentHelp("Address to listen on. The default, 0.0.0.0, is every network interface of this machine (the addresses are printed at start): anyone who reaches the port can knock, but only your contacts' certificates or the one-time password get in, and nothing is shown before you say yes. 127.0.0.1: this machine only.", valueName: "ADDRESS")) var host = "0.0.0.0"
    @Option(help: "X display to share (default: $DISPLAY).") var display: String?
    @Flag(help: "Consent given in advance (scripts): do not ask before sharing.") var allowView = false
    @Option(help: "Seconds to wait for the consent answer before refusing.") var consentTimeout = 60
    @Flag(help: "Offer security type None, listening on 127.0.0.1 only (for tunnels and tests).") var insecureLoopback = false
    @Option(help: ArgumentHelp("Present this PEM certificate (e.g. signed by your organisation's CA) instead of your own.", valueName: "FILE")) var tlsCert: String?
    @Option(help: ArgumentHelp("The private key of --tls-cert (mode 0600).", valueName: "FILE")) var tlsKey: String?
    @Flag(help: "Print events as JSON lines (for scripts).") var json = false
    @Flag(help: "After a session ends, wait for the next viewer (with a new one-time password) instead of exiting.") var keepListening = false
    /// For tests and the soak bench only (hidden): how long a stock viewer has from choosing VeNCrypt
    /// X509Plain to sending the one-time password (default `AgentLimits.passwordTimeout`, 120 s).
    @Option(help: ArgumentHelp("Seconds a stock viewer has to send the one-time password.", visibility: .hidden))
    var passwordTimeout: Int?
    @OptionGroup var files: FileOptions
    @OptionGroup var identity: IdentityOptions
    @OptionGroup var webOptions: WebOptions
    @OptionGroup var debugging: DebugOption

    func validate() throws {
        guard (1...65535).contains(port) || port == 0 else { throw ValidationError("--port must be 0-65535") }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        guard consentTimeout > 0 else { throw ValidationError("--consent-timeout must be positive") }
        guard (1...3600).contains(passwordTimeout ?? 1) else { throw ValidationError("--password-timeout must be 1-3600 seconds") }
    }

    func run() async throws {
        MemoryTuning.forLongRunningAgent()
        debugging.apply()
        let console = Console(json: json)
        let me = try identity.identity()
        let book = try identity.contacts()
        let credentials: TLSCredentials
        do {
            credentials = try tlsCert.map { try TLSCredentials.load(certificateFile: $0, keyFile: tlsKey ?? "") }
                ?? TLSCredentials(identity: me)
        } catch { throw CLIError("\(error)") }
        let screen = try DisplayCheck.open(display)
        if !allowView {
            try StandardInput.requireAnswerer("\"Allow NAME to see your screen?\"",
                                              fix: "Run `remote-assist share` in a terminal, add --web to answer in a web page, or add --allow-view to consent in advance.",
                                              page: webOptions.web)
        }
        let gate = PasswordGate()
        let password = gate.rotate()
        // A password guessed at three times, or expired, is replaced at once and the new one printed.
        gate.onRenewal { fresh, why in
            let cause = why == .lockedOut ? "after 3 wrong guesses" : "the last one expired"
            console.event("password", "new one-time password for stock VNC viewers (\(cause)): \(fresh.text)",
                          ["password": fresh.text, "reason": why.rawValue])
        }
        let security = AgentSecurity(
            mutualTLS: try TLSSetup.Server(credentials: credentials, clientCertificates: .required(TrustedPeers(contacts: book))),
            passwordTLS: try TLSSetup.Server(credentials: credentials, clientCertificates: .notRequested),
            passwords: gate, allowNone: insecureLoopback)
        let exit = ExitSignal()
        let webGroup = webOptions.web ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : nil
        var web: (server: LiveServer, page: PageFrontEnd, relay: SessionOutputRelay)?
        if let webGroup {
            // The page's End with no session live stops sharing, as /quit does.
            web = try await webOptions.start(role: .sharing, localName: me.displayName, console: console, group: webGroup) {
                console.event("stopped", "stopped sharing")
                exit.finish(0)
            }
        }
        let terminal = SessionTerminal(console: console, role: .sharing, localName: me.displayName,
                                       auditLog: try identity.directory() + "/audit.log", relay: web?.relay,
                                       ended: { _, wasLive, liveLeft in
            guard wasLive, liveLeft == 0 else { return }
            if keepListening {
                let fresh = gate.rotate()
                console.event("password", "waiting for the next viewer; new one-time password: \(fresh.text)", ["password": fresh.text])
            } else {
                exit.finish(0)
            }
        })
        let model = terminal.model
        web?.page.bind(model)
        let displayName: String? = screen
        var configuration = AgentConfiguration(
            security: security, desktopName: "\(me.displayName)'s desktop",
            makeSource: { try X11ScreenSource(displayName: displayName) },
            consent: model.consentPolicy(givenInAdvance: allowView, timeoutSeconds: consentTimeout))
        configuration.sessionEvents = { control, event in model.agentEvent(control, event) }
        configuration.files = try files.receiving(fallback: "remote-assist-received")
        if let passwordTimeout { configuration.passwordTimeout = .seconds(Int64(passwordTimeout)) }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bindHost = insecureLoopback ? "127.0.0.1" : host
        let server: AgentServer
        do {
            server = try await AgentServer.start(host: bindHost, port: port, configuration: configuration, group: group)
        } catch {
            await web?.server.close()
            try? await webGroup?.shutdownGracefully()
            throw FailureAdvice.listen(error, host: bindHost, port: port, command: "share")
        }
        let addresses = ListeningAddresses.describe(host: bindHost, port: server.localPort)
        let fingerprintText = "\(credentials.fingerprint) = SHA-256 \(ListeningAddresses.colonHex(credentials.fingerprint.hex))"
        console.event("listening", "sharing display \(screen) as \(me.displayName) (\(fingerprintText)); reachable at \(addresses.joined(separator: ", "))",
                      ["port": server.localPort, "addresses": addresses, "fingerprint": "\(credentials.fingerprint)",
                       "sha256": credentials.fingerprint.hex])
        console.event("password", "one-time password for stock VNC viewers (VeNCrypt, any user name): \(password.text)",
                      ["password": password.text])

        let signals = Signals { sig in
            guard !exit.isFinished else { return }
            if !model.live.isEmpty {
                model.endAll(reason: .interrupted, text: "\(me.displayName) ended the session (interrupted)")
                if keepListening { exit.finish(0) }
            } else {
                console.event("stopped", "stopped sharing")
                exit.finish(0)
            }
        }
        Task {
            while !exit.isFinished {
                try? await Task.sleep(for: .seconds(2))
                gate.renewIfExpired()
            }
        }
        let ticker = StatusTicker(console: console, model: model)
        terminal.ticker.withLock { $0 = ticker }
        ticker.start(exit: exit)
        console.startInput { line in
            guard !exit.isFinished else { return }
            if terminal.typed(line) { return }
            // /quit or the end of input: end every session (each viewer is told why), then stop.
            let running = model.live.count
            model.endAll(reason: line == nil ? .endOfInput : .userQuit,
                         text: line == nil ? "\(me.displayName) ended the session (end of input)" : "\(me.displayName) ended the session")
            if running == 0 || keepListening { exit.finish(0) }
        }
        let status = await exit.wait()
        console.finish()
        _ = signals
        await server.close()
        _ = CapturePump.waitForAllToStop()
        try? await group.shutdownGracefully()
        await web?.server.close()
        try? await webGroup?.shutdownGracefully()
        if status != 0 { throw ExitCode(status) }
    }
}
