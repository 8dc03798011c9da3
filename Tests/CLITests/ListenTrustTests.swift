import Foundation
import Pixels
import TestSupport
import XCTest

/// `listen` against whoever reaches its port: a connection counts, and its events reach the session,
/// only once its certificate is verified and the expert accepted it; before that it is held to the
/// admission caps and a 10 s limit.
final class ListenTrustTests: XCTestCase {
    /// Connecting and closing during a live session neither ends it nor tells the requester anything.
    func testAConnectionThatComesAndGoesDoesNotEndTheSession() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let (alice, bob) = try f.startSession()
        for _ in 0..<5 {
            let stranger = try RawSocket(port: f.port)
            stranger.close()
        }
        let reset = try RawSocket(port: f.port)
        reset.reset()
        XCTAssertTrue(alice.waitFor("closed before it was verified"), alice.text)
        alice.type("still here")
        XCTAssertTrue(bob.waitFor("<alice> still here"), bob.text)
        XCTAssertFalse(bob.text.contains("session ended"), bob.text)
        XCTAssertFalse(alice.text.contains("session ended"), alice.text)
        XCTAssertTrue(try f.waitForLatestToMatchScreen())
        alice.type("/quit")
        XCTAssertEqual(alice.exitStatus(), 0, alice.text)
        XCTAssertEqual(bob.exitStatus(), 0, bob.text)
    }

    /// A silent connection made before the real request does not take the session: the expert's chat,
    /// /quit and the chat log belong to the requester who was accepted.
    func testASilentEarlierConnectionDoesNotTakeTheSession() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let alice = try f.listen()
        let silent = try RawSocket(port: f.port)
        defer { silent.close() }
        usleep(200_000)
        let bob = try f.request()
        XCTAssertTrue(alice.waitFor("asks for help. Accept? [y/N]"), alice.text)
        alice.type("y")
        XCTAssertTrue(bob.waitFor("to see your screen? [y/N]"), bob.text)
        bob.type("y")
        XCTAssertTrue(alice.waitFor("viewing \"bob's desktop\""), alice.text)
        alice.type("for bob only")
        XCTAssertTrue(bob.waitFor("<alice> for bob only"), bob.text)
        alice.type("/quit")
        XCTAssertTrue(bob.waitFor("session ended: alice ended the session"), bob.text)
        XCTAssertEqual(alice.exitStatus(), 0, alice.text)
        XCTAssertEqual(bob.exitStatus(), 0, bob.text)
        let chat = try String(contentsOfFile: f.snapshots + "/chat.log", encoding: .utf8)
        XCTAssertTrue(chat.contains("<alice> for bob only"), chat)
    }

    /// 60 idle connections during a live session: at most 4 from one address are even kept, each is
    /// closed within the 10 s limit, the descriptors come back, and the session goes on pixel-exact.
    func testIdleConnectionsAreCappedAndClosedWhileTheSessionGoesOn() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let (alice, bob) = try f.startSession()
        XCTAssertTrue(try f.waitForLatestToMatchScreen())
        usleep(500_000)
        let fdsBefore = try XCTUnwrap(ProcessFigures.openFileDescriptors(alice.pid))
        var idle: [RawSocket] = []
        for _ in 0..<60 { if let s = try? RawSocket(port: f.port) { idle.append(s) } }
        defer { idle.forEach { $0.close() } }
        usleep(500_000)
        let fdsDuring = try XCTUnwrap(ProcessFigures.openFileDescriptors(alice.pid))
        XCTAssertLessThanOrEqual(fdsDuring, fdsBefore + 4, "at most 4 unverified connections from one address are held")
        XCTAssertTrue(alice.waitFor("refused at once: too many connections waiting to authenticate from 127.0.0.1"), alice.text)

        let draw = try XCTUnwrap(XDrawing(displayName: f.xvfb.display))
        draw.fill(Rect(x: 10, y: 10, width: 200, height: 100), 0x3366CC)
        draw.sync()
        XCTAssertTrue(try f.waitForLatestToMatchScreen(), "the session goes on pixel-exact")
        alice.type("during the flood")
        XCTAssertTrue(bob.waitFor("<alice> during the flood"), bob.text)

        // The held ones are closed by the 10 s limit.
        let deadline = Date().addingTimeInterval(15)
        var fdsAfter = fdsDuring
        while Date() < deadline {
            fdsAfter = ProcessFigures.openFileDescriptors(alice.pid) ?? fdsAfter
            if fdsAfter <= fdsBefore { break }
            usleep(250_000)
        }
        XCTAssertLessThanOrEqual(fdsAfter, fdsBefore, "descriptors back after the handshake limit")
        XCTAssertTrue(alice.text.contains("closed before it was verified"), alice.text)
        XCTAssertFalse(bob.text.contains("session ended"), bob.text)
        alice.type("/quit")
        XCTAssertEqual(alice.exitStatus(), 0, alice.text)
        XCTAssertEqual(bob.exitStatus(), 0, bob.text)
    }
}
