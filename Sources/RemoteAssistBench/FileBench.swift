import ArgumentParser
import Foundation
import NIOPosix
import Pixels
import RFBTransport
import Synchronization
import Viewer
#if canImport(Glibc)
import Glibc
#endif

struct FileBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files",
        abstract: "File transfer: throughput over loopback TLS and the picture's latency with and without a transfer.",
        discussion: """
            Starts its own Xvfb 1920x1080x24 and our agent (`remote-assist share`), and connects our viewer in this \
            process over TLS 1.3 (VeNCrypt X509Plain with the one-time password). Each run:

            - throughput: the agent sends a --size MiB random file (typed `/send PATH` on its standard input), the \
            viewer accepts it; the time from the acceptance to the stored file (hash checked, flushed to disk) gives \
            MB/s, and the agent's CPU seconds (utime+stime from /proc) over that time;
            - latency, idle: a square changes colour every 100 ms for --seconds; each change is timed from the X \
            server (after XSync) to the viewer's decoded picture showing it (the pixel at its centre);
            - latency, transferring: the same while the agent sends --latency-size MiB files one after the other.

            Prints medians over --runs of each run's MB/s, CPU and latency p50/p95.

            Example:
              swift build -c release && .build/release/remote-assist-bench files --runs 3
            """)

    @Option(help: "MiB of the throughput file.") var size = 256
    @Option(help: "MiB of each file sent during the latency measurement.") var latencySize = 64
    @Option(help: "Seconds of each latency measurement.") var seconds = 10.0
    @Option(help: "Measure this many times; the table shows medians.") var runs = 3
    @Option(help: "Folder with Tests/Interop (the C helpers).") var packageRoot = "."
    @Option(help: "Write the results as JSON to this file.") var json: String?

    struct Run: Codable {
        var megabytesPerSecond: Double
        var agentCPUSeconds: Double
        var transferSeconds: Double
        var idle: LatencyStats?
        var transferring: LatencyStats?
        var filesDuringLatency: Int
    }

    func validate() throws {
        guard (1...15).contains(runs), (1...4096).contains(size), (1...4096).contains(latencySize), (1...120).contains(seconds) else {
            throw ValidationError("--runs 1...15, --size and --latency-size 1...4096 MiB, --seconds 1...120")
        }
    }

    func run() throws {
        let dir = NSTemporaryDirectory() + "remote-assist-files-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tools = try BenchTools(packageRoot: packageRoot, workDirectory: dir)
        let desktop = try BenchDesktop(workDirectory: dir, wallpaper: tools.wallpaper)
        defer { desktop.stop() }
        progress("[files] Xvfb \(desktop.display) \(desktop.width)x\(desktop.height)x24; writing the files")
        let big = try Self.randomFile("\(dir)/big-\(size)MiB.bin", mebibytes: size)
        let small = try Self.randomFile("\(dir)/probe-\(latencySize)MiB.bin", mebibytes: latencySize)
        var results: [Run] = []
        for run in 1...runs {
            let session = try FileBenchSession(dir: dir, tag: "run\(run)", desktop: desktop, tools: tools)
            defer { session.stop() }
            let (seconds, cpu) = try session.transfer(big)
            let mbps = Double(size << 20) / 1_000_000 / seconds
            progress("[files] run \(run): \(size) MiB in \(format(seconds)) s = \(format(mbps)) MB/s, agent CPU \(format(cpu)) s")
            let idle = try session.latency(seconds: self.seconds, sending: nil)
            let busy = try session.latency(seconds: self.seconds, sending: small)
            progress("[files] run \(run): latency idle p50 \(format(idle.stats?.p50Milliseconds ?? -1)) p95 \(format(idle.stats?.p95Milliseconds ?? -1)) ms; "
                     + "transferring p50 \(format(busy.stats?.p50Milliseconds ?? -1)) p95 \(format(busy.stats?.p95Milliseconds ?? -1)) ms "
                     + "(\(busy.files) files of \(latencySize) MiB, \(busy.stats?.seen ?? 0)/\(busy.stats?.drawn ?? 0) changes seen)")
            results.append(Run(megabytesPerSecond: mbps, agentCPUSeconds: cpu, transferSeconds: seconds,
                               idle: idle.stats, transferring: busy.stats, filesDuringLatency: busy.files))
        }
        func med(_ pick: (Run) -> Double?) -> String { format(median(results.compactMap(pick))) }
        print("| measure | median of \(runs) runs | runs |")
        print("| --- | --- | --- |")
        print("| \(size) MiB agent -> viewer, MB/s | \(med { $0.megabytesPerSecond }) | \(results.map { format($0.megabytesPerSecond) }.joined(separator: ", ")) |")
        print("| agent CPU s for it | \(med { $0.agentCPUSeconds }) | \(results.map { format($0.agentCPUSeconds) }.joined(separator: ", ")) |")
        print("| latency idle p50 / p95 ms | \(med { $0.idle?.p50Milliseconds }) / \(med { $0.idle?.p95Milliseconds }) | \(results.map { "\(format($0.idle?.p50Milliseconds ?? -1))/\(format($0.idle?.p95Milliseconds ?? -1))" }.joined(separator: ", ")) |")
        print("| latency during \(latencySize) MiB transfers p50 / p95 ms | \(med { $0.transferring?.p50Milliseconds }) / \(med { $0.transferring?.p95Milliseconds }) | \(results.map { "\(format($0.transferring?.p50Milliseconds ?? -1))/\(format($0.transferring?.p95Milliseconds ?? -1))" }.joined(separator: ", ")) |")
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(results).write(to: URL(fileURLWithPath: json))
        }
    }

    static func randomFile(_ path: String, mebibytes: Int) throws -> String {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else { throw BenchError("cannot write \(path)") }
        var rng = SystemRandomNumberGenerator()
        var block = [UInt64](repeating: 0, count: 1 << 17)
        for _ in 0..<mebibytes {
            for i in block.indices { block[i] = rng.next() }
            try handle.write(contentsOf: block.withUnsafeBytes { Data($0) })
        }
        try handle.close()
        return path
    }
}

/// One agent process and one viewer in this process, with the viewer's file events and the colour of
/// the watched pixel as it changes.
final class FileBenchSession: @unchecked Sendable {
    let agent: ChildProcess
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let viewer: ViewerClient
    let downloads: String
    let log = FileBenchLog()
    let squareTool: String
    let environment: [String: String]
    let logFolder: String

    init(dir: String, tag: String, desktop: BenchDesktop, tools: BenchTools) throws {
        squareTool = tools.colourSquare
        environment = desktop.environment
        logFolder = dir
        let port = try CountingRelay.freePort()
        agent = try ChildProcess(name: "agent", executable: tools.remoteAssist,
                                 arguments: ["share", "--allow-view", "--host", "127.0.0.1", "--port", "\(port)", "--display", desktop.display,
                                             "--downloads", "\(dir)/\(tag)-agent-received", "--max-file-size", "8G"],
                                 environment: ["XDG_CONFIG_HOME": "\(dir)/config"], logFile: "\(dir)/\(tag)-agent.log", keepStdinOpen: true)
        let deadline = nowMilliseconds() + 20_000
        while !agent.output.contains("one-time password") {
            guard nowMilliseconds() < deadline, agent.isRunning else { throw BenchError("the agent did not start: \(agent.output.suffix(300))") }
            usleep(50_000)
        }
        guard let fingerprintText = BenchServer.field(after: "(SHA256:", in: agent.output, until: " "),
              let password = BenchServer.field(after: "any user name): ", in: agent.output, until: "\n"),
              let fingerprint = Fingerprint("SHA256:" + fingerprintText) else {
            throw BenchError("no fingerprint or password in the agent's output")
        }
        downloads = try PrivateFolder.prepare("\(dir)/\(tag)-viewer-received", purpose: "the bench's downloads")
        var configuration = ViewerConfiguration(
            tls: try TLSSetup.Client(credentials: nil, trustedServers: TrustedPeers(fingerprint: fingerprint, name: "agent")),
            password: password, encodings: [.tileDelta, .zrle, .raw])
        configuration.files = FileReceiving(folder: downloads, maxFileSize: 8 << 30)
        let log = self.log
        configuration.events = { event in if case .file(let e) = event { log.events.withLock { $0.append(e) } } }
        let square = Workload.square
        let last = Mutex<UInt32?>(nil)
        configuration.frameObserver = { picture in
            let x = square.x + square.size / 2, y = square.y + square.size / 2
            guard x < picture.width, y < picture.height else { return }
            let colour = picture[x, y] & 0xFF_FFFF
            let changed = last.withLock { old -> Bool in defer { old = colour }; return old != colour }
            if changed { log.watches.withLock { $0.append((nowMilliseconds() / 1000, String(format: "%06x", colour))) } }
        }
        let group = self.group
        let made = Mutex<Result<ViewerClient, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                let client = try await ViewerClient.connect(host: "127.0.0.1", port: port, configuration: configuration, group: group)
                made.withLock { $0 = .success(client) }
            } catch {
                made.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        done.wait()
        guard let result = made.withLock({ $0 }) else { throw BenchError("no viewer") }
        viewer = try result.get()
        let started = nowMilliseconds()
        while !agent.output.contains("is now viewing your screen") {
            guard nowMilliseconds() - started < 20_000 else { throw BenchError("the session did not start: \(agent.output.suffix(300))") }
            usleep(50_000)
        }
        usleep(1_000_000)
    }

    func stop() {
        viewer.end(reason: .userQuit, text: "the bench ended the session")
        agent.closeStdin()
        _ = agent.waitExit(seconds: 5)
        agent.stop()
        try? group.syncShutdownGracefully()
    }

    private func count(_ match: (FileTransferEvent) -> Bool) -> Int { log.events.withLock { $0.filter(match).count } }

    /// Sends `path` from the agent and accepts it here; returns the seconds from acceptance to the
    /// stored file and the agent's CPU seconds in that time.
    func transfer(_ path: String) throws -> (seconds: Double, cpu: Double) {
        let offers = count { if case .offered = $0 { return true }; return false }
        let saved = count { if case .saved = $0 { return true }; return false }
        agent.send("/send \(path)\n")
        let deadline = nowMilliseconds() + 120_000
        var offer: UInt32?
        while offer == nil {
            guard nowMilliseconds() < deadline else { throw BenchError("no offer arrived: \(agent.output.suffix(300))") }
            offer = log.events.withLock { all in
                all.compactMap { e -> UInt32? in if case .offered(let o) = e { return o.id }; return nil }.dropFirst(offers).first
            }
            usleep(2_000)
        }
        guard let cpu0 = agent.cpuSeconds, let id = offer else { throw BenchError("the agent exited") }
        let t0 = nowMilliseconds()
        viewer.acceptFile(id)
        while count({ if case .saved = $0 { return true }; return false }) == saved {
            guard nowMilliseconds() < deadline else { throw BenchError("the file did not arrive") }
            if count({ if case .failed = $0 { return true }; if case .cancelled = $0 { return true }; return false }) > 0 {
                throw BenchError("the transfer failed: \(log.events.withLock { $0 }.suffix(3))")
            }
            usleep(1_000)
        }
        let t1 = nowMilliseconds()
        guard let cpu1 = agent.cpuSeconds else { throw BenchError("the agent exited") }
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: downloads)) ?? [] {
            try? FileManager.default.removeItem(atPath: downloads + "/" + entry)
        }
        return ((t1 - t0) / 1000, cpu1 - cpu0)
    }

    /// The square changes colour every 100 ms for `seconds`; with `sending`, the agent sends that file
    /// again and again meanwhile. Returns the latency of the changes and how many files went.
    func latency(seconds: Double, sending: String?) throws -> (stats: LatencyStats?, files: Int) {
        let stop = Mutex(false)
        let sent = Mutex(0)
        let failure = Mutex<String?>(nil)
        let sender = Thread { [self] in
            guard let sending else { return }
            while !stop.withLock({ $0 }) {
                do { _ = try transfer(sending); sent.withLock { $0 += 1 } } catch {
                    failure.withLock { $0 = "\(error)" }
                    return
                }
            }
        }
        sender.start()
        if sending != nil { usleep(300_000) }
        log.watches.withLock { $0 = [] }
        let s = Workload.square
        let count = Int(seconds * 1000) / Workload.squareIntervalMilliseconds
        let square = try ChildProcess(name: "colour-square", executable: squareTool,
                                      arguments: ["\(s.x)", "\(s.y)", "\(s.size)", "\(count)", "\(Workload.squareIntervalMilliseconds)"],
                                      environment: environment, logFile: "\(logFolder)/square-\(Int(nowMilliseconds())).log")
        let deadline = nowMilliseconds() + seconds * 1000 + 5000
        while square.output.components(separatedBy: "\ndraw ").count - 1 < count && nowMilliseconds() < deadline { usleep(50_000) }
        usleep(500_000)
        square.stop()
        stop.withLock { $0 = true }
        while sending != nil && !sender.isFinished { usleep(10_000) }
        if let problem = failure.withLock({ $0 }) { throw BenchError(problem) }
        let watchLog = log.watches.withLock { $0.map { "watch \($0.0) \($0.1)" }.joined(separator: "\n") }
        return (LatencyStats(drawLog: square.output, watchLog: watchLog), sent.withLock { $0 })
    }
}

/// What the viewer reports, from its event loop to the bench's thread.
final class FileBenchLog: Sendable {
    let events = Mutex<[FileTransferEvent]>([])
    /// (monotonic seconds, RRGGBB) each time the watched pixel changed.
    let watches = Mutex<[(Double, String)]>([])
}
