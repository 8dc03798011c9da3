import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The scripted desktop workloads, identical for every server: the same windows, the same text at the
/// same rate, the same path at the same steps per second.
enum Workload: String, CaseIterable, Codable, Sendable {
    /// An xterm 200x60 printing numbered lines of text at 40 lines a second.
    case scroll
    /// An xterm window moved along an ellipse at 30 steps a second (two laps).
    case drag
    /// Nothing changes.
    case idle
    /// A 32x32 square changing colour every 100 ms; its decoded colour is timed at the client.
    case latency
    /// The fast build log of issue #16: the scroll xterm (200x60) printing 250 lines a second in batches
    /// of 5 (one write of 5 lines every 20 ms: up to 50 scroll updates a second).
    case buildlog
    /// The build log in batches of 5 lines at 25 batches a second (125 lines/s).
    case buildlog25 = "buildlog-25"
    /// The build log in batches of 5 lines at 10 batches a second (50 lines/s).
    case buildlog10 = "buildlog-10"

    static let linesPerSecond = 40.0
    static let dragStepsPerSecond = 30.0
    static let squareIntervalMilliseconds = 100
    static let square = (x: 1700, y: 60, size: 32)
    static let staticTitle = "bench-window"
    static let scrollTitle = "bench-scroll"
    static let buildLogBatch = 5

    /// Batches of `buildLogBatch` lines a second, for the build-log workloads.
    var batchesPerSecond: Double? {
        switch self {
        case .buildlog: 50
        case .buildlog25: 25
        case .buildlog10: 10
        default: nil
        }
    }

    /// Runs for `--active-seconds` (a terminal or a window moving), not `--idle-seconds`.
    var isActive: Bool { self == .scroll || self == .drag || batchesPerSecond != nil }
    /// The workload scrolls the 200x60 xterm.
    var scrollsTerminal: Bool { self == .scroll || batchesPerSecond != nil }

    /// The windows present before the server starts (part of its first full picture, not measured).
    func prepare(on desktop: BenchDesktop, tools: BenchTools) throws -> Scene {
        let scene = Scene(desktop: desktop)
        do {
            switch self {
            case .scroll, .buildlog, .buildlog25, .buildlog10:
                let fifo = "\(desktop.workDirectory)/scroll.fifo"
                unlink(fifo)
                guard mkfifo(fifo, 0o600) == 0 else { throw BenchError("mkfifo \(fifo): \(errno)") }
                scene.fifo = open(fifo, O_RDWR)  // never blocks on Linux; keeps cat reading until teardown
                guard scene.fifo >= 0 else { throw BenchError("open \(fifo): \(errno)") }
                try scene.start("xterm", which("xterm") ?? "xterm",
                                ["-geometry", "200x60+0+0", "-title", Self.scrollTitle, "-e", "cat", fifo])
                scene.windowID = try desktop.window(titled: Self.scrollTitle)
                let geometry = try desktop.xdotool(["getwindowgeometry", "--shell", scene.windowID])
                func value(_ key: String) -> Int? {
                    geometry.split(whereSeparator: \.isNewline).first { $0.hasPrefix(key + "=") }.flatMap { Int($0.dropFirst(key.count + 1)) }
                }
                scene.windowArea = (value("WIDTH") ?? 0) * (value("HEIGHT") ?? 0)
            case .drag, .idle, .latency:
                let text = (0..<28).map { "line \($0): " + BenchText.line(number: $0, length: 80) }.joined(separator: "\\n")
                try scene.start("xterm", which("xterm") ?? "xterm",
                                ["-geometry", "100x30+260+400", "-title", Self.staticTitle, "-e", "sh", "-c",
                                 "printf '\(text)'; exec sleep 100000"])
                scene.windowID = try desktop.window(titled: Self.staticTitle)
            }
            usleep(800_000)  // let the window finish drawing
        } catch {
            scene.tearDown()
            throw error
        }
        return scene
    }

    /// Runs the workload for `seconds` (returns when it is over).
    func run(_ scene: Scene, seconds: Double, tools: BenchTools) throws {
        let t0 = nowMilliseconds()
        switch self {
        case .scroll:
            let lines = Int(seconds * Self.linesPerSecond)
            for i in 0..<lines {
                let due = t0 + Double(i) * 1000 / Self.linesPerSecond
                let wait = due - nowMilliseconds()
                if wait > 0 { usleep(UInt32(wait * 1000)) }
                let line = Array((String(format: "%06d ", i) + BenchText.line(number: i, length: 180) + "\n").utf8)
                _ = line.withUnsafeBytes { write(scene.fifo, $0.baseAddress, $0.count) }
            }
        case .buildlog, .buildlog25, .buildlog10:
            let rate = batchesPerSecond ?? 1
            let batches = Int(seconds * rate)
            for b in 0..<batches {
                let due = t0 + Double(b) * 1000 / rate
                let wait = due - nowMilliseconds()
                if wait > 0 { usleep(UInt32(wait * 1000)) }
                var text = ""
                for i in (b * Self.buildLogBatch)..<((b + 1) * Self.buildLogBatch) {
                    text += String(format: "%06d ", i) + BenchText.line(number: i, length: 180) + "\n"
                }
                let bytes = Array(text.utf8)
                _ = bytes.withUnsafeBytes { write(scene.fifo, $0.baseAddress, $0.count) }
            }
            scene.batchesWritten = batches
        case .drag:
            let steps = Int(seconds * Self.dragStepsPerSecond)
            var args: [String] = []
            for i in 1...max(1, steps) {
                let angle = 2 * Double.pi * Double(i) / (Self.dragStepsPerSecond * seconds / 2)
                // Centre (760, 400), radii 500 x 280; starts where the window was mapped (260, 400).
                let x = 760 - Int((500 * cos(angle)).rounded())
                let y = 400 - Int((280 * sin(angle)).rounded())
                // --sync: xdotool flushes (and waits for) each move; without it the moves stay buffered to the end.
                args += ["windowmove", "--sync", scene.windowID, "\(x)", "\(y)"]
                args += ["sleep", String(format: "%.4f", 1 / Self.dragStepsPerSecond)]
            }
            try scene.desktop.xdotool(args, timeout: seconds * 3 + 10)
        case .idle:
            usleep(UInt32(seconds * 1_000_000))
        case .latency:
            let count = Int(seconds * 1000) / Self.squareIntervalMilliseconds
            let s = Self.square
            let square = try scene.start("colour-square", tools.colourSquare,
                                         ["\(s.x)", "\(s.y)", "\(s.size)", "\(count)", "\(Self.squareIntervalMilliseconds)"])
            let deadline = t0 + seconds * 1000 + 5000
            while square.output.components(separatedBy: "\ndraw ").count - 1 < count && nowMilliseconds() < deadline {
                usleep(50_000)
            }
            scene.drawLog = square.output
        }
        let left = t0 + seconds * 1000 - nowMilliseconds()
        if left > 0 { usleep(UInt32(left * 1000)) }
    }
}

/// The processes and files of one workload run; `tearDown` stops exactly those.
final class Scene {
    let desktop: BenchDesktop
    var processes: [ChildProcess] = []
    var fifo: Int32 = -1
    var windowID = ""
    var drawLog = ""
    /// The terminal's window area in pixels (build-log workloads): each batch scrolls all of it.
    var windowArea = 0
    /// Batches of lines written by a build-log workload.
    var batchesWritten = 0

    init(desktop: BenchDesktop) { self.desktop = desktop }

    @discardableResult
    func start(_ name: String, _ executable: String, _ arguments: [String]) throws -> ChildProcess {
        let child = try ChildProcess(name: name, executable: executable, arguments: arguments,
                                     environment: desktop.environment,
                                     logFile: "\(desktop.workDirectory)/\(name)-\(processes.count).log")
        processes.append(child)
        return child
    }

    func tearDown() {
        for p in processes.reversed() { p.stop() }
        processes = []
        if fifo >= 0 { close(fifo); fifo = -1 }
        usleep(300_000)
    }
}

/// Deterministic text for the terminal workloads (the same on every run and for every server).
enum BenchText {
    static let words = ["remote", "assist", "screen", "tile", "delta", "viewer", "agent", "zlib", "frame", "update",
                        "pixel", "damage", "region", "scroll", "window", "terminal", "encode", "decode", "the", "of",
                        "and", "a", "to", "in", "is", "it", "copy", "rect", "palette", "run", "length", "stream",
                        "bash(1)", "--option", "PATH=/usr/bin", "0x7f3a", "{}", "[ok]", "error:", "42"]

    static func line(number: Int, length: Int) -> String {
        var state = UInt64(truncatingIfNeeded: number) &* 6364136223846793005 &+ 1442695040888963407
        var out = ""
        while out.count < length {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let w = words[Int((state >> 33) % UInt64(words.count))]
            if out.count + w.count + 1 > length { break }
            out += out.isEmpty ? w : " " + w
        }
        return out
    }
}
