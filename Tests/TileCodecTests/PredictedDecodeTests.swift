import XCTest
@testable import TileCodec

/// The fused `predicted` tile decoder against the format's reference arithmetic (`predictPixel`,
/// `channelSum`, `addGreen`, one pixel at a time as the spec states it).
final class PredictedDecodeTests: XCTestCase {
    func testBranchFreeMedianEqualsThePredictor() {
        // Every (left, up) pair against a spread of upper-left values, on all three lanes at once.
        let cs = Array(stride(from: 0, through: 255, by: 15)) + [1, 2, 127, 128, 129, 253, 254]
        for a in 0...255 {
            for b in 0...255 {
                for c in cs {
                    let got = TilePredictor.median(PixelLanes(UInt8(a), UInt8(b), UInt8(255 - a), 0),
                                                   PixelLanes(UInt8(b), UInt8(a), UInt8(c), 0),
                                                   PixelLanes(UInt8(c), UInt8(c), UInt8(b), 0))
                    let want0 = predictChannel(left: UInt32(a), up: UInt32(b), upLeft: UInt32(c))
                    let want1 = predictChannel(left: UInt32(b), up: UInt32(a), upLeft: UInt32(c))
                    let want2 = predictChannel(left: UInt32(255 - a), up: UInt32(c), upLeft: UInt32(b))
                    if got != PixelLanes(UInt8(want0), UInt8(want1), UInt8(want2), 0) {
                        XCTFail("median of \(a), \(b), \(c): \(got)"); return
                    }
                }
            }
        }
    }

    /// Reference: what the spec says the decoder does with the residuals of a w x rows predicted tile.
    private func reference(_ residuals: [UInt8], w: Int, rows: Int) -> [UInt32] {
        let n = w * rows
        var v = [UInt32](repeating: 0, count: n)
        for k in 0..<n {
            let b0 = UInt32(residuals[3 * k]), b1 = UInt32(residuals[3 * k + 1]), b2 = UInt32(residuals[3 * k + 2])
            v[k] = b0 | b1 << 8 | b2 << 16
        }
        v.withUnsafeMutableBufferPointer { p in
            for k in 0..<n { p[k] = channelSum(p[k], predictPixel(p.baseAddress!, k, w)) }
        }
        return v.map(addGreen)
    }

    func testFusedDecodeMatchesTheReferenceOnRandomTiles() {
        var g = SeededRandom(29)
        let fw = 150, fh = 140
        let scratch = UnsafeMutablePointer<PixelLanes>.allocate(capacity: 4096)
        let rowsY = UnsafeMutablePointer<Int>.allocate(capacity: 64)
        defer { scratch.deallocate(); rowsY.deallocate() }
        for trial in 0..<400 {
            let w = trial < 64 ? 1 + trial : 1 + Int(g.next() % 64)
            let rows = trial % 7 == 0 ? 64 : 1 + Int(g.next() % 64)
            let n = w * rows
            // Small residuals (smooth content) and arbitrary ones, so every predictor case is taken.
            let small = g.next() % 2 == 0
            var residuals = [UInt8](repeating: 0, count: 3 * n)
            for i in 0..<(3 * n) {
                let r = g.next()
                residuals[i] = small ? UInt8(truncatingIfNeeded: Int(r % 7) - 3) : UInt8(truncatingIfNeeded: r)
            }
            let want = reference(residuals, w: w, rows: rows)
            residuals.append(0xEE)  // the one readable byte after the last residual, masked off
            // Rows spread over the framebuffer (as a row mask does), in increasing order.
            let y0 = Int(g.next() % UInt64(fh - 2 * rows + 1))
            for k in 0..<rows { rowsY[k] = y0 + 2 * k - (k > 0 && g.next() % 2 == 0 ? 1 : 0) }
            let x0 = Int(g.next() % UInt64(fw - w + 1))
            var fb = [UInt32](repeating: 0xDEAD_BEEF, count: fw * fh)
            residuals.withUnsafeBytes { src in
                fb.withUnsafeMutableBufferPointer { d in
                    TilePredictor.decode(residuals: src.baseAddress!, rows: rows, width: w, rowsY: rowsY,
                                         into: d.baseAddress!, stride: fw, x: x0, scratch: scratch)
                }
            }
            var written = 0
            for k in 0..<rows {
                for xx in 0..<w where fb[rowsY[k] * fw + x0 + xx] != want[k * w + xx] {
                    XCTFail("trial \(trial) (\(w)x\(rows)): pixel \(xx),\(k)"); return
                }
                written += w
            }
            XCTAssertEqual(fb.filter { $0 != 0xDEAD_BEEF }.count, written, "trial \(trial): writes outside the tile")
        }
    }
}
