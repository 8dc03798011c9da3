import Agent
import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A viewer whose ClientInit arrives after the agent's capture is ready (a slow or busy client: it
/// happened with TigerVNC and, under load, with libvncclient). The agent used to send ServerInit but never
/// start the session, so every later request went unanswered. Spoken byte by byte over a plain socket
/// (security None, RFB 3.8) to control the timing.
final class LateClientInitTests: XCTestCase {
    func testClientInitAfterCaptureIsReadyStillStartsTheSession() async throws {
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let agent = try await fixture.startAgent(allowNone: true)
        let socket = try RawSocket(port: agent.localPort)
        defer { socket.close() }

        XCTAssertEqual(try socket.read(12), Array("RFB 003.008\n".utf8))
        try socket.write(Array("RFB 003.008\n".utf8))
        let count = Int(try socket.read(1)[0])
        let types = try socket.read(count)
        XCTAssertTrue(types.contains(1), "security None not offered: \(types)")
        try socket.write([1])
        XCTAssertEqual(try socket.read(4), [0, 0, 0, 0], "SecurityResult")

        // Consent was given at once: the capture starts now. ClientInit only once it is surely ready.
        try await fixture.waitFor("the agent to open the screen") { !fixture.screensOpened.all.isEmpty }
        try await Task.sleep(for: .seconds(1))
        try socket.write([1])   // ClientInit, shared

        let serverInit = try socket.read(24)
        XCTAssertEqual(Array(serverInit[0..<4]), [1, 64, 0, 240], "ServerInit size 320x240")
        let nameLength = Int(serverInit[20]) << 24 | Int(serverInit[21]) << 16 | Int(serverInit[22]) << 8 | Int(serverInit[23])
        XCTAssertEqual(String(decoding: try socket.read(nameLength), as: UTF8.self), "bob's desktop")

        // SetEncodings [Raw], then a full FramebufferUpdateRequest: an update must come.
        try socket.write([2, 0, 0, 1, 0, 0, 0, 0])
        try socket.write([3, 0, 0, 0, 0, 0, 1, 64, 0, 240])
        let header = try socket.read(4)
        XCTAssertEqual(header[0], 0, "expected a FramebufferUpdate, got message type \(header[0])")
        XCTAssertTrue(fixture.agentEvents.all.contains { if case .sessionStarted = $0 { return true }; return false },
                      "the agent did not start the session: \(fixture.agentEvents.all)")
        await agent.close()
    }
}
