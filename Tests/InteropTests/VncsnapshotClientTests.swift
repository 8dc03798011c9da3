import Agent
import Foundation
import Pixels
import TestSupport
import XCTest

/// Debian's vncsnapshot (an RFB 3.3 client from the TightVNC 1.2 era: no VeNCrypt, no ZRLE) takes a
/// picture of our agent (security None, loopback). It writes JPEG only, so the picture is decoded with
/// libjpeg and compared with tolerance: the size exactly, every pixel inside solid blocks within a few
/// levels, and the mean error over the whole screen small. A wrong channel order, offset or stride
/// gives errors of a hundred levels or more.
final class VncsnapshotClientTests: XCTestCase {
    func testVncsnapshotGetsTheScreenFromOurAgent() async throws {
        guard let vncsnapshot = XvfbServer.findExecutable("vncsnapshot") else {
            XCTFail("vncsnapshot is not installed: apt-get install vncsnapshot (.ci/setup)")
            return
        }
        let work = try makeTemporaryDirectory("interop-vncsnapshot")
        defer { try? FileManager.default.removeItem(at: work) }
        guard let jpegToPPM = try InteropTools.compile("jpeg-to-ppm.c", into: work, libraries: ["-ljpeg"]) else { return }

        let width = 800, height = 600
        let xvfb = try XvfbServer(width: width, height: height)
        defer { xvfb.stop() }
        let draw = try XCTUnwrap(XDrawing(displayName: xvfb.display))
        drawKnownContent(draw, width: width, height: height)
        let expected = try XCTUnwrap(readScreen(draw, width: width, height: height))

        let agent = try InteropAgent()
        let port = try await agent.start(display: xvfb.display, allowNone: true)
        let jpeg = work.appendingPathComponent("snapshot.jpg").path
        let client = try ChildProcess(vncsnapshot, ["-quality", "100", "127.0.0.1::\(port)", jpeg])
        let status = client.waitForExit(timeout: 30)
        client.stop()
        let clientLog = client.log
        client.removeLog()
        await agent.shutdown()

        XCTAssertEqual(status, 0, "vncsnapshot failed: \(clientLog)")
        XCTAssertTrue(agent.events.all.contains { if case .sessionStarted(_, width, height) = $0 { return true }; return false },
                      "the agent started no \(width)x\(height) session: \(agent.events.all)")
        guard status == 0 else { return }

        let ppm = work.appendingPathComponent("snapshot.ppm").path
        let decoded = try runProcess(jpegToPPM, [jpeg, ppm])
        XCTAssertEqual(decoded.status, 0, "cannot decode vncsnapshot's JPEG: \(decoded.stderr)")
        let got = try readPPM(ppm)
        XCTAssertEqual(got.width, width)
        XCTAssertEqual(got.height, height)
        guard got.width == width, got.height == height else { return }

        // Inside the solid blocks (8 pixels in from every edge, clear of JPEG's ringing) each pixel is
        // the drawn colour within a few levels per channel.
        let blocks: [(Rect, UInt32)] = [
            (Rect(x: 40, y: 40, width: 200, height: 120), 0xFF0000), (Rect(x: 260, y: 40, width: 200, height: 120), 0x00FF00),
            (Rect(x: 480, y: 40, width: 200, height: 120), 0x0000FF), (Rect(x: 40, y: 180, width: 200, height: 120), 0xFFFFFF),
            (Rect(x: 260, y: 180, width: 200, height: 120), 0x000000), (Rect(x: 480, y: 180, width: 200, height: 120), 0xFF8000),
            (Rect(x: 700, y: 0, width: 100, height: 500), 0x203040),
        ]
        for (rect, colour) in blocks {
            XCTAssertEqual(expected[rect.x + 10, rect.y + 10], colour, "the screen does not show the drawn block \(rect)")
            var worst = 0
            for y in (rect.y + 8)..<(rect.y + rect.height - 8) {
                for x in (rect.x + 8)..<(rect.x + rect.width - 8) { worst = max(worst, channelDistance(got[x, y], colour)) }
            }
            XCTAssertLessThanOrEqual(worst, 6, "block \(rect) of colour \(String(colour, radix: 16)) differs by up to \(worst) levels")
        }

        // Over the whole screen (text, gradient and single pixels included) the mean error is small.
        var total = 0
        for i in got.pixels.indices {
            let a = got.pixels[i], b = expected.pixels[i]
            for shift in [16, 8, 0] as [UInt32] { total += abs(Int((a >> shift) & 0xFF) - Int((b >> shift) & 0xFF)) }
        }
        let mean = Double(total) / Double(got.pixels.count * 3)
        XCTAssertLessThan(mean, 2.0, "mean absolute error \(mean) levels per channel")
    }

    private func channelDistance(_ a: UInt32, _ b: UInt32) -> Int {
        [16, 8, 0].map { (shift: UInt32) in abs(Int((a >> shift) & 0xFF) - Int((b >> shift) & 0xFF)) }.max() ?? 0
    }
}
