import ArgumentParser
import Foundation
import PNGSnapshot
import Pixels
import X11Capture
#if canImport(Glibc)
import Glibc
#endif

/// `remote-assist-bench grab`: whole-screen frames at a fixed cadence, for recording codec sequences
/// (`bench-data/record.sh` drives it; `bench-data/pack.py` turns its output into a sequence folder).
struct GrabFrames: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grab",
        abstract: "Grab the whole screen FRAMES times at FPS (MIT-SHM, into memory), then write frame-NNNN.png and times.tsv.",
        discussion: """
            Frames stay in memory until the last grab so that writing PNGs does not disturb the cadence. \
            times.tsv: frame index, milliseconds since the first grab, milliseconds the grab took.
            """)

    @Option(help: "X display (default: $DISPLAY).") var display: String?
    @Option(help: "Number of frames.") var frames = 30
    @Option(help: "Frames per second.") var fps = 5.0
    @Option(help: "Folder for frame-NNNN.png and times.tsv (created).") var output: String

    func run() throws {
        guard frames >= 1, frames <= 600, fps > 0, fps <= 60 else { throw BenchError("--frames 1-600, --fps up to 60") }
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let source = try X11ScreenSource(displayName: display)
        var grabbed: [Framebuffer] = []
        var times: [(at: Double, took: Double)] = []
        let tick = 1000 / fps
        let start = nowMilliseconds()
        for i in 0..<frames {
            let due = start + Double(i) * tick
            let wait = due - nowMilliseconds()
            if wait > 0 { usleep(useconds_t(wait * 1000)) }
            var fb = Framebuffer(width: 0, height: 0)
            let t0 = nowMilliseconds()
            _ = try source.capture(into: &fb, full: true)
            let t1 = nowMilliseconds()
            grabbed.append(fb)
            times.append((t0 - start, t1 - t0))
        }
        var tsv = ""
        for (i, fb) in grabbed.enumerated() {
            try PNGCodec.write(fb, to: output + "/" + String(format: "frame-%04d.png", i))
            tsv += String(format: "%d\t%.1f\t%.2f\n", i, times[i].at, times[i].took)
        }
        try tsv.write(toFile: output + "/times.tsv", atomically: true, encoding: .utf8)
        progress("grabbed \(frames) frames \(grabbed.first.map { "\($0.width)x\($0.height)" } ?? "") in \(Int(nowMilliseconds() - start)) ms into \(output)")
    }
}
