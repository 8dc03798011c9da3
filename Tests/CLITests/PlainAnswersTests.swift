import Foundation
import TestSupport
import XCTest

/// The usual mistakes, through the real binary: each gets one plain line with the cause and the next
/// step, naming the person, and no library text (NIO, BoringSSL, errno) unless --debug asks for it.
final class PlainAnswersTests: XCTestCase {
    private let libraryWords = ["NIO", "BoringSSL", "SSL routines", "errno", "Error set", "SingleConnectionFailure"]

    private func assertNoLibraryText(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        for word in libraryWords { XCTAssertFalse(text.contains(word), "\"\(word)\" in: \(text)", file: file, line: line) }
    }

    func testNobodyListeningNamesTheContactAndWhatToAsk() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let result = try runProcess(f.tool, ["request", "alice", "--display", f.xvfb.display, "--allow-view"], environment: f.env(f.bobConfig))
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertTrue(result.stderr.contains("alice is not listening at 127.0.0.1:\(f.port); ask alice to run `remote-assist listen`"),
                      result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        assertNoLibraryText(result.stdout + result.stderr)
    }

    /// The error line is printed straight to the terminal; what it quotes (here a typed name, elsewhere a
    /// relay's address or a reason from the server) is cleaned first: no escape sequence or bidi override.
    func testTheErrorLineIsCleaned() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let result = try runProcess(f.tool, ["request", "carol\u{1B}[31mRED\u{202E}x"], environment: f.env(f.bobConfig))
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertTrue(result.stderr.contains("is not a contact"), result.stderr)
        XCTAssertTrue(result.stderr.contains("carol\u{241B}[31mRED"), result.stderr)
        XCTAssertFalse(result.stderr.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{202E}" }, result.stderr)
    }

    func testAPortInUseSaysSoAndDebugAddsTheLibraryText() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        _ = try f.listen()
        let second = try runProcess(f.tool, ["listen", "--port", "\(f.port)"], environment: f.env(f.aliceConfig))
        XCTAssertEqual(second.status, 1)
        XCTAssertTrue(second.stderr.contains("port \(f.port) is in use, perhaps by another `remote-assist listen`; choose another with --port"),
                      second.stderr)
        assertNoLibraryText(second.stdout + second.stderr)
        let debug = try runProcess(f.tool, ["listen", "--port", "\(f.port)", "--debug"], environment: f.env(f.aliceConfig))
        XCTAssertTrue(debug.stderr.contains("is in use") && debug.stderr.contains("[debug: ") && debug.stderr.contains("errno"), debug.stderr)
    }

    /// alice never added bob: bob is told to read her his fingerprint, alice how to add him.
    func testARequesterWhoIsNotAContactIsToldWhatToDoOnBothSides() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        _ = try f.cli(["contacts", "remove", "bob"], config: f.aliceConfig)
        let bobFingerprint = try f.cli(["id", "--fingerprint"], config: f.bobConfig)
        let alice = try f.listen()
        let bob = try f.request()
        XCTAssertTrue(bob.waitFor("alice has not added you as a contact. Read alice your fingerprint: \(bobFingerprint)"), bob.text)
        XCTAssertTrue(bob.waitFor("`remote-assist contacts add bob \(bobFingerprint)`, or runs `remote-assist listen --allow-new`"), bob.text)
        XCTAssertEqual(bob.exitStatus(), 4, bob.text)
        XCTAssertTrue(alice.waitFor("someone who is not one of your contacts asked for help from 127.0.0.1:"), alice.text)
        XCTAssertTrue(alice.waitFor("`remote-assist contacts add NAME \(bobFingerprint)`, or run `remote-assist listen --allow-new`"), alice.text)
        assertNoLibraryText(alice.text + bob.text)
        XCTAssertFalse(bob.text.contains("a viewer"), "the expert is named: \(bob.text)")
    }

    /// No terminal and no --allow-view: nobody could answer the consent question, so it does not start.
    func testShareWithNothingOnStandardInputRefusesToStartWithoutAllowView() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let share = try f.start(["share", "--port", "0", "--host", "127.0.0.1"], config: f.bobConfig, name: "bob", nullInput: true)
        XCTAssertEqual(share.exitStatus(), 1, share.text)
        XCTAssertTrue(share.text.contains("nobody can answer \"Allow NAME to see your screen?\": standard input is not a terminal"), share.text)
        XCTAssertTrue(share.text.contains("add --allow-view"), share.text)
        XCTAssertFalse(share.text.contains("one-time password"), "nothing was offered: \(share.text)")
        let request = try f.start(["request", "alice", "--display", f.xvfb.display], config: f.bobConfig, name: "bob", nullInput: true)
        XCTAssertEqual(request.exitStatus(), 1, request.text)
        XCTAssertTrue(request.text.contains("nobody can answer"), request.text)
        let listen = try f.start(["listen", "--port", "0"], config: f.aliceConfig, name: "alice", nullInput: true)
        XCTAssertEqual(listen.exitStatus(), 1, listen.text)
        XCTAssertTrue(listen.text.contains("nobody can answer a contact's request for help"), listen.text)
    }

    /// `share --allow-view </dev/null` (nohup, systemd) keeps serving, says chat input is off, and a
    /// viewer gets the session; SIGTERM ends it.
    func testShareWithNothingOnStandardInputKeepsServingWithAllowView() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let bobFingerprint = try f.cli(["id", "--fingerprint"], config: f.bobConfig)
        let share = try f.start(["share", "--port", "\(f.port)", "--host", "127.0.0.1", "--allow-view"], config: f.bobConfig,
                                name: "bob", nullInput: true)
        XCTAssertTrue(share.waitFor("chat input is off; Ctrl-C or `kill \(share.pid)` ends it"), share.text)
        usleep(1_500_000)
        XCTAssertTrue(share.isRunning, "share exited at once: \(share.text)")
        let view = try f.start(["view", "127.0.0.1:\(f.port)", "--fingerprint", bobFingerprint, "--snapshots", f.snapshots, "--rate", "10"],
                               config: f.aliceConfig, name: "alice")
        XCTAssertTrue(view.waitFor("viewing \"bob's desktop\""), view.text)
        XCTAssertTrue(try f.waitForLatestToMatchScreen())
        share.signal(SIGTERM)
        XCTAssertTrue(view.waitFor("session ended: bob ended the session (interrupted)"), view.text)
        XCTAssertEqual(share.exitStatus(), 0, share.text)
    }

    /// The expert's chat typed after accepting but before the requester's consent waits, and arrives.
    func testExpertChatTypedBeforeConsentIsDeliveredWhenTheSessionStarts() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let (alice, bob) = try f.untilConsentAsked()
        alice.type("hello, I am here early")
        XCTAssertTrue(alice.waitFor("(sent to bob when the session starts)"), alice.text)
        bob.type("y")
        XCTAssertTrue(bob.waitFor("<alice> hello, I am here early"), bob.text)
        XCTAssertFalse(alice.text.contains("nothing sent"), alice.text)
    }

    /// A request whose requester vanished while alice was asked is withdrawn: the prompt goes, and a
    /// late "y" accepts nothing. After a decline, the status names no one.
    func testAVanishedRequestIsWithdrawnAndADeclineLeavesNoStaleStatus() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let alice = try f.listen(["--json"])
        let bob = try f.request()
        XCTAssertTrue(alice.waitFor("\"kind\":\"accept_request\""), alice.text)
        bob.signal(SIGKILL)
        XCTAssertTrue(alice.waitFor("bob went away before you answered"), alice.text)
        alice.type("y")
        usleep(500_000)
        XCTAssertFalse(alice.text.contains("accepted bob"), alice.text)

        let again = try f.request()
        let deadline = Date().addingTimeInterval(20)
        while alice.text.components(separatedBy: "\"kind\":\"accept_request\"").count < 3 && Date() < deadline { usleep(50_000) }
        XCTAssertEqual(alice.text.components(separatedBy: "\"kind\":\"accept_request\"").count, 3, alice.text)
        alice.type("n")
        XCTAssertTrue(alice.waitFor("declined bob's request"), alice.text)
        XCTAssertEqual(again.exitStatus(), 4, again.text)
        let before = alice.text.count
        alice.type("/status")
        XCTAssertTrue(alice.waitFor("\"event\":\"status\""), alice.text)
        usleep(300_000)
        let status = String(alice.text.dropFirst(before))
        XCTAssertTrue(status.contains("\"peer\":\"no one yet\"") && status.contains("\"state\":\"waiting\""), status)
    }

    /// /help lists this side's commands only.
    func testHelpListsOnlyThisSidesCommands() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let alice = try f.listen()
        alice.type("/help")
        XCTAssertTrue(alice.waitFor("/snap"), alice.text)
        XCTAssertFalse(alice.text.contains("/pause"), alice.text)
        let share = try f.start(["share", "--port", "0", "--host", "127.0.0.1"], config: f.bobConfig, name: "bob")
        XCTAssertTrue(share.waitFor("one-time password"), share.text)
        share.type("/help")
        XCTAssertTrue(share.waitFor("/pause"), share.text)
        XCTAssertFalse(share.text.contains("/snap"), share.text)
    }

    /// Both said yes, then the screen cannot be captured: the expert hears why, in names, instead of
    /// "the connection closed".
    func testAScreenLostAfterBothSaidYesReachesTheExpertWithTheReason() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let (alice, bob) = try f.untilConsentAsked()
        f.xvfb.stop()
        bob.type("y")
        XCTAssertTrue(alice.waitFor("refused: bob's desktop cannot be captured"), alice.text)
        XCTAssertFalse(alice.text.contains("closed the connection"), alice.text)
        XCTAssertNotEqual(bob.exitStatus(), 0, bob.text)
    }

    /// carol asks while alice watches bob: carol is told alice is busy, and alice's status still names bob.
    func testABusyReplyLeavesTheStatusOnTheSessionBeingWatched() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let (carolConfig, carolFP) = try f.carol()
        _ = try f.cli(["contacts", "add", "carol", carolFP], config: f.aliceConfig)
        let (alice, _) = try f.startSession()
        let carol = try f.start(["request", "alice", "--display", f.xvfb.display], config: carolConfig, name: "carol")
        XCTAssertTrue(carol.waitFor("alice is busy in another session"), carol.text)
        XCTAssertTrue(alice.waitFor("while you were busy: told them so"), alice.text)
        let before = alice.text.count
        alice.type("/status")
        XCTAssertTrue(alice.waitFor("bob · viewing"), alice.text)
        usleep(300_000)
        XCTAssertFalse(String(alice.text.dropFirst(before)).contains("carol"), alice.text)
    }
}
