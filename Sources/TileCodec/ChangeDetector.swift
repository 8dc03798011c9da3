import Dispatch
public import Pixels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds, exactly, which 64x64 tiles differ between two frames under the damage.
///
/// It walks the frames row by row (the order memory is laid out in): each row of a damaged tile row is
/// compared with one `memcmp` across every still-unchanged damaged tile column, and only a row that
/// differs is split into tiles. A frame where nothing changed therefore costs about one `memcmp` of the
/// damaged area. All 32 bits of each pixel are compared, so a difference in the pad byte alone counts as
/// a change (`Framebuffer` keeps pad bytes 0, so this only costs a few bytes if an adapter leaves junk).
/// Large areas are cut into bands compared on all cores.
public enum ChangeDetector {
    public static let tileSize = 64
    /// Damage above this many pixels is compared on all cores.
    public static let parallelThreshold = 512 * 1024
    /// How many pieces parallel work is cut into (dispatched over the available cores).
    static let bands = 8

    /// The tiles of `current` that differ from `previous` inside `damage` (rects are clipped to the
    /// frame). When the sizes differ every tile is marked. `parallel: false` keeps it on the calling thread.
    public static func changedTiles(previous: Framebuffer, current: Framebuffer, damage: [Rect],
                                    parallel: Bool = true) -> TileMap {
        var map = TileMap(width: current.width, height: current.height, tileSize: tileSize)
        guard previous.width == current.width, previous.height == current.height else {
            map.markAll()
            return map
        }
        var damaged = TileMap(width: current.width, height: current.height, tileSize: tileSize)
        var area = 0
        for r in damage {
            let c = r.intersection(current.bounds)
            guard !c.isEmpty else { continue }
            damaged.mark(c)
            area += c.area
        }
        guard area > 0 else { return map }
        let columns = map.columns, rows = map.rows
        var marks = [Bool](repeating: false, count: columns * rows)
        let damagedMarks = damaged.marks
        let width = current.width, height = current.height
        previous.pixels.withUnsafeBufferPointer { pp in
            current.pixels.withUnsafeBufferPointer { cp in
                damagedMarks.withUnsafeBufferPointer { dm in
                    marks.withUnsafeMutableBufferPointer { out in
                        guard let a = pp.baseAddress, let b = cp.baseAddress, let o = out.baseAddress else { return }
                        let job = RowJob(a: a, b: b, damaged: dm, out: o, width: width, height: height, columns: columns)
                        if parallel && area >= parallelThreshold && rows >= 2 {
                            // More bands than cores: a core taken by another process delays one band,
                            // not half of the work.
                            let bands = min(rows, ChangeDetector.bands)
                            DispatchQueue.concurrentPerform(iterations: bands) { i in
                                job.run(tileRows: (rows * i / bands)..<(rows * (i + 1) / bands))
                            }
                        } else {
                            job.run(tileRows: 0..<rows)
                        }
                    }
                }
            }
        }
        for i in 0..<marks.count where marks[i] { map.mark(column: i % columns, row: i / columns) }
        return map
    }
}

/// The compare loop over a band of tile rows; writes only the marks of its own tile rows.
private struct RowJob: @unchecked Sendable {
    let a: UnsafePointer<UInt32>, b: UnsafePointer<UInt32>
    let damaged: UnsafeBufferPointer<Bool>
    let out: UnsafeMutablePointer<Bool>
    let width: Int, height: Int, columns: Int

    func run(tileRows: Range<Int>) {
        let ts = ChangeDetector.tileSize
        // Spans of damaged columns not yet known to have changed, recomputed when one changes.
        var spans: [(Int, Int)] = []
        spans.reserveCapacity(columns / 2 + 1)
        for tr in tileRows {
            let base = tr * columns
            let y0 = tr * ts, y1 = min(height, y0 + ts)
            var column = 0
            func rebuild() {
                spans.removeAll(keepingCapacity: true)
                column = 0
                while column < columns {
                    guard damaged[base + column] && !out[base + column] else { column += 1; continue }
                    let s = column
                    while column < columns && damaged[base + column] && !out[base + column] { column += 1 }
                    spans.append((s, column))
                }
            }
            rebuild()
            var y = y0
            while y < y1 && !spans.isEmpty {
                let row = y * width
                var changed = false
                for (s, e) in spans {
                    let x0 = s * ts, x1 = min(width, e * ts)
                    guard memcmp(a + row + x0, b + row + x0, (x1 - x0) &* 4) != 0 else { continue }
                    for c in s..<e {
                        let cx0 = c * ts, cx1 = min(width, cx0 + ts)
                        if memcmp(a + row + cx0, b + row + cx0, (cx1 - cx0) &* 4) != 0 {
                            out[base + c] = true
                            changed = true
                        }
                    }
                }
                if changed { rebuild() }
                y += 1
            }
        }
    }
}
