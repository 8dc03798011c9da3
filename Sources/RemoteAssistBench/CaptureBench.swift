import ArgumentParser
import PNGSnapshot
import Pixels
import X11Capture

struct CaptureBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Time full-frame captures (MIT-SHM, XGetImage) and PNG writes on a live X display.",
        discussion: """
            Capture times include the conversion into the internal pixel layout. The PNG figures encode \
            `--png-frame` (a corpus frame) or, without it, the captured screen.

            Example:
              Xvfb :9 -screen 0 1920x1080x24 & remote-assist-bench capture --display :9 \\
                  --png-frame ../shared/corpus/browser/frame-0010.png
            """)

    @Option(help: "X display (default: $DISPLAY).") var display: String?
    @Option(help: "Repetitions of each measurement.") var iterations = 60
    @Option(help: "A PNG whose picture is used for the PNG write timings.") var pngFrame: String?
    @Option(help: "Folder for the written PNG files.") var output = "/tmp"

    func run() throws {
        let shm = try X11ScreenSource(displayName: display)
        let plain = try X11ScreenSource(displayName: display, allowSharedMemory: false)
        var fb = Framebuffer(width: 0, height: 0)
        _ = try shm.capture(into: &fb, full: true)
        print("display \(shm.displayName): \(fb.width)x\(fb.height), \(iterations) iterations, medians (p95) in ms")

        let shmTimes = try repeated(iterations) { _ = try shm.capture(into: &fb, full: true) }
        print("capture full frame, MIT-SHM:   \(summary(shmTimes))")
        let getTimes = try repeated(iterations) { _ = try plain.capture(into: &fb, full: true) }
        print("capture full frame, XGetImage: \(summary(getTimes))")
        let idleTimes = try repeated(iterations) { _ = try shm.capture(into: &fb, full: false) }
        print("capture, nothing changed (DAMAGE): \(summary(idleTimes))")

        let picture = try pngFrame.map { try PNGCodec.read($0) } ?? fb
        let path = "\(output)/remote-assist-bench.png"
        for (name, options) in [("level 1, filter none (default)", PNGCodec.Options()),
                                ("level 6, all filters (libpng default)", PNGCodec.Options(level: 6, filter: .all))] {
            var size = 0
            let times = try repeated(max(10, iterations / 2)) {
                let bytes = try PNGCodec.encode(picture, options: options)
                size = bytes.count
                try AtomicFile.write(bytes, to: path)
            }
            print("PNG write \(picture.width)x\(picture.height), \(name): \(summary(times)), \(size) bytes")
        }
    }
}

/// Runs `body` `count` times; the milliseconds of each run.
private func repeated(_ count: Int, _ body: () throws -> Void) rethrows -> [Double] {
    try (0..<count).map { _ in try measure(body).1 }
}

/// "median (p95)" in milliseconds, two decimals.
private func summary(_ ms: [Double]) -> String {
    func two(_ v: Double) -> String { String(Double(Int((v * 100).rounded())) / 100) }
    return "\(two(median(ms))) (\(two(percentile(ms, 95))))"
}
