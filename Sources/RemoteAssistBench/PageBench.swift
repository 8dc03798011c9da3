import ArgumentParser
import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The live page, measured in headless Chromium (issue #14's closing note): our agent shares the bench
/// desktop, `remote-assist view --web` watches it, and the page is open in Chromium (or not, for the
/// viewer's CPU without a page).
struct PageBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "page",
        abstract: "The expert's live page in headless Chromium: latency at the page, frames a second, WebSocket bytes, viewer CPU.",
        discussion: """
            Starts its own Xvfb 1920x1080x24 with the session bench's workloads (scroll: an xterm printing 40 lines/s; \
            drag: an xterm moved 30 steps/s; latency: a square changing colour every 100 ms), our agent \
            (`share --insecure-loopback`, tile-delta) and `remote-assist view --web` (over TLS, X509Plain), and \
            for the "page" rows headless Chromium (Debian's chromium) showing the page at 1:1. Per run: the \
            viewer's CPU seconds over the workload (utime+stime, with its children), the page's pictures a \
            second and WebSocket bytes a second (counted by the page), and for latency the time from the X \
            server (after XSync, CLOCK_MONOTONIC) to the first animation frame in which the page's canvas \
            shows the square's new colour. Medians of --runs runs.

            Example:
              swift build -c release && .build/release/remote-assist-bench page --runs 3
            """)

    @Option(help: "Workloads, comma-separated: scroll, drag, latency.") var workloads = "scroll,drag,latency"
    @Option(help: "Seconds of each workload.") var seconds = 10.0
    @Option(help: "Seconds between the page showing the desktop and the start of a measurement.") var warmup = 3.0
    @Option(help: "Measure each workload this many times (page and no page interleaved); the table shows medians.") var runs = 3
    @Option(help: "Folder with Tests/Interop (the C helpers).") var packageRoot = "."
    @Option(help: "Write the results as JSON to this file.") var json: String?

    struct Row: Codable {
        var workload: String
        var page: Bool
        var viewerCPUSeconds: [Double] = []
        var framesPerSecond: [Double] = []
        var webSocketBytesPerSecond: [Double] = []
        var latencyP50Milliseconds: [Double] = []
        var latencyP95Milliseconds: [Double] = []
        var latencySeen: [String] = []
    }

    func validate() throws {
        for w in workloads.split(separator: ",") where !["scroll", "drag", "latency"].contains(String(w)) {
            throw ValidationError("unknown workload \(w)")
        }
        guard (1...15).contains(runs), seconds > 0, seconds <= 120 else { throw ValidationError("--runs 1-15, --seconds 0-120") }
    }

    func run() throws {
        let dir = NSTemporaryDirectory() + "remote-assist-page-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let configHome = "\(dir)/config"
        try FileManager.default.createDirectory(atPath: configHome, withIntermediateDirectories: true)
        let tools = try BenchTools(packageRoot: packageRoot, workDirectory: dir)
        let desktop = try BenchDesktop(workDirectory: dir, wallpaper: tools.wallpaper)
        defer { desktop.stop() }
        progress("[page] Xvfb \(desktop.display) started; work folder \(dir)")
        var rows: [Row] = []
        for name in workloads.split(separator: ",").map(String.init) {
            guard let workload = Workload(rawValue: name) else { continue }
            var withPage = Row(workload: name, page: true), without = Row(workload: name, page: false)
            for run in 1...runs {
                for page in [true, false] where page || workload != .latency {
                    let tag = "\(name)-\(page ? "page" : "nopage")-\(run)"
                    progress("[page] \(tag)")
                    do {
                        let m = try measure(workload, page: page, tag: tag, desktop: desktop, tools: tools, configHome: configHome)
                        if page { withPage.add(m) } else { without.add(m) }
                        progress("[page] \(tag): viewer \(String(format: "%.2f", m.cpu)) CPU s, \(String(format: "%.1f", m.fps)) fps, \(Int(m.bytesPerSecond)) B/s"
                                 + (m.latency.map { ", latency p50 \(String(format: "%.1f", $0.p50Milliseconds)) ms p95 \(String(format: "%.1f", $0.p95Milliseconds)) ms, \($0.seen)/\($0.drawn) seen" } ?? ""))
                    } catch {
                        progress("[page] \(tag): \(error)")
                    }
                }
            }
            rows.append(withPage)
            if workload != .latency { rows.append(without) }
        }
        print("| workload | page open | viewer CPU s (median) | page pictures/s | WebSocket KiB/s | latency p50 / p95 ms |")
        print("| --- | --- | --- | --- | --- | --- |")
        for r in rows {
            let latency = r.latencyP50Milliseconds.isEmpty ? "" : String(format: "%.1f / %.1f", median(r.latencyP50Milliseconds), median(r.latencyP95Milliseconds))
            print("| \(r.workload) | \(r.page ? "yes" : "no") | \(String(format: "%.2f", median(r.viewerCPUSeconds))) | "
                  + (r.page ? String(format: "%.1f", median(r.framesPerSecond)) : "-") + " | "
                  + (r.page ? String(format: "%.0f", median(r.webSocketBytesPerSecond) / 1024) : "-") + " | \(latency) |")
        }
        print("\nmedians of \(runs) runs of \(format(seconds)) s each; load average \(((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").prefix(14))")
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(rows).write(to: URL(fileURLWithPath: json))
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    struct Measurement {
        var cpu: Double
        var fps: Double
        var bytesPerSecond: Double
        var latency: LatencyStats?
    }

    private func measure(_ workload: Workload, page: Bool, tag: String, desktop: BenchDesktop, tools: BenchTools,
                         configHome: String) throws -> Measurement {
        let scene = try workload.prepare(on: desktop, tools: tools)
        defer { scene.tearDown() }
        let port = try CountingRelay.freePort()
        let agent = try BenchServer.agentTileDelta.startServer(port: port, desktop: desktop, tools: tools, configHome: configHome, tag: tag)
        defer { agent.closeStdin(); agent.stop() }
        // "(SHA256:GROUPS = SHA-256 HEX)": the groups.
        guard let fingerprint = BenchServer.field(after: "(SHA256:", in: agent.output, until: " "),
              let password = BenchServer.field(after: "any user name): ", in: agent.output, until: "\n") else {
            throw BenchError("no fingerprint or password in the agent's output")
        }
        let urlFile = "\(desktop.workDirectory)/\(tag)-url"
        let viewer = try ChildProcess(name: "remote-assist view --web", executable: tools.remoteAssist,
                                      arguments: ["view", "127.0.0.1:\(port)", "--insecure-loopback", "--encoding", "tile-delta",
                                                  "--snapshots", "\(desktop.workDirectory)/\(tag)-snapshots", "--rate", "1",
                                                  "--fingerprint", "SHA256:" + fingerprint, "--password", password,
                                                  "--web", "--no-browser", "--web-url-file", urlFile],
                                      environment: ["XDG_CONFIG_HOME": configHome], logFile: "\(desktop.workDirectory)/\(tag)-view.log",
                                      keepStdinOpen: true)
        defer { viewer.closeStdin(); _ = viewer.waitExit(seconds: 10); viewer.stop() }
        let deadline = Date().addingTimeInterval(20)
        while !viewer.output.contains("viewing \""), Date() < deadline { usleep(50_000) }
        guard viewer.output.contains("viewing \""), let url = try? String(contentsOfFile: urlFile, encoding: .utf8) else {
            throw BenchError("the viewer did not start: \(viewer.output.suffix(300))")
        }
        var browser: HeadlessChromium?
        defer { browser?.stop() }
        let square = Workload.square
        if page {
            let chromium = try HeadlessChromium(width: 1920 + 360, height: 1200)
            browser = chromium
            try chromium.call("Page.navigate", ["url": url.trimmingCharacters(in: .whitespacesAndNewlines)])
            guard try chromium.waitFor("document.getElementById('state').textContent.startsWith('viewing')") else {
                throw BenchError("the page did not show the session")
            }
            try chromium.click(id: "scale")   // 1:1
            // The square's pixel, read back at every animation frame (wall clock, epoch seconds).
            _ = try chromium.evaluate("""
                (() => { globalThis.watchLog = []; let last = '';
                  const c = document.getElementById('screen'), g = c.getContext('2d', { willReadFrequently: true });
                  const loop = () => { if (c.width > \(square.x)) { const d = g.getImageData(\(square.x + square.size / 2), \(square.y + square.size / 2), 1, 1).data;
                      const hex = [d[0], d[1], d[2]].map((v) => v.toString(16).padStart(2, '0')).join('');
                      if (hex !== last) { last = hex; watchLog.push((performance.timeOrigin + performance.now()) / 1000 + ' ' + hex); } }
                    requestAnimationFrame(loop); };
                  requestAnimationFrame(loop); return true; })()
                """)
        }
        usleep(UInt32(warmup * 1_000_000))
        let stats0 = try browser.map { try stats($0) }
        guard let cpu0 = viewer.cpuSeconds else { throw BenchError("the viewer exited: \(viewer.output.suffix(300))") }
        let started = Date()
        try workload.run(scene, seconds: seconds, tools: tools)
        let elapsed = Date().timeIntervalSince(started)
        guard let cpu1 = viewer.cpuSeconds else { throw BenchError("the viewer exited: \(viewer.output.suffix(300))") }
        let stats1 = try browser.map { try stats($0) }
        var m = Measurement(cpu: cpu1 - cpu0, fps: 0, bytesPerSecond: 0, latency: nil)
        if let stats0, let stats1 {
            m.fps = (stats1.frames - stats0.frames) / elapsed
            m.bytesPerSecond = (stats1.bytes - stats0.bytes) / elapsed
        }
        if workload == .latency, let browser {
            usleep(500_000)
            // The draw log is CLOCK_MONOTONIC; the page's times are wall clock: one offset converts.
            var mono = timespec()
            clock_gettime(CLOCK_MONOTONIC, &mono)
            let offset = Date().timeIntervalSince1970 - (Double(mono.tv_sec) + Double(mono.tv_nsec) / 1e9)
            let lines = (try browser.evaluate("watchLog.join('\\n')") as? String) ?? ""
            let watch = lines.split(separator: "\n").compactMap { line -> String? in
                let f = line.split(separator: " ")
                guard f.count == 2, let t = Double(f[0]) else { return nil }
                return "watch \(t - offset) \(f[1])"
            }.joined(separator: "\n")
            m.latency = LatencyStats(drawLog: scene.drawLog, watchLog: watch)
        }
        return m
    }

    /// The page's own counters (pictures drawn, feed bytes received) since it loaded.
    private func stats(_ browser: HeadlessChromium) throws -> (frames: Double, bytes: Double) {
        guard let pair = try browser.evaluate("[liveStats.frames, liveStats.bytes]") as? [Double], pair.count == 2 else {
            throw BenchError("no liveStats in the page")
        }
        return (pair[0], pair[1])
    }

}

extension PageBench.Row {
    mutating func add(_ m: PageBench.Measurement) {
        viewerCPUSeconds.append(m.cpu)
        framesPerSecond.append(m.fps)
        webSocketBytesPerSecond.append(m.bytesPerSecond)
        if let l = m.latency {
            latencyP50Milliseconds.append(l.p50Milliseconds)
            latencyP95Milliseconds.append(l.p95Milliseconds)
            latencySeen.append("\(l.seen)/\(l.drawn)")
        }
    }
}
