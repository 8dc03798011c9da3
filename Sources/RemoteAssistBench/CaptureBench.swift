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

        let shmTimes = try measure(iterations) { _ = try shm.capture(into: &fb, full: true) }
        print("capture full frame, MIT-SHM:   \(format(percentile(shmTimes, 0.5))) (\(format(percentile(shmTimes, 0.95))))")
        let getTimes = try measure(iterations) { _ = try plain.capture(into: &fb, full: true) }
        print("capture full frame, XGetImage: \(format(percentile(getTimes, 0.5))) (\(format(percentile(getTimes, 0.95))))")
        let idleTimes = try measure(iterations) { _ = try shm.capture(into: &fb, full: false) }
        print("capture, nothing changed (DAMAGE): \(format(percentile(idleTimes, 0.5))) (\(format(percentile(idleTimes, 0.95))))")

        let picture = try pngFrame.map { try PNGCodec.read($0) } ?? fb
        let path = "\(output)/remote-assist-bench.png"
        for (name, options) in [("level 1, filter none (default)", PNGCodec.Options()),
                                ("level 6, all filters (libpng default)", PNGCodec.Options(level: 6, filter: .all))] {
            var size = 0
            let times = try measure(max(10, iterations / 2)) {
                let bytes = try PNGCodec.encode(picture, options: options)
                size = bytes.count
                try AtomicFile.write(bytes, to: path)
            }
            print("PNG write \(picture.width)x\(picture.height), \(name): \(format(percentile(times, 0.5))) (\(format(percentile(times, 0.95)))), \(size) bytes")
        }
    }
}
