import Pixels
import XCTest
@testable import TileCodec

/// A page scrolled by a new amount beside a panel that stays put: whole-row hashes never match (the panel
/// differs on every row), and there is no hint yet; the column strips still vote the shift.
final class MotionStripTests: XCTestCase {
    /// A 960x640 "browser": a static 96-pixel side panel (a gradient, every row its own colour), a text
    /// page scrolled by `offset` rows, and a scroll bar thumb that moves with it.
    private func page(offset: Int) -> Framebuffer {
        let tall = Patterns.text(848, 1400, seed: 21, background: 0xFFFFFF, ink: 0x202020)
        var fb = Framebuffer(width: 960, height: 640, fill: 0xE0E0E0)
        for y in 0..<640 {
            for x in 0..<96 { fb[x, y] = UInt32(y &* 0x010203 &+ x) & 0xFFFFFF }
            for x in 0..<848 { fb[96 + x, y] = tall[x, y + offset] }
        }
        fb.fill(Rect(x: 946, y: 10 + offset / 3, width: 12, height: 120), with: 0x707070)
        return fb
    }

    private func search(_ previous: Framebuffer, _ current: Framebuffer, _ body: (inout MotionSearch, Rect) -> Void) {
        let changed = ChangeDetector.changedTiles(previous: previous, current: current, damage: [current.bounds])
        previous.pixels.withUnsafeBufferPointer { p in
            current.pixels.withUnsafeBufferPointer { c in
                var s = MotionSearch(prev: p.baseAddress!, cur: c.baseAddress!, width: current.width,
                                     height: current.height, changed: changed, settings: MotionDetector())
                body(&s, s.changedBounds())
            }
        }
    }

    func testStripsVoteANewVerticalScrollBesideAMovingScrollBar() {
        let previous = page(offset: 100), current = page(offset: 137)
        search(previous, current) { s, area in
            XCTAssertTrue(s.rowScrollVotes(area).isEmpty, "whole rows differ everywhere (the panel stays)")
            let vote = s.stripScrollVote(area)
            XCTAssertEqual(vote?.dx, 0)
            XCTAssertEqual(vote?.dy, 37, "content of row y now comes from row y + 37")
        }
        let copies = MotionDetector().detect(previous: previous,
                                             current: current,
                                             changed: ChangeDetector.changedTiles(previous: previous, current: current,
                                                                                  damage: [current.bounds]))
        var applied = previous
        applied.apply(copies)
        for c in copies { XCTAssertTrue(applied.equalPixels(in: c.destination, to: current), "copy \(c) is exact") }
        XCTAssertGreaterThan(copies.filter { $0.source.y - $0.destinationY == 37 }.reduce(0) { $0 + $1.source.area },
                             800 * 500, "most of the page comes from the scroll")
    }

    func testStripsDoNotVoteOnBlankOrUnrelatedContent() {
        let blank = Framebuffer(width: 640, height: 480, fill: 0xFFFFFF)
        var other = blank
        other.fill(Rect(x: 0, y: 0, width: 640, height: 480), with: 0x000000)
        search(blank, other) { s, area in XCTAssertNil(s.stripScrollVote(area), "uniform strips never vote") }
        let a = Patterns.text(640, 480, seed: 1), b = Patterns.text(640, 480, seed: 2)
        search(a, b) { s, area in XCTAssertNil(s.stripScrollVote(area), "unrelated pages do not agree on a shift") }
    }
}

/// A steady scroll whose last offset explains most but not nearly all of an update, beside a pane that
/// moved sideways: the hinted offset is taken first, and the vote over the tiles it left still finds the
/// pane's move.
final class MotionPartialHintTests: XCTestCase {
    func testHintedScrollThenVoteForWhatItLeft() {
        let tall = Patterns.text(640, 400, seed: 5), pane = Patterns.text(560, 160, seed: 6, background: 0x2A2A40)
        var previous = Framebuffer(width: 640, height: 480), current = Framebuffer(width: 640, height: 480)
        for y in 0..<320 { for x in 0..<640 { previous[x, y] = tall[x, y]; current[x, y] = tall[x, y + 24] } }
        for y in 0..<160 {
            for x in 0..<560 { previous[x, 320 + y] = pane[x, y]; current[x + 40, 320 + y] = pane[x, y] }
        }
        let changed = ChangeDetector.changedTiles(previous: previous, current: current, damage: [current.bounds])
        let copies = MotionDetector().detect(previous: previous, current: current, changed: changed,
                                             hints: [(dx: 0, dy: 24)])
        var applied = previous
        applied.apply(copies)
        for c in copies { XCTAssertTrue(applied.equalPixels(in: c.destination, to: current), "copy \(c) is exact") }
        func area(_ dx: Int, _ dy: Int) -> Int {
            copies.filter { $0.source.x - $0.destinationX == dx && $0.source.y - $0.destinationY == dy }
                .reduce(0) { $0 + $1.source.area }
        }
        XCTAssertGreaterThan(area(0, 24), 600 * 250, "the scroll comes from the hint: \(copies)")
        XCTAssertGreaterThan(area(-40, 0), 500 * 120, "the pane's move is voted: \(copies)")
    }
}
