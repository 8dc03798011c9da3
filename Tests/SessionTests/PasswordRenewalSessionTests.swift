import Agent
import Foundation
import RFBTransport
import TestSupport
import Viewer
import XCTest

/// Over real TLS (VeNCrypt X509Plain, as a stock viewer): three wrong passwords lock the one-time
/// password out; the agent makes a new one at once and announces it. A fresh connection from another
/// address gets in with the new password; the address that guessed wrong three times is refused
/// without comparing, even with the new, right password.
final class PasswordRenewalSessionTests: XCTestCase {
    func testLockoutRenewsThePasswordAndBlocksTheGuessingAddress() async throws {
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let gate = PasswordGate()
        let renewed = EventLog<(String, PasswordRenewalReason)>()
        gate.onRenewal { password, reason in renewed.append((password.text, reason)) }
        let old = gate.rotate()
        let agent = try await fixture.startAgent(passwords: gate)
        func attempt(_ text: String, port: Int) async throws -> ViewerClient {
            try await fixture.connectViewer(port: port, encodings: [.raw], useIdentity: false, password: text)
        }
        func refusedCount() -> Int {
            fixture.viewerEvents.all.filter { if case .refused = $0 { return true }; return false }.count
        }

        // Three wrong passwords from 127.0.0.1 (held 1 s, then 2 s, by the agent-wide throttle).
        for guess in ["WRONGWRONG23", "WRONGWRONG45", "WRONGWRONG67"] {
            let viewer = try await attempt(guess, port: agent.localPort)
            try await viewer.closed.get()
        }
        let renewals = renewed.all
        XCTAssertEqual(renewals.count, 1, "one renewal announced")
        let fresh = try XCTUnwrap(renewals.first)
        XCTAssertEqual(fresh.1, .lockedOut)
        XCTAssertNotEqual(fresh.0, old.text)
        XCTAssertEqual(refusedCount(), 3)

        // The guessing address is refused at once, even with the new password (not compared, not spent).
        let blocked = try await attempt(fresh.0, port: agent.localPort)
        try await blocked.closed.get()
        XCTAssertEqual(refusedCount(), 4, "\(fixture.viewerEvents.all)")
        let failures = fixture.agentEvents.all.compactMap { if case .authenticationFailed(let r) = $0 { return r }; return nil }
        XCTAssertEqual(failures.count, 4, "\(failures)")
        XCTAssertTrue(failures.last?.contains("addressBlocked") ?? false, "\(failures)")

        // Another address (through a relay bound to 127.0.0.2) gets in with the new password.
        let relay = try TCPRelay(targetPort: agent.localPort, from: "127.0.0.2")
        defer { relay.cut() }
        let right = try await attempt(fresh.0, port: relay.port)
        try await fixture.waitFor("the new password to get in", timeout: 15) {
            fixture.viewerEvents.all.contains { if case .sessionStarted = $0 { return true }; return false }
        }
        XCTAssertTrue(fixture.agentEvents.all.contains { if case .connected(let a) = $0 { return a.contains("127.0.0.2") }; return false },
                      "\(fixture.agentEvents.all)")
        XCTAssertEqual(gate.failures, 3)
        XCTAssertEqual(renewed.all.count, 1)
        right.end(reason: .userQuit, text: "done")
        try await right.closed.get()
        await agent.close()
    }
}
