import Foundation
import NIOCore
import TestSupport
import XCTest
@testable import XMPP

/// `XMPPConnectionKeeper` against a real Prosody that is stopped and started again on the same port.
final class ConnectionKeeperTests: XCTestCase {
    /// Everything the keeper reported, read in order.
    actor StateLog {
        private var states: [XMPPConnectionKeeper.State] = []
        private var read = 0
        private(set) var ended = false

        init(_ keeper: XMPPConnectionKeeper) {
            Task { [states = keeper.states] in
                for await s in states { await self.append(s) }
                await self.end()
            }
        }

        private func append(_ s: XMPPConnectionKeeper.State) { states.append(s) }
        private func end() { ended = true }

        /// The next unread state other than `.connecting`, if there is one yet.
        func take() -> XMPPConnectionKeeper.State? {
            while read < states.count {
                read += 1
                if states[read - 1] != .connecting { return states[read - 1] }
            }
            return nil
        }

        /// The next state that is not `.connecting`, within `seconds`.
        func next(seconds: Double = 20) async throws -> XMPPConnectionKeeper.State {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if let s = take() { return s }
                if ended { throw XMPPError.closed }
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            throw XMPPError.timeout("the keeper's next state")
        }
    }

    func keeper(_ server: ProsodyServer, password: String = "alice-secret", trust: XMPPTrust? = nil,
                backoff: ReconnectBackoff) throws -> XMPPConnectionKeeper {
        let account = try JID("alice@\(server.host)")
        let port = server.c2sPort, ca = server.caFile
        return XMPPConnectionKeeper(backoff: backoff) {
            try await XMPPClient.connect(account: account, password: password, host: "127.0.0.1", port: port,
                                         trust: trust ?? .caFile(ca), resource: "kept")
        }
    }

    func testReconnectsAfterTheServerComesBackAndSendsThePresenceAgain() async throws {
        let server = try ProsodyServer()
        defer { server.stop() }
        try server.register("alice", password: "alice-secret")
        let kept = try keeper(server, backoff: ReconnectBackoff(first: 0.2, maximum: 1, jitter: 0.1))
        let states = StateLog(kept)
        await kept.start()
        guard case .online(let jid) = try await states.next() else { return XCTFail("not online") }
        XCTAssertEqual(jid.bare.description, "alice@\(server.host)")
        await kept.setPresence(show: "dnd", status: "in a session")

        server.kill()
        guard case .reconnecting(let first, _) = try await states.next() else { return XCTFail("no reconnecting") }
        XCTAssertLessThanOrEqual(first, 0.2)
        XCTAssertGreaterThanOrEqual(first, 0.18)
        // While the server is down, attempts fail with growing waits.
        guard case .reconnecting(let second, .connectionFailed) = try await states.next() else { return XCTFail("no retry") }
        XCTAssertGreaterThanOrEqual(second, 0.36)
        try server.start()
        var online = false
        for _ in 0..<10 {
            let s = try await states.next()
            if case .online = s { online = true; break }
            guard case .reconnecting = s else { return XCTFail("unexpected \(s)") }
        }
        XCTAssertTrue(online, "back online on the restarted server")

        // Another resource of the same account sees the presence the keeper sent again.
        let watcher = try await XMPPClient.connect(account: try JID("alice@\(server.host)"), password: "alice-secret", host: "127.0.0.1",
                                                   port: server.c2sPort, trust: .caFile(server.caFile), resource: "watcher")
        watcher.sendPresence()
        let seen = try await within(10) { () async -> XMLElement? in
            for await s in watcher.stanzas where s.name == "presence" && s[attribute: "from"]?.hasSuffix("/kept") == true { return s }
            return nil
        }
        XCTAssertEqual(seen?.child("show")?.text, "dnd")
        XCTAssertEqual(seen?.child("status")?.text, "in a session")
        await watcher.close()
        await kept.stop()
        let last = try await states.next()
        XCTAssertEqual(last, .stopped(reason: .closed))
    }

    func testAWrongPasswordStopsWithoutRetrying() async throws {
        let server = try ProsodyServer()
        defer { server.stop() }
        try server.register("alice", password: "alice-secret")
        let kept = try keeper(server, password: "wrong", backoff: ReconnectBackoff(first: 0.1, maximum: 1))
        let states = StateLog(kept)
        await kept.start()
        guard case .stopped(.authenticationFailed) = try await states.next() else { return XCTFail("not stopped") }
        try await Task.sleep(nanoseconds: 500_000_000)
        let ended = await states.ended
        XCTAssertTrue(ended)
        let more = await states.take()
        XCTAssertNil(more, "no state after stopped")
    }

    func testAnUntrustedCertificateStopsWithoutRetrying() async throws {
        let server = try ProsodyServer()
        defer { server.stop() }
        try server.register("alice", password: "alice-secret")
        let other = try makeTemporaryDirectory("other-ca")
        defer { try? FileManager.default.removeItem(at: other) }
        let ca = other.appendingPathComponent("ca.crt").path
        try ProsodyServer.makeCertificate(names: [server.host], keyPath: other.appendingPathComponent("ca.key").path, certificatePath: ca)
        let kept = try keeper(server, trust: .caFile(ca), backoff: ReconnectBackoff(first: 0.1, maximum: 1))
        let states = StateLog(kept)
        await kept.start()
        guard case .stopped(.untrustedCertificate) = try await states.next() else { return XCTFail("not stopped") }
    }
}
