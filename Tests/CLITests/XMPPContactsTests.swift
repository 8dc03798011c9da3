import Foundation
import TestSupport
import XCTest
import XMPP

/// Issue #13 items 2 and 3 through the binary against a real Prosody: `account` checks the login before
/// keeping anything; `contacts add NAME JID`, `requests`, `accept`, `decline`; both sides pin each other's
/// real fingerprint and show the same pairing code; presence in `contacts list`; a swapped fingerprint is
/// refused.
final class XMPPContactsTests: XCTestCase {
    private let tool = buildProductsDirectory.appendingPathComponent("remote-assist").path
    private var server: ProsodyServer!
    private var root: URL!

    override func setUpWithError() throws {
        server = try ProsodyServer()
        for user in ["alice", "bob", "carol"] { try server.register(user, password: "\(user)-secret") }
        root = try makeTemporaryDirectory("xmpp-contacts")
    }

    override func tearDown() {
        server?.stop()
        if let root { try? FileManager.default.removeItem(at: root) }
    }

    private func config(_ user: String) -> String { root.appendingPathComponent(user).path }

    private func run(_ user: String, _ arguments: [String], stdin: String? = nil) throws -> ProcessResult {
        try runProcess(tool, arguments, environment: ["XDG_CONFIG_HOME": config(user), "HOME": config(user)], stdin: stdin)
    }

    private func setAccount(_ user: String) throws {
        let r = try run(user, ["account", "\(user)@\(server.host)", "--server", "127.0.0.1:\(server.c2sPort)", "--ca", server.caFile],
                        stdin: "\(user)-secret\n")
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("logged in (SCRAM-SHA-256)"), r.stdout)
    }

    private func fingerprint(_ user: String) throws -> String {
        try run(user, ["id", "--fingerprint", "--name", user]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func pairingCode(in text: String) -> String? {
        guard let r = text.range(of: #"Pairing code [0-9]{3} [0-9]{3}"#, options: .regularExpression) else { return nil }
        return String(text[r].suffix(7))
    }

    func testAccountIsCheckedKeptPrivateShownWithoutPasswordAndRemoved() throws {
        // A wrong password: one plain line, nothing kept.
        let wrong = try run("alice", ["account", "alice@\(server.host)", "--server", "127.0.0.1:\(server.c2sPort)", "--ca", server.caFile],
                            stdin: "not-the-password\n")
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.stderr.contains("refused the login for alice@\(server.host)") && wrong.stderr.contains("nothing was kept"), wrong.stderr)
        XCTAssertEqual(wrong.stderr.split(separator: "\n").count, 1, wrong.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: config("alice") + "/remote-assist/xmpp-account"))
        // The server's self-signed certificate without --ca: not trusted, and the fix named.
        let untrusted = try run("alice", ["account", "alice@\(server.host)", "--server", "127.0.0.1:\(server.c2sPort)"], stdin: "alice-secret\n")
        XCTAssertEqual(untrusted.status, 1)
        XCTAssertTrue(untrusted.stderr.contains("not trusted") && untrusted.stderr.contains("--ca FILE"), untrusted.stderr)
        // Nothing listening.
        let down = try run("alice", ["account", "alice@\(server.host)", "--server", "127.0.0.1:\(try freeFixedPort())", "--ca", server.caFile],
                           stdin: "alice-secret\n")
        XCTAssertEqual(down.status, 1)
        XCTAssertTrue(down.stderr.contains("no XMPP server answers at 127.0.0.1:"), down.stderr)

        try setAccount("alice")
        let path = config("alice") + "/remote-assist/xmpp-account"
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        XCTAssertEqual(mode, 0o600)
        let shown = try run("alice", ["account"])
        XCTAssertTrue(shown.stdout.contains("account:  alice@\(server.host)"), shown.stdout)
        XCTAssertFalse(shown.stdout.contains("alice-secret"), "the password is never printed")
        let removed = try run("alice", ["account", "--remove"])
        XCTAssertEqual(removed.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        XCTAssertTrue(try run("alice", ["account"]).stdout.contains("no account set"))
    }

    func testBothAcceptPinTheRealFingerprintsAndSeeTheSameCodeThenPresence() throws {
        try setAccount("alice")
        try setAccount("bob")
        let aliceFP = try fingerprint("alice"), bobFP = try fingerprint("bob")

        let ask = try run("alice", ["contacts", "add", "bob", "bob@\(server.host)", "--wait", "0"])
        XCTAssertEqual(ask.status, 0, ask.stdout + ask.stderr)
        XCTAssertTrue(ask.stdout.contains("asked bob@\(server.host)"), ask.stdout)

        let requests = try run("bob", ["contacts", "requests"])
        XCTAssertEqual(requests.status, 0, requests.stderr)
        XCTAssertTrue(requests.stdout.contains("request from alice@\(server.host), fingerprint \(aliceFP)"), requests.stdout)

        let accept = try run("bob", ["contacts", "accept", "alice@\(server.host)", "--wait", "0"])
        XCTAssertEqual(accept.status, 0, accept.stdout + accept.stderr)
        XCTAssertTrue(accept.stdout.contains("alice (alice@\(server.host)) is now your contact, fingerprint \(aliceFP)"), accept.stdout)

        // Alice's next login completes her side: bob's real fingerprint pinned, the code shown.
        let aliceList = try run("alice", ["contacts", "list"])
        XCTAssertEqual(aliceList.status, 0, aliceList.stderr)
        XCTAssertTrue(aliceList.stdout.contains("bob@\(server.host) accepted: bob is now your contact"), aliceList.stdout)
        XCTAssertTrue(aliceList.stdout.contains("bob \(bobFP) xmpp:bob@\(server.host)"), aliceList.stdout)
        let aliceCode = try XCTUnwrap(pairingCode(in: aliceList.stdout), aliceList.stdout)

        // Bob's next login reads alice's confirmation (kept for him by the server): the same code.
        let bobList = try run("bob", ["contacts", "list"])
        XCTAssertEqual(bobList.status, 0, bobList.stderr)
        XCTAssertTrue(bobList.stdout.contains("alice (alice@\(server.host)) confirmed"), bobList.stdout)
        XCTAssertEqual(pairingCode(in: bobList.stdout), aliceCode, bobList.stdout)
        XCTAssertTrue(bobList.stdout.contains("alice \(aliceFP) xmpp:alice@\(server.host)"), bobList.stdout)
        XCTAssertTrue(bobList.stdout.contains("pairing code \(aliceCode)"), bobList.stdout)

        // Presence: bob available is online; busy (dnd) is busy; gone, offline.
        let available = try login("bob", show: nil)
        let online = try run("alice", ["contacts", "list"])
        XCTAssertTrue(online.stdout.contains("xmpp:bob@\(server.host)   (compare code") && online.stdout.contains("   online"), online.stdout)
        available.close()
        let expectation = try login("bob", show: "dnd")
        let busy = try run("alice", ["contacts", "list"])
        XCTAssertTrue(busy.stdout.contains("xmpp:bob@\(server.host)   (compare code") && busy.stdout.contains("   busy"), busy.stdout)
        expectation.close()
        let offline = try run("alice", ["contacts", "list"])
        XCTAssertTrue(offline.stdout.contains("   offline"), offline.stdout)
        XCTAssertFalse(offline.stdout.contains("   busy"), offline.stdout)
    }

    /// The phone call: alice's `add` waits while bob accepts; bob's `accept` waits for alice's
    /// confirmation; both print the same code within the same minute.
    func testWaitingOnBothSidesShowsTheSameCodeAtOnce() throws {
        try setAccount("alice")
        try setAccount("bob")
        let aliceWaits = Process()
        aliceWaits.executableURL = URL(fileURLWithPath: tool)
        aliceWaits.arguments = ["contacts", "add", "bob", "bob@\(server.host)", "--wait", "60"]
        aliceWaits.environment = ["XDG_CONFIG_HOME": config("alice"), "HOME": config("alice")]
        let out = Pipe()
        aliceWaits.standardOutput = out
        aliceWaits.standardError = FileHandle.nullDevice
        try aliceWaits.run()
        defer { if aliceWaits.isRunning { aliceWaits.terminate() } }
        // Bob's request list shows alice once her request is out.
        var requests = ""
        for _ in 0..<40 where !requests.contains("request from alice@") {
            requests = try run("bob", ["contacts", "requests"]).stdout
            if !requests.contains("request from alice@") { Thread.sleep(forTimeInterval: 0.25) }
        }
        XCTAssertTrue(requests.contains("request from alice@\(server.host)"), requests)
        let accept = try run("bob", ["contacts", "accept", "alice@\(server.host)", "--name", "alice", "--wait", "30"])
        XCTAssertEqual(accept.status, 0, accept.stderr)
        let bobCode = try XCTUnwrap(pairingCode(in: accept.stdout), accept.stdout)
        let aliceOut = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        aliceWaits.waitUntilExit()
        XCTAssertEqual(aliceWaits.terminationStatus, 0)
        XCTAssertTrue(aliceOut.contains("bob@\(server.host) accepted"), aliceOut)
        XCTAssertEqual(pairingCode(in: aliceOut), bobCode, aliceOut)
    }

    func testADeclinedRequestIsReportedToTheAsker() throws {
        try setAccount("alice")
        try setAccount("carol")
        let asked = try run("carol", ["contacts", "add", "alice", "alice@\(server.host)", "--wait", "0"])
        XCTAssertEqual(asked.status, 0, asked.stderr)
        let declined = try run("alice", ["contacts", "decline", "carol@\(server.host)"])
        XCTAssertEqual(declined.status, 0, declined.stderr)
        XCTAssertEqual(declined.status, 0, declined.stderr)
        let carol = try run("carol", ["contacts", "list"])
        XCTAssertTrue(carol.stdout.contains("alice@\(server.host) declined your request (alice)"), carol.stdout + carol.stderr)
        XCTAssertTrue(carol.stdout.contains("no contacts yet"), carol.stdout)
    }

    /// Bob is pinned (out of band); someone with bob's password, or the server, asks again in bob's name
    /// with another fingerprint: refused with a warning, nothing approved, the pin unchanged.
    func testASwappedFingerprintIsRefused() throws {
        try setAccount("alice")
        let bobFP = try fingerprint("bob")
        let pinned = try run("alice", ["contacts", "add", "bob", bobFP, "--jid", "bob@\(server.host)", "--wait", "0"])
        XCTAssertEqual(pinned.status, 0, pinned.stdout + pinned.stderr)
        let forger = try login("bob", show: nil)
        var offer = XMLElement("contact", namespace: "urn:remote-assist:contact:0",
                               attributes: [.init("fingerprint", try fingerprint("carol")), .init("nonce", String(repeating: "ab", count: 32))])
        offer.attributes.append(.init("x", "y"))
        var presence = XMLElement("presence", namespace: "jabber:client", attributes: [.init("to", "alice@\(server.host)"), .init("type", "subscribe")])
        presence.append(offer)
        forger.client.send(presence)
        Thread.sleep(forTimeInterval: 0.5)
        forger.close()
        let list = try run("alice", ["contacts", "list"])
        XCTAssertTrue(list.stderr.contains("WARNING: bob (bob@\(server.host)) now presents the fingerprint"), list.stderr)
        XCTAssertTrue(list.stdout.contains("bob \(bobFP) xmpp:bob@\(server.host)"), list.stdout)
        XCTAssertFalse(list.stdout.contains("accepted"), list.stdout)
    }

    /// A client of our own, logged in as `user`, with the given `show` (nil: plain available).
    private func login(_ user: String, show: String?) throws -> OnlineClient {
        let s = server!
        let box = OnlineClient()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                let c = try await XMPPClient.connect(account: try JID("\(user)@\(s.host)"), password: "\(user)-secret", host: "127.0.0.1",
                                                     port: s.c2sPort, trust: .caFile(s.caFile), resource: "test")
                c.sendPresence(show: show)
                _ = try await c.roster()  // a round trip: the presence is out before we go on
                box.set(c)
            } catch { box.fail(error) }
            done.signal()
        }
        done.wait()
        if let e = box.error { throw e }
        return box
    }
}

/// A logged-in client a synchronous test can hold and close.
final class OnlineClient: @unchecked Sendable {
    private(set) var client: XMPPClient!
    private(set) var error: (any Error)?
    func set(_ c: XMPPClient) { client = c }
    func fail(_ e: any Error) { error = e }
    func close() {
        let done = DispatchSemaphore(value: 0)
        let c = client
        Task {
            await c?.close()
            done.signal()
        }
        done.wait()
    }
}
