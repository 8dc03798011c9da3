import Agent
import Foundation
import TestSupport
import XCTest

/// The listening agent's limits against peers that never authenticate, on real sockets: the caps on
/// unauthenticated connections (at once and per source address) and the handshake time limit.
final class ConnectionLimitTests: XCTestCase {
    private func closedEvents(_ fixture: SessionFixture) -> [String] {
        fixture.agentEvents.all.compactMap { if case .connectionClosed(_, let reason) = $0 { return reason }; return nil }
    }

    /// Over a cap a new connection is closed at once with a logged reason; a connection counts until it
    /// authenticates (here it then waits for a consent that never comes) or closes.
    func testConnectionsOverTheCapsAreClosedAtOnce() async throws {
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let agent = try await fixture.startAgent(allowNone: true, consent: { _, _ in })
        let version = Array("RFB 003.008\n".utf8)
        var held: [String: [RawSocket]] = [:]
        func fill(_ source: String) throws {
            for _ in 0..<AgentLimits.maximumUnauthenticatedPerAddress {
                let socket = try RawSocket(port: agent.localPort, from: source)
                XCTAssertEqual(try socket.read(12), version, "admitted from \(source)")
                held[source, default: []].append(socket)
            }
        }
        // A fifth from one address: closed at once, nothing sent.
        try fill("127.0.0.1")
        XCTAssertEqual(try RawSocket(port: agent.localPort, from: "127.0.0.1").readToEnd(), [])
        // A seventeenth from a new address: the same.
        for source in ["127.0.0.2", "127.0.0.3", "127.0.0.4"] { try fill(source) }
        XCTAssertEqual(agent.unauthenticatedConnections, AgentLimits.maximumUnauthenticatedConnections)
        XCTAssertEqual(try RawSocket(port: agent.localPort, from: "127.0.0.5").readToEnd(), [])
        try await fixture.waitFor("two refusals logged") { closedEvents(fixture).count == 2 }
        XCTAssertEqual(closedEvents(fixture), [
            "refused at once: too many connections waiting to authenticate from 127.0.0.1 (at most 4 at once)",
            "refused at once: too many connections waiting to authenticate (at most 16 at once)",
        ])

        // One authenticates (security type None): it no longer counts, and a newcomer gets in.
        let first = try XCTUnwrap(held["127.0.0.1"]?.first)
        try first.write(version)
        let count = Int(try first.read(1)[0])
        XCTAssertTrue(try first.read(count).contains(1))
        try first.write([1])
        try await fixture.waitFor("the authenticated connection to be released") {
            agent.unauthenticatedConnections == AgentLimits.maximumUnauthenticatedConnections - 1
        }
        let newcomer = try RawSocket(port: agent.localPort, from: "127.0.0.5")
        XCTAssertEqual(try newcomer.read(12), version)
        XCTAssertEqual(try RawSocket(port: agent.localPort, from: "127.0.0.1").readToEnd(), [],
                       "127.0.0.1 holds 3 + the new one from .5 fills the total again")

        // One closes: its place is free again.
        held["127.0.0.2"]?.first?.close()
        try await fixture.waitFor("the closed connection to be released") {
            agent.unauthenticatedConnections < AgentLimits.maximumUnauthenticatedConnections
        }
        let another = try RawSocket(port: agent.localPort, from: "127.0.0.6")
        XCTAssertEqual(try another.read(12), version)
        newcomer.close()
        await agent.close()
    }

    /// A peer that sends nothing and one that sends a byte a second are both closed when the 10 s
    /// handshake limit runs out, each with one logged reason.
    func testSilentAndSlowPeersAreClosedAfterTheHandshakeLimit() async throws {
        XCTAssertEqual(AgentLimits.handshakeTimeout, .seconds(10))
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let agent = try await fixture.startAgent(allowNone: true)
        let started = Date()
        let silent = try RawSocket(port: agent.localPort, receiveTimeoutSeconds: 30)
        let slow = try RawSocket(port: agent.localPort, receiveTimeoutSeconds: 30)
        Thread.detachNewThread {
            for byte in Array("RFB 003.008\n".utf8) + [1, 1] {
                guard (try? slow.write([byte])) != nil else { return }
                Thread.sleep(forTimeInterval: 1)
            }
        }
        let silentGot = try silent.readToEnd()
        let silentClosed = Date().timeIntervalSince(started)
        let slowGot = try slow.readToEnd()
        let slowClosed = Date().timeIntervalSince(started)
        XCTAssertEqual(silentGot, Array("RFB 003.008\n".utf8), "only the version, then the close")
        XCTAssertEqual(slowGot, Array("RFB 003.008\n".utf8), "the version string never completed")
        for elapsed in [silentClosed, slowClosed] {
            XCTAssertGreaterThanOrEqual(elapsed, 9.5, "closed before the limit")
            XCTAssertLessThan(elapsed, 14, "not closed at the limit")
        }
        try await fixture.waitFor("both closings logged") { closedEvents(fixture).count == 2 }
        XCTAssertEqual(closedEvents(fixture), Array(repeating: "the other side did not finish the handshake within 10 s", count: 2))
        await agent.close()
    }
}
