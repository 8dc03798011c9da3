import Foundation
import PNGSnapshot
import TestSupport
import XCTest

/// Either side ends the session by /quit, Ctrl-C (SIGINT), SIGTERM or end of input, or vanishes
/// (kill -9): the other side says who ended it and why, within the bound, and both exit 0 (the
/// survivor of a kill too); the expert keeps the final picture and the transcript.
final class EndingTests: XCTestCase {
    private func run(_ end: (CLIProcess, CLIProcess) -> Void, endedBy: String, expect: String,
                     survivorIsAlice: Bool, killed: Bool = false) throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let (alice, bob) = try f.startSession()
        XCTAssertTrue(try f.waitForLatestToMatchScreen())
        alice.type("before the end")
        XCTAssertTrue(bob.waitFor("<alice> before the end"), bob.text)
        let started = Date()
        end(alice, bob)
        let survivor = survivorIsAlice ? alice : bob
        let ender = survivorIsAlice ? bob : alice
        XCTAssertTrue(survivor.waitFor(expect, timeout: 20), "\(survivor.name): \(survivor.text)")
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertLessThan(elapsed, killed ? 15 : 1.5, "\(endedBy) must be noticed within the bound")
        XCTAssertEqual(survivor.exitStatus(), 0, survivor.text)
        if !killed { XCTAssertEqual(ender.exitStatus(), 0, ender.text) }
        // A killed expert writes no final.png, but the last good latest.png stays.
        let kept = killed && !survivorIsAlice ? "/latest.png" : "/final.png"
        XCTAssertTrue(FileManager.default.fileExists(atPath: f.snapshots + kept), "picture kept: \(kept)")
        let chat = (try? String(contentsOfFile: f.snapshots + "/chat.log", encoding: .utf8)) ?? ""
        XCTAssertTrue(chat.contains("<alice> before the end"), chat)
        if !(killed && !survivorIsAlice) { XCTAssertTrue(chat.contains("session ended"), chat) }
    }

    func testRequesterQuits() throws {
        try run({ _, bob in bob.type("/quit") }, endedBy: "/quit", expect: "session ended: bob ended the session",
                survivorIsAlice: true)
    }

    func testRequesterCtrlC() throws {
        try run({ _, bob in bob.signal(SIGINT) }, endedBy: "SIGINT",
                expect: "session ended: bob ended the session (interrupted)", survivorIsAlice: true)
    }

    func testRequesterEndOfInput() throws {
        try run({ _, bob in bob.closeInput() }, endedBy: "end of input",
                expect: "session ended: bob ended the session (end of input)", survivorIsAlice: true)
    }

    func testExpertCtrlC() throws {
        try run({ alice, _ in alice.signal(SIGINT) }, endedBy: "SIGINT",
                expect: "session ended: alice ended the session (interrupted)", survivorIsAlice: false)
    }

    func testExpertSIGTERM() throws {
        try run({ alice, _ in alice.signal(SIGTERM) }, endedBy: "SIGTERM",
                expect: "session ended: alice ended the session (interrupted)", survivorIsAlice: false)
    }

    func testExpertEndOfInput() throws {
        try run({ alice, _ in alice.closeInput() }, endedBy: "end of input",
                expect: "session ended: alice ended the session (end of input)", survivorIsAlice: false)
    }

    func testRequesterKilled() throws {
        try run({ _, bob in bob.signal(SIGKILL) }, endedBy: "kill -9", expect: "session with bob ended: the connection was cut without a goodbye (bob was killed or the network failed)",
                survivorIsAlice: true, killed: true)
    }

    func testExpertKilled() throws {
        try run({ alice, _ in alice.signal(SIGKILL) }, endedBy: "kill -9", expect: "session with alice ended: the connection was cut without a goodbye (alice was killed or the network failed)",
                survivorIsAlice: false, killed: true)
    }

    /// A 4096-byte message is more than one TextChat may carry (4095): it is split, and arrives whole.
    func testLongChatMessageIsSplitAndArrivesWhole() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let (alice, bob) = try f.startSession()
        let long = String(repeating: "0123456789abcdef", count: 256)   // 4096 bytes
        alice.type(long)
        XCTAssertTrue(bob.waitFor(String(long.prefix(4095))), "first part")
        XCTAssertTrue(bob.waitFor("<alice> f"), "the last byte comes as a second message: \(bob.text.suffix(300))")
        alice.type("/quit")
        XCTAssertEqual(alice.exitStatus(), 0)
    }
}

/// A network cut (every packet of the session dropped, no FIN, no RST): both sides notice within the
/// keepalive bound and end with a clear line, keeping what they have.
final class NetworkCutTests: XCTestCase {
    func testANetworkCutIsNoticedOnBothSidesWithinTheBound() throws {
        guard getuid() == 0, let iptables = XvfbServer.findExecutable("iptables") ?? ["/usr/sbin/iptables", "/sbin/iptables"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            XCTFail("this test drops loopback packets with iptables and needs root (.ci/setup installs iptables)")
            return
        }
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let (alice, bob) = try f.startSession()
        XCTAssertTrue(try f.waitForLatestToMatchScreen())
        let rules = [["-I", "INPUT", "-i", "lo", "-p", "tcp", "--dport", "\(f.port)", "-j", "DROP"],
                     ["-I", "INPUT", "-i", "lo", "-p", "tcp", "--sport", "\(f.port)", "-j", "DROP"]]
        for rule in rules { XCTAssertEqual(try runProcess(iptables, rule).status, 0) }
        defer { for rule in rules { _ = try? runProcess(iptables, ["-D"] + rule.dropFirst()) } }
        let cut = Date()
        // Traffic in flight when the network goes: a chat line each way.
        alice.type("are you still there?")
        bob.type("hello?")
        XCTAssertTrue(alice.waitFor("ended: bob stopped answering", timeout: 25), alice.text)
        XCTAssertTrue(bob.waitFor("ended: alice stopped answering", timeout: 25), bob.text)
        XCTAssertLessThan(Date().timeIntervalSince(cut), 16, "noticed within the keepalive bound (14 s)")
        XCTAssertEqual(alice.exitStatus(), 0, alice.text)
        XCTAssertEqual(bob.exitStatus(), 0, bob.text)
        XCTAssertTrue(FileManager.default.fileExists(atPath: f.snapshots + "/final.png"))
    }
}
