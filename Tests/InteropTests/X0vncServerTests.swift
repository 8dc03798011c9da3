import Foundation
import NIOCore
import NIOPosix
import Pixels
import TestSupport
import Viewer
import X11Capture
import XCTest

/// Our viewer against TigerVNC's scraping server (x0vncserver's program, X0tigervnc, run directly so
/// its PID is the server's) on a private Xvfb: pixel-exact with ZRLE, and it follows a change.
/// X0tigervnc paints the pointer into the picture itself, so the pointer's rectangle is left out of
/// the comparison (everything else must be equal).
final class X0vncServerTests: XCTestCase {
    func testZRLEFromX0vncserverIsPixelExact() async throws {
        guard let server0 = XvfbServer.findExecutable("X0tigervnc") else {
            XCTFail("X0tigervnc is not installed: apt-get install tigervnc-scraping-server (.ci/setup)")
            return
        }
        let width = 800, height = 600
        let xvfb = try XvfbServer(width: width, height: height)
        defer { xvfb.stop() }
        let draw = try XCTUnwrap(XDrawing(displayName: xvfb.display))
        drawKnownContent(draw, width: width, height: height)
        let port = try freeLoopbackPort()
        let server = try ChildProcess(server0, ["-display", xvfb.display, "-rfbport", "\(port)", "-SecurityTypes", "None",
                                                "-localhost"])
        defer { server.stop(); server.removeLog() }
        // It says little on its own: wait until its port accepts connections.
        guard Self.waitUntilListening(port: port, timeout: 30) else {
            XCTFail("X0tigervnc did not start on \(port):\n\(server.log.suffix(2000))")
            return
        }
        let events = Recorder<ViewerEvent>()
        let viewer = try await ViewerClient.connect(
            host: "127.0.0.1", port: port,
            configuration: ViewerConfiguration(tls: nil, allowNone: true, encodings: [.zrle], events: { events.append($0) }),
            group: MultiThreadedEventLoopGroup.singleton)
        try await waitUntilMatches(viewer, draw, display: xvfb.display, width: width, height: height, events: events)
        draw.fill(Rect(x: 50, y: 300, width: 500, height: 120), 0x30A050)
        draw.text("x0vncserver, a later change", x: 60, y: 340, 0x000000)
        draw.sync()
        try await waitUntilMatches(viewer, draw, display: xvfb.display, width: width, height: height, events: events)
        try await viewer.channel.close()
    }

    static func waitUntilListening(port: Int, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            let rc = connectLoopback(fd, port: port)
            close(fd)
            if rc == 0 { return true }
            usleep(100_000)
        }
        return false
    }

    /// Where the X server shows the pointer (XFixes image at the pointer position), with a margin.
    private func pointerRect(_ display: String) throws -> Rect {
        let source = try X11ScreenSource(displayName: display, allowSharedMemory: false, useDamage: false)
        guard let cursor = try source.cursorImage(), let at = try source.pointerPosition() else { return Rect(x: 0, y: 0, width: 0, height: 0) }
        return Rect(x: at.x - cursor.hotX - 2, y: at.y - cursor.hotY - 2, width: cursor.width + 4, height: cursor.height + 4)
    }

    private func waitUntilMatches(_ viewer: ViewerClient, _ draw: XDrawing, display: String, width: Int, height: Int,
                                  events: Recorder<ViewerEvent>, file: StaticString = #filePath, line: UInt = #line) async throws {
        let deadline = Date().addingTimeInterval(30)
        var last = "no picture yet"
        while Date() < deadline {
            var expected = try XCTUnwrap(readScreen(draw, width: width, height: height))
            if var got = try await viewer.framebuffer() {
                let pointer = try pointerRect(display)
                got.fill(pointer, with: 0)
                expected.fill(pointer, with: 0)
                if got == expected { return }
                last = describeDifference(got, expected)
            }
            if events.all.contains(where: { if case .ended = $0 { return true }; return false }) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        XCTFail("the viewer's picture never matched the screen: \(last); events: \(events.all.suffix(5))", file: file, line: line)
    }
}
