import Foundation
import PNGSnapshot
import Pixels
import TestSupport
import XCTest

/// Issue #13 item 4 through the binaries and a real Prosody: alice and bob became contacts through the
/// server; alice's `listen` goes online and opens no TCP port; bob's `request alice` goes through the
/// server's relay; the picture is pixel-exact; alice shows as busy meanwhile; either side ending ends both.
final class XMPPJourneyTests: XCTestCase {
    private var server: ProsodyServer!
    private var f: JourneyFixture!

    override func setUpWithError() throws {
        // Prosody 0.12's default backend, which holds the tail of a relayed burst without our framing.
        server = try ProsodyServer(backend: "epoll")
        for user in ["alice", "bob", "carol"] { try server.register(user, password: "\(user)-secret") }
        f = try JourneyFixture()
    }

    override func tearDown() {
        f?.tearDown()
        server?.stop()
    }

    private func config(_ user: String) -> String { f.root.appendingPathComponent("xmpp-\(user)").path }

    @discardableResult
    private func run(_ user: String, _ arguments: [String], stdin: String? = nil) throws -> ProcessResult {
        let r = try runProcess(f.tool, arguments, environment: ["XDG_CONFIG_HOME": config(user), "DISPLAY": f.xvfb.display], stdin: stdin)
        XCTAssertEqual(r.status, 0, "\(arguments): \(r.stdout) \(r.stderr)")
        return r
    }

    /// Identities, accounts, and alice and `user` contacts of each other through the server.
    private func pair(_ user: String = "bob") throws {
        for user in ["alice", user] where !FileManager.default.fileExists(atPath: config(user) + "/remote-assist/xmpp-account") {
            try run(user, ["id", "--name", user])
            try run(user, ["account", "\(user)@\(server.host)", "--server", "127.0.0.1:\(server.c2sPort)", "--ca", server.caFile],
                    stdin: "\(user)-secret\n")
        }
        try run(user, ["contacts", "add", "alice", "alice@\(server.host)", "--wait", "0"])
        try run("alice", ["contacts", "accept", "\(user)@\(server.host)", "--wait", "0"])
        let list = try run(user, ["contacts", "list"])
        XCTAssertTrue(list.stdout.contains("alice@\(server.host) accepted"), list.stdout)
    }

    /// TCP sockets in LISTEN state that process `pid` holds.
    private func listeningSockets(of pid: Int32) -> Int {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        let inodes = Set(fds.compactMap { fd -> String? in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"),
                  target.hasPrefix("socket:[") else { return nil }
            return String(target.dropFirst(8).dropLast())
        })
        var count = 0
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            let text = (try? String(contentsOfFile: table, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                if fields.count > 9, fields[3] == "0A", inodes.contains(String(fields[9])) { count += 1 }
            }
        }
        return count
    }

    /// Paired, alice listening, bob's request accepted (bob consents in advance): the session is live.
    private func liveSession() throws -> (alice: CLIProcess, bob: CLIProcess) {
        try pair()
        let alice = try f.start(["listen", "--snapshots", f.snapshots, "--rate", "10"], config: config("alice"), name: "alice")
        XCTAssertTrue(alice.waitFor("waiting for requests"), alice.text)
        let bob = try f.start(["request", "alice", "--display", f.xvfb.display, "--allow-view"], config: config("bob"), name: "bob")
        XCTAssertTrue(alice.waitFor("asks for help. Accept? [y/N]"), alice.text + bob.text)
        alice.type("y")
        XCTAssertTrue(alice.waitFor("viewing \"bob's desktop\""), alice.text)
        return (alice, bob)
    }

    func testARequestThroughTheServersRelayIsPixelExactAndTheExpertIsBusyMeanwhile() throws {
        try pair()
        try pair("carol")
        let draw = try XCTUnwrap(XDrawing(displayName: f.xvfb.display))
        draw.fill(Rect(x: 0, y: 0, width: 800, height: 600), 0x203040)
        draw.text("bob needs help, behind his router", x: 40, y: 60, 0xFFFFFF)
        draw.sync()

        let alice = try f.start(["listen", "--snapshots", f.snapshots, "--rate", "10"], config: config("alice"), name: "alice")
        XCTAssertTrue(alice.waitFor("waiting for requests"), alice.text)
        XCTAssertTrue(alice.text.contains("XMPP as alice@\(server.host) (online)") && alice.text.contains("(no TCP port open)"), alice.text)
        XCTAssertEqual(listeningSockets(of: alice.pid), 0, "listen with an account opens no TCP port")

        let bob = try f.start(["request", "alice", "--display", f.xvfb.display], config: config("bob"), name: "bob")
        XCTAssertTrue(alice.waitFor("asks for help. Accept? [y/N]"), alice.text + bob.text)
        alice.type("y")
        XCTAssertTrue(bob.waitFor("to see your screen? [y/N]"), bob.text)
        bob.type("y")
        XCTAssertTrue(alice.waitFor("viewing \"bob's desktop\""), alice.text)
        XCTAssertTrue(try f.waitForLatestToMatchScreen(timeout: 30), "latest.png must equal the screen, through the relay")
        draw.fill(Rect(x: 100, y: 200, width: 300, height: 100), 0xC04040)
        draw.sync()
        XCTAssertTrue(try f.waitForLatestToMatchScreen(timeout: 30), "and follow it")

        // Meanwhile alice is busy for her contacts.
        let seen = try run("bob", ["contacts", "list"]).stdout
        XCTAssertTrue(seen.contains("xmpp:alice@\(server.host)") && seen.contains("   busy"), seen)
        // And carol's request is answered at once, without a question to alice.
        let carol = try runProcess(f.tool, ["request", "alice", "--display", f.xvfb.display, "--allow-view"],
                                   environment: ["XDG_CONFIG_HOME": config("carol"), "DISPLAY": f.xvfb.display])
        XCTAssertNotEqual(carol.status, 0)
        XCTAssertTrue(carol.stderr.contains("refused: alice is busy in another session"), carol.stdout + carol.stderr)
        XCTAssertFalse(alice.text.contains("carol"), alice.text)

        bob.type("/quit")
        XCTAssertTrue(alice.waitFor("session ended: bob ended the session"), alice.text)
        XCTAssertEqual(bob.exitStatus(), 0, bob.text)
        XCTAssertEqual(alice.exitStatus(), 0, alice.text)
        XCTAssertEqual(try PNGCodec.read(f.snapshots + "/final.png"), try f.screen())
    }

    func testARequestToAnOfflineExpertIsAnsweredAtOnce() throws {
        try pair()
        let started = Date()
        let offline = try runProcess(f.tool, ["request", "alice", "--display", f.xvfb.display, "--allow-view"],
                                     environment: ["XDG_CONFIG_HOME": config("bob"), "DISPLAY": f.xvfb.display])
        XCTAssertNotEqual(offline.status, 0)
        XCTAssertTrue(offline.stderr.contains("alice is offline") && offline.stderr.contains("remote-assist listen"), offline.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "answered without waiting for the answer timeout")
    }

    /// The server (with its relay) killed mid-session: both sides end cleanly with the reason, and alice's
    /// `listen` says the XMPP link is gone.
    func testTheServerKilledMidSessionEndsItCleanlyOnBothSides() throws {
        let (alice, bob) = try liveSession()
        kill(server.pid, SIGKILL)
        XCTAssertTrue(bob.waitFor("session with alice ended", timeout: 30), bob.text)
        XCTAssertTrue(alice.waitFor("session with bob ended", timeout: 30), alice.text)
        XCTAssertTrue(alice.waitFor("lost the XMPP server", timeout: 30), alice.text)
        XCTAssertNotNil(bob.exitStatus(timeout: 30), bob.text)
        XCTAssertNotNil(alice.exitStatus(timeout: 30), alice.text)
        XCTAssertTrue(bob.text.contains("from the XMPP relay may see your screen"), bob.text)
    }

    /// The relayed stream dies silently (every packet to and from the relay's port dropped); bob ends the
    /// session: his goodbye cannot pass, but his end message through the XMPP server does, and alice's
    /// session ends at once with his reason instead of after the keepalive bound.
    func testTheEndMessageThroughTheServerEndsASessionWhoseStreamDied() throws {
        guard getuid() == 0, let iptables = XvfbServer.findExecutable("iptables") ?? ["/usr/sbin/iptables", "/sbin/iptables"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            XCTFail("this test drops loopback packets with iptables and needs root (.ci/setup installs iptables)")
            return
        }
        let (alice, bob) = try liveSession()
        let rules = [["-I", "INPUT", "-i", "lo", "-p", "tcp", "--dport", "\(server.proxyPort)", "-j", "DROP"],
                     ["-I", "INPUT", "-i", "lo", "-p", "tcp", "--sport", "\(server.proxyPort)", "-j", "DROP"]]
        for rule in rules { XCTAssertEqual(try runProcess(iptables, rule).status, 0) }
        defer { for rule in rules { _ = try? runProcess(iptables, ["-D"] + rule.dropFirst()) } }
        let cut = Date()
        bob.type("/quit")
        XCTAssertTrue(alice.waitFor("bob's remote-assist said through the XMPP server: bob ended the session", timeout: 20), alice.text)
        XCTAssertLessThan(Date().timeIntervalSince(cut), 8, "ended by the message, not by the keepalive bound (14 s)")
        XCTAssertEqual(alice.exitStatus(), 0, alice.text)
        XCTAssertNotNil(bob.exitStatus(timeout: 30), bob.text)
    }

    /// The server goes away and comes back: `listen` says so, reconnects with backoff, goes online again,
    /// and the next request through it works.
    func testListenReconnectsWhenTheServerComesBack() throws {
        try pair()
        let alice = try f.start(["listen", "--snapshots", f.snapshots, "--rate", "10"], config: config("alice"), name: "alice")
        XCTAssertTrue(alice.waitFor("waiting for requests"), alice.text)
        server.kill()
        XCTAssertTrue(alice.waitFor("trying again in", timeout: 30), alice.text)
        try server.start()
        XCTAssertTrue(alice.waitFor("back online at the XMPP server", timeout: 90), alice.text)
        let bob = try f.start(["request", "alice", "--display", f.xvfb.display, "--allow-view"], config: config("bob"), name: "bob")
        XCTAssertTrue(alice.waitFor("asks for help. Accept? [y/N]"), alice.text + bob.text)
        alice.type("y")
        XCTAssertTrue(alice.waitFor("viewing \"bob's desktop\""), alice.text)
        XCTAssertTrue(try f.waitForLatestToMatchScreen(timeout: 30))
        alice.type("/quit")
        XCTAssertEqual(alice.exitStatus(), 0, alice.text)
        XCTAssertEqual(bob.exitStatus(), 0, bob.text)
    }

    /// A relay that refuses (its ACL lets only alice use it): bob's request ends at once with one line
    /// that names the relay and what to do; alice is never asked.
    func testARelayThatRefusesIsOnePlainLine() throws {
        server.stop()
        server = try ProsodyServer(backend: "epoll", proxyACL: ["alice@xmpp.test"])
        for user in ["alice", "bob", "carol"] { try server.register(user, password: "\(user)-secret") }
        try pair()
        let alice = try f.start(["listen", "--snapshots", f.snapshots, "--rate", "10"], config: config("alice"), name: "alice")
        XCTAssertTrue(alice.waitFor("waiting for requests"), alice.text)
        let refused = try runProcess(f.tool, ["request", "alice", "--display", f.xvfb.display, "--allow-view"],
                                     environment: ["XDG_CONFIG_HOME": config("bob"), "DISPLAY": f.xvfb.display])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("the XMPP server's relay proxy.xmpp.test refuses your account (forbidden)"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("ask the server's administrator"), refused.stderr)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
        XCTAssertFalse(alice.text.contains("Accept? [y/N]"), alice.text)
    }

    /// The requester freezes (stopped, its kernel still acknowledging): no goodbye, no end message, and
    /// the relay keeps both sockets open. The relay framing's heartbeats stop, and alice's session ends
    /// within the silence limit, as for a direct connection whose network went away.
    func testASilentRelayedStreamEndsTheSessionWithinTheBound() throws {
        let (alice, bob) = try liveSession()
        XCTAssertTrue(try f.waitForLatestToMatchScreen(timeout: 30))
        kill(bob.pid, SIGSTOP)
        defer { kill(bob.pid, SIGCONT) }
        let frozen = Date()
        XCTAssertTrue(alice.waitFor("ended: bob stopped answering", timeout: 40), alice.text)
        XCTAssertLessThan(Date().timeIntervalSince(frozen), 25, "within the silence limit (14 s) and a check")
        XCTAssertEqual(alice.exitStatus(), 0, alice.text)
    }
}
