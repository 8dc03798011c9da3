import Pixels

/// Vertical scroll offsets from narrow column strips, for `MotionDetector`: cheaper than the anchor scan
/// (a few 32-pixel windows a row instead of hashing half the changed area), and untroubled by what does
/// not scroll beside the strips (scroll bars, side panels), which defeats whole-row hashes.
extension MotionSearch {
    static let stripWidth = 32

    /// The vertical offset (source - destination) most strips agree on: each strip's rows of the previous
    /// frame are hashed; every 2nd row of the current frame whose strip is unique there votes for the
    /// shift. Nil when no offset gets `minimumVotes`. Hash equality only proposes; copies are verified.
    func stripScrollVote(_ area: Rect) -> (dx: Int, dy: Int)? {
        let sw = Self.stripWidth
        guard area.width >= sw, area.height >= 2 * sw else { return nil }
        let strips = area.width >= 4 * sw ? 3 : 1
        var votes: [Int: Int] = [:]
        for s in 0..<strips {
            let x: Int = strips == 1 ? area.x + (area.width - sw) / 2 : area.x + area.width * (s + 1) / 4 - sw / 2
            var table = AnchorTable(expected: area.height)
            for y in area.y..<area.maxY {
                if let h = stripHash(prev, x, y) { table.insert(h, x: x, y: y) }
            }
            for y in stride(from: area.y, to: area.maxY, by: 2) {
                guard let h = stripHash(cur, x, y), let (_, sy) = table.unique(h), sy != y else { continue }
                votes[sy - y, default: 0] += 1
            }
        }
        guard let best = votes.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }),
              best.value >= settings.minimumVotes else { return nil }
        return (dx: 0, dy: best.key)
    }

    /// A hash of the strip of row `y` starting at `x`; nil when the strip is one colour (blank lines
    /// and margins would collide everywhere).
    @inline(__always)
    func stripHash(_ frame: UnsafePointer<UInt32>, _ x: Int, _ y: Int) -> UInt64? {
        let row = UnsafeRawPointer(frame + y * width + x)
        let first = row.load(as: UInt32.self)
        let uniform = UInt64(first) | UInt64(first) << 32
        var h: UInt64 = 0x243F_6A88_85A3_08D3, differs: UInt64 = 0
        for i in 0..<(Self.stripWidth / 2) {
            let w = row.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
            differs |= w ^ uniform
            h = (h ^ w) &* 0x0000_0100_0000_01B3 &+ UInt64(i)
        }
        guard differs != 0 else { return nil }
        return (h ^ h >> 29) &* 0xBF58_476D_1CE4_E5B9
    }
}
