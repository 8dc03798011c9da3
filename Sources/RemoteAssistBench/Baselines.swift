import Pixels
import TileCodec
#if canImport(Glibc)
import Glibc
#endif

/// The memory-speed reference of the run: `memcmp` of two equal whole frames against `ChangeDetector` on
/// the same pairs with full-screen damage (nothing changed). Pairs are cycled so frames come from RAM.
struct Baselines {
    var pairs: [(Framebuffer, Framebuffer)] = []

    mutating func add(_ frame: Framebuffer) {
        var copy = Framebuffer(width: frame.width, height: frame.height)
        copy.pixels.withUnsafeMutableBufferPointer { d in
            frame.pixels.withUnsafeBufferPointer { s in
                if let dst = d.baseAddress, let src = s.baseAddress { dst.update(from: src, count: s.count) }
            }
        }
        pairs.append((frame, copy))
    }

    func measure(rounds: Int = 30) -> (memcmpMs: Double, detectMs: Double, detectOneThreadMs: Double) {
        guard !pairs.isEmpty else { return (0, 0, 0) }
        var memcmpTimes: [Double] = [], detectTimes: [Double] = [], oneThreadTimes: [Double] = []
        var sink = 0
        for round in 0..<rounds {
            let (a, b) = pairs[round % pairs.count]
            let (r, t) = TimingShim.time {
                a.pixels.withUnsafeBytes { pa in b.pixels.withUnsafeBytes { pb -> Int32 in
                    guard let x = pa.baseAddress, let y = pb.baseAddress else { return 0 }
                    return memcmp(x, y, pa.count)
                } }
            }
            sink &+= Int(r)
            memcmpTimes.append(t)
            let (c, u) = pairs[(round + 1) % pairs.count]
            let (map, d) = TimingShim.time { ChangeDetector.changedTiles(previous: c, current: u, damage: [c.bounds]) }
            sink &+= map.markedCount
            detectTimes.append(d)
            let (e, f) = pairs[(round + 2) % pairs.count]
            let (single, s) = TimingShim.time {
                ChangeDetector.changedTiles(previous: e, current: f, damage: [e.bounds], parallel: false)
            }
            sink &+= single.markedCount
            oneThreadTimes.append(s)
        }
        precondition(sink == 0, "baseline frames differ")
        return (median(memcmpTimes), median(detectTimes), median(oneThreadTimes))
    }
}

enum TimingShim {
    static func time<T>(_ body: () -> T) -> (T, Double) { measure(body) }
}
