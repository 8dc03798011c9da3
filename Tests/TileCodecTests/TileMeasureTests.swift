import XCTest
@testable import TileCodec

/// The fast measurements of the tile coders (run-start bit masks, byte-lane predictor) against plain
/// pixel-by-pixel definitions, on random sequences built to hit their edges: word boundaries, runs longer
/// than 255 and 510 pixels, more than 127 colours, widths 1...64 and lengths that are not multiples of 8.
final class TileMeasureTests: XCTestCase {
    struct Reference {
        var runs = 0, singles = 0, longExtra = 0
        var colours: [UInt32] = []
        var overflow = false
    }

    func reference(_ v: [UInt32]) -> Reference {
        var r = Reference()
        var i = 0
        while i < v.count {
            var j = i + 1
            while j < v.count && v[j] == v[i] { j += 1 }
            r.runs += 1
            if j - i == 1 { r.singles += 1 }
            r.longExtra += (j - i - 1) / 255
            if !r.overflow && !r.colours.contains(v[i]) {
                if r.colours.count == TilePalette.capacity { r.overflow = true } else { r.colours.append(v[i]) }
            }
            i = j
        }
        return r
    }

    func randomRuns(_ n: Int, colours: Int, longRuns: Bool, using g: inout SeededRandom) -> [UInt32] {
        var v: [UInt32] = []
        while v.count < n {
            let length = longRuns && g.next() % 8 == 0 ? 200 + Int(g.next() % 400) : 1 + Int(g.next() % 6)
            let colour = UInt32(g.next() % UInt64(colours)) &* 0x0001_0203 & 0x00FF_FFFF
            v += [UInt32](repeating: colour, count: min(length, n - v.count))
        }
        return v
    }

    func testRunScanMatchesPixelByPixelCounting() {
        var g = SeededRandom(7)
        for trial in 0..<3000 {
            let n = 1 + Int(g.next() % 4096)
            let v = randomRuns(n, colours: [2, 3, 16, 100, 200][trial % 5], longRuns: trial % 3 == 0, using: &g)
            let want = reference(v)
            let palette = TilePalette()
            let (counts, overflow) = v.withUnsafeBufferPointer { palette.scanRuns($0.baseAddress!, n) }
            XCTAssertEqual(counts.runs, want.runs, "trial \(trial) n \(n)")
            XCTAssertEqual(counts.singles, want.singles, "trial \(trial) n \(n)")
            XCTAssertEqual(counts.longExtra, want.longExtra, "trial \(trial) n \(n)")
            XCTAssertEqual(overflow, want.overflow, "trial \(trial) n \(n)")
            if !want.overflow {
                XCTAssertEqual((0..<palette.count).map { palette.colours[$0] }, want.colours, "trial \(trial): palette order")
            }
            if counts.runs != want.runs || counts.singles != want.singles { return }
        }
    }

    func testDifferingBitsAtEveryCount() {
        var g = SeededRandom(3)
        for count in 1...64 {
            let a = (0..<count).map { _ in UInt32(g.next() % 3) }, b = (0..<count).map { _ in UInt32(g.next() % 3) }
            var want: UInt64 = 0
            for k in 0..<count where a[k] != b[k] { want |= 1 << UInt64(k) }
            let got = a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
                RunBits.differing(pa.baseAddress!, pb.baseAddress!, count: count)
            } }
            XCTAssertEqual(got, want, "count \(count)")
        }
    }

    func testPredictorRowsMatchTheDecodersPrediction() {
        var g = SeededRandom(11)
        for trial in 0..<500 {
            let w = 1 + trial % 64, rows = 1 + Int(g.next() % 6)
            let n = w * rows
            // Smooth areas, edges and noise, so every branch of the median predictor is taken.
            let v: [UInt32] = (0..<n).map { k in
                switch g.next() % 4 {
                case 0: return UInt32(truncatingIfNeeded: g.next()) & 0x00FF_FFFF
                case 1: return UInt32(k % w * 4) &* 0x0001_0101
                default: return UInt32((k / w) * 9 + k % w) & 0xFF | 0x0080_4000
                }
            }
            var want = [UInt32](repeating: 0, count: n)
            v.map(subtractGreen).withUnsafeBufferPointer { t in
                for k in 0..<n { want[k] = channelDifference(t[k], predictPixel(t.baseAddress!, k, w)) }
            }
            let t = UnsafeMutablePointer<UInt32>.allocate(capacity: n), res = UnsafeMutablePointer<UInt32>.allocate(capacity: n)
            defer { t.deallocate(); res.deallocate() }
            v.withUnsafeBufferPointer { TilePredictor.transform($0.baseAddress!, into: t, count: n) }
            for y in 0..<rows { TilePredictor.residualRow(t, y, w, into: res) }
            XCTAssertEqual(Array(UnsafeBufferPointer(start: res, count: n)), want, "width \(w) rows \(rows)")
        }
    }
}
