import Foundation
import TestSupport
import XCTest

/// A hostile agent that floods the real `view` with empty FramebufferUpdates as fast as it can while it
/// never reads what the viewer sends back. The viewer used to answer every update with a request, which
/// piled up in memory unsent (90 MB -> 540 MB over 60 MiB). Now it keeps one request outstanding and
/// stops reading while it cannot write: its memory stays flat, and it ends cleanly when the agent goes.
final class HostileAgentFloodTests: XCTestCase {
    func testAFloodOfUnaskedUpdatesCannotGrowTheViewersMemory() throws {
        let listener = try RawListener()
        defer { listener.close() }
        let config = try makeTemporaryDirectory("flood-viewer")
        defer { try? FileManager.default.removeItem(at: config) }
        let snapshots = config.appendingPathComponent("snapshots").path
        let tool = buildProductsDirectory.appendingPathComponent("remote-assist").path
        let view = try CLIProcess(tool, ["view", "127.0.0.1:\(listener.port)", "--insecure-loopback", "--json",
                                         "--snapshots", snapshots],
                                  environment: ["XDG_CONFIG_HOME": config.path], name: "view")
        defer { view.stop() }

        // RFB 3.8, security None, a 64x48 desktop.
        let agent = try listener.accept(timeoutSeconds: 20)
        try RawRFBAgent.handshakeNone(agent, width: 64, height: 48, name: Array("hostile".utf8))
        XCTAssertTrue(view.waitFor("\"event\":\"started\""), view.text)
        usleep(500_000)
        let baseline = try XCTUnwrap(ProcessFigures.residentKilobytes(view.pid))

        // From now on the agent reads nothing: up to 60 MiB of empty updates, within 30 s at most.
        let chunk = [UInt8](repeating: 0, count: 1 << 20)   // 262144 updates: type 0, pad, 0 rectangles
        let total = 60 << 20
        let deadline = Date().addingTimeInterval(30)
        var sent = 0, offset = 0, peak = baseline
        while sent < total && Date() < deadline {
            let n = try agent.writeWithoutWaiting(Array(chunk[offset...]))
            sent += n
            offset = (offset + n) % chunk.count
            if n == 0 { usleep(1_000) }
            if let rss = ProcessFigures.residentKilobytes(view.pid) { peak = max(peak, rss) }
        }
        if let rss = ProcessFigures.residentKilobytes(view.pid) { peak = max(peak, rss) }
        print("hostile flood: \(sent >> 20) MiB sent; viewer RSS \(baseline / 1024) MB -> peak \(peak / 1024) MB")
        XCTAssertGreaterThan(sent, 16 << 20, "the viewer read too little of the flood to tell")
        XCTAssertLessThan(peak - baseline, 60 * 1024, "viewer RSS grew from \(baseline / 1024) MB to \(peak / 1024) MB")
        XCTAssertNotNil(ProcessFigures.residentKilobytes(view.pid), "the viewer is still running")

        // The agent goes (with unread bytes: a reset): the viewer says so and exits.
        agent.close()
        XCTAssertTrue(view.waitFor("\"event\":\"ended\"", timeout: 10), view.text)
        XCTAssertNotNil(view.exitStatus(timeout: 10), "the viewer did not exit")
    }
}
