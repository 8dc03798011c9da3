import Foundation
import PNGSnapshot
import Pixels
import TestSupport
import Viewer
import XCTest
import Synchronization

final class SnapshotWriterTests: XCTestCase {
    /// latest.png is written at most `maxPerSecond` times a second, the newest picture wins, and the
    /// final picture is written at the end.
    func testRateLimitNewestWinsAndFinal() throws {
        let dir = try makeTemporaryDirectory("snapshots")
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try SnapshotWriter(directory: dir.path, maxPerSecond: 2)
        var last = Framebuffer(width: 64, height: 48)
        let start = Date()
        for i in 0..<50 {
            last.fill(Rect(x: 0, y: 0, width: 64, height: 48), with: UInt32(i * 5000))
            writer.offer(last)
            usleep(20_000)
        }
        try writer.finish(last)
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertLessThanOrEqual(writer.framesWritten, Int(elapsed * 2) + 1, "at most 2 writes a second")
        XCTAssertGreaterThanOrEqual(writer.framesWritten, 1)
        XCTAssertEqual(try PNGCodec.read(dir.path + "/latest.png"), last)
        XCTAssertEqual(try PNGCodec.read(dir.path + "/final.png"), last)
    }

    /// When the folder can no longer be written, the failure is reported once and the last good
    /// picture stays.
    func testWriteFailureIsReportedAndTheLastGoodPictureStays() throws {
        let root = try makeTemporaryDirectory("snapshots")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("shots").path
        let problems = Mutex<[String]>([])
        let writer = try SnapshotWriter(directory: dir, maxPerSecond: 100) { p in problems.withLock { $0.append(p) } }
        let good = Framebuffer(width: 8, height: 8, fill: 0x123456)
        writer.offer(good)
        try writer.finish(good)
        // The folder goes away under the writer (a file takes its place): every write fails now.
        let latest = try Data(contentsOf: URL(fileURLWithPath: dir + "/latest.png"))
        try FileManager.default.removeItem(atPath: dir)
        _ = FileManager.default.createFile(atPath: dir, contents: Data())
        writer.offer(Framebuffer(width: 8, height: 8, fill: 0xFF0000))
        writer.offer(Framebuffer(width: 8, height: 8, fill: 0x00FF00))
        let deadline = Date().addingTimeInterval(5)
        while problems.withLock({ $0.isEmpty }) && Date() < deadline { usleep(10_000) }
        XCTAssertEqual(problems.withLock { $0.count }, 1, "reported once: \(problems.withLock { $0 })")
        XCTAssertTrue(problems.withLock { $0.first ?? "" }.contains("the last good picture stays"))
        XCTAssertFalse(latest.isEmpty)
    }

    /// Pictures of a desktop are private: the new folder is 0700 and every PNG 0600, even with umask 0.
    func testPicturesAre0600AndANewFolder0700WhateverTheUmask() throws {
        let root = try makeTemporaryDirectory("snapshots")
        defer { try? FileManager.default.removeItem(at: root) }
        let old = umask(0)
        defer { umask(old) }
        let dir = root.appendingPathComponent("new/shots").path
        let writer = try SnapshotWriter(directory: dir, maxPerSecond: 100)
        let picture = Framebuffer(width: 8, height: 8, fill: 0x123456)
        writer.offer(picture)
        let numbered = try writer.snapshot(picture)
        try writer.finish(picture)
        func mode(_ path: String) -> Int {
            var st = stat()
            return stat(path, &st) == 0 ? Int(st.st_mode) & 0o7777 : -1
        }
        XCTAssertEqual(mode(dir), 0o700)
        XCTAssertEqual(mode(root.appendingPathComponent("new").path), 0o700)
        for path in [dir + "/latest.png", dir + "/final.png", numbered] { XCTAssertEqual(mode(path), 0o600, path) }
    }

    /// A folder others may write to is refused before anything is written there.
    func testAFolderOthersMayWriteToIsRefused() throws {
        let root = try makeTemporaryDirectory("snapshots")
        defer { try? FileManager.default.removeItem(at: root) }
        XCTAssertEqual(chmod(root.path, 0o777), 0)
        XCTAssertThrowsError(try SnapshotWriter(directory: root.path)) { error in
            XCTAssertTrue("\(error)".contains("is writable by other users (mode 0777)"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), [])
    }
}
