import Foundation
import PNGSnapshot
import Pixels
import TestSupport
import XCTest

/// Faults under a running session, with the real `remote-assist` binaries: each is detected and
/// reported in one clear line, both sides end as after any other end of a session (status 0), and the
/// expert keeps what it had (the last good latest.png, the complete chat log).
final class FaultTests: XCTestCase {
    private func count(_ fragment: String, in text: String) -> Int { text.components(separatedBy: fragment).count - 1 }

    /// The requester's X server goes away mid-session (killed): the agent says so in one line, the
    /// expert is told why, and keeps the last picture it got as final.png.
    func testXServerGoingAwayEndsTheSessionOnBothSidesWithOneLine() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let (alice, bob) = try f.startSession()
        XCTAssertTrue(try f.waitForLatestToMatchScreen())
        alice.type("before the X server went away")
        XCTAssertTrue(bob.waitFor("<alice> before the X server went away"), bob.text)
        let lastGood = try PNGCodec.read(f.snapshots + "/latest.png")
        let display = f.xvfb.display
        f.xvfb.stop()
        let lost = "the connection to X display '\(display)' was lost (the X server went away)"
        XCTAssertTrue(bob.waitFor("session ended: \(lost)"), bob.text)
        XCTAssertTrue(alice.waitFor("session with bob ended: bob's desktop can no longer be captured: \(lost)"), alice.text)
        XCTAssertEqual(bob.exitStatus(), 0, bob.text)
        XCTAssertEqual(alice.exitStatus(), 0, alice.text)
        XCTAssertEqual(count("was lost", in: bob.text), 1, "one line: \(bob.text)")
        XCTAssertEqual(count("was lost", in: alice.text), 1, "one line: \(alice.text)")
        XCTAssertEqual(try PNGCodec.read(f.snapshots + "/final.png"), lastGood)
        XCTAssertEqual(try PNGCodec.read(f.snapshots + "/latest.png"), lastGood)
        let chat = try String(contentsOfFile: f.snapshots + "/chat.log", encoding: .utf8)
        XCTAssertTrue(chat.contains("<alice> before the X server went away"), chat)
        XCTAssertTrue(chat.contains("-- session ended: bob's desktop can no longer be captured"), chat)
    }

    /// The snapshot folder's disk fills up (a 4 MiB tmpfs, filled): the expert says so once, keeps
    /// watching and chatting, leaves no temporary or half-written file, keeps the last good latest.png
    /// byte for byte, and writes pictures again once there is room.
    func testDiskFullKeepsTheLastGoodPictureAndNoHalfWrittenFile() throws {
        guard getuid() == 0 else { return XCTFail("this test mounts a small tmpfs and needs root") }
        let f = try JourneyFixture()
        defer { f.tearDown() }
        try mountSmallDisk(at: f.snapshots)
        defer { _ = try? runProcess("/bin/umount", ["-l", f.snapshots]) }
        let draw = try XCTUnwrap(XDrawing(displayName: f.xvfb.display))
        let (alice, bob) = try f.startSession()
        XCTAssertTrue(try f.waitForLatestToMatchScreen())
        bob.type("before the disk filled")
        XCTAssertTrue(alice.waitFor("<bob> before the disk filled"), alice.text)
        let goodBytes = try Data(contentsOf: URL(fileURLWithPath: f.snapshots + "/latest.png"))
        let good = try PNGCodec.read(f.snapshots + "/latest.png")

        // Fill the file system to the last byte.
        let filler = f.snapshots + "/filler"
        let fd = open(filler, O_WRONLY | O_CREAT, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let chunk = [UInt8](repeating: 0xAB, count: 4096)
        var full = false
        for size in [4096, 1] {
            while true {
                let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, size) }
                if n < size { full = n < 0 && errno == ENOSPC; break }
            }
        }
        close(fd)
        XCTAssertTrue(full, "the tmpfs did not fill up")

        for i in 0..<3 {
            draw.fill(Rect(x: 50 + 60 * i, y: 40, width: 300, height: 200), 0x00A0FF ^ UInt32(i * 0x101010))
            draw.sync()
            Thread.sleep(forTimeInterval: 0.5)
        }
        XCTAssertTrue(alice.waitFor("latest.png: No space left on device; the last good picture stays"), alice.text)
        XCTAssertEqual(count("latest.png: No space left on device", in: alice.text), 1, "reported once: \(alice.text)")
        XCTAssertLessThanOrEqual(count("status.json: No space left on device", in: alice.text), 1, "reported once: \(alice.text)")
        let names = try FileManager.default.contentsOfDirectory(atPath: f.snapshots)
        XCTAssertFalse(names.contains { $0.contains(".tmp-") }, "temporary files left: \(names)")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: f.snapshots + "/latest.png")), goodBytes)
        XCTAssertEqual(try PNGCodec.read(f.snapshots + "/latest.png"), good, "the last good picture decodes")

        // The session goes on: chat still flows both ways.
        alice.type("still here with a full disk")
        XCTAssertTrue(bob.waitFor("<alice> still here with a full disk"), bob.text)

        // Room again: the picture catches up.
        try FileManager.default.removeItem(atPath: filler)
        draw.fill(Rect(x: 400, y: 300, width: 200, height: 100), 0xFF00FF)
        draw.sync()
        XCTAssertTrue(try f.waitForLatestToMatchScreen(), "latest.png is written again once there is room")
        alice.type("/quit")
        XCTAssertEqual(alice.exitStatus(), 0, alice.text)
        XCTAssertEqual(bob.exitStatus(), 0, bob.text)

        // The chat log holds whole lines only, the first one among them.
        let chat = try String(contentsOfFile: f.snapshots + "/chat.log", encoding: .utf8)
        XCTAssertTrue(chat.hasSuffix("\n"), chat)
        XCTAssertTrue(chat.contains("<bob> before the disk filled\n"), chat)
        for line in chat.split(separator: "\n") { XCTAssertTrue(line.hasPrefix("20"), "half a line: \(line)") }
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: f.snapshots).contains { $0.contains(".tmp-") })
    }

    /// The final picture cannot be written (full disk): the expert says so, and does not claim it exists.
    func testDiskFullAtTheEndIsReportedAndNoFinalPictureClaimed() throws {
        guard getuid() == 0 else { return XCTFail("this test mounts a small tmpfs and needs root") }
        let f = try JourneyFixture()
        defer { f.tearDown() }
        try mountSmallDisk(at: f.snapshots)
        defer { _ = try? runProcess("/bin/umount", ["-l", f.snapshots]) }
        let (alice, bob) = try f.startSession()
        XCTAssertTrue(try f.waitForLatestToMatchScreen())
        let goodBytes = try Data(contentsOf: URL(fileURLWithPath: f.snapshots + "/latest.png"))
        let filler = f.snapshots + "/filler"
        let fd = open(filler, O_WRONLY | O_CREAT, 0o600)
        let chunk = [UInt8](repeating: 0xAB, count: 4096)
        for size in [4096, 1] { while chunk.withUnsafeBytes({ write(fd, $0.baseAddress, size) }) == size {} }
        close(fd)
        bob.type("/quit")
        XCTAssertTrue(alice.waitFor("final.png: No space left on device"), alice.text)
        XCTAssertEqual(alice.exitStatus(), 0, alice.text)
        XCTAssertEqual(bob.exitStatus(), 0, bob.text)
        XCTAssertTrue(alice.text.contains("session ended: bob ended the session"), alice.text)
        XCTAssertFalse(alice.text.contains("last picture in"), alice.text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.snapshots + "/final.png"))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: f.snapshots + "/latest.png")), goodBytes)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: f.snapshots).contains { $0.contains(".tmp-") })
    }

    /// The connection is reset in the middle (a relay between viewer and agent closes both sockets with
    /// SO_LINGER 0: no FIN, no TLS close_notify): both sides say so in one line and exit 0.
    func testAnAbruptResetWithoutCloseNotifyIsReportedOnBothSides() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let bobFingerprint = try f.cli(["id", "--fingerprint"], config: f.bobConfig)
        let share = try f.start(["share", "--port", "\(f.port)", "--host", "127.0.0.1", "--allow-view", "--display", f.xvfb.display],
                                config: f.bobConfig, name: "bob")
        XCTAssertTrue(share.waitFor("one-time password"), share.text)
        let relay = try TCPRelay(targetPort: f.port)
        let view = try f.start(["view", "127.0.0.1:\(relay.port)", "--fingerprint", bobFingerprint, "--snapshots", f.snapshots,
                                "--rate", "10"], config: f.aliceConfig, name: "alice")
        XCTAssertTrue(view.waitFor("viewing \"bob's desktop\""), view.text)
        XCTAssertTrue(share.waitFor("is now viewing your screen"), share.text)
        XCTAssertTrue(try f.waitForLatestToMatchScreen())
        view.type("before the cut")
        XCTAssertTrue(share.waitFor("<alice> before the cut"), share.text)
        relay.cut()
        XCTAssertTrue(view.waitFor("session with bob ended: the connection was reset by bob"), view.text)
        XCTAssertTrue(share.waitFor("session with alice ended: the connection was reset by alice"), share.text)
        XCTAssertEqual(view.exitStatus(), 0, view.text)
        XCTAssertEqual(share.exitStatus(), 0, share.text)
        XCTAssertEqual(count("ended: the connection was reset", in: view.text), 1, view.text)
        XCTAssertEqual(count("ended: the connection was reset", in: share.text), 1, share.text)
        XCTAssertTrue(FileManager.default.fileExists(atPath: f.snapshots + "/final.png"))
        let chat = try String(contentsOfFile: f.snapshots + "/chat.log", encoding: .utf8)
        XCTAssertTrue(chat.contains("<alice> before the cut"), chat)
    }

    /// A 4 MiB tmpfs over `path` (created if needed), for disk-full cases; unmount with `umount -l`.
    /// Mode 0700: a snapshots folder others may write to is refused (tmpfs roots are 1777 by default).
    private func mountSmallDisk(at path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        XCTAssertEqual(try runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", path]).status, 0)
    }
}
