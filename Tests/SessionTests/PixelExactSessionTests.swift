import Agent
import Pixels
import TestSupport
import Viewer
import XCTest

/// Agent and viewer over TLS on a real X server: after drawings of every kind the viewer's picture
/// equals the screen pixel for pixel, for each encoding.
final class PixelExactSessionTests: XCTestCase {
    func testTileDelta() async throws { try await runWorkload(.tileDelta) }
    func testZRLE() async throws { try await runWorkload(.zrle) }
    func testRaw() async throws { try await runWorkload(.raw) }

    private func runWorkload(_ encoding: ViewerEncoding) async throws {
        let fixture = try SessionFixture()
        defer { fixture.shutdown() }
        let agent = try await fixture.startAgent()
        let viewer = try await fixture.connectViewer(port: agent.localPort, encodings: [encoding])
        let draw = try XCTUnwrap(XDrawing(displayName: fixture.xvfb.display))
        try await fixture.waitUntilViewerMatchesScreen(viewer)

        // Solid fills.
        draw.fill(Rect(x: 0, y: 0, width: 1024, height: 768), 0x203040)
        draw.fill(Rect(x: 100, y: 100, width: 300, height: 200), 0xFF8000)
        draw.sync()
        try await fixture.waitUntilViewerMatchesScreen(viewer)

        // Text: many lines, like a terminal.
        for i in 0..<30 { draw.text("line \(i): the quick brown fox jumps over the lazy dog 0123456789", x: 20, y: 20 + i * 14, 0xE0E0E0) }
        draw.sync()
        try await fixture.waitUntilViewerMatchesScreen(viewer)

        // A scrolled region: the text block moves up by 3 lines, a new line appears at the bottom.
        draw.copyArea(from: Rect(x: 0, y: 42, width: 700, height: 400), toX: 0, toY: 0)
        draw.fill(Rect(x: 0, y: 400, width: 700, height: 42), 0x203040)
        draw.text("a new line after the scroll", x: 20, y: 420, 0x80FF80)
        draw.sync()
        try await fixture.waitUntilViewerMatchesScreen(viewer)

        // A window mapped, drawn into, then moved twice.
        let window = draw.createWindow(Rect(x: 500, y: 300, width: 300, height: 200), background: 0xF0F0F0)
        draw.sync()
        draw.drawInWindow(window, text: "a moving window", colour: 0x0000C0)
        draw.sync()
        try await fixture.waitUntilViewerMatchesScreen(viewer)
        draw.moveWindow(window, x: 560, y: 340)
        draw.sync()
        try await fixture.waitUntilViewerMatchesScreen(viewer)
        draw.moveWindow(window, x: 200, y: 450)
        draw.sync()
        try await fixture.waitUntilViewerMatchesScreen(viewer)

        // A gradient with every pixel different (worst case for the palette coders).
        for x in 0..<256 { draw.line(x0: 700 + x, y0: 0, x1: 700 + x, y1: 90, UInt32(x) << 16 | UInt32(255 - x) << 8 | UInt32(x / 2)) }
        draw.sync()
        try await fixture.waitUntilViewerMatchesScreen(viewer)

        // A grey gradient (tile-delta version 2's grey kind; our viewer lists RAT2).
        for x in 0..<256 { draw.line(x0: 700 + x, y0: 100, x1: 700 + x, y1: 190, UInt32(255 - x) &* 0x01_0101) }
        draw.sync()
        try await fixture.waitUntilViewerMatchesScreen(viewer)

        // A blue-on-white ramp, red = green everywhere (version 3's dual kind; our viewer lists RAT3).
        for x in 0..<256 {
            let g = UInt32(255 - x)
            draw.line(x0: 700 + x, y0: 200, x1: 700 + x, y1: 290, g << 16 | g << 8 | UInt32(238 + x % 18))
        }
        draw.sync()
        try await fixture.waitUntilViewerMatchesScreen(viewer)

        viewer.end(reason: .userQuit, text: "alice ended the session")
        try await viewer.closed.get()
        await agent.close()
    }
}
