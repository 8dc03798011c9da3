import Agent
import Foundation
import NIOCore
import RFBProtocol
import TestSupport
import XCTest

/// Consent refused, seen on the wire: after authentication the viewer receives a failed SecurityResult
/// with the reason and then the end of the stream — no ServerInit, no FramebufferUpdate — and the agent
/// never opened the screen.
final class ConsentBytesTests: XCTestCase {
    func testRefusalSendsOnlyTheReasonAndNeverCaptures() async throws {
        let fixture = try SessionFixture()
        defer { fixture.shutdown() }
        let agent = try await fixture.startAgent(allowNone: true, consent: { $1(false) })
        let socket = try RawSocket(port: agent.localPort)
        XCTAssertEqual(try socket.read(12), Array("RFB 003.008\n".utf8))
        try socket.write(Array("RFB 003.008\n".utf8))
        let count = try socket.read(1)[0]
        let types = try socket.read(Int(count))
        XCTAssertTrue(types.contains(1), "None offered with allowNone: \(types)")
        try socket.write([1])
        let reason = Array(ServerHandshake.declinedReason.utf8)
        var expected: [UInt8] = [0, 0, 0, 1]
        expected += withUnsafeBytes(of: UInt32(reason.count).bigEndian, Array.init)
        expected += reason
        XCTAssertEqual(try socket.readToEnd(), expected, "exactly SecurityResult(failed) + reason, then the end")
        XCTAssertTrue(fixture.screensOpened.all.isEmpty, "the screen must not be opened before consent")
        await agent.close()
    }

    func testConsentGrantedThenServerInitOnlyAfterIt() async throws {
        let fixture = try SessionFixture()
        defer { fixture.shutdown() }
        let agent = try await fixture.startAgent(allowNone: true, consent: { _, decide in
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { decide(true) }
        })
        let socket = try RawSocket(port: agent.localPort)
        _ = try socket.read(12)
        try socket.write(Array("RFB 003.008\n".utf8))
        let count = try socket.read(1)[0]
        _ = try socket.read(Int(count))
        try socket.write([1])
        XCTAssertTrue(fixture.screensOpened.all.isEmpty, "no capture while the requester decides")
        XCTAssertEqual(try socket.read(4), [0, 0, 0, 0], "SecurityResult OK after consent")
        try socket.write([1])   // ClientInit, shared
        let header = try socket.read(24)
        XCTAssertEqual(Array(header[0..<4]), [0x04, 0x00, 0x03, 0x00], "ServerInit: 1024x768")
        XCTAssertEqual(fixture.screensOpened.all.count, 1)
        await agent.close()
    }
}
