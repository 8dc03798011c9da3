import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What the listen phase of the soak measured: one live `request` → `listen` session while idle
/// connections from 127.0.0.2-6 knock on the expert's port the whole time.
struct ListenSoakReport: Codable {
    var idlePeers = 0
    var idleConnections = 0
    /// Closed by `listen` within a second (over its admission caps).
    var idleRefusedAtOnce = 0
    /// Held, then closed by `listen`'s limit before verification.
    var idleClosedByLimit = 0
    /// Still open after twice the limit.
    var idleUnexpected = 0
    /// The connection itself failed (the machine's limits, not listen's answer).
    var idleConnectFailed = 0
    var pictures = 0
    var picturesExact = 0
    var sessionEndedCleanly = false
    var fdsBefore = 0
    var fdsDuring = 0
    var fdsAfter = 0
    var rssBeforeKB = 0
    var rssAfterKB = 0
    var rssPeakKB = 0
    var failures: [String] = []

    func printed() -> String {
        var lines = [
            "listen: \(idlePeers) idle peers, \(idleConnections) connections: \(idleRefusedAtOnce) refused at once, "
                + "\(idleClosedByLimit) closed by the 10 s limit, \(idleUnexpected) still open after 20 s, "
                + "\(idleConnectFailed) could not connect",
            "listen: the live session's pictures \(picturesExact)/\(pictures) pixel-exact, ended cleanly: \(sessionEndedCleanly)",
            "listen fds: \(fdsBefore) in the session, \(fdsDuring) under attack, \(fdsAfter) after; "
                + "RSS \(rssBeforeKB / 1024) MB -> \(rssAfterKB / 1024) MB (peak \(rssPeakKB / 1024) MB)",
        ]
        for failure in failures.prefix(5) { lines.append("listen failure: \(failure)") }
        return lines.joined(separator: "\n")
    }
}

/// Runs the listen phase: an expert (`listen`) accepts a requester (`request --allow-view`), and while
/// the session runs `idle` peers connect and say nothing, reconnecting as soon as they are closed, for
/// `seconds`; the screen changes meanwhile and every picture must equal it.
enum SoakListenPhase {
    static func run(tool: String, dir: String, desktop: BenchDesktop, screen: ScreenWithPointer, idle: Int,
                    addresses: Int, seconds: Double, compare: (String, ScreenWithPointer, Double) -> Bool) throws -> ListenSoakReport {
        var report = ListenSoakReport()
        report.idlePeers = idle
        let expert = "\(dir)/expert", requester = "\(dir)/requester", snapshots = "\(dir)/listen-snapshots"
        func cli(_ arguments: [String], config: String) throws -> String {
            try ChildProcess.remoteAssist(tool, arguments, config: config, logFile: "\(dir)/cli.log")
        }
        let expertFingerprint = try cli(["id", "--fingerprint", "--name", "carol"], config: expert)
        let requesterFingerprint = try cli(["id", "--fingerprint", "--name", "dave"], config: requester)
        _ = try cli(["contacts", "add", "dave", requesterFingerprint], config: expert)
        let listen = try ChildProcess(name: "listen", executable: tool,
                                      arguments: ["listen", "--json", "--port", "0", "--snapshots", snapshots, "--rate", "20"],
                                      environment: ["XDG_CONFIG_HOME": expert], logFile: "\(dir)/listen.log", keepStdinOpen: true)
        defer { listen.stop() }
        let port = try waitForEvent(listen, "listening")["port"] as? Int ?? 0
        _ = try cli(["contacts", "add", "carol", expertFingerprint, "--address", "127.0.0.1:\(port)"], config: requester)
        let request = try ChildProcess(name: "request", executable: tool,
                                       arguments: ["request", "carol", "--allow-view", "--display", desktop.display],
                                       environment: ["XDG_CONFIG_HOME": requester], logFile: "\(dir)/request.log",
                                       keepStdinOpen: true)
        defer { request.stop() }
        _ = try waitForEvent(listen, "question")
        listen.send("y\n")
        _ = try waitForEvent(listen, "started")
        report.pictures += 1
        if compare("\(snapshots)/latest.png", screen, 20) { report.picturesExact += 1 }
        usleep(500_000)
        report.fdsBefore = ProcFigures.openFDs(listen.pid) ?? 0
        report.rssBeforeKB = ProcFigures.residentKB(listen.pid) ?? 0
        progress("[soak] listen on port \(port): session live, \(report.fdsBefore) fds; \(idle) idle peers for \(Int(seconds)) s")

        let peers = IdlePeers(port: port)
        peers.start(count: idle, addresses: addresses)
        let peak = Mutex(report.rssBeforeKB)
        let end = nowMilliseconds() + seconds * 1000
        var step = 0
        while nowMilliseconds() < end {
            usleep(1_000_000)
            report.fdsDuring = max(report.fdsDuring, ProcFigures.openFDs(listen.pid) ?? 0)
            if let rss = ProcFigures.residentKB(listen.pid) { peak.withLock { $0 = max($0, rss) } }
            guard step < 3, nowMilliseconds() > end - seconds * 1000 * Double(3 - step) / 4 else { continue }
            let value = (step + 7) * 0x2D4E8F & 0xFFFFFF
            _ = try? ChildProcess.run(which("xsetroot") ?? "xsetroot", ["-solid", String(format: "#%06x", value)],
                                      environment: desktop.environment, logFile: "\(dir)/xsetroot.log")
            report.pictures += 1
            if compare("\(snapshots)/latest.png", screen, 20) { report.picturesExact += 1 }
            else { report.failures.append("latest.png never equalled the screen after change \(step + 1) under attack") }
            step += 1
        }
        let counts = peers.stop()
        report.idleConnections = counts.connections
        report.idleRefusedAtOnce = counts.refusedAtOnce
        report.idleClosedByLimit = counts.closedByLimit
        report.idleUnexpected = counts.unexpected
        report.idleConnectFailed = counts.connectFailed
        let settle = nowMilliseconds() + 15_000
        while (ProcFigures.openFDs(listen.pid) ?? 0) > report.fdsBefore && nowMilliseconds() < settle { usleep(100_000) }
        report.fdsAfter = ProcFigures.openFDs(listen.pid) ?? 0
        report.rssAfterKB = ProcFigures.residentKB(listen.pid) ?? 0
        report.rssPeakKB = peak.withLock { $0 }
        listen.closeStdin()
        report.sessionEndedCleanly = listen.waitExit(seconds: 15) && listen.exitStatus == 0
            && request.waitExit(seconds: 15) && request.exitStatus == 0
        if !report.sessionEndedCleanly {
            report.failures.append("the session did not end cleanly: listen \(listen.output.suffix(300)) request \(request.output.suffix(300))")
        }
        return report
    }

    /// The first JSON event named `name` in the process's output (waits up to 20 s).
    private static func waitForEvent(_ process: ChildProcess, _ name: String) throws -> [String: Any] {
        let deadline = nowMilliseconds() + 20_000
        while nowMilliseconds() < deadline {
            for line in process.output.split(separator: "\n") {
                if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                   object["event"] as? String == name { return object }
            }
            guard process.isRunning else { break }
            usleep(50_000)
        }
        throw BenchError("\(process.name) never reported \(name): \(process.output.suffix(500))")
    }
}

/// Peers that connect and say nothing, each reconnecting as soon as it is closed.
final class IdlePeers: Sendable {
    struct Counts { var connections = 0, refusedAtOnce = 0, closedByLimit = 0, unexpected = 0, connectFailed = 0 }
    private let port: Int
    private let counts = Mutex(Counts())
    private let stopping = Mutex(false)
    private let running = DispatchGroup()

    init(port: Int) { self.port = port }

    func start(count: Int, addresses: Int) {
        for i in 0..<count {
            let source = "127.0.0.\(2 + i % max(1, addresses))"
            running.enter()
            Thread.detachNewThread { [self] in
                while !stopping.withLock({ $0 }) { once(from: source) }
                running.leave()
            }
        }
    }

    func stop() -> Counts {
        stopping.withLock { $0 = true }
        _ = running.wait(timeout: .now() + .seconds(30))
        return counts.withLock { $0 }
    }

    private func once(from source: String) {
        counts.withLock { $0.connections += 1 }
        let started = nowMilliseconds()
        guard let socket = try? BenchSocket(port: port, from: source, receiveTimeoutSeconds: 20) else {
            counts.withLock { $0.connectFailed += 1 }
            usleep(200_000)
            return
        }
        let closed = socket.waitForClose()
        let held = nowMilliseconds() - started
        counts.withLock { c in
            if !closed { c.unexpected += 1 } else if held < 1000 { c.refusedAtOnce += 1 } else { c.closedByLimit += 1 }
        }
        if held < 1000 { usleep(100_000) }   // refused at the door: try again a little later
    }
}
