import Pixels
import TileCodec
import XCTest

/// A terminal scroll in a small bitmap font: every 16-pixel window repeats along its row (a glyph is a
/// few pixels wide), so content anchors cannot vote; whole-row hashes still find the shift, and the copy
/// is exact.
final class MotionRowScrollTests: XCTestCase {
    private func terminal(width: Int, height: Int, firstLine: Int) -> Framebuffer {
        var fb = Framebuffer(width: width, height: height, fill: 0xFFFFFF)
        for y in 0..<height {
            // Row y shows line (firstLine*13 + y): a 6-pixel "glyph" motif repeated across the row.
            var seed = UInt64(firstLine * 13 + y) &* 0x9E37_79B9_7F4A_7C15 | 1
            var motif = [UInt32](repeating: 0xFFFFFF, count: 6)
            for i in 0..<6 {
                seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
                motif[i] = seed & 3 == 0 ? 0x000000 : 0xFFFFFF
            }
            for x in 0..<width { fb[x, y] = motif[x % 6] }
        }
        return fb
    }

    func testOneLineScrollOfSmallFontTextIsFoundAndExact() {
        let previous = terminal(width: 640, height: 390, firstLine: 0)
        let current = terminal(width: 640, height: 390, firstLine: 1)   // scrolled up by 13 pixels
        let changed = ChangeDetector.changedTiles(previous: previous, current: current, damage: [previous.bounds])
        XCTAssertFalse(changed.isEmpty)
        let copies = MotionDetector().detect(previous: previous, current: current, changed: changed)
        XCTAssertFalse(copies.isEmpty, "the scroll must be found")
        XCTAssertTrue(copies.allSatisfy { $0.source.y - $0.destinationY == 13 && $0.source.x == $0.destinationX }, "\(copies)")
        var applied = previous
        applied.apply(copies)
        let copiedArea = copies.reduce(0) { $0 + $1.source.area }
        XCTAssertGreaterThan(copiedArea, 640 * 300, "most of the screen comes from the copy")
        for c in copies { XCTAssertTrue(applied.equalPixels(in: c.destination, to: current), "copy \(c) is exact") }
    }
}
