import Foundation
import NIOCore
import TestSupport
import XCTest
@testable import XMPP

/// disco#info, XEP-0199 pings to the server, `from` checks and the cap on unread stanzas, against a real
/// Prosody (one per test: some freeze it).
final class ClientFeaturesTests: XCTestCase {
    func login(_ server: ProsodyServer, _ user: String, resource: String = "test", pingInterval: TimeAmount = .seconds(60),
               pingTimeout: TimeAmount = .seconds(20)) async throws -> XMPPClient {
        try await XMPPClient.connect(account: try JID("\(user)@\(server.host)"), password: "\(user)-secret", host: "127.0.0.1",
                                     port: server.c2sPort, trust: .caFile(server.caFile), resource: resource,
                                     pingInterval: pingInterval, pingTimeout: pingTimeout)
    }

    func testDiscoInfoNamesAClientAndItsFeatures() async throws {
        let server = try ProsodyServer()
        defer { server.stop() }
        try server.register("alice", password: "alice-secret")
        try server.register("bob", password: "bob-secret")
        let alice = try await login(server, "alice")
        let bob = try await login(server, "bob")
        var iq = XMLElement("iq", namespace: XMPPNamespace.client, attributes: [.init("type", "get"), .init("to", alice.jid.description)])
        iq.append(XMLElement("query", namespace: XMPPNamespace.discoInfo))
        let answer = try await bob.iq(iq)
        let query = try XCTUnwrap(answer.child("query", namespace: XMPPNamespace.discoInfo))
        let identity = try XCTUnwrap(query.child("identity"))
        XCTAssertEqual(identity[attribute: "category"], "client")
        XCTAssertEqual(identity[attribute: "type"], "pc")
        let features = Set(query.elements.filter { $0.name == "feature" }.compactMap { $0[attribute: "var"] })
        XCTAssertEqual(features, ["http://jabber.org/protocol/disco#info", "urn:xmpp:ping", "http://jabber.org/protocol/bytestreams",
                                  "urn:remote-assist:request:0"])
        XCTAssertEqual(XMPPNamespace.request, "urn:remote-assist:request:0")
        await alice.close()
        await bob.close()
    }

    /// Pings that are answered keep the connection; a server that stops answering (frozen: the TCP link
    /// stays up, as when a router drops a connection silently) is detected within interval + timeout.
    func testAnUnansweredPingClosesTheConnection() async throws {
        let server = try ProsodyServer()
        defer { server.stop() }
        try server.register("alice", password: "alice-secret")
        let alice = try await login(server, "alice", pingInterval: .milliseconds(300), pingTimeout: .seconds(1))
        try await Task.sleep(nanoseconds: 1_500_000_000)  // several pings, answered
        _ = try await alice.roster()
        server.freeze(true)
        defer { server.freeze(false) }
        let started = Date()
        let reason = try await within(10) { await alice.closeReason() }
        XCTAssertEqual(reason, .timeout("ping"))
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "interval + timeout is 1.3 s")
        do {
            _ = try await alice.roster()
            XCTFail("an IQ on a closed connection")
        } catch let e as XMPPError {
            XCTAssertEqual(e, .closed)
        }
    }

    func testPresenceAndMessagesNeedAWellFormedFrom() throws {
        let ok = XMLElement("message", namespace: XMPPNamespace.client, attributes: [.init("from", "bob@xmpp.test/x")])
        XCTAssertTrue(XMPPStreamHandler.hasValidFrom(ok))
        XCTAssertFalse(XMPPStreamHandler.hasValidFrom(XMLElement("message", namespace: XMPPNamespace.client)))
        for bad in ["", "@xmpp.test", "bob@", "bob@xmpp.test/", "a@b@c", String(repeating: "x", count: 2000) + "@xmpp.test"] {
            let e = XMLElement("presence", namespace: XMPPNamespace.client, attributes: [.init("from", bad)])
            XCTAssertFalse(XMPPStreamHandler.hasValidFrom(e), bad)
        }
    }

    /// A roster push from another account is refused and never reaches `stanzas`.
    func testARosterPushFromAnotherAccountIsRefused() async throws {
        let server = try ProsodyServer()
        defer { server.stop() }
        try server.register("alice", password: "alice-secret")
        try server.register("bob", password: "bob-secret")
        let alice = try await login(server, "alice")
        let bob = try await login(server, "bob")
        var push = XMLElement("iq", namespace: XMPPNamespace.client, attributes: [.init("type", "set"), .init("to", alice.jid.description)])
        var query = XMLElement("query", namespace: XMPPNamespace.roster)
        query.append(XMLElement("item", namespace: XMPPNamespace.roster, attributes: [.init("jid", "mallory@evil.example"),
                                                                                       .init("subscription", "both")]))
        push.append(query)
        do {
            _ = try await bob.iq(push)
            XCTFail("alice accepted bob's roster push")
        } catch let e as XMPPError {
            XCTAssertEqual(e, .iqError("service-unavailable"))
        }
        bob.sendMessage(to: alice.jid, body: "after")
        let first = try await within(10) { () async -> XMLElement? in
            for await s in alice.stanzas { return s }
            return nil
        }
        XCTAssertEqual(first?.name, "message", "the push reached the application")
        XCTAssertEqual(first?.child("body")?.text, "after")
        await alice.close()
        await bob.close()
    }

    /// A consumer that does not read `stanzas` while more than `maximumQueuedStanzas` arrive: the
    /// connection closes with `fellBehind`, and the first 4096 are still there to read, in order.
    func testAConsumerTooFarBehindClosesTheConnection() async throws {
        let server = try ProsodyServer()
        defer { server.stop() }
        try server.register("alice", password: "alice-secret")
        try server.register("bob", password: "bob-secret")
        let alice = try await login(server, "alice")
        let bob = try await login(server, "bob")
        let limit = XMPPLimits.maximumQueuedStanzas
        for i in 0..<(limit + 50) { bob.sendMessage(to: alice.jid, body: "m\(i)") }
        let reason = try await within(60) { await alice.closeReason() }
        XCTAssertEqual(reason, .fellBehind(limit))
        var bodies: [String] = []
        for await s in alice.stanzas where s.name == "message" { bodies.append(s.child("body")?.text ?? "") }
        XCTAssertEqual(bodies.count, limit)
        XCTAssertEqual(bodies.first, "m0")
        XCTAssertEqual(bodies.last, "m\(limit - 1)")
        await bob.close()
    }
}
