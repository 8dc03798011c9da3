import Foundation
import Pixels
import TestSupport
import XCTest

/// A viewer that completes the handshake, asks for updates, then stops reading — while the screen keeps
/// changing and it keeps sending requests and fences — cannot make the agent's memory grow: the agent
/// keeps one update in flight, coalesces the damage, and stops reading a viewer it cannot write to.
final class SlowViewerTests: XCTestCase {
    func testAViewerThatStopsReadingCannotGrowTheAgentsMemory() throws {
        let xvfb = try XvfbServer(width: 1920, height: 1080)
        defer { xvfb.stop() }
        let config = try makeTemporaryDirectory("slow-viewer")
        defer { try? FileManager.default.removeItem(at: config) }
        let tool = buildProductsDirectory.appendingPathComponent("remote-assist").path
        let share = try CLIProcess(tool, ["share", "--insecure-loopback", "--allow-view", "--port", "0", "--json",
                                          "--display", xvfb.display, "--name", "bob"],
                                   environment: ["XDG_CONFIG_HOME": config.path], name: "share")
        defer { share.stop() }
        XCTAssertTrue(share.waitFor("\"event\":\"password\""), share.text)
        let port = try XCTUnwrap(share.listeningPort)

        let viewer = try RawSocket(port: port)
        let size = try RawRFBClient.handshakeNone(viewer)
        try viewer.write(RawRFBClient.setEncodings([RawRFBClient.rawEncoding, RawRFBClient.continuousUpdatesEncoding,
                                                    RawRFBClient.fenceEncoding]))
        try viewer.write(RawRFBClient.enableContinuousUpdates(width: size.width, height: size.height))
        try viewer.write(RawRFBClient.updateRequest(incremental: false, width: size.width, height: size.height))
        _ = try viewer.read(64 * 1024)   // updates flow
        XCTAssertTrue(share.waitFor("\"event\":\"started\""), share.text)

        // From now on the viewer reads nothing. The screen changes all the time, and the viewer keeps
        // asking: a full update and a burst of fences every few milliseconds (never a broken message).
        let draw = try XCTUnwrap(XDrawing(displayName: xvfb.display))
        let stop = Date().addingTimeInterval(10)
        let sender = Thread {
            let burst = RawRFBClient.updateRequest(incremental: false, width: size.width, height: size.height)
                + (0..<200).flatMap { _ in RawRFBClient.fenceRequest() }
            var pending: [UInt8] = []
            while Date() < stop {
                if pending.isEmpty { pending = burst }
                guard let sent = try? viewer.writeWithoutWaiting(pending) else { return }
                pending.removeFirst(sent)
                usleep(2_000)
            }
        }
        sender.start()
        let baseline = try XCTUnwrap(ProcessFigures.residentKilobytes(share.pid))
        var peak = baseline
        var frame = 0
        while Date() < stop {
            frame += 1
            for i in 0..<8 {
                let colour = UInt32(truncatingIfNeeded: frame &* 2_654_435_761 &+ i &* 40503) & 0xFFFFFF
                draw.fill(Rect(x: (frame * 37 + i * 211) % 1700, y: (frame * 53 + i * 97) % 900, width: 220, height: 180), colour)
            }
            draw.sync()
            usleep(20_000)
            if let rss = ProcessFigures.residentKilobytes(share.pid) { peak = max(peak, rss) }
        }
        let growth = peak - baseline
        XCTAssertLessThan(growth, 60 * 1024, "agent RSS grew from \(baseline / 1024) MB to \(peak / 1024) MB")
        XCTAssertNotNil(ProcessFigures.residentKilobytes(share.pid), "the agent is still running")
        print("slow viewer: agent RSS \(baseline / 1024) MB -> peak \(peak / 1024) MB over 10 s")

        // Still alive and answering: the viewer leaves, the agent says so and ends cleanly.
        viewer.reset()
        XCTAssertTrue(share.waitFor("\"event\":\"ended\""), share.text)
        XCTAssertEqual(share.exitStatus(), 0, share.text)
    }
}
