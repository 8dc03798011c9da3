import Foundation
import PNGSnapshot
import Pixels
import TestSupport
import XCTest

final class SnapshotCommandTests: XCTestCase {
    private var tool: String { buildProductsDirectory.appendingPathComponent("remote-assist").path }

    func testSnapshotWritesThePNGOfTheScreen() throws {
        let server = try XvfbServer(width: 640, height: 480, extraArguments: ["-retro"])
        defer { server.stop() }
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("shot.png").path
        for extra in [[], ["--no-shm"]] {
            let result = try runProcess(tool, ["snapshot", "--display", server.display, "--output", out] + extra)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stdout.contains("640x480"), result.stdout)
            let fb = try PNGCodec.read(out)
            XCTAssertEqual(fb.width, 640)
            XCTAssertEqual(fb.height, 480)
            // A fresh Xvfb started with -retro shows the root weave: black and white pixels only, both present.
            let colours = Set(fb.pixels)
            XCTAssertEqual(colours, [0x000000, 0xFFFFFF])
        }
    }

    func testBadDisplayExitsNonZeroWithAClearMessage() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("shot.png").path
        let result = try runProcess(tool, ["snapshot", "--display", ":4711", "--output", out])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("cannot open X display ':4711'"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testUnwritableOutputExitsNonZeroWithAClearMessage() throws {
        let server = try XvfbServer(width: 320, height: 200)
        defer { server.stop() }
        let result = try runProcess(tool, ["snapshot", "--display", server.display, "--output", "/nonexistent-dir/x.png"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("cannot write /nonexistent-dir/x.png"), result.stderr)
    }

    func testBadOptionsAreRefused() throws {
        let result = try runProcess(tool, ["snapshot", "--level", "12"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("--level must be 0 to 9"), result.stderr)
    }
}
