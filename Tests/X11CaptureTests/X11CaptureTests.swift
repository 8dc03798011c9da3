import Pixels
import TestSupport
import XCTest
@testable import X11Capture

final class X11CaptureTests: XCTestCase {
    nonisolated(unsafe) static var server: XvfbServer?
    nonisolated(unsafe) static var startError = ""

    override class func setUp() {
        super.setUp()
        do { server = try XvfbServer(width: 1920, height: 1080, depth: 24) } catch { startError = "\(error)" }
    }

    override class func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    private func display() throws -> String {
        guard let s = Self.server else { throw XvfbServer.Failure.didNotStart(Self.startError) }
        return s.display
    }

    private func drawing() throws -> XDrawing {
        let name = try display()
        guard let d = XDrawing(displayName: name) else { throw XvfbServer.Failure.didNotStart("cannot open \(name)") }
        return d
    }

    /// Known content: solid rectangles, a gradient, a line pattern; the capture equals the model exactly.
    func testCaptureMatchesDrawnRectanglesAndGradient() throws {
        let draw = try drawing()
        var model = Framebuffer(width: 1920, height: 1080, fill: 0x000000)
        draw.fill(Rect(x: 0, y: 0, width: 1920, height: 1080), 0x000000)
        let rects: [(Rect, UInt32)] = [
            (Rect(x: 10, y: 20, width: 300, height: 200), 0xFF0000),
            (Rect(x: 500, y: 400, width: 64, height: 64), 0x00FF00),
            (Rect(x: 1850, y: 1030, width: 70, height: 50), 0x0000FF),
            (Rect(x: 1000, y: 10, width: 1, height: 1), 0x123456),
        ]
        for (r, c) in rects {
            draw.fill(r, c)
            model.fill(r, with: c)
        }
        // A horizontal gradient: one column per value, across all three channels.
        for x in 0..<256 {
            let c = UInt32(x) << 16 | UInt32(255 - x) << 8 | UInt32((x * 7) & 0xFF)
            draw.line(x0: 600 + x, y0: 600, x1: 600 + x, y1: 700, c)
            model.fill(Rect(x: 600 + x, y: 600, width: 1, height: 101), with: c)
        }
        draw.sync()
        let source = try X11ScreenSource(displayName: try display())
        XCTAssertEqual(source.method, .sharedMemory)
        var fb = Framebuffer(width: 0, height: 0)
        let change = try source.capture(into: &fb, full: false)
        XCTAssertEqual(change.damage, [Rect(x: 0, y: 0, width: 1920, height: 1080)], "first capture reports everything")
        XCTAssertTrue(change.resized)
        if let d = fb.firstDifference(from: model) {
            XCTFail("pixel \(d.x),\(d.y) is \(String(d.mine, radix: 16)), drawn \(String(d.theirs, radix: 16))")
        }
    }

    /// Text drawn with XDrawString: the capture equals an independent XGetPixel read-back, and the text
    /// really put foreground pixels there.
    func testCaptureMatchesDrawnText() throws {
        let draw = try drawing()
        let area = Rect(x: 40, y: 800, width: 400, height: 40)
        draw.fill(area, 0xFFFFFF)
        draw.text("remote-assist: Hello, X11! 0123456789", x: 50, y: 825, 0x202080)
        draw.sync()
        let expected = draw.readBack(area)
        let source = try X11ScreenSource(displayName: try display())
        var fb = Framebuffer(width: 0, height: 0)
        _ = try source.capture(into: &fb, full: true)
        XCTAssertEqual(fb.extract(area), expected)
        let inked = fb.extract(area).filter { $0 == 0x202080 }.count
        XCTAssertGreaterThan(inked, 100, "the text should have drawn foreground pixels")
    }

    /// MIT-SHM and XGetImage give the same pixels.
    func testSharedMemoryAndGetImageAgree() throws {
        let draw = try drawing()
        for i in 0..<50 {
            draw.fill(Rect(x: (i * 37) % 1800, y: (i * 53) % 1000, width: 20 + i, height: 10 + i),
                      UInt32(truncatingIfNeeded: i &* 0x9E3779B1) & 0xFFFFFF)
        }
        draw.text("same pixels either way", x: 300, y: 300, 0xFFFF00)
        draw.sync()
        let shm = try X11ScreenSource(displayName: try display())
        let plain = try X11ScreenSource(displayName: try display(), allowSharedMemory: false)
        XCTAssertEqual(shm.method, .sharedMemory)
        XCTAssertEqual(plain.method, .getImage)
        var a = Framebuffer(width: 0, height: 0), b = Framebuffer(width: 0, height: 0)
        _ = try shm.capture(into: &a, full: true)
        _ = try plain.capture(into: &b, full: true)
        XCTAssertEqual(a.width, 1920)
        XCTAssertNil(a.firstDifference(from: b).map { "\($0)" })
    }

    /// MIT-SHM captures of small damage read only the damage's bounding box (a narrowed image, rows
    /// packed by the server): after each of many small drawings, at the edges too, and of two far-apart
    /// ones (a box of most of the screen: read whole), the picture equals an independent XGetImage of
    /// the whole screen.
    func testSharedMemoryCapturesOfSmallDamageAreExact() throws {
        let draw = try drawing()
        let shm = try X11ScreenSource(displayName: try display())
        let plain = try X11ScreenSource(displayName: try display(), allowSharedMemory: false, useDamage: false)
        XCTAssertEqual(shm.method, .sharedMemory)
        var fb = Framebuffer(width: 0, height: 0), expected = Framebuffer(width: 0, height: 0)
        _ = try shm.capture(into: &fb, full: true)
        let drawings: [[Rect]] = [
            [Rect(x: 3, y: 5, width: 70, height: 9)],
            [Rect(x: 1913, y: 200, width: 7, height: 300)],
            [Rect(x: 0, y: 1079, width: 1920, height: 1)],
            [Rect(x: 1850, y: 1040, width: 70, height: 40)],
            [Rect(x: 777, y: 333, width: 1, height: 1)],
            [Rect(x: 10, y: 10, width: 20, height: 20), Rect(x: 1880, y: 1050, width: 30, height: 20)],
            [Rect(x: 400, y: 500, width: 129, height: 65), Rect(x: 700, y: 520, width: 3, height: 200)],
        ]
        for (i, rects) in drawings.enumerated() {
            for (j, r) in rects.enumerated() { draw.fill(r, UInt32(truncatingIfNeeded: (i * 7 + j + 1) &* 0x9E3779B1) & 0xFFFFFF) }
            draw.text("step \(i)", x: 600 + i * 40, y: 900, 0xFFFFFF)
            draw.sync()
            let change = try shm.capture(into: &fb, full: false)
            XCTAssertFalse(change.damage.isEmpty)
            _ = try plain.capture(into: &expected, full: true)
            XCTAssertEqual(shm.method, .sharedMemory, "step \(i): the server refused the narrowed image")
            XCTAssertNil(fb.firstDifference(from: expected).map { "step \(i): \($0)" })
        }
    }

    /// Damage covers what was drawn and leaves far-away tiles out; nothing drawn, no damage.
    func testDamageReportsOnlyWhatChanged() throws {
        let draw = try drawing()
        let source = try X11ScreenSource(displayName: try display())
        XCTAssertTrue(source.usesDamage)
        var fb = Framebuffer(width: 0, height: 0)
        _ = try source.capture(into: &fb, full: false)
        let quiet = try source.capture(into: &fb, full: false)
        XCTAssertEqual(quiet.damage, [], "no drawing, no damage")
        XCTAssertFalse(quiet.resized)

        let drawn = Rect(x: 130, y: 140, width: 50, height: 30)
        draw.fill(drawn, 0xABCDEF)
        draw.sync()
        let change = try source.capture(into: &fb, full: false)
        XCTAssertTrue(covers(change.damage, drawn), "damage \(change.damage) must cover \(drawn)")
        let far = Rect(x: 1800, y: 1000, width: 64, height: 64)
        XCTAssertFalse(change.damage.contains { $0.intersects(far) }, "damage \(change.damage) must leave \(far) out")
        XCTAssertLessThanOrEqual(change.damage.reduce(0) { $0 + $1.area }, 4 * 64 * 64)
        XCTAssertEqual(fb.extract(drawn), [UInt32](repeating: 0xABCDEF, count: drawn.area))

        // A copy inside the screen (like a scroll) is damage too.
        draw.copyArea(from: Rect(x: 100, y: 100, width: 100, height: 100), toX: 1000, toY: 500)
        draw.sync()
        let copied = try source.capture(into: &fb, full: false)
        XCTAssertTrue(covers(copied.damage, Rect(x: 1000, y: 500, width: 100, height: 100)), "\(copied.damage)")
        XCTAssertEqual(fb.extract(Rect(x: 1030, y: 540, width: 50, height: 30)), [UInt32](repeating: 0xABCDEF, count: 1500))
    }

    /// Waiting is event-driven: it times out on a still screen and wakes up for a drawing.
    func testWaitForEventsWakesOnDrawingOnly() throws {
        let draw = try drawing()
        let source = try X11ScreenSource(displayName: try display())
        var fb = Framebuffer(width: 0, height: 0)
        _ = try source.capture(into: &fb, full: false)
        XCTAssertFalse(try source.waitForEvents(timeoutMilliseconds: 200, wakeFileDescriptor: nil), "nothing drawn: the wait times out")
        XCTAssertFalse(source.hasPendingChanges)
        draw.fill(Rect(x: 700, y: 700, width: 10, height: 10), 0x010203)
        draw.sync()
        XCTAssertTrue(try source.waitForEvents(timeoutMilliseconds: 5000, wakeFileDescriptor: nil))
        XCTAssertTrue(source.hasPendingChanges)
        let change = try source.capture(into: &fb, full: false)
        XCTAssertTrue(covers(change.damage, Rect(x: 700, y: 700, width: 10, height: 10)), "\(change.damage)")
    }

    /// True when every pixel of `rect` lies in one of `damage`.
    private func covers(_ damage: [Rect], _ rect: Rect) -> Bool {
        for y in rect.y..<rect.maxY {
            for x in rect.x..<rect.maxX where !damage.contains(where: { $0.contains(Rect(x: x, y: y, width: 1, height: 1)) }) {
                return false
            }
        }
        return true
    }

    /// Without DAMAGE every capture reports the whole screen.
    func testWithoutDamageEveryCaptureIsFull() throws {
        let source = try X11ScreenSource(displayName: try display(), useDamage: false)
        var fb = Framebuffer(width: 0, height: 0)
        _ = try source.capture(into: &fb, full: false)
        let again = try source.capture(into: &fb, full: false)
        XCTAssertEqual(again.damage, [fb.bounds])
    }

    func testBadDisplayNameIsAnError() {
        XCTAssertThrowsError(try X11ScreenSource(displayName: ":4711")) { error in
            XCTAssertEqual(error as? X11CaptureError, .cannotOpenDisplay(":4711"))
            XCTAssertTrue("\(error)".contains("cannot open X display ':4711'"))
        }
    }

    /// A 16-bit screen is refused with a clear reason, not misread.
    func testDepth16ScreenIsRefusedClearly() throws {
        let own = try XvfbServer(width: 320, height: 200, depth: 16)
        defer { own.stop() }
        XCTAssertThrowsError(try X11ScreenSource(displayName: own.display)) { error in
            XCTAssertEqual("\(error)", "unsupported X visual: need a TrueColor visual of depth 24 or 32, found class 4 depth 16")
        }
    }

    func testCursorImageIsAvailable() throws {
        let source = try X11ScreenSource(displayName: try display())
        let cursor = try XCTUnwrap(try source.cursorImage())
        XCTAssertGreaterThan(cursor.width, 0)
        XCTAssertEqual(cursor.argb.count, cursor.width * cursor.height)
        XCTAssertTrue((0..<cursor.width).contains(cursor.hotX))
    }

    /// The X server going away is an error, not an exit of the test process.
    func testServerGoingAwayIsAnError() throws {
        let own = try XvfbServer(width: 320, height: 200)
        let source = try X11ScreenSource(displayName: own.display)
        var fb = Framebuffer(width: 0, height: 0)
        _ = try source.capture(into: &fb, full: true)
        own.stop()
        XCTAssertThrowsError(try source.capture(into: &fb, full: false)) { error in
            guard case .connectionLost = error as? X11CaptureError else { return XCTFail("got \(error)") }
        }
        XCTAssertThrowsError(try source.capture(into: &fb, full: false))
    }
}
