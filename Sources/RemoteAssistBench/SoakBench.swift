import ArgumentParser
import Foundation
import PNGSnapshot
import Pixels
import Synchronization
import Viewer
import X11Capture
#if canImport(Glibc)
import Glibc
#endif

struct SoakBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Many sessions in a row against one agent while hostile peers attack it.",
        discussion: """
            Starts its own Xvfb, then one `remote-assist share --insecure-loopback --allow-view --keep-listening` \
            (VeNCrypt TLS 1.3 and, on 127.0.0.1, security type None). --sessions times in a row, our \
            `remote-assist view` connects (mutual TLS), the screen changes three times (xsetroot), and each \
            picture — latest.png three times, final.png at the end — must equal the screen with the pointer \
            drawn (X11 capture), pixel for pixel; then the viewer ends the session. All along, --hostile \
            peers attack the same agent from 127.0.0.2-6 (slowloris, silent, HTTP garbage, a ClientCutText \
            claiming 2 GiB, SetEncodings of 65535, X509None stalled mid-TLS, X509Plain stalled before the \
            password: the agent runs with --password-timeout, which must close it, no earlier), each \
            reconnecting as soon as it is closed. \
            Reported: sessions pixel-exact, hostile outcomes, the agent's RSS and open descriptors (/proc) \
            before the first and after the last connection. With --listen-idle N, then an expert's `listen` \
            accepts a `request`, and N peers from 127.0.0.2-6 connect to `listen` and say nothing (each \
            reconnecting once closed) for --listen-seconds while the screen changes: every picture must \
            equal the screen, and listen's descriptors and RSS must come back.

            Example:
              swift build -c release && .build/release/remote-assist-bench soak --sessions 100 --hostile 20 --listen-idle 250 --json /tmp/soak.json
            """)

    @Option(help: "Sessions in a row.") var sessions = 100
    /// Connection attempts of one session's viewer before it counts as failed.
    static let attempts = 20
    @Option(help: "Hostile peers attacking at once.") var hostile = 20
    @Option(help: "Loopback source addresses the hostile peers spread over (127.0.0.2 onwards).") var hostileAddresses = 5
    @Option(help: "Then, idle peers knocking on an expert's `listen` during a live `request` session (0: skip).")
    var listenIdle = 0
    @Option(help: "How long the idle peers knock on `listen`, in seconds.") var listenSeconds = 30
    @Option(help: "The agent's limit for a stock viewer's password (share --password-timeout), in seconds: the password-stall peers wait for it (more than the 10 s handshake limit, or the test shows nothing).")
    var passwordTimeout = 15
    @Option(help: "Write the results as JSON to this file.") var json: String?
    @Option(help: "Keep logs and pictures in this folder (default: a temporary folder, removed afterwards).")
    var workDirectory: String?

    func validate() throws {
        guard sessions > 0, hostile >= 0, listenIdle >= 0, listenSeconds > 0, (1...200).contains(hostileAddresses) else {
            throw ValidationError("--sessions must be positive, --hostile not negative, --hostile-addresses 1-200")
        }
        guard passwordTimeout > 10 else { throw ValidationError("--password-timeout must be more than the 10 s handshake limit") }
    }

    func run() throws {
        let started = nowMilliseconds()
        let keep = workDirectory != nil
        let dir = workDirectory ?? (NSTemporaryDirectory() + "remote-assist-soak-\(getpid())")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if !keep { try? FileManager.default.removeItem(atPath: dir) } }
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let tool = (me as NSString).deletingLastPathComponent + "/remote-assist"
        guard FileManager.default.isExecutableFile(atPath: tool) else { throw BenchError("\(tool) is missing: build it first") }
        let desktop = try BenchDesktop(workDirectory: dir, width: 800, height: 600, wallpaper: nil)
        defer { desktop.stop() }
        let bob = "\(dir)/bob", alice = "\(dir)/alice"
        func cli(_ arguments: [String], config: String) throws -> String {
            try ChildProcess.remoteAssist(tool, arguments, config: config, logFile: "\(dir)/cli.log")
        }
        let bobFingerprint = try cli(["id", "--fingerprint", "--name", "bob"], config: bob)
        let aliceFingerprint = try cli(["id", "--fingerprint", "--name", "alice"], config: alice)
        _ = try cli(["contacts", "add", "alice", aliceFingerprint], config: bob)

        let share = try ChildProcess(name: "share", executable: tool,
                                     arguments: ["share", "--insecure-loopback", "--allow-view", "--keep-listening", "--json",
                                                 "--port", "0", "--display", desktop.display, "--password-timeout", "\(passwordTimeout)"],
                                     environment: ["XDG_CONFIG_HOME": bob], logFile: "\(dir)/share.log", keepStdinOpen: true)
        defer { share.stop() }
        let port = try waitForPort(share)
        var report = SoakReport()
        report.sessions = sessions
        report.hostilePeers = hostile
        report.fdsListening = ProcFigures.openFDs(share.pid) ?? 0
        report.rssListeningKB = ProcFigures.residentKB(share.pid) ?? 0
        report.threadsListening = ProcFigures.threads(share.pid) ?? 0
        let peak = Mutex(report.rssListeningKB)
        let sampling = Mutex(true)
        let agentPID = share.pid
        Thread.detachNewThread {
            while sampling.withLock({ $0 }) {
                if let rss = ProcFigures.residentKB(agentPID) { peak.withLock { $0 = max($0, rss) } }
                usleep(250_000)
            }
        }
        progress("[soak] agent on port \(port), \(report.fdsListening) fds, \(report.rssListeningKB / 1024) MB; \(hostile) hostile peers")

        let peers = try HostilePeers(port: port, passwordTimeoutSeconds: passwordTimeout)
        peers.start(count: hostile, addresses: hostileAddresses)
        let screen = try ScreenWithPointer(display: desktop.display)
        for number in 1...sessions {
            let outcome = runSession(number, tool: tool, config: alice, port: port, fingerprint: bobFingerprint,
                                     desktop: desktop, screen: screen, dir: dir)
            report.viewerRetries += outcome.retries
            if outcome.completed { report.sessionsCompleted += 1 }
            if outcome.exact { report.sessionsPixelExact += 1 }
            if let failure = outcome.failure { report.failures.append("session \(number): \(failure)") }
            if number == 1 { report.rssAfterFirstSessionKB = ProcFigures.residentKB(share.pid) ?? 0 }
            if number % 10 == 0 || number == sessions {
                progress("[soak] \(number) sessions, \(report.sessionsPixelExact) pixel-exact, agent \(ProcFigures.residentKB(share.pid).map { $0 / 1024 } ?? 0) MB")
            }
        }
        let counts = peers.stop()
        report.hostile = Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })
        // Let the agent finish closing what the last peers left.
        let settle = nowMilliseconds() + 10_000
        while (ProcFigures.openFDs(share.pid) ?? 0) > report.fdsListening && nowMilliseconds() < settle { usleep(100_000) }
        report.fdsEnd = ProcFigures.openFDs(share.pid) ?? 0
        report.rssEndKB = ProcFigures.residentKB(share.pid) ?? 0
        report.threadsEnd = ProcFigures.threads(share.pid) ?? 0
        sampling.withLock { $0 = false }
        report.rssPeakKB = peak.withLock { $0 }
        share.closeStdin()
        share.waitExit(seconds: 10)
        report.agentExitStatus = share.exitStatus
        if listenIdle > 0 {
            report.listen = try SoakListenPhase.run(tool: tool, dir: dir, desktop: desktop, screen: screen, idle: listenIdle,
                                                    addresses: hostileAddresses, seconds: Double(listenSeconds),
                                                    compare: waitUntilEqual)
        }
        report.seconds = (nowMilliseconds() - started) / 1000
        print(report.printed())
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: json))
        }
    }

    private func waitForPort(_ share: ChildProcess) throws -> Int {
        let deadline = nowMilliseconds() + 20_000
        while nowMilliseconds() < deadline {
            for line in share.output.split(separator: "\n") {
                if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                   object["event"] as? String == "listening", let port = object["port"] as? Int { return port }
            }
            guard share.isRunning else { break }
            usleep(50_000)
        }
        throw BenchError("share did not start listening: \(share.output.suffix(500))")
    }

    /// One session: connect, three pictures, end; each picture must equal the screen.
    private func runSession(_ number: Int, tool: String, config: String, port: Int, fingerprint: String,
                            desktop: BenchDesktop, screen: ScreenWithPointer, dir: String)
        -> (completed: Bool, exact: Bool, failure: String?, retries: Int) {
        let folder = "\(dir)/session-\(number)"
        var view: ChildProcess?
        var retries = 0
        // Hostile peers from four or more addresses can hold all the agent's places for unauthenticated
        // connections: a viewer refused at the door tries again, as a person would.
        for attempt in 0..<Self.attempts {
            do {
                let started = try ChildProcess(name: "view", executable: tool,
                                               arguments: ["view", "127.0.0.1:\(port)", "--fingerprint", fingerprint,
                                                           "--snapshots", folder, "--rate", "20"],
                                               environment: ["XDG_CONFIG_HOME": config],
                                               logFile: "\(dir)/view-\(number)-\(attempt).log", keepStdinOpen: true)
                let deadline = nowMilliseconds() + 20_000
                while started.isRunning && !started.output.contains("viewing \"") && nowMilliseconds() < deadline { usleep(20_000) }
                if started.output.contains("viewing \"") { view = started; break }
                started.stop()
                retries += 1
                usleep(300_000)
            } catch {
                return (false, false, "\(error)", retries)
            }
        }
        guard let view else { return (false, false, "refused \(Self.attempts) times in a row", retries) }
        defer { view.stop() }
        var exact = true
        var failure: String?
        for step in 0..<3 {
            let value = (number * 3 + step) * 0x1F3D5B7 & 0xFFFFFF
            let colour = String(format: "#%06x", value)
            let other = String(format: "#%06x", 0xFFFFFF ^ value)
            let arguments = step == 1 ? ["-solid", colour] : ["-mod", "\(2 + step)", "\(3 + number % 5)", "-fg", colour, "-bg", other]
            _ = try? ChildProcess.run(which("xsetroot") ?? "xsetroot", arguments, environment: desktop.environment,
                                      logFile: "\(dir)/xsetroot.log")
            if !waitUntilEqual("\(folder)/latest.png", screen, seconds: 20) {
                exact = false
                failure = failure ?? "latest.png never equalled the screen after change \(step + 1): \(view.output.suffix(300))"
            }
        }
        view.closeStdin()
        guard view.waitExit(seconds: 15), view.exitStatus == 0 else {
            return (false, false, failure ?? "the viewer did not end cleanly: \(view.output.suffix(300))", retries)
        }
        if !waitUntilEqual("\(folder)/final.png", screen, seconds: 1) {
            exact = false
            failure = failure ?? "final.png differs from the screen"
        }
        if exact { try? FileManager.default.removeItem(atPath: folder) }
        return (true, exact, failure, retries)
    }

    private func waitUntilEqual(_ path: String, _ screen: ScreenWithPointer, seconds: Double) -> Bool {
        let deadline = nowMilliseconds() + seconds * 1000
        repeat {
            if let picture = try? PNGCodec.read(path), let now = try? screen.picture(), picture == now { return true }
            usleep(50_000)
        } while nowMilliseconds() < deadline
        return false
    }
}

/// The screen as the X server has it, with the pointer drawn where our viewer draws it.
final class ScreenWithPointer {
    private let source: X11ScreenSource

    init(display: String) throws {
        source = try X11ScreenSource(displayName: display, allowSharedMemory: false, useDamage: false)
    }

    func picture() throws -> Framebuffer {
        var fb = Framebuffer(width: 0, height: 0)
        _ = try source.capture(into: &fb, full: true)
        guard let cursor = try source.cursorImage(), let at = try source.pointerPosition() else { return fb }
        return PointerOverlay(cursor: cursor, x: at.x, y: at.y).drawn(on: fb)
    }
}
