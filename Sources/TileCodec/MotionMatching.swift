import Pixels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Classification and matching of the row segments of a band of tile rows (writes only their entries).
struct MatchJob: @unchecked Sendable {
    let prev: UnsafePointer<UInt32>, cur: UnsafePointer<UInt32>
    let width: Int, height: Int, columns: Int
    let changed: TileMap
    let state: UnsafeMutableBufferPointer<Int8>
    let xa: UnsafeMutableBufferPointer<Int32>, xb: UnsafeMutableBufferPointer<Int32>
    let candidates: [(dx: Int, dy: Int)]
    /// Classify first (a new search), and try candidates from this index on.
    let classifying: Bool
    let first: Int
    /// Classify and match candidate 0 in one sweep (an accepted guess), so rows are read once.
    var fused = false

    func run(tileRows: Range<Int>) {
        if classifying && fused && first == 0 && !candidates.isEmpty {
            classifyMatching(candidates[0], tileRows)
            for k in 1..<candidates.count { match(k, candidates[k], tileRows) }
            return
        }
        if classifying { classify(tileRows) }
        for k in first..<candidates.count { match(k, candidates[k], tileRows) }
    }

    /// `classify` and `match` of candidate 0 together. A row that equals the previous frame at the offset
    /// over its whole matchable range is taken by the candidate at once, changed or not (a copy over an
    /// unchanged row is as exact, and this saves comparing the row in place); other rows are classified,
    /// and the changed ones matched as in `match` (a long enough prefix or suffix).
    func classifyMatching(_ offset: (dx: Int, dy: Int), _ tileRows: Range<Int>) {
        let (dx, dy) = offset
        for row in tileRows {
            for column in 0..<columns where changed.isMarked(column: column, row: row) {
                let t = changed.rect(column: column, row: row)
                let lo = max(t.x, -dx), hi = min(t.maxX, width - dx)
                let matchable = hi - lo >= MotionDetector.window
                for y in t.y..<t.maxY {
                    let o = y &* width &+ t.x, s = y &* columns &+ column
                    let sy = y &+ dy
                    let inRange = matchable && sy >= 0 && sy < height
                    let c = cur + y &* width, p = prev + ((inRange ? sy : y) &* width &+ dx)
                    if inRange && Self.wholeMatch(c, p, lo, hi) {
                        state[s] = 0
                        xa[s] = Int32(truncatingIfNeeded: lo); xb[s] = Int32(truncatingIfNeeded: hi)
                        continue
                    }
                    xa[s] = Int32(truncatingIfNeeded: t.x)
                    xb[s] = Int32(truncatingIfNeeded: t.maxX)
                    if memcmp(prev + o, cur + o, t.width &* 4) == 0 {
                        state[s] = -2
                    } else if inRange, let m = Self.matchedSpan(c, p, lo, hi) {
                        state[s] = 0
                        xa[s] = Int32(truncatingIfNeeded: m.lowerBound); xb[s] = Int32(truncatingIfNeeded: m.upperBound)
                    } else {
                        state[s] = -1
                    }
                }
            }
        }
    }

    /// Whether row `c` equals row `p` over all of `lo..<hi` (end pixels first, then the whole range).
    @inline(__always)
    static func wholeMatch(_ c: UnsafePointer<UInt32>, _ p: UnsafePointer<UInt32>, _ lo: Int, _ hi: Int) -> Bool {
        c[lo] == p[lo] && c[hi &- 1] == p[hi &- 1] && memcmp(c + lo, p + lo, (hi &- lo) &* 4) == 0
    }

    func classify(_ tileRows: Range<Int>) {
        for row in tileRows {
            for column in 0..<columns where changed.isMarked(column: column, row: row) {
                let t = changed.rect(column: column, row: row)
                for y in t.y..<t.maxY {
                    let o = y * width + t.x
                    state[y * columns + column] = memcmp(prev + o, cur + o, t.width * 4) == 0 ? -2 : -1
                    xa[y * columns + column] = Int32(t.x)
                    xb[y * columns + column] = Int32(t.maxX)
                }
            }
        }
    }

    func match(_ k: Int, _ offset: (dx: Int, dy: Int), _ tileRows: Range<Int>) {
        let (dx, dy) = offset
        for row in tileRows {
            for column in 0..<columns where changed.isMarked(column: column, row: row) {
                let t = changed.rect(column: column, row: row)
                let lo = max(t.x, -dx), hi = min(t.maxX, width - dx)
                guard hi - lo >= MotionDetector.window else { continue }
                for y in t.y..<t.maxY {
                    let sy = y + dy
                    guard sy >= 0 && sy < height else { continue }
                    let s = y * columns + column
                    guard state[s] == -1,
                          let m = Self.matchedSpan(cur + y * width, prev + sy * width + dx, lo, hi) else { continue }
                    state[s] = Int8(k); xa[s] = Int32(m.lowerBound); xb[s] = Int32(m.upperBound)
                }
            }
        }
    }

    /// The part of `lo..<hi` where row `c` equals row `p`: all of it, or the longer of the matching
    /// prefix and suffix when that is at least `MotionDetector.window` pixels; nil otherwise.
    @inline(__always)
    static func matchedSpan(_ c: UnsafePointer<UInt32>, _ p: UnsafePointer<UInt32>, _ lo: Int, _ hi: Int) -> Range<Int>? {
        let minimum = MotionDetector.window
        // A match of at least `minimum` pixels from either end needs both its end pixels equal.
        let headSame = c[lo] == p[lo] && c[lo + minimum - 1] == p[lo + minimum - 1]
        let tailSame = c[hi - 1] == p[hi - 1] && c[hi - minimum] == p[hi - minimum]
        guard headSame || tailSame else { return nil }
        if headSame && tailSame && memcmp(c + lo, p + lo, (hi - lo) * 4) == 0 { return lo..<hi }
        var l = lo
        if headSame { while l < hi && c[l] == p[l] { l += 1 } }
        var r = hi
        if tailSame { while r > lo && c[r - 1] == p[r - 1] { r -= 1 } }
        if l - lo >= hi - r { return l - lo >= minimum ? lo..<l : nil }
        return hi - r >= minimum ? r..<hi : nil
    }
}
