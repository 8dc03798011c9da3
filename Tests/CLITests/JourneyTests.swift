import Foundation
import PNGSnapshot
import Pixels
import TestSupport
import XCTest

/// The three journeys through the real binary: request → accept → consent → picture → chat → end.
final class JourneyTests: XCTestCase {
    func testWholeJourneyWithChatBothWaysAndQuitFromTheExpert() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let draw = try XCTUnwrap(XDrawing(displayName: f.xvfb.display))
        draw.fill(Rect(x: 0, y: 0, width: 800, height: 600), 0x102030)
        draw.text("bob needs help with this dialog", x: 40, y: 60, 0xFFFFFF)
        draw.sync()
        let (alice, bob) = try f.startSession()
        XCTAssertTrue(try f.waitForLatestToMatchScreen(), "latest.png must equal the screen")

        draw.fill(Rect(x: 100, y: 200, width: 300, height: 100), 0xC04040)
        draw.sync()
        XCTAssertTrue(try f.waitForLatestToMatchScreen(), "latest.png must follow the screen")

        alice.type("Grüß dich, bob — 你好 ✓")
        XCTAssertTrue(bob.waitFor("<alice> Grüß dich, bob — 你好 ✓"), bob.text)
        bob.type("merci alice, ça marche 👍")
        XCTAssertTrue(alice.waitFor("<bob> merci alice, ça marche 👍"), alice.text)

        alice.type("/snap")
        XCTAssertTrue(alice.waitFor("snapshot-0001.png"), alice.text)
        alice.type("/quit")
        XCTAssertTrue(bob.waitFor("session ended: alice ended the session"), bob.text)
        XCTAssertEqual(alice.exitStatus(), 0, alice.text)
        XCTAssertEqual(bob.exitStatus(), 0, bob.text)

        // The final picture and the complete transcript stay with the expert; the audit log with bob.
        XCTAssertEqual(try PNGCodec.read(f.snapshots + "/final.png"), try f.screen())
        let chat = try String(contentsOfFile: f.snapshots + "/chat.log", encoding: .utf8)
        XCTAssertTrue(chat.contains("<alice> Grüß dich, bob — 你好 ✓"), chat)
        XCTAssertTrue(chat.contains("<bob> merci alice, ça marche 👍"), chat)
        XCTAssertTrue(chat.contains("session ended: alice ended the session"), chat)
        let audit = try String(contentsOfFile: f.bobConfig + "/remote-assist/audit.log", encoding: .utf8)
        XCTAssertTrue(audit.contains("alice viewed the screen for"), audit)
    }

    /// The expert sees the requester's pointer: its image at its position, following it.
    func testTheExpertSeesTheRequestersPointer() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let draw = try XCTUnwrap(XDrawing(displayName: f.xvfb.display))
        draw.fill(Rect(x: 0, y: 0, width: 800, height: 600), 0xFFFFFF)
        draw.warpPointer(x: 100, y: 100)
        draw.sync()
        _ = try f.startSession()
        XCTAssertTrue(try f.waitForLatestToMatchScreen(), "the picture with the pointer at 100,100")
        let before = try PNGCodec.read(f.snapshots + "/latest.png")
        XCTAssertNotEqual(before.extract(Rect(x: 95, y: 95, width: 20, height: 20)),
                          [UInt32](repeating: 0xFFFFFF, count: 400), "the pointer is drawn there")
        draw.warpPointer(x: 600, y: 400)
        draw.sync()
        XCTAssertTrue(try f.waitForLatestToMatchScreen(), "the pointer followed to 600,400 (no DAMAGE involved)")
        let after = try PNGCodec.read(f.snapshots + "/latest.png")
        XCTAssertEqual(after.extract(Rect(x: 95, y: 95, width: 20, height: 20)), [UInt32](repeating: 0xFFFFFF, count: 400))
    }

    func testConsentRefusedTheExpertIsToldAndSeesNothing() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let alice = try f.listen()
        let bob = try f.request()
        XCTAssertTrue(alice.waitFor("Accept? [y/N]"), alice.text)
        alice.type("y")
        XCTAssertTrue(bob.waitFor("to see your screen? [y/N]"), bob.text)
        bob.type("n")
        XCTAssertTrue(alice.waitFor("refused: bob declined"), alice.text)
        XCTAssertFalse(alice.text.contains("viewing \""), "no ServerInit may reach the expert")
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.snapshots + "/latest.png"), "no pixel may reach the expert")
        XCTAssertNotEqual(bob.exitStatus(), nil)
        alice.type("/quit")
        XCTAssertEqual(alice.exitStatus(), 0)
    }

    func testConsentTimeoutIsARefusal() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let alice = try f.listen()
        let bob = try f.request(["--consent-timeout", "2"])
        XCTAssertTrue(alice.waitFor("Accept? [y/N]"), alice.text)
        alice.type("y")
        XCTAssertTrue(bob.waitFor("no answer within 2 s: not allowed"), bob.text)
        XCTAssertTrue(alice.waitFor("refused: bob did not answer within 2 s"), alice.text)
        XCTAssertFalse(alice.text.contains("declined"), alice.text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.snapshots + "/latest.png"))
    }

    func testExpertDecliningEndsTheRequesterCleanly() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let alice = try f.listen()
        let bob = try f.request()
        XCTAssertTrue(alice.waitFor("Accept? [y/N]"), alice.text)
        alice.type("n")
        XCTAssertTrue(bob.waitFor("alice declined the request"), bob.text)
        XCTAssertFalse(bob.text.contains("to see your screen?"), "bob must not be asked after alice declined")
        XCTAssertNotNil(bob.exitStatus())
    }

    func testBusyExpertRefusesASecondRequesterWithAReason() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let (alice, _) = try f.startSession()
        let second = try f.request()
        XCTAssertTrue(second.waitFor("alice is busy in another session"), second.text)
        XCTAssertNotNil(second.exitStatus())
        XCTAssertFalse(alice.text.contains("session ended"), "the running session goes on")
    }

    func testNonContactIsRefused() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        // carol is not alice's contact, but knows alice's address and fingerprint.
        let carolConfig = try f.carol().config
        let alice = try f.listen()
        let carol = try f.start(["request", "alice", "--display", f.xvfb.display], config: carolConfig, name: "carol")
        XCTAssertNotNil(carol.exitStatus())
        XCTAssertFalse(alice.text.contains("Accept?"), "a non-contact is never offered: \(alice.text)")
        XCTAssertFalse(carol.text.contains("to see your screen?"), carol.text)
    }

    func testPauseStopsThePictureAndResumeRestartsIt() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let draw = try XCTUnwrap(XDrawing(displayName: f.xvfb.display))
        let (alice, bob) = try f.startSession()
        XCTAssertTrue(try f.waitForLatestToMatchScreen())
        bob.type("/pause")
        XCTAssertTrue(bob.waitFor("sharing paused (the viewer keeps the last picture); /resume to continue"), bob.text)
        XCTAssertTrue(alice.waitFor("sharing paused"), alice.text)
        Thread.sleep(forTimeInterval: 0.5)
        let before = try PNGCodec.read(f.snapshots + "/latest.png")
        draw.fill(Rect(x: 0, y: 0, width: 400, height: 300), 0x00FF00)
        draw.sync()
        Thread.sleep(forTimeInterval: 2)
        XCTAssertEqual(try PNGCodec.read(f.snapshots + "/latest.png"), before, "no update while paused")
        bob.type("/resume")
        XCTAssertTrue(alice.waitFor("sharing resumed"), alice.text)
        XCTAssertTrue(try f.waitForLatestToMatchScreen(), "updates restart after /resume")
    }
}
