import LiveView
import Pixels
import Viewer
import XCTest

/// The frame feed without sockets: a canvas rebuilt from the messages equals the picture, whatever
/// the pictures skipped in between.
final class FeedTests: XCTestCase {
    private func picture(_ fb: Framebuffer, _ changes: [FrameChange], number: Int, pointer: PointerOverlay? = nil) -> LivePicture {
        LivePicture(number: number, framebuffer: fb, changes: changes, pointer: pointer)
    }

    private func drain(_ feed: inout LiveFeed, into canvas: inout CanvasModel) throws {
        for message in feed.take() { try canvas.apply(message.encoded()) }
    }

    private func assertSame(_ canvas: CanvasModel, _ fb: Framebuffer, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let got = canvas.framebuffer
        if let d = got.firstDifference(from: fb) {
            XCTFail("\(what): pixel \(d.x),\(d.y) canvas \(String(d.mine, radix: 16)) picture \(String(d.theirs, radix: 16)) (canvas \(got.width)x\(got.height), picture \(fb.width)x\(fb.height))",
                    file: file, line: line)
        }
    }

    func testFillsCopiesAndAResizeReproduceThePicture() throws {
        var fb = Framebuffer(width: 320, height: 200, fill: 0x102030)
        var feed = LiveFeed(), canvas = CanvasModel()
        feed.add(picture(fb, [.paint(fb.bounds)], number: 1))
        try drain(&feed, into: &canvas)
        assertSame(canvas, fb, "first picture")

        // Text-like noise, then a scroll up by 10 rows (copy) with a new line painted.
        for y in 0..<200 { for x in 0..<320 where (x * 7 + y * 13) % 11 == 0 { fb[x, y] = UInt32(x * 811 + y * 97) & 0xFFFFFF } }
        feed.add(picture(fb, [.paint(fb.bounds)], number: 2))
        try drain(&feed, into: &canvas)
        fb.copyWithin(from: Rect(x: 0, y: 10, width: 320, height: 190), toX: 0, toY: 0)
        fb.fill(Rect(x: 0, y: 190, width: 320, height: 10), with: 0xFFFFFF)
        feed.add(picture(fb, [.copy(source: Rect(x: 0, y: 10, width: 320, height: 190), toX: 0, toY: 0),
                              .paint(Rect(x: 0, y: 190, width: 320, height: 10))], number: 3))
        let messages = feed.take()
        XCTAssertTrue(messages.contains { if case .copy = $0 { return true }; return false }, "the scroll goes as a copy")
        XCTAssertFalse(messages.contains { if case .pixels(let r, _) = $0 { return r.height > 10 }; return false }, "not as pixels")
        for m in messages { try canvas.apply(m.encoded()) }
        assertSame(canvas, fb, "after a scroll")

        // A window moved (copy to an overlapping place) and its old place repainted.
        fb.copyWithin(from: Rect(x: 50, y: 50, width: 100, height: 80), toX: 70, toY: 60)
        fb.fill(Rect(x: 50, y: 50, width: 20, height: 80), with: 0x00FF00)
        feed.add(picture(fb, [.copy(source: Rect(x: 50, y: 50, width: 100, height: 80), toX: 70, toY: 60),
                              .paint(Rect(x: 50, y: 50, width: 20, height: 80))], number: 4))
        try drain(&feed, into: &canvas)
        assertSame(canvas, fb, "after a move")

        // A resize: black, then repainted in part.
        fb = Framebuffer(width: 200, height: 300)
        fb.fill(Rect(x: 10, y: 10, width: 50, height: 50), with: 0xABCDEF)
        feed.add(picture(fb, [.resize(width: 200, height: 300), .paint(Rect(x: 10, y: 10, width: 50, height: 50))], number: 5))
        try drain(&feed, into: &canvas)
        assertSame(canvas, fb, "after a resize")
        XCTAssertEqual(canvas.lastFrame, 5)
    }

    /// A page that fell behind: many pictures added, one take: the canvas is the newest picture, though
    /// copies move pixels the page has not been sent yet (their moved damage is painted too).
    func testASlowPageSkipsPicturesButNeverTheLatest() throws {
        var fb = Framebuffer(width: 256, height: 256, fill: 0)
        var feed = LiveFeed(), canvas = CanvasModel()
        feed.add(picture(fb, [.paint(fb.bounds)], number: 1))
        try drain(&feed, into: &canvas)
        for n in 2...40 {
            let r = Rect(x: (n * 37) % 200, y: (n * 53) % 200, width: 40, height: 30)
            fb.fill(r, with: UInt32(n * 0x010203))
            var changes: [FrameChange] = [.paint(r)]
            if n % 5 == 0 {
                fb.copyWithin(from: Rect(x: 0, y: 0, width: 128, height: 128), toX: 100, toY: 90)
                changes.append(.copy(source: Rect(x: 0, y: 0, width: 128, height: 128), toX: 100, toY: 90))
            }
            feed.add(picture(fb, changes, number: n))
        }
        let messages = feed.take()
        for m in messages { try canvas.apply(m.encoded()) }
        assertSame(canvas, fb, "after 39 pictures taken at once")
        XCTAssertEqual(canvas.lastFrame, 40)
        XCTAssertEqual(canvas.frames, 2, "one frame message per batch: the skipped pictures cost nothing")
        XCTAssertTrue(messages.contains { if case .copy = $0 { return true }; return false }, "moves stay copies")
        XCTAssertTrue(feed.take().isEmpty, "nothing new: nothing sent")
    }

    /// A page one picture behind a terminal that scrolls: the scroll still goes as a copy, not as the
    /// whole scrolled area in pixels.
    func testAScrollBehindUnsentDamageStaysACopy() throws {
        var fb = Framebuffer(width: 400, height: 300, fill: 0x101010)
        var feed = LiveFeed(), canvas = CanvasModel()
        feed.add(picture(fb, [.paint(fb.bounds)], number: 1))
        try drain(&feed, into: &canvas)
        for y in 0..<300 { for x in 0..<400 where (x * 3 + y * 7) % 5 == 0 { fb[x, y] = UInt32(x * 131 + y * 17) & 0xFFFFFF } }
        feed.add(picture(fb, [.paint(fb.bounds)], number: 2))
        try drain(&feed, into: &canvas)
        // Two scrolls of 10 rows, each with a new line, before the page takes anything.
        for n in 3...4 {
            fb.copyWithin(from: Rect(x: 0, y: 10, width: 400, height: 290), toX: 0, toY: 0)
            fb.fill(Rect(x: 0, y: 290, width: 400, height: 10), with: UInt32(n * 0x202020))
            fb.fill(Rect(x: 5 * n, y: 290, width: 7, height: 8), with: 0xFFFFFF)
            feed.add(picture(fb, [.copy(source: Rect(x: 0, y: 10, width: 400, height: 290), toX: 0, toY: 0),
                                  .paint(Rect(x: 0, y: 290, width: 400, height: 10))], number: n))
        }
        let messages = feed.take()
        for m in messages { try canvas.apply(m.encoded()) }
        assertSame(canvas, fb, "after two scrolls taken at once")
        let painted = messages.reduce(0) { sum, m in
            switch m {
            case .pixels(let r, _), .fill(let r, _): return sum + r.area
            default: return sum
            }
        }
        XCTAssertEqual(messages.filter { if case .copy = $0 { return true }; return false }.count, 2)
        XCTAssertLessThanOrEqual(painted, 400 * 20, "only the two new lines are painted, not the scrolled area")
    }

    func testCopiesOnlyStillReproduceAfterManyMoves() throws {
        var fb = Framebuffer(width: 64, height: 64, fill: 0)
        for i in 0..<64 { fb.fill(Rect(x: 0, y: i, width: 64, height: 1), with: UInt32(i * 4) << 8) }
        var feed = LiveFeed(), canvas = CanvasModel()
        feed.add(picture(fb, [.paint(fb.bounds)], number: 1))
        try drain(&feed, into: &canvas)
        for n in 0..<100 {
            let source = Rect(x: 0, y: 1, width: 64, height: 63)
            fb.copyWithin(from: source, toX: 0, toY: 0)
            feed.add(picture(fb, [.copy(source: source, toX: 0, toY: 0)], number: 2 + n))
        }
        try drain(&feed, into: &canvas)
        assertSame(canvas, fb, "after 100 unsent moves")
    }

    func testLargeRectanglesGoInBandsAndSolidBandsAsFills() throws {
        var fb = Framebuffer(width: 1000, height: 700, fill: 0x334455)
        fb[999, 699] = 0x010101
        let messages = LiveFeed.paint(fb.bounds, of: fb)
        XCTAssertGreaterThan(messages.count, 5)
        for m in messages {
            if case .pixels(let r, _) = m { XCTAssertLessThanOrEqual(r.area, LiveFeed.pixelsPerMessage) }
        }
        XCTAssertTrue(messages.dropLast().allSatisfy { if case .fill = $0 { return true }; return false })
        _ = fb
    }

    func testPointerImageAndPositionAreSentWhenTheyChange() throws {
        let fb = Framebuffer(width: 100, height: 100)
        let cursor = CursorImage(width: 2, height: 2, hotX: 1, hotY: 0, argb: [0xFFFF0000, 0, 0, 0xFF00FF00], serial: 0)
        var feed = LiveFeed(), canvas = CanvasModel()
        feed.add(picture(fb, [], number: 1, pointer: PointerOverlay(cursor: cursor, x: 10, y: 20)))
        let first = feed.take()
        XCTAssertTrue(first.contains(.cursor(hotX: 1, hotY: 0, width: 2, height: 2, rgba: [255, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 0, 255])))
        XCTAssertTrue(first.contains(.pointer(x: 10, y: 20)))
        for m in first { try canvas.apply(m.encoded()) }
        feed.add(picture(fb, [], number: 2, pointer: PointerOverlay(cursor: cursor, x: 11, y: 20)))
        let second = feed.take()
        XCTAssertFalse(second.contains { if case .cursor = $0 { return true }; return false }, "same image: not sent again")
        XCTAssertTrue(second.contains(.pointer(x: 11, y: 20)))
    }

    func testMalformedMessagesAreRejected() {
        XCTAssertThrowsError(try FeedMessage.decode([]))
        XCTAssertThrowsError(try FeedMessage.decode([99]))
        XCTAssertThrowsError(try FeedMessage.decode([3, 0, 0, 0, 0, 0, 2, 0, 2, 1, 2, 3]), "pixels shorter than 2x2")
        XCTAssertThrowsError(try FeedMessage.decode([1, 0, 1]))
        var canvas = CanvasModel()
        XCTAssertNoThrow(try canvas.apply(FeedMessage.resize(width: 4, height: 4).encoded()))
        XCTAssertThrowsError(try canvas.apply(FeedMessage.fill(rect: Rect(x: 2, y: 2, width: 3, height: 1), colour: 0).encoded()))
        XCTAssertThrowsError(try canvas.apply(FeedMessage.copy(source: Rect(x: 0, y: 0, width: 4, height: 4), toX: 1, toY: 0).encoded()))
        for m: FeedMessage in [.resize(width: 640, height: 480), .copy(source: Rect(x: 1, y: 2, width: 3, height: 4), toX: 5, toY: 6),
                               .fill(rect: Rect(x: 1, y: 2, width: 3, height: 4), colour: 0x123456), .pointer(x: 7, y: 8), .frame(number: 0xDEADBEEF)] {
            XCTAssertEqual(try FeedMessage.decode(m.encoded()), m)
        }
    }
}
