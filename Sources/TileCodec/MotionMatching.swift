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

    func run(tileRows: Range<Int>) {
        classify(tileRows)
        for (k, offset) in candidates.enumerated() { match(k, offset, tileRows) }
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
        let minimum = MotionDetector.window
        for row in tileRows {
            for column in 0..<columns where changed.isMarked(column: column, row: row) {
                let t = changed.rect(column: column, row: row)
                let lo = max(t.x, -dx), hi = min(t.maxX, width - dx)
                guard hi - lo >= minimum else { continue }
                for y in t.y..<t.maxY {
                    let sy = y + dy
                    guard sy >= 0 && sy < height else { continue }
                    let s = y * columns + column
                    let c = cur + y * width, p = prev + sy * width + dx
                    guard state[s] == -1 else { continue }
                    // A match of at least `minimum` pixels from either end needs both its end pixels equal.
                    let headSame = c[lo] == p[lo] && c[lo + minimum - 1] == p[lo + minimum - 1]
                    let tailSame = c[hi - 1] == p[hi - 1] && c[hi - minimum] == p[hi - minimum]
                    guard headSame || tailSame else { continue }
                    if headSame && tailSame && memcmp(c + lo, p + lo, (hi - lo) * 4) == 0 {
                        state[s] = Int8(k); xa[s] = Int32(lo); xb[s] = Int32(hi)
                        continue
                    }
                    var l = lo
                    if headSame { while l < hi && c[l] == p[l] { l += 1 } }
                    var r = hi
                    if tailSame { while r > lo && c[r - 1] == p[r - 1] { r -= 1 } }
                    if l - lo >= hi - r {
                        if l - lo >= minimum { state[s] = Int8(k); xa[s] = Int32(lo); xb[s] = Int32(l) }
                    } else if hi - r >= minimum {
                        state[s] = Int8(k); xa[s] = Int32(r); xb[s] = Int32(hi)
                    }
                }
            }
        }
    }
}
