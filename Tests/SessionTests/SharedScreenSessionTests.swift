import Agent
import Foundation
import Pixels
import TestSupport
import Viewer
import XCTest

/// Two real viewers of one agent on a real X server share one capture of the screen: both get the exact
/// picture after every change, pausing one does not stop the other, and one leaving does not stop the
/// other. The screen is opened once while they overlap, and again only after both left.
final class SharedScreenSessionTests: XCTestCase {
    func testTwoViewersShareOneCaptureAndOneLeaving() async throws {
        let fixture = try SessionFixture()
        defer { fixture.shutdown() }
        let agent = try await fixture.startAgent()
        let draw = try XCTUnwrap(XDrawing(displayName: fixture.xvfb.display))
        draw.fill(Rect(x: 0, y: 0, width: 1024, height: 768), 0x203040)
        draw.sync()

        let first = try await fixture.connectViewer(port: agent.localPort, encodings: [.tileDelta])
        try await fixture.waitUntilViewerMatchesScreen(first)
        let second = try await fixture.connectViewer(port: agent.localPort, encodings: [.zrle])
        try await fixture.waitUntilViewerMatchesScreen(second)
        XCTAssertEqual(agent.sessions.count, 2)
        XCTAssertEqual(fixture.screensOpened.all.count, 1, "the second viewer must join the running capture")

        // Changes of every kind reach both, pixel for pixel.
        for i in 0..<20 { draw.text("line \(i): the quick brown fox jumps over the lazy dog", x: 20, y: 20 + i * 14, 0xE0E0E0) }
        draw.fill(Rect(x: 600, y: 100, width: 200, height: 150), 0xFF8000)
        draw.sync()
        try await fixture.waitUntilViewerMatchesScreen(first)
        try await fixture.waitUntilViewerMatchesScreen(second)
        draw.copyArea(from: Rect(x: 0, y: 34, width: 700, height: 300), toX: 0, toY: 20)
        let window = draw.createWindow(Rect(x: 300, y: 400, width: 300, height: 200), background: 0xF0F0F0)
        draw.sync()
        draw.drawInWindow(window, text: "a window both see", colour: 0x0000C0)
        draw.moveWindow(window, x: 360, y: 450)
        draw.sync()
        try await fixture.waitUntilViewerMatchesScreen(first)
        try await fixture.waitUntilViewerMatchesScreen(second)

        // Pausing the first viewer's session stops its updates only.
        let sessions = agent.sessions
        let firstSession = try XCTUnwrap(sessions.first)
        firstSession.setPaused(true)
        try await Task.sleep(for: .milliseconds(300))
        let pausedCount = await firstSession.statistics().updates
        draw.fill(Rect(x: 100, y: 600, width: 300, height: 100), 0x40C040)
        draw.sync()
        try await fixture.waitUntilViewerMatchesScreen(second)
        try await Task.sleep(for: .milliseconds(300))
        let pausedAfter = await firstSession.statistics().updates
        XCTAssertEqual(pausedAfter, pausedCount, "a paused session must get no update")
        let pausedPicture = try await first.framebuffer()
        XCTAssertNotEqual(pausedPicture, try fixture.screen(), "the paused viewer must not see the change")
        firstSession.setPaused(false)
        try await fixture.waitUntilViewerMatchesScreen(first)

        // The first viewer leaves; the second keeps receiving exact pictures.
        first.end(reason: .userQuit, text: "alice ended the session")
        try await first.closed.get()
        try await fixture.waitFor("the agent to drop the first session") { agent.sessions.count == 1 }
        for step in 0..<5 {
            draw.fill(Rect(x: 50 + step * 120, y: 250, width: 100, height: 100), UInt32(0x302010 * (step + 1)) & 0xFFFFFF)
            draw.sync()
            try await fixture.waitUntilViewerMatchesScreen(second)
        }
        draw.moveWindow(window, x: 100, y: 100)
        draw.sync()
        try await fixture.waitUntilViewerMatchesScreen(second)
        XCTAssertEqual(fixture.screensOpened.all.count, 1)

        // Once both left, the next viewer opens the screen again (the capture stopped with the last one).
        second.end(reason: .userQuit, text: "alice ended the session")
        try await second.closed.get()
        try await fixture.waitFor("the agent to drop the second session") { agent.sessions.isEmpty }
        let third = try await fixture.connectViewer(port: agent.localPort, encodings: [.zrle])
        try await fixture.waitUntilViewerMatchesScreen(third)
        XCTAssertEqual(fixture.screensOpened.all.count, 2)
        third.end(reason: .userQuit, text: "alice ended the session")
        try await third.closed.get()
        await agent.close()
    }
}
