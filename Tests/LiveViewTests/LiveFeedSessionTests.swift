import LiveView
import NIOPosix
import Pixels
import TestSupport
import Viewer
import XCTest

/// The frame feed against the real agent on Xvfb: a canvas rebuilt from the WebSocket messages equals
/// the X server's picture (and so the viewer's) after fills, text, a scroll and window moves; and the
/// viewer's framebuffer after a resize (Xvfb cannot change its size: a scripted agent sends DesktopSize).
final class LiveFeedSessionTests: XCTestCase {
    func testCanvasFollowsTheRemoteScreen() async throws {
        let fixture = try LiveSessionFixture(width: 800, height: 600)
        try await fixture.start()
        let server = try XCTUnwrap(fixture.server)
        // In a scope of its own: the X connection is closed before the X server stops (Xlib exits the
        // process when it closes a connection to a dead server).
        do {
            let draw = try XCTUnwrap(XDrawing(displayName: fixture.xvfb.display))
            let page = try FeedPage(server: server)
            let screen = { try fixture.screen() }
            try await page.waitUntilCanvasMatches(screen, "first picture")

            draw.fill(Rect(x: 0, y: 0, width: 800, height: 600), 0x203040)
            draw.fill(Rect(x: 100, y: 100, width: 300, height: 200), 0xFF8000)
            draw.sync()
            try await page.waitUntilCanvasMatches(screen, "fills")

            for i in 0..<30 { draw.text("line \(i): the quick brown fox jumps over the lazy dog", x: 20, y: 20 + i * 14, 0xE0E0E0) }
            draw.sync()
            try await page.waitUntilCanvasMatches(screen, "text")

            draw.copyArea(from: Rect(x: 0, y: 42, width: 600, height: 400), toX: 0, toY: 0)
            draw.fill(Rect(x: 0, y: 400, width: 600, height: 42), 0x203040)
            draw.text("a new line after the scroll", x: 20, y: 420, 0x80FF80)
            draw.sync()
            try await page.waitUntilCanvasMatches(screen, "scroll")

            let window = draw.createWindow(Rect(x: 400, y: 300, width: 250, height: 150), background: 0xF0F0F0)
            draw.sync()
            draw.drawInWindow(window, text: "a moving window", colour: 0x0000C0)
            draw.sync()
            try await page.waitUntilCanvasMatches(screen, "window")
            draw.moveWindow(window, x: 450, y: 340)
            draw.sync()
            try await page.waitUntilCanvasMatches(screen, "window moved")
            draw.moveWindow(window, x: 150, y: 380)
            draw.sync()
            try await page.waitUntilCanvasMatches(screen, "window moved again")

            let viewer = try XCTUnwrap(fixture.viewer)
            let viewerPicture = try await viewer.framebuffer()
            XCTAssertEqual(page.canvas.withLock { $0.framebuffer }, viewerPicture, "the canvas equals the viewer's framebuffer")
            XCTAssertTrue(page.texts.withLock { $0 }.isEmpty, "no delegate: no text messages")
        }
        await fixture.shutdown()
    }

    func testCanvasFollowsAResizeFromTheAgent() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await LiveServer.start(group: group, assets: .page)
        let listener = try RawListener()
        var configuration = ViewerConfiguration(tls: nil, allowNone: true, encodings: [.raw])
        configuration.pictures = { server.publish($0) }
        let viewer = try await ViewerClient.connect(host: "127.0.0.1", port: listener.port, configuration: configuration, group: group)
        let agent = try listener.accept(timeoutSeconds: 20)
        try RawRFBAgent.handshakeNone(agent, width: 64, height: 48, name: Array("scripted".utf8))
        let page = try FeedPage(server: server)

        func rect(_ x: Int, _ y: Int, _ w: Int, _ h: Int, _ encoding: Int32) -> [UInt8] {
            RawRFBClient.u16(x) + RawRFBClient.u16(y) + RawRFBClient.u16(w) + RawRFBClient.u16(h) + RawRFBClient.u32(UInt32(bitPattern: encoding))
        }
        func raw(_ fb: Framebuffer, _ r: Rect) -> [UInt8] {
            fb.extract(r).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8 & 0xFF), UInt8($0 >> 16 & 0xFF), 0] }
        }
        var expected = Framebuffer(width: 64, height: 48)
        for y in 0..<48 { for x in 0..<64 { expected[x, y] = UInt32(x * 4) << 16 | UInt32(y * 5) << 8 | UInt32((x ^ y) & 0xFF) } }
        try agent.write([0, 0] + RawRFBClient.u16(1) + rect(0, 0, 64, 48, 0) + raw(expected, expected.bounds))
        try await page.waitUntilCanvasMatches({ expected }, "first picture")

        // DesktopSize to 100x30 (black), new pixels, then a CopyRect of them.
        let before = expected
        expected = Framebuffer(width: 100, height: 30)
        let painted = Rect(x: 10, y: 5, width: 20, height: 10)
        for y in painted.y..<painted.maxY { for x in painted.x..<painted.maxX { expected[x, y] = before[x, y] } }
        expected.copyWithin(from: painted, toX: 60, toY: 15)
        try agent.write([0, 0] + RawRFBClient.u16(3) + rect(0, 0, 100, 30, -223) + rect(10, 5, 20, 10, 0) + raw(expected, painted)
                        + rect(60, 15, 20, 10, 1) + RawRFBClient.u16(10) + RawRFBClient.u16(5))
        try await page.waitUntilCanvasMatches({ expected }, "after the resize and the copy")
        let viewerPicture = try await viewer.framebuffer()
        XCTAssertEqual(viewerPicture, expected)
        XCTAssertEqual(page.canvas.withLock { $0.framebuffer }, viewerPicture, "the canvas equals the viewer's framebuffer")

        agent.close()
        try? await viewer.closed.get()
        await server.close()
        try await group.shutdownGracefully()
    }

    /// A page that stops reading while the screen keeps changing: the server stops writing when its
    /// socket is full, merges what follows, and once the page reads again it gets the newest picture,
    /// having skipped pictures in between.
    func testAPageThatFallsBehindSkipsPicturesButGetsTheLatest() async throws {
        let fixture = try LiveSessionFixture(width: 800, height: 600)
        try await fixture.start()
        let server = try XCTUnwrap(fixture.server)
        let viewer = try XCTUnwrap(fixture.viewer)
        do {
            let draw = try XCTUnwrap(XDrawing(displayName: fixture.xvfb.display))
            let page = try FeedPage(server: server, holdReading: true)
            // Busy pictures (every pixel differs from its neighbours) while the page does not read, until
            // the viewer has had at least 12 (however slow the machine; at most 60 s of drawing).
            var n = 0
            let deadline = Date().addingTimeInterval(60)
            while await viewer.statistics().updates < 12 && Date() < deadline {
                for x in stride(from: 0, to: 800, by: 2) {
                    draw.line(x0: x, y0: 0, x1: x, y1: 599, UInt32((x * 97 + n * 7919) & 0xFFFFFF))
                }
                draw.sync()
                n += 1
                try await Task.sleep(for: .milliseconds(100))
            }
            page.startReading()
            let screen = { try fixture.screen() }
            try await page.waitUntilCanvasMatches(screen, timeout: 30, "after the page read again")
            let pictures = await viewer.statistics().updates
            let frames = page.canvas.withLock { $0.frames }
            XCTAssertLessThan(frames, pictures, "the page got \(frames) pictures of the viewer's \(pictures): none skipped")
            XCTAssertGreaterThan(page.bytes.withLock { $0 }, 800 * 600 * 4, "the page got at least one whole picture")
        }
        await fixture.shutdown()
    }
}
