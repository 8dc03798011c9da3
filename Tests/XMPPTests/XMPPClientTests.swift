import Foundation
import NIOCore
import TestSupport
import XCTest
@testable import XMPP

/// The client against a real, private Prosody (STARTTLS with its self-signed certificate as the CA).
final class XMPPClientTests: XCTestCase {
    nonisolated(unsafe) static var server: ProsodyServer?
    nonisolated(unsafe) static var startError: (any Error)?

    override class func setUp() {
        super.setUp()
        do {
            let s = try ProsodyServer()
            server = s
            try s.register("alice", password: "alice-secret")
            try s.register("bob", password: "bob-secret")
        } catch {
            startError = error
        }
    }

    override class func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    func prosody() throws -> ProsodyServer {
        if let e = Self.startError { throw e }
        guard let s = Self.server else { throw ProsodyServer.Failure.failed("not started") }
        return s
    }

    func login(_ user: String, _ password: String, resource: String = "test", trust: XMPPTrust? = nil) async throws -> XMPPClient {
        let s = try prosody()
        return try await XMPPClient.connect(account: try JID("\(user)@\(s.host)"), password: password, host: "127.0.0.1",
                                            port: s.c2sPort, trust: trust ?? .caFile(s.caFile), resource: resource)
    }

    /// The next stanza matching `predicate`, within `seconds`.
    func next(_ client: XMPPClient, seconds: Double = 10, where predicate: @escaping @Sendable (XMLElement) -> Bool) async throws -> XMLElement {
        try await withThrowingTaskGroup(of: XMLElement?.self) { group in
            group.addTask {
                for await s in client.stanzas where predicate(s) { return s }
                return nil
            }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            guard let found = first else { throw XMPPError.timeout("the awaited stanza") }
            return found
        }
    }

    func testLoginBindsAResourceWithSCRAMSHA256() async throws {
        let alice = try await login("alice", "alice-secret", resource: "desk")
        XCTAssertEqual(alice.jid.description, "alice@\(try prosody().host)/desk")
        XCTAssertEqual(alice.mechanism, "SCRAM-SHA-256")
        let roster = try await alice.roster()
        XCTAssertEqual(roster, [])
        await alice.close()
    }

    func testSCRAMSHA1WhenTheServerStoresSHA1() async throws {
        let sha1 = try ProsodyServer(passwordHash: "SHA-1")
        defer { sha1.stop() }
        try sha1.register("carol", password: "carol-secret")
        let carol = try await XMPPClient.connect(account: try JID("carol@\(sha1.host)"), password: "carol-secret", host: "127.0.0.1",
                                                 port: sha1.c2sPort, trust: .caFile(sha1.caFile))
        XCTAssertEqual(carol.mechanism, "SCRAM-SHA-1")
        await carol.close()
    }

    func testWrongPasswordGivesOneClearError() async throws {
        do {
            _ = try await login("alice", "wrong")
            XCTFail("logged in with a wrong password")
        } catch let e as XMPPError {
            XCTAssertEqual(e, .authenticationFailed("wrong user name or password (not-authorized)"))
        }
    }

    func testUntrustedServerCertificateIsRefused() async throws {
        let other = try makeTemporaryDirectory("xmpp-ca")
        defer { try? FileManager.default.removeItem(at: other) }
        let s = try prosody()
        try ProsodyServer.makeCertificate(names: [s.host], keyPath: other.appendingPathComponent("k.pem").path,
                                          certificatePath: other.appendingPathComponent("c.pem").path)
        do {
            _ = try await login("alice", "alice-secret", trust: .caFile(other.appendingPathComponent("c.pem").path))
            XCTFail("logged in with a certificate we do not trust")
        } catch let e as XMPPError {
            guard case .untrustedCertificate = e else { return XCTFail("\(e)") }
        }
        // The system store does not know a self-signed certificate either.
        do {
            _ = try await login("alice", "alice-secret", trust: .systemStore)
            XCTFail("logged in with a certificate we do not trust")
        } catch let e as XMPPError {
            guard case .untrustedCertificate = e else { return XCTFail("\(e)") }
        }
    }

    func testMutualSubscriptionPresenceAndMessages() async throws {
        let host = try prosody().host
        let alice = try await login("alice", "alice-secret", resource: "a")
        let bob = try await login("bob", "bob-secret", resource: "b")
        let aliceJID = try JID("alice@\(host)"), bobJID = try JID("bob@\(host)")
        alice.sendPresence()
        bob.sendPresence()

        // alice asks, bob accepts and asks back, alice accepts.
        alice.sendPresence(type: "subscribe", to: bobJID)
        let request = try await next(bob) { $0.name == "presence" && $0[attribute: "type"] == "subscribe" }
        XCTAssertEqual(request[attribute: "from"], aliceJID.description)
        bob.sendPresence(type: "subscribed", to: aliceJID)
        bob.sendPresence(type: "subscribe", to: aliceJID)
        _ = try await next(alice) { $0.name == "presence" && $0[attribute: "type"] == "subscribe" && $0[attribute: "from"] == bobJID.description }
        alice.sendPresence(type: "subscribed", to: bobJID)

        // Each sees the other online, then bob goes busy and alice sees it.
        _ = try await next(alice) { $0.name == "presence" && $0[attribute: "type"] == nil && $0[attribute: "from"] == "\(bobJID)/b" }
        _ = try await next(bob) { $0.name == "presence" && $0[attribute: "type"] == nil && $0[attribute: "from"] == "\(aliceJID)/a" }
        bob.sendPresence(show: "dnd", status: "in a session")
        let busy = try await next(alice) { $0.name == "presence" && $0[attribute: "from"] == "\(bobJID)/b" && $0.child("show") != nil }
        XCTAssertEqual(busy.child("show")?.text, "dnd")

        let roster = try await alice.roster()
        XCTAssertEqual(roster.map(\.jid), [bobJID.description])
        XCTAssertEqual(roster.first?.subscription, "both")

        // Messages both ways, markup kept as text.
        alice.sendMessage(to: try JID("\(bobJID)/b"), body: "hello <b>bob</b> & co")
        let m = try await next(bob) { $0.name == "message" }
        XCTAssertEqual(m.child("body")?.text, "hello <b>bob</b> & co")
        XCTAssertEqual(m[attribute: "from"], "\(aliceJID)/a")
        bob.sendMessage(to: try JID("\(aliceJID)/a"), body: "hi alice")
        let r = try await next(alice) { $0.name == "message" }
        XCTAssertEqual(r.child("body")?.text, "hi alice")

        // bob leaves: alice sees him offline.
        await bob.close()
        _ = try await next(alice) { $0.name == "presence" && $0[attribute: "type"] == "unavailable" && $0[attribute: "from"] == "\(bobJID)/b" }
        await alice.close()
    }

    func testIQTimeoutAndErrorAnswer() async throws {
        let alice = try await login("alice", "alice-secret", resource: "iq")
        // An IQ to a JID that does not exist on the server gets an error answer.
        var iq = XMLElement("iq", namespace: "jabber:client", attributes: [.init("type", "get"), .init("to", "nobody@\(try prosody().host)/x")])
        iq.append(XMLElement("query", namespace: "http://jabber.org/protocol/disco#info"))
        do {
            _ = try await alice.iq(iq)
            XCTFail("an answer from a missing JID")
        } catch let e as XMPPError {
            guard case .iqError = e else { return XCTFail("\(e)") }
        }
        // An IQ to our own full JID is answered by nobody but us... and we answer service-unavailable, so
        // ping the server itself instead: a result.
        var ping = XMLElement("iq", namespace: "jabber:client", attributes: [.init("type", "get"), .init("to", try prosody().host)])
        ping.append(XMLElement("ping", namespace: "urn:xmpp:ping"))
        let pong = try await alice.iq(ping)
        XCTAssertEqual(pong[attribute: "type"], "result")
        // No answer in time: a timeout; the late answer is dropped and the connection goes on.
        do {
            _ = try await alice.iq(ping, timeout: .nanoseconds(1))
            XCTFail("answered within a nanosecond")
        } catch let e as XMPPError {
            XCTAssertEqual(e, .timeout("iq ping"))
        }
        let again = try await alice.iq(ping)
        XCTAssertEqual(again[attribute: "type"], "result")
        await alice.close()
    }
}
