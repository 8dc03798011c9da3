import ArgumentParser
import Foundation
import PNGSnapshot
import Pixels
import TileCodec

/// `remote-assist-bench decode`: the viewer's decode time of full-screen photographic updates (a
/// slideshow: each update replaces one photo with another), tile-delta against plain ZRLE of the same
/// frames. Run it on one core (`taskset -c 1`): decoding is single-threaded.
struct DecodeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Time tile-delta and ZRLE decode of full-screen photographic updates (a slideshow).",
        discussion: """
            The frames cycle through --photos generated photo-like pictures (or the --png files, all the \
            same size), so consecutive frames always differ everywhere. Every update is encoded once \
            (untimed), then decoded in order by one decoder per codec and run, each decode timed alone \
            (the body is already in memory, the framebuffer has its own storage) and checked against the \
            frame. Reports median and p95 over all decodes of all runs, of wall time and of the thread's CPU time \
            (which leaves out waiting for a core on a busy machine).
            """
    )

    @Option(help: "Frame width of the generated photos.")
    var width = 1920

    @Option(help: "Frame height of the generated photos.")
    var height = 1080

    @Option(help: "How many different generated photos the slideshow cycles through.")
    var photos = 4

    @Option(help: "PNG files to use instead of generated photos (repeatable; the slideshow cycles through them).")
    var png: [String] = []

    @Option(help: "Updates per run (each one full screen).")
    var updates = 24

    @Option(help: "Decode every update this many times, each run with fresh decoders.")
    var runs = 3

    @Option(help: "zstd level of the tile-delta stream (default: the agent's for the version).")
    var zstdLevel: Int?

    @Option(help: "zlib level of the ZRLE stream.")
    var zrleLevel = 6

    @Option(help: "Tile-delta payload version: 1, 2, or 3 as the agent sends to our viewer (since 2026-12-05).")
    var tileDeltaVersion = 3

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    @Option(help: "Also write the pictures as PNG files into this folder (a sequence for `codec --corpus`).")
    var save: String?

    struct Result: Encodable {
        var width: Int, height: Int, updates: Int, runs: Int
        var tileDeltaBytesPerUpdate: Double, zrleBytesPerUpdate: Double
        var tileDeltaDecodeMsMedian: Double, tileDeltaDecodeMsP95: Double, tileDeltaDecodeSamples: Int
        var tileDeltaDecodeCpuMsMedian: Double, tileDeltaDecodeCpuMsP95: Double
        var zrleDecodeMsMedian: Double, zrleDecodeMsP95: Double, zrleDecodeSamples: Int
        var zrleDecodeCpuMsMedian: Double, zrleDecodeCpuMsP95: Double
        var roundtripExact: Bool
    }

    func run() throws {
        guard updates >= 1, runs >= 1, photos >= 2 || png.count >= 2 else {
            throw BenchError("--updates and --runs must be at least 1, and the slideshow needs two pictures")
        }
        let pictures = try loadPictures()
        if let save {
            try FileManager.default.createDirectory(atPath: save, withIntermediateDirectories: true)
            for (i, p) in pictures.enumerated() { try PNGCodec.write(p, to: save + String(format: "/photo-%02d.png", i)) }
        }
        let frames = (0...updates).map { pictures[$0 % pictures.count] }
        progress("encoding \(updates) updates of \(frames[0].width)x\(frames[0].height)")
        let format = PixelFormat.native
        guard (1...3).contains(tileDeltaVersion) else { throw BenchError("--tile-delta-version is 1, 2 or 3") }
        let version = UInt8(tileDeltaVersion)
        let tdEncoder = zstdLevel.map { TileDeltaEncoder(level: $0) }
            ?? TileDeltaEncoder(defaultsFor: version),
            zrleEncoder = ZRLEEncoder(level: zrleLevel)
        tdEncoder.version = UInt8(tileDeltaVersion)
        var td: [(Rect, [UInt8])] = [], zrle: [[(Rect, [UInt8])]] = []
        for i in 1..<frames.count {
            let damage = [frames[i].bounds]
            guard let u = tdEncoder.encode(previous: frames[i - 1], current: frames[i], damage: damage) else {
                throw BenchError("update \(i) sent nothing: the pictures must differ")
            }
            td.append((u.rect, u.body))
            let changed = ChangeDetector.changedTiles(previous: frames[i - 1], current: frames[i], damage: damage)
            zrle.append(changed.markedSpans.map { ($0, zrleEncoder.encode(frames[i], rect: $0, format: format)) })
        }
        var tdMs: [Double] = [], zrleMs: [Double] = [], tdCPU: [Double] = [], zrleCPU: [Double] = [], exact = true
        for run in 0..<runs {
            progress("run \(run + 1) of \(runs)")
            let tdDecoder = TileDeltaDecoder(), zrleDecoder = ZRLEDecoder()
            var view = frames[0]
            view.pixels.withUnsafeMutableBufferPointer { _ in }  // own storage before any timing
            for (i, (rect, body)) in td.enumerated() {
                let (_, wall, cpu) = try body.withUnsafeBytes { bytes in
                    try measureBoth { try tdDecoder.decode(body: bytes, rect: rect, into: &view) }
                }
                tdMs.append(wall)
                tdCPU.append(cpu)
                if view != frames[i + 1] { exact = false; view = frames[i + 1]; view.pixels.withUnsafeMutableBufferPointer { _ in } }
            }
            view = frames[0]
            view.pixels.withUnsafeMutableBufferPointer { _ in }
            for (i, rects) in zrle.enumerated() {
                var wall = 0.0, cpu = 0.0
                for (rect, body) in rects {
                    let t = try body.withUnsafeBytes { bytes in
                        let rest = UnsafeRawBufferPointer(rebasing: bytes[4...])
                        return try measureBoth { try zrleDecoder.decode(body: rest, rect: rect, format: format, into: &view) }
                    }
                    wall += t.wall
                    cpu += t.cpu
                }
                zrleMs.append(wall)
                zrleCPU.append(cpu)
                if view != frames[i + 1] { exact = false; view = frames[i + 1]; view.pixels.withUnsafeMutableBufferPointer { _ in } }
            }
        }
        let tdBytes = td.reduce(0) { $0 + 12 + $1.1.count }
        let zrleBytes = zrle.reduce(0) { $0 + $1.reduce(0) { $0 + 12 + $1.1.count } }
        let r = Result(width: frames[0].width, height: frames[0].height, updates: updates, runs: runs,
                       tileDeltaBytesPerUpdate: Double(tdBytes) / Double(updates),
                       zrleBytesPerUpdate: Double(zrleBytes) / Double(updates),
                       tileDeltaDecodeMsMedian: median(tdMs), tileDeltaDecodeMsP95: percentile(tdMs, 95),
                       tileDeltaDecodeSamples: tdMs.count,
                       tileDeltaDecodeCpuMsMedian: median(tdCPU), tileDeltaDecodeCpuMsP95: percentile(tdCPU, 95),
                       zrleDecodeMsMedian: median(zrleMs), zrleDecodeMsP95: percentile(zrleMs, 95),
                       zrleDecodeSamples: zrleMs.count,
                       zrleDecodeCpuMsMedian: median(zrleCPU), zrleDecodeCpuMsP95: percentile(zrleCPU, 95),
                       roundtripExact: exact)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(r), as: UTF8.self))
        } else {
            print("decode of full-screen photographic updates, \(r.width)x\(r.height), \(updates) updates x \(runs) runs")
            print("codec | bytes/update | wall ms median | wall p95 | thread CPU ms median | CPU p95 | samples")
            print(String(format: "tile-delta | %.0f | %.2f | %.2f | %.2f | %.2f | %d", r.tileDeltaBytesPerUpdate,
                         r.tileDeltaDecodeMsMedian, r.tileDeltaDecodeMsP95, r.tileDeltaDecodeCpuMsMedian,
                         r.tileDeltaDecodeCpuMsP95, r.tileDeltaDecodeSamples))
            print(String(format: "ZRLE | %.0f | %.2f | %.2f | %.2f | %.2f | %d", r.zrleBytesPerUpdate, r.zrleDecodeMsMedian,
                         r.zrleDecodeMsP95, r.zrleDecodeCpuMsMedian, r.zrleDecodeCpuMsP95, r.zrleDecodeSamples))
            print("round trip exact: \(exact ? "yes" : "NO")")
        }
        if !exact { throw BenchError("some update did not round-trip exactly") }
    }

    func loadPictures() throws -> [Framebuffer] {
        if png.isEmpty {
            progress("generating \(photos) photo-like \(width)x\(height) pictures")
            return (0..<photos).map { PhotoFrames.photo(seed: UInt32($0 + 1), width: width, height: height) }
        }
        let pictures = try png.map { try PNGCodec.read($0) }
        guard pictures.allSatisfy({ $0.width == pictures[0].width && $0.height == pictures[0].height }) else {
            throw BenchError("the --png pictures must all be the same size")
        }
        return pictures
    }
}
