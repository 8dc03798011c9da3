import ArgumentParser
import Foundation
import PNGSnapshot
import Pixels
import TileCodec
import X11Capture

struct CaptureBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Time full-frame captures (MIT-SHM, XGetImage) and PNG writes on a live X display.",
        discussion: """
            Capture times include the conversion into the internal pixel layout. The PNG figures encode \
            `--png-frame` (a corpus frame) or, without it, the captured screen. With --screen it starts its own \
            Xvfb of that size with the session bench's photo-like wallpaper, and also times what an update \
            costs per frame: finding that nothing changed in a whole frame (the exact tile comparison) and \
            encoding a whole frame (ZRLE level 1, tile-delta).

            Example:
              Xvfb :9 -screen 0 1920x1080x24 & remote-assist-bench capture --display :9 \\
                  --png-frame ../shared/corpus/browser/frame-0010.png
              remote-assist-bench capture --screen 3840x2160
            """)

    @Option(help: "X display (default: $DISPLAY).") var display: String?
    @Option(help: "Repetitions of each measurement.") var iterations = 60
    @Option(help: "A PNG whose picture is used for the PNG write timings.") var pngFrame: String?
    @Option(help: "Folder for the written PNG files.") var output = "/tmp"
    @Option(help: ArgumentHelp("Start an Xvfb of this size (with a wallpaper) instead of using --display.", valueName: "WIDTHxHEIGHT"))
    var screen: String?
    @Option(help: "Folder with Tests/Interop (the wallpaper program), for --screen.") var packageRoot = "."
    @Flag(inversion: .prefixedNo, help: "Time the PNG writes.") var png = true

    func run() throws {
        var desktop: BenchDesktop?
        defer { desktop?.stop() }
        var display = display
        if let screen {
            let parts = screen.lowercased().split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, (640...8192).contains(parts[0]), (480...8192).contains(parts[1]) else {
                throw ValidationError("--screen must be WIDTHxHEIGHT, 640x480 to 8192x8192")
            }
            let dir = NSTemporaryDirectory() + "remote-assist-capture-\(getpid())"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let tools = try BenchTools(packageRoot: packageRoot, workDirectory: dir)
            let started = try BenchDesktop(workDirectory: dir, width: parts[0], height: parts[1], wallpaper: tools.wallpaper)
            desktop = started
            display = started.display
        }
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

        if screen != nil { try frameCosts(fb, shm) }

        guard png else { return }
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

extension CaptureBench {
    /// What an update costs per frame of this size, on the captured screen.
    ///
    /// "Cold" figures first read a buffer larger than the caches: at 1920x1080 a frame and its copy (16 MB)
    /// fit in a 32 MB L3 cache, at 3840x2160 (66 MB) they do not, so the hot figures compare a cached
    /// 1080p frame with a 4K one from memory.
    private func frameCosts(_ fb: Framebuffer, _ shm: X11ScreenSource) throws {
        var frame = fb
        let shmCold = try repeatedCold(iterations) { _ = try shm.capture(into: &frame, full: true) }
        print("capture full frame, MIT-SHM, cold: \(summary(shmCold))")
        // A copy with storage of its own (the comparison reads two buffers, as it does in a session).
        guard let same = Framebuffer(width: fb.width, height: fb.height, pixels: fb.pixels.map { $0 }) else { return }
        let detect = repeated(iterations) {
            let map = ChangeDetector.changedTiles(previous: fb, current: same, damage: [fb.bounds])
            precondition(map.isEmpty)
        }
        print("unchanged detection, whole frame:  \(summary(detect))")
        let detectOne = repeated(iterations) {
            _ = ChangeDetector.changedTiles(previous: fb, current: same, damage: [fb.bounds], parallel: false)
        }
        print("unchanged detection, one thread:   \(summary(detectOne))")
        let detectCold = repeatedCold(iterations) {
            _ = ChangeDetector.changedTiles(previous: fb, current: same, damage: [fb.bounds])
        }
        print("unchanged detection, cold:         \(summary(detectCold))")
        let zrle = ZRLEEncoder(level: 1)
        var zrleBytes = 0
        let zrleTimes = repeated(max(5, iterations / 4)) {
            zrleBytes = zrle.encode(fb, rect: fb.bounds, format: .native, level: 1).count
        }
        print("encode whole frame, ZRLE level 1:  \(summary(zrleTimes)), \(zrleBytes) bytes")
        let black = Framebuffer(width: fb.width, height: fb.height)
        var all = TileMap(width: fb.width, height: fb.height)
        all.markAll()
        var tileBytes = 0
        let tileTimes = repeated(max(5, iterations / 4)) {
            let encoder = TileDeltaEncoder(level: 1)
            tileBytes = encoder.encode(previous: black, current: fb, changed: all, copies: [])?.body.count ?? 0
        }
        print("encode whole frame, tile-delta:    \(summary(tileTimes)), \(tileBytes) bytes")
    }
}

/// Runs `body` `count` times; the milliseconds of each run.
private func repeated(_ count: Int, _ body: () throws -> Void) rethrows -> [Double] {
    try (0..<count).map { _ in try measure(body).1 }
}

/// A buffer larger than any cache of the machines we run on, read between cold runs.
private nonisolated(unsafe) var evictionBuffer = [UInt64](repeating: 1, count: 128 * 1024 * 1024 / 8)

/// Like `repeated`, but each run starts with the caches filled by something else (128 MB read).
private func repeatedCold(_ count: Int, _ body: () throws -> Void) rethrows -> [Double] {
    try (0..<count).map { _ in
        var sum: UInt64 = 0
        evictionBuffer.withUnsafeBufferPointer { b in
            var i = 0
            while i < b.count { sum &+= b[i]; i += 8 }   // one read per 64-byte line
        }
        if sum == 0 { print("") }   // keeps the reads
        return try measure(body).1
    }
}

/// "median (p95)" in milliseconds, two decimals.
private func summary(_ ms: [Double]) -> String {
    func two(_ v: Double) -> String { String(Double(Int((v * 100).rounded())) / 100) }
    return "\(two(median(ms))) (\(two(percentile(ms, 95))))"
}
