import Agent
import Dispatch
import Foundation
import TestSupport
import XCTest

/// A viewer that pipelines its ClientInit before the agent's SecurityResult (in the same write as its
/// security choice, as some clients do right after their password) must still get its session: the
/// agent reads what waited in its buffer once consent is given and ServerInit is out. And from consent
/// to ServerInit a timer still runs: a session that never starts is closed with a reason.
final class EarlyClientInitTests: XCTestCase {
    func testClientInitSentWithTheSecurityChoiceStillStartsTheSession() async throws {
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let agent = try await fixture.startAgent(allowNone: true)
        let socket = try RawSocket(port: agent.localPort)
        defer { socket.close() }

        XCTAssertEqual(try socket.read(12), Array("RFB 003.008\n".utf8))
        try socket.write(Array("RFB 003.008\n".utf8))
        let count = Int(try socket.read(1)[0])
        XCTAssertTrue(try socket.read(count).contains(1), "security None not offered")
        try socket.write([1, 1])   // security None and ClientInit (shared), before any SecurityResult
        XCTAssertEqual(try socket.read(4), [0, 0, 0, 0], "SecurityResult")

        let serverInit = try socket.read(24)
        XCTAssertEqual(Array(serverInit[0..<4]), [1, 64, 0, 240], "ServerInit size 320x240")
        let nameLength = Int(serverInit[20]) << 24 | Int(serverInit[21]) << 16 | Int(serverInit[22]) << 8 | Int(serverInit[23])
        XCTAssertEqual(String(decoding: try socket.read(nameLength), as: UTF8.self), "bob's desktop")

        try socket.write(RawRFBClient.setEncodings([RawRFBClient.rawEncoding])
                         + RawRFBClient.updateRequest(incremental: false, width: 320, height: 240))
        let header = try socket.read(4)
        XCTAssertEqual(header[0], 0, "expected a FramebufferUpdate, got message type \(header[0])")
        XCTAssertTrue(fixture.agentEvents.all.contains { if case .sessionStarted = $0 { return true }; return false },
                      "the agent did not start the session: \(fixture.agentEvents.all)")
        await agent.close()
    }

    /// The screen never becomes ready (an X server that accepts the connection but never answers):
    /// the viewer is told why in the SecurityResult when the start timer runs out (consent is
    /// confirmed to the viewer only once the screen is captured), then the connection is closed.
    func testASessionWhoseScreenNeverBecomesReadyIsClosedInTime() async throws {
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let release = DispatchSemaphore(value: 0)
        defer { release.signal() }
        struct Stuck: Error {}
        let agent = try await fixture.startAgent(allowNone: true, makeSource: {
            _ = release.wait(timeout: .now() + 30)
            throw Stuck()
        }, sessionStartTimeout: .seconds(1))
        let socket = try RawSocket(port: agent.localPort)
        defer { socket.close() }
        XCTAssertEqual(try socket.read(12), Array("RFB 003.008\n".utf8))
        try socket.write(Array("RFB 003.008\n".utf8))
        _ = try socket.read(Int(try socket.read(1)[0]))
        try socket.write([1])
        try socket.write([1])   // ClientInit ahead: only the screen is missing
        let started = Date()
        let reason = "bob's desktop could not be captured within 1 s of consent"
        XCTAssertEqual(try socket.read(4), [0, 0, 0, 1], "SecurityResult: failed")
        let length = try socket.read(4)
        XCTAssertEqual(try socket.read(Int(length[3])), Array(reason.utf8))
        XCTAssertEqual(try socket.readToEnd(), [], "no ServerInit, then closed")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        try await fixture.waitFor("the close to be reported") {
            fixture.agentEvents.all.contains { $0 == .connectionClosed(remoteAddress: Self.address(fixture), reason: reason) }
        }
        XCTAssertFalse(fixture.agentEvents.all.contains { if case .sessionStarted = $0 { return true }; return false })
        await agent.close()
    }

    /// The screen is ready but the viewer never sends ClientInit after consent: closed in time too.
    func testAViewerThatNeverSendsClientInitIsClosedInTime() async throws {
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let agent = try await fixture.startAgent(allowNone: true, sessionStartTimeout: .seconds(1))
        let socket = try RawSocket(port: agent.localPort)
        defer { socket.close() }
        XCTAssertEqual(try socket.read(12), Array("RFB 003.008\n".utf8))
        try socket.write(Array("RFB 003.008\n".utf8))
        _ = try socket.read(Int(try socket.read(1)[0]))
        try socket.write([1])
        XCTAssertEqual(try socket.read(4), [0, 0, 0, 0], "SecurityResult")

        XCTAssertEqual(try socket.readToEnd(), [], "no ServerInit, then closed")
        try await fixture.waitFor("the close to be reported") {
            fixture.agentEvents.all.contains { $0 == .connectionClosed(remoteAddress: Self.address(fixture),
                                                                       reason: "the other side did not send ClientInit within 1 s of consent") }
        }
        XCTAssertEqual(fixture.screensOpened.all.count, 1, "the screen was opened after consent")
        await agent.close()
    }

    private static func address(_ fixture: SessionFixture) -> String {
        fixture.agentEvents.all.compactMap { if case .connected(let a) = $0 { return a }; return nil }.first ?? "?"
    }
}
