import Pixels
import TileCodec
import XCTest

/// Issue #16: one scroll of a terminal is one moved area, so the motion pass must send it as at most two
/// copies (with `mergesCopies`), not one per tile column and stretch of changed tiles — and stay exact.
final class MotionMergeTests: XCTestCase {
    /// A wallpaper-like screen with a terminal window at (`left`, `top`): `rows` lines of 13 pixels, 6-pixel
    /// glyphs, ragged line lengths (blank right ends), showing lines `first...`; a 2-pixel border.
    private func screen(first: Int, width: Int = 1600, height: Int = 1000, left: Int = 0, top: Int = 0,
                        columns: Int = 200, rows: Int = 60) -> Framebuffer {
        var fb = Framebuffer(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width { fb[x, y] = UInt32(truncatingIfNeeded: (x &* 2654435761) ^ (y &* 40503) ^ (x * y)) & 0xFFFFFF }
        }
        let textWidth = columns * 6, textHeight = rows * 13
        for y in 0..<(textHeight + 4) {
            for x in 0..<(textWidth + 4) { fb[left + x, top + y] = 0xFFFFFF }
        }
        for line in 0..<rows {
            let n = first + line
            var seed = UInt64(n) &* 0x9E37_79B9_7F4A_7C15 | 1
            seed ^= seed >> 29
            // Lines of 20...187 characters, some empty.
            let length = n % 7 == 3 ? 0 : 20 + Int(seed % 168)
            for c in 0..<length {
                seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
                if seed % 9 == 0 { continue }  // a space
                for gy in 2..<11 {
                    for gx in 0..<5 where (seed >> UInt64((gy * 5 + gx) % 60)) & 1 == 1 {
                        fb[left + 2 + c * 6 + gx, top + 2 + line * 13 + gy] = 0x000000
                    }
                }
            }
        }
        return fb
    }

    private func copies(scrolledLines: Int, merging: Bool, left: Int = 0, top: Int = 0,
                        hints: [(dx: Int, dy: Int)] = []) -> (Framebuffer, Framebuffer, [CopyOperation]) {
        let previous = screen(first: 100, left: left, top: top)
        let current = screen(first: 100 + scrolledLines, left: left, top: top)
        let changed = ChangeDetector.changedTiles(previous: previous, current: current, damage: [previous.bounds])
        var detector = MotionDetector()
        detector.mergesCopies = merging
        return (previous, current, detector.detect(previous: previous, current: current, changed: changed, hints: hints))
    }

    private func assertExact(_ previous: Framebuffer, _ current: Framebuffer, _ copies: [CopyOperation],
                             file: StaticString = #filePath, line: UInt = #line) {
        var applied = previous
        applied.apply(copies)
        for c in copies {
            XCTAssertTrue(applied.equalPixels(in: c.destination, to: current), "copy \(c) is exact", file: file, line: line)
        }
    }

    func testFiveLineScrollOfATerminalIsAtMostTwoCopies() {
        let (previous, current, copies) = copies(scrolledLines: 5, merging: true)
        XCTAssertFalse(copies.isEmpty, "the scroll must be found")
        XCTAssertLessThanOrEqual(copies.count, 2, "\(copies)")
        XCTAssertTrue(copies.allSatisfy { $0.source.y - $0.destinationY == 65 && $0.source.x == $0.destinationX }, "\(copies)")
        XCTAssertGreaterThan(copies.reduce(0) { $0 + $1.source.area }, 1200 * 13 * 50, "the scrolled text comes from the copy: \(copies)")
        assertExact(previous, current, copies)
    }

    func testScrollOfAWindowOffTheTileGridWithAHintIsAtMostTwoCopies() {
        for lines in [1, 3, 5, 10] {
            let (previous, current, copies) = copies(scrolledLines: lines, merging: true, left: 37, top: 21,
                                                     hints: [(dx: 0, dy: 13 * lines)])
            XCTAssertFalse(copies.isEmpty, "\(lines) lines: the scroll must be found")
            XCTAssertLessThanOrEqual(copies.count, 2, "\(lines) lines: \(copies)")
            assertExact(previous, current, copies)
        }
    }

    func testNarrowFirstRowsDoNotNarrowTheScroll() {
        // The terminal's top rows: blank in the current frame, text in the previous one at the offset
        // except in a few columns, so the first matched rows are narrow; the copy must still be wide.
        var previous = screen(first: 100), current = screen(first: 105)
        for y in 0..<2 { for x in 0..<1204 { current[x, y] = 0xFFFFFF; previous[x, y] = 0xFFFFFF } }
        for y in 2..<4 { for x in 300..<560 { current[x, y] = 0x000000; previous[x, y + 65] = 0x000000 } }
        let changed = ChangeDetector.changedTiles(previous: previous, current: current, damage: [previous.bounds])
        var detector = MotionDetector()
        detector.mergesCopies = true
        let copies = detector.detect(previous: previous, current: current, changed: changed, hints: [(dx: 0, dy: 65)])
        XCTAssertLessThanOrEqual(copies.count, 2, "\(copies)")
        XCTAssertGreaterThan(copies.reduce(0) { $0 + $1.source.area }, 1100 * 13 * 50, "\(copies)")
        assertExact(previous, current, copies)
    }

    func testFirstTileColumnOfAScrollIsInTheCopy() {
        // The terminal's top rows match at the offset only from x = 64 on (as an xterm's did in the session
        // bench), so the first matched rows are narrower than the rest of the scroll; the copy must still
        // start at the terminal's left edge, or the first tile column is sent as pixels in every update.
        let previous = screen(first: 100)
        var current = screen(first: 105)
        for y in 2..<8 { for x in 0..<64 { current[x, y] = 0xFF0000 } }
        let changed = ChangeDetector.changedTiles(previous: previous, current: current, damage: [previous.bounds])
        var detector = MotionDetector()
        detector.mergesCopies = true
        let copies = detector.detect(previous: previous, current: current, changed: changed, hints: [(dx: 0, dy: 65)])
        XCTAssertLessThanOrEqual(copies.count, 2, "\(copies)")
        let firstColumn = Rect(x: 0, y: 100, width: 64, height: 600)
        XCTAssertTrue(copies.contains { $0.destination.contains(firstColumn) }, "the first tile column is copied: \(copies)")
        XCTAssertGreaterThan(copies.reduce(0) { $0 + $1.source.area }, 1200 * 13 * 50, "\(copies)")
        assertExact(previous, current, copies)
    }

    func testMergingNeverCopiesMoreThanItCanVerify() {
        // Two windows scrolled by the same amount, wallpaper between them that does not move: the merged
        // copies must not cover the wallpaper gap (it does not match at the offset) and stay exact.
        var previous = screen(first: 0, width: 1600, height: 900, columns: 60, rows: 30)
        var current = screen(first: 4, width: 1600, height: 900, columns: 60, rows: 30)
        let right = screen(first: 50, width: 1600, height: 900, left: 800, columns: 60, rows: 30)
        let rightNext = screen(first: 54, width: 1600, height: 900, left: 800, columns: 60, rows: 30)
        let windowRight = Rect(x: 800, y: 0, width: 60 * 6 + 4, height: 30 * 13 + 4)
        previous.copy(windowRight, from: right)
        current.copy(windowRight, from: rightNext)
        let changed = ChangeDetector.changedTiles(previous: previous, current: current, damage: [previous.bounds])
        var detector = MotionDetector()
        detector.mergesCopies = true
        let copies = detector.detect(previous: previous, current: current, changed: changed)
        XCTAssertFalse(copies.isEmpty)
        XCTAssertLessThanOrEqual(copies.count, 4, "\(copies)")
        assertExact(previous, current, copies)
    }

    func testWithoutMergingTheSameScrollIsExactToo() {
        // The default (tile-delta's golden vectors depend on it) keeps its copies; both are exact.
        let (previous, current, copies) = copies(scrolledLines: 5, merging: false)
        XCTAssertFalse(copies.isEmpty)
        assertExact(previous, current, copies)
    }
}
