import Foundation
import PNGSnapshot
import Pixels

/// The two layouts of a sequence folder that `codec` reads.
enum SequenceFiles {
    /// Every frame of the sequence in `dir`: with `frames.tsv`, the patched layout (below); without, every
    /// `*.png` in name order as a whole frame (the shared corpus).
    static func read(_ dir: String) throws -> [Framebuffer] {
        if FileManager.default.fileExists(atPath: dir + "/frames.tsv") { return try readPatched(dir) }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".png") }.sorted()
        progress("\(dir): reading \(files.count) frames")
        var frames: [Framebuffer] = []
        for f in files {
            let fb = try PNGCodec.read(dir + "/" + f)
            if let first = frames.first, first.width != fb.width || first.height != fb.height {
                throw BenchError("\(dir)/\(f) is \(fb.width)x\(fb.height), the sequence is \(first.width)x\(first.height)")
            }
            frames.append(fb)
        }
        return frames
    }

    /// The patched layout (`bench-data/pack.py` writes it): `frames.tsv` has lines `i<TAB>file<TAB>x<TAB>y`, in
    /// frame order. Frame 0's first line names the whole first frame (at 0 0); every other frame i starts as
    /// frame i-1 and has the PNG `file` of each of its lines painted at (x, y); `-` for an unchanged frame.
    static func readPatched(_ dir: String) throws -> [Framebuffer] {
        let text = try String(contentsOfFile: dir + "/frames.tsv", encoding: .utf8)
        var frames: [Framebuffer] = []
        var patches = 0
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let field = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard field.count == 4, let i = Int(field[0]), let x = Int(field[2]), let y = Int(field[3]),
                  !field[1].contains("/") else {
                throw BenchError("\(dir)/frames.tsv line \(n + 1): expected 'frame<TAB>file<TAB>x<TAB>y'")
            }
            if frames.isEmpty {
                guard i == 0, field[1] != "-", x == 0, y == 0 else {
                    throw BenchError("\(dir)/frames.tsv: the first line must be frame 0, a whole PNG at 0 0")
                }
                frames.append(try PNGCodec.read(dir + "/" + field[1]))
                continue
            }
            if i == frames.count {
                frames.append(frames[i - 1])
            } else if i != frames.count - 1 {
                throw BenchError("\(dir)/frames.tsv line \(n + 1): frame \(i) out of order")
            }
            if field[1] == "-" { continue }
            let patch = try PNGCodec.read(dir + "/" + field[1])
            try paint(patch, atX: x, y: y, into: &frames[i], what: "\(dir)/\(field[1])")
            patches += 1
        }
        progress("\(dir): \(frames.count) frames from \(patches) patches")
        return frames
    }

    static func paint(_ patch: Framebuffer, atX x: Int, y: Int, into frame: inout Framebuffer, what: String) throws {
        guard x >= 0, y >= 0, x + patch.width <= frame.width, y + patch.height <= frame.height else {
            throw BenchError("\(what) (\(patch.width)x\(patch.height)+\(x)+\(y)) does not fit the \(frame.width)x\(frame.height) frame")
        }
        let width = frame.width
        patch.pixels.withUnsafeBufferPointer { src in
            frame.pixels.withUnsafeMutableBufferPointer { dst in
                for row in 0..<patch.height {
                    let from = row * patch.width, to = (y + row) * width + x
                    for k in 0..<patch.width { dst[to + k] = src[from + k] }
                }
            }
        }
    }
}
