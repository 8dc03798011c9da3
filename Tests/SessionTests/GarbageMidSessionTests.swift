import Agent
import Foundation
import Pixels
import TestSupport
import XCTest

/// A viewer that sends garbage after the handshake is disconnected with one logged reason, while a
/// concurrent session (real TLS) carries on pixel-exact and the listening socket takes new sessions.
final class GarbageMidSessionTests: XCTestCase {
    func testGarbageClosesOnlyThatViewerWithAReason() async throws {
        let fixture = try SessionFixture(width: 640, height: 480)
        defer { fixture.shutdown() }
        let agent = try await fixture.startAgent(allowNone: true)
        let viewer = try await fixture.connectViewer(port: agent.localPort, encodings: [.zrle])
        let draw = try XCTUnwrap(XDrawing(displayName: fixture.xvfb.display))
        try await fixture.waitUntilViewerMatchesScreen(viewer)

        let cases: [(bytes: [UInt8], reason: String)] = [
            ([99, 0, 0, 0], "the other side broke the protocol: unknown message type 99"),
            (RawRFBClient.cutTextHeader(claiming: 0x8000_0000),
             "the other side broke the protocol: ClientCutText of 2147483648 bytes exceeds the limit of 1048576"),
            ([2, 0, 0xFF, 0xFF], "the other side broke the protocol: SetEncodings list of 65535"),
        ]
        for (index, garbage) in cases.enumerated() {
            let hostile = try RawSocket(port: agent.localPort)
            XCTAssertEqual(try RawRFBClient.handshakeNone(hostile).width, 640)
            try hostile.write(garbage.bytes)
            XCTAssertEqual(try hostile.readToEnd(), [], "closed without a reply")
            try await fixture.waitFor("the hostile session's end") {
                fixture.agentEvents.all.contains { if case .ended(true, let r) = $0 { return r.hasPrefix(garbage.reason) }; return false }
            }
            draw.fill(Rect(x: 40 * index, y: 30 * index, width: 200, height: 150), 0x102030 * UInt32(index + 1))
            draw.sync()
            try await fixture.waitUntilViewerMatchesScreen(viewer)
        }
        let ends = fixture.agentEvents.all.filter { if case .ended = $0 { return true }; return false }
        XCTAssertEqual(ends.count, cases.count, "one logged end per hostile viewer, none for the real one: \(ends)")
        XCTAssertTrue(viewer.channel.isActive, "the real session goes on")
        XCTAssertFalse(fixture.viewerEvents.all.contains { if case .ended = $0 { return true }; return false })

        // The listening socket still takes a new session.
        let late = try RawSocket(port: agent.localPort)
        XCTAssertEqual(try RawRFBClient.handshakeNone(late).height, 480)
        viewer.end(reason: .userQuit, text: "alice ended the session")
        try await viewer.closed.get()
        await agent.close()
    }
}
