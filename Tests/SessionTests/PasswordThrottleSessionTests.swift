import Agent
import Foundation
import RFBTransport
import TestSupport
import Viewer
import XCTest

/// One-time password guesses over real TLS (VeNCrypt X509Plain, as a stock viewer): after each wrong
/// password the next attempt — on a new connection — waits a growing delay; then the right one gets in.
final class PasswordThrottleSessionTests: XCTestCase {
    func testEachWrongPasswordDelaysTheNextAttemptAcrossConnections() async throws {
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let gate = PasswordGate()
        let password = gate.rotate()
        let agent = try await fixture.startAgent(passwords: gate)
        func attempt(_ text: String) async throws -> ViewerClient {
            try await fixture.connectViewer(port: agent.localPort, encodings: [.raw], useIdentity: false, password: text)
        }
        let started = Date()
        let first = try await attempt("WRONGWRONG23")
        try await first.closed.get()
        let second = try await attempt("WRONGWRONG45")
        try await second.closed.get()
        // Held for 1 s after the first failure.
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 1.0)
        let right = try await attempt(password.text)
        try await fixture.waitFor("the right password to get in", timeout: 15) {
            fixture.viewerEvents.all.contains { if case .sessionStarted = $0 { return true }; return false }
        }
        // Held for 2 s after the second failure, which came at least 1 s after the start.
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 3.0, "the attempts were not held back")
        XCTAssertEqual(gate.failures, 2)
        let failures = fixture.agentEvents.all.compactMap { if case .authenticationFailed(let r) = $0 { return r }; return nil }
        XCTAssertEqual(failures, ["one-time password refused (wrong(remainingAttempts: 2))",
                                  "one-time password refused (wrong(remainingAttempts: 1))"])
        let refusals = fixture.viewerEvents.all.filter { if case .refused = $0 { return true }; return false }
        XCTAssertEqual(refusals.count, 2, "\(fixture.viewerEvents.all)")
        right.end(reason: .userQuit, text: "done")
        try await right.closed.get()
        await agent.close()
    }
}
