import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct SessionBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "End to end: our agent against x11vnc and x0vncserver on scripted desktop workloads.",
        discussion: """
            Starts its own Xvfb (--screen, 1920x1080x24 by default; no window manager, a generated photo-like wallpaper). For each workload (scroll: an xterm \
            printing 40 lines/s; buildlog: that xterm printing 250 lines/s in batches of 5, buildlog-25 and \
            buildlog-10: 25 and 10 batches of 5 lines a second; drag: an xterm moved 30 steps/s; idle; \
            latency: a square changing colour every 100 ms) and each server, it starts the server, connects the client through a counting \
            relay on 127.0.0.1, waits --warmup seconds for the first picture, then measures for the \
            workload plus --settle seconds: bytes each way through the relay and the server's CPU seconds \
            (utime+stime from /proc). At the end the client's last picture is compared with `xwd -root`.

            Clients: the libvncclient probe (Tests/Interop/vncclient-probe.c, compiled here) asking \
            --zrle-encodings for x11vnc, x0vncserver and our agent; our `remote-assist view` with \
            tile-delta, and with ZRLE (agent-zrle-tls), for our agent; our viewer always prefers VeNCrypt, \
            so those two run over TLS 1.3 (X509Plain with the agent's one-time password). Latency is timed from the X server (after XSync) to the probe's \
            decoded frame. Needs Xvfb, xterm, xdotool, xwd, cc, libvncserver-dev; x11vnc and \
            x0vncserver are skipped when not installed.

            Example:
              swift build -c release && .build/release/remote-assist-bench session --json /tmp/session.json
            """)

    @Option(help: "Workloads, comma-separated: scroll, drag, idle, latency, buildlog, buildlog-25, buildlog-10.")
    var workloads = "scroll,buildlog,drag,idle,latency"
    @Option(help: "Servers, comma-separated: agent-zrle, agent-tile-delta, agent-zrle-tls, agent-zrle-baseline, x11vnc, x0vncserver.")
    var servers = "agent-zrle,agent-tile-delta,agent-zrle-tls,x11vnc,x0vncserver"
    @Option(help: "Seconds of the scroll, build-log and drag workloads.") var activeSeconds = 12.0
    @Option(help: "Seconds of the idle and latency workloads.") var idleSeconds = 10.0
    @Option(help: "Seconds between connecting and the start of a measurement.") var warmup = 3.0
    @Option(help: "Seconds after a workload still inside the measurement (the last updates).") var settle = 2.0
    @Option(help: "Measure every workload and server this many times (servers interleaved); the table shows medians.")
    var runs = 1
    @Option(help: "SetEncodings of the libvncclient probe.") var zrleEncodings = "copyrect zrle raw"
    @Option(help: "Write the results as JSON to this file.") var json: String?
    @Option(help: "Folder with Tests/Interop (the C helpers).") var packageRoot = "."
    @Option(help: "Keep logs and pictures in this folder (default: a temporary folder, removed on success).")
    var workDirectory: String?
    @Flag(inversion: .prefixedNo, help: "Paint a photo-like wallpaper (Tests/Interop/wallpaper.c) instead of black.")
    var wallpaper = true
    @Option(help: ArgumentHelp("Another remote-assist binary, run as server agent-zrle-baseline (before/after a change).",
                               valueName: "PATH"))
    var baselineAgent: String?
    @Option(help: "Record a perf profile of our agent during each of its measurements into this folder.")
    var perfRecord: String?
    @Option(help: ArgumentHelp("The Xvfb screen size.", valueName: "WIDTHxHEIGHT")) var screen = "1920x1080"
    @Option(help: "Viewers connected to each server at once (each through its own counting relay; 1-4).")
    var viewers = 1
    @Flag(help: "Trace our agent's updates (REMOTE_ASSIST_TRACE) and report the median capture, detection and encode time of an update.")
    var frameTimes = false

    /// `--screen` as numbers.
    var screenSize: (width: Int, height: Int)? {
        let parts = screen.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, (640...8192).contains(parts[0]), (480...8192).contains(parts[1]) else { return nil }
        return (parts[0], parts[1])
    }

    func validate() throws {
        for w in list(workloads) where Workload(rawValue: w) == nil { throw ValidationError("unknown workload \(w)") }
        for s in list(servers) where BenchServer(rawValue: s) == nil { throw ValidationError("unknown server \(s)") }
        guard (1...15).contains(runs) else { throw ValidationError("--runs must be 1...15") }
        guard screenSize != nil else { throw ValidationError("--screen must be WIDTHxHEIGHT, 640x480 to 8192x8192") }
        guard (1...4).contains(viewers) else { throw ValidationError("--viewers must be 1...4") }
        guard activeSeconds > 0, idleSeconds > 0, warmup >= 0, settle >= 0, activeSeconds <= 120, idleSeconds <= 120 else {
            throw ValidationError("durations must be positive (at most 120 s)")
        }
    }

    private func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func run() throws {
        let keep = workDirectory != nil
        let dir = workDirectory ?? (NSTemporaryDirectory() + "remote-assist-session-\(getpid())")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if let perfRecord { try FileManager.default.createDirectory(atPath: perfRecord, withIntermediateDirectories: true) }
        let configHome = "\(dir)/config"
        try FileManager.default.createDirectory(atPath: configHome, withIntermediateDirectories: true)
        progress("[session] " + "work folder \(dir)")
        let tools = try BenchTools(packageRoot: packageRoot, workDirectory: dir, baselineAgent: baselineAgent)
        let size = screenSize ?? (1920, 1080)
        let desktop = try BenchDesktop(workDirectory: dir, width: size.width, height: size.height,
                                       wallpaper: wallpaper ? tools.wallpaper : nil)
        defer { desktop.stop() }
        progress("[session] " + "Xvfb \(desktop.display) \(desktop.width)x\(desktop.height)x24 started; load \(loadAverage())")

        let loadBefore = loadAverage()
        var rows: [SessionRow] = []
        let chosen = list(servers).compactMap(BenchServer.init(rawValue:))
        for workload in list(workloads).compactMap(Workload.init(rawValue:)) {
            var measured: [BenchServer: [SessionRow]] = [:]
            for run in 1...runs {
                for server in chosen {
                    guard server.installed(tools) else {
                        if run == 1 { progress("[session] " + "\(server.rawValue): not installed, skipped") }
                        continue
                    }
                    let tag = "\(workload.rawValue)-\(server.rawValue)" + (runs > 1 ? "-\(run)" : "")
                    progress("[session] " + "\(tag): starting")
                    let row = measure(workload, server, tag: tag, desktop: desktop, tools: tools, configHome: configHome)
                    measured[server, default: []].append(row)
                    progress("[session] " + "\(tag): \(row.bytesServerToClient) bytes s->c, \(String(format: "%.2f", row.serverCPUSeconds)) CPU s"
                             + (row.error.map { ", error: \($0)" } ?? (row.finalPicture.exact ? ", exact" : ", \(row.finalPicture.pixels) px differ")))
                }
            }
            rows += chosen.compactMap { measured[$0].map(SessionRow.median(of:)) }
        }
        let report = SessionReport(date: ISO8601DateFormatter().string(from: Date()), display: desktop.display,
                                   loadBefore: loadBefore, loadAfter: loadAverage(), zrleEncodings: zrleEncodings, wallpaper: wallpaper,
                                   screen: "\(desktop.width)x\(desktop.height)", rows: rows)
        print(report.table())
        print("\n" + report.scaleTable())
        print("\nload average before \(report.loadBefore), after \(report.loadAfter); measured for the workload + \(format(settle)) s settle; probe encodings \"\(zrleEncodings)\""
              + (runs > 1 ? "; medians of \(runs) runs each (CPU s of every run in the JSON)" : ""))
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: json))
            progress("[session] " + "wrote \(json)")
        }
        if !keep && rows.allSatisfy({ $0.error == nil }) { try? FileManager.default.removeItem(atPath: dir) }
    }

    private func measure(_ workload: Workload, _ server: BenchServer, tag: String, desktop: BenchDesktop,
                         tools: BenchTools, configHome: String) -> SessionRow {
        let seconds = workload.isActive ? activeSeconds : idleSeconds
        var row = SessionRow(workload: workload, server: server, serverName: server.serverName, client: server.clientName,
                             seconds: seconds + settle, bytesServerToClient: 0, bytesClientToServer: 0, serverCPUSeconds: 0,
                             finalPicture: .init(pixels: 0, box: nil), latency: nil, error: nil)
        row.viewers = viewers
        var scene: Scene?
        var serverProcess: ChildProcess?
        var relays: [CountingRelay] = []
        var clients: [BenchClient] = []
        var profiler: ChildProcess?
        defer {
            profiler?.stop(signal: SIGINT, grace: 20)
            for client in clients where client.process.isRunning { client.process.stop() }
            serverProcess?.closeStdin()
            serverProcess?.stop()
            for relay in relays { relay.stop() }
            scene?.tearDown()
        }
        do {
            scene = try workload.prepare(on: desktop, tools: tools)
            let port = try CountingRelay.freePort()
            let started = try server.startServer(port: port, desktop: desktop, tools: tools, configHome: configHome, tag: tag,
                                                 environment: frameTimes && server.isOurs ? ["REMOTE_ASSIST_TRACE": "1"] : [:])
            serverProcess = started
            row.idleRSSKiB = started.memoryKiB("VmRSS")
            let square = Workload.square
            for n in 0..<viewers {
                let counting = try CountingRelay(targetPort: port)
                relays.append(counting)
                counting.start()
                // Each viewer of our agent is a session of its own: its one-time password is spent, the
                // agent prints the next one ("waiting for the next viewer" with --keep-listening; none here).
                clients.append(try server.startClient(
                    port: counting.port, server: started, desktop: desktop, tools: tools, configHome: configHome,
                    tag: viewers > 1 ? "\(tag)-viewer\(n + 1)" : tag, zrleEncodings: zrleEncodings,
                    watchPixel: workload == .latency && n == 0 ? (square.x + square.size / 2, square.y + square.size / 2) : nil))
            }
            usleep(UInt32(warmup * 1_000_000))
            for client in clients where !client.process.isRunning {
                throw BenchError("client exited early: \(client.process.output.suffix(300))")
            }
            guard let running = clients.first else { throw BenchError("no client") }
            if let perfRecord, server.isOurs, let perf = tools.perf {
                profiler = try ChildProcess(name: "perf", executable: perf,
                                            arguments: ["record", "-F", "999", "-g", "-p", "\(started.pid)",
                                                        "-o", "\(perfRecord)/\(tag).perf.data"],
                                            logFile: "\(desktop.workDirectory)/\(tag)-perf.log")
                usleep(300_000)
            }
            guard let cpu0 = started.cpuSeconds else { throw BenchError("server exited: \(started.output.suffix(300))") }
            let traced0 = started.output.utf8.count
            let bytes0 = relays.map(\.counts)
            if running.isProbe { kill(running.process.pid, SIGUSR1) }  // the probe prints its counts so far
            try workload.run(scene!, seconds: seconds, tools: tools)
            usleep(UInt32(settle * 1_000_000))
            guard let cpu1 = started.cpuSeconds else { throw BenchError("server exited: \(started.output.suffix(300))") }
            let bytes = zip(relays, bytes0).map { $0.counts - $1 }
            row.peakRSSKiB = started.memoryKiB("VmHWM")
            if frameTimes {
                row.frameTimes = FrameTimes(traceOutput: String(decoding: started.output.utf8.dropFirst(traced0), as: UTF8.self))
            }
            if running.isProbe {
                kill(running.process.pid, SIGUSR1)
                usleep(300_000)
                row.counts = ClientCounts(probeOutput: running.process.output)
            }
            if workload.batchesPerSecond != nil {
                row.changedPixels = scene!.batchesWritten * scene!.windowArea
            }
            profiler?.stop(signal: SIGINT, grace: 20)
            profiler = nil
            row.serverCPUSeconds = cpu1 - cpu0
            row.bytesServerToClient = bytes.reduce(0) { $0 + $1.serverToClient }
            row.bytesClientToServer = bytes.reduce(0) { $0 + $1.clientToServer }
            let screen = try desktop.screenshot(name: "\(tag)-screen")
            for client in clients {
                let difference = PictureFiles.compare(try client.finish(), screen)
                if client.process === running.process || difference.pixels > row.finalPicture.pixels { row.finalPicture = difference }
            }
            // The pointer rests at the bottom-right corner; a server that paints it into the picture differs there.
            if let box = row.finalPicture.box, row.finalPicture.pixels <= 32 * 32,
               let origin = box.split(separator: "+").dropFirst().first.flatMap({ Int($0) }),
               origin >= desktop.width - 32 {
                row.finalPicture.box = box + " (the pointer)"
            }
            if workload == .latency && !server.usesOurViewer {
                row.latency = LatencyStats(drawLog: scene!.drawLog, watchLog: running.process.output)
            }
        } catch {
            row.error = "\(error)"
        }
        return row
    }

    private func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
    }
}

/// A progress line on stderr.

