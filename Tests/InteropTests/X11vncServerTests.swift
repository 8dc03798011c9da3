import Foundation
import NIOCore
import NIOPosix
import Pixels
import TestSupport
import Viewer
import XCTest

/// Our viewer against Debian's x11vnc (libvncserver's encoders) on a private Xvfb: the viewer's picture
/// equals the screen pixel for pixel, asking ZRLE and asking Raw, and it follows a later change of the
/// screen. x11vnc's own statistics (its log) prove which encoding carried the pixels.
final class X11vncServerTests: XCTestCase {
    func testZRLEFromX11vncIsPixelExact() async throws { try await run(.zrle, x11vncName: "ZRLE") }
    func testRawFromX11vncIsPixelExact() async throws { try await run(.raw, x11vncName: "raw") }

    private func run(_ encoding: ViewerEncoding, x11vncName: String) async throws {
        guard let x11vnc = XvfbServer.findExecutable("x11vnc") else {
            XCTFail("x11vnc is not installed: apt-get install x11vnc (.ci/setup)")
            return
        }
        let width = 800, height = 600
        let xvfb = try XvfbServer(width: width, height: height)
        defer { xvfb.stop() }
        let draw = try XCTUnwrap(XDrawing(displayName: xvfb.display))
        drawKnownContent(draw, width: width, height: height)

        // Not -quiet: the log's "Using … encoding" line and per-encoding statistics are checked below.
        let port = try freeLoopbackPort()
        let server = try ChildProcess(x11vnc, ["-display", xvfb.display, "-localhost", "-rfbport", "\(port)",
                                               "-forever", "-shared", "-nopw"])
        defer { server.stop(); server.removeLog() }
        guard server.waitForLog("PORT=\(port)", timeout: 30) else {
            XCTFail("x11vnc did not start listening on \(port):\n\(server.log.suffix(3000))")
            return
        }

        let group = MultiThreadedEventLoopGroup.singleton
        let events = Recorder<ViewerEvent>()
        let configuration = ViewerConfiguration(tls: nil, allowNone: true, encodings: [encoding],
                                                events: { events.append($0) })
        let viewer = try await ViewerClient.connect(host: "127.0.0.1", port: port, configuration: configuration, group: group)

        // x11vnc polls the screen: wait until equal.
        try await waitUntilViewerMatchesScreen(viewer, draw, width: width, height: height, events: events)
        XCTAssertTrue(events.all.contains { if case .sessionStarted(_, width, height, _) = $0 { return true }; return false },
                      "no session of \(width)x\(height) started: \(events.all)")

        // A change after the first picture arrives through incremental updates.
        draw.fill(Rect(x: 100, y: 100, width: 300, height: 200), 0x8040C0)
        draw.text("changed after the first frame", x: 120, y: 150, 0xFFFF00)
        draw.sync()
        try await waitUntilViewerMatchesScreen(viewer, draw, width: width, height: height, events: events)

        try await viewer.channel.close()
        // x11vnc prints its statistics when the client is gone.
        XCTAssertTrue(server.waitForLog("Client 127.0.0.1 gone", timeout: 10), "x11vnc did not notice the close")
        _ = server.waitForLog("TOTALS", timeout: 5)
        let log = server.log
        XCTAssertTrue(log.contains("Using \(x11vncName) encoding for client"), "x11vnc did not pick \(x11vncName):\n\(log.suffix(3000))")
        let sent = statistics(log)
        XCTAssertGreaterThan(sent[x11vncName] ?? 0, 0, "no \(x11vncName) rectangles in x11vnc's statistics: \(sent)")
        for other in ["raw", "ZRLE", "hextile", "tight", "zlib"] where other != x11vncName && other != "raw" {
            XCTAssertNil(sent[other], "x11vnc sent \(other), which was not asked for: \(sent)")
        }
        XCTAssertFalse(events.all.contains { if case .ended(_, let r) = $0 { return r.contains("protocol error") }; return false },
                       "the viewer reported a protocol error: \(events.all)")
    }

    /// Waits until the viewer's picture equals the screen (read with XGetImage); fails with the first
    /// differing pixel and the viewer's events.
    private func waitUntilViewerMatchesScreen(_ viewer: ViewerClient, _ draw: XDrawing, width: Int, height: Int,
                                              events: Recorder<ViewerEvent>, timeout: Double = 30,
                                              file: StaticString = #filePath, line: UInt = #line) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last = "no picture yet"
        while Date() < deadline {
            let expected = try XCTUnwrap(readScreen(draw, width: width, height: height))
            if let got = try await viewer.framebuffer() {
                if got == expected { return }
                last = describeDifference(got, expected)
            }
            if events.all.contains(where: { if case .ended = $0 { return true }; return false }) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        XCTFail("the viewer's picture never matched the screen: \(last); events: \(events.all.suffix(5))", file: file, line: line)
    }

    /// The "Transmit" table of x11vnc's statistics: encoding name → rectangles sent (events).
    private func statistics(_ log: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        var inTransmit = false
        for line in log.split(separator: "\n") {
            if line.contains("Statistics") { inTransmit = line.contains("Transmit"); continue }
            // "21/11/2026 06:48:10  ZRLE                :      1 |       107/  1228800 (100.0%)"
            guard inTransmit, let colon = line.range(of: " :"), let bar = line.firstIndex(of: "|"), colon.upperBound < bar
            else { continue }
            let head = line[..<colon.lowerBound].split(separator: " ")
            guard let name = head.last, head.count >= 3 else { continue }
            let value = line[colon.upperBound..<bar].trimmingCharacters(in: .whitespaces)
            if let n = Int(value) { counts[String(name), default: 0] += n }
        }
        return counts
    }
}
