import Foundation
import TestSupport
import Viewer
import Synchronization
import XCTest

/// `status.json` beside the pictures: one JSON object replaced atomically, mode 0600, never written
/// through a planted link, and at most once a second while pictures arrive.
final class StatusFileTests: XCTestCase {
    private func read(_ path: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        return try XCTUnwrap(object as? [String: Any], "not a JSON object")
    }

    private func mode(_ path: String) -> Int {
        var st = stat()
        return lstat(path, &st) == 0 ? Int(st.st_mode) & 0o7777 : -1
    }

    func testTheSessionIsWrittenAsJSONMode0600WithNoTemporaryFileLeft() throws {
        let dir = try makeTemporaryDirectory("status")
        defer { try? FileManager.default.removeItem(at: dir) }
        let old = umask(0)
        defer { umask(old) }
        let path = dir.appendingPathComponent("status.json").path
        let file = StatusFile(path: path)
        file.update { s in
            s.connected = true
            s.peer = "bob\u{1B}[31m"
            s.fingerprint = "SHA256:ABCD-EFGH"
            s.width = 800
            s.height = 600
        }
        var json = try read(path)
        XCTAssertEqual(json["connected"] as? Bool, true)
        XCTAssertEqual(json["paused"] as? Bool, false)
        XCTAssertTrue(json["last_update"] is NSNull, "no picture yet: null, not left out")
        XCTAssertEqual(json["peer"] as? String, "bob␛[31m", "the peer's name is cleaned")
        XCTAssertEqual(json["fingerprint"] as? String, "SHA256:ABCD-EFGH")
        XCTAssertEqual(json["width"] as? Int, 800)
        XCTAssertEqual(json["height"] as? Int, 600)
        let updated = try XCTUnwrap(json["updated"] as? String)
        XCTAssertNotNil(try? Date(updated, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)), updated)
        XCTAssertEqual(mode(path), 0o600)

        let pictureTime = Date(timeIntervalSince1970: 1_700_000_000.25)
        file.pictureWritten(at: pictureTime)
        file.update { $0.paused = true }
        json = try read(path)
        XCTAssertEqual(json["paused"] as? Bool, true)
        XCTAssertEqual(json["last_update"] as? String, "2023-11-14T22:13:20.250Z")
        file.update { $0.connected = false }
        XCTAssertEqual(try read(path)["connected"] as? Bool, false)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["status.json"],
                       "only the file itself: no temporary file left")
    }

    /// A link planted under the name (pointing at a file of the user's) is replaced by the status file,
    /// never followed: its target stays byte for byte.
    func testAPlantedLinkIsReplacedNotFollowed() throws {
        let dir = try makeTemporaryDirectory("status")
        defer { try? FileManager.default.removeItem(at: dir) }
        let victim = dir.appendingPathComponent("victim").path
        XCTAssertTrue(FileManager.default.createFile(atPath: victim, contents: Data("precious".utf8), attributes: [.posixPermissions: 0o644]))
        let path = dir.appendingPathComponent("status.json").path
        XCTAssertEqual(symlink(victim, path), 0)
        let file = StatusFile(path: path)
        file.update { $0.connected = true }
        XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "precious")
        XCTAssertEqual(mode(victim), 0o644)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual(attributes[.type] as? FileAttributeType, .typeRegular, "the link itself was replaced")
        XCTAssertEqual(mode(path), 0o600)
        XCTAssertEqual(try read(path)["connected"] as? Bool, true)
    }

    /// When the file cannot be written the failure is reported once and the previous file stays.
    func testAFailedWriteIsReportedOnceAndThePreviousFileStays() throws {
        let root = try makeTemporaryDirectory("status")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("shots")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false)
        let problems = Recorded()
        let file = StatusFile(path: dir.appendingPathComponent("status.json").path) { problems.append($0) }
        file.update { $0.connected = true }
        // The folder becomes a file: every write fails now.
        try FileManager.default.removeItem(at: dir)
        XCTAssertTrue(FileManager.default.createFile(atPath: dir.path, contents: Data()))
        file.update { $0.paused = true }
        file.update { $0.paused = false }
        XCTAssertEqual(problems.all.count, 1, "\(problems.all)")
        XCTAssertTrue(problems.all.first?.contains("the previous status.json stays") ?? false, "\(problems.all)")
    }

    /// Pictures every 20 ms for 1.5 s: status.json is written at most once a second for them, and the
    /// last picture's time reaches the file once the interval is over.
    func testPicturesAreWrittenAtMostOnceASecond() throws {
        let dir = try makeTemporaryDirectory("status")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("status.json").path
        let file = StatusFile(path: path)
        file.update { $0.connected = true }
        let started = Date()
        var last = Date()
        while Date().timeIntervalSince(started) < 1.5 {
            last = Date()
            file.pictureWritten(at: last)
            usleep(20_000)
        }
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertLessThanOrEqual(file.writes, 1 + Int(elapsed) + 1, "one for the update, then at most one a second")
        let deadline = Date().addingTimeInterval(3)
        let expected = StatusFileTests.iso8601(last)
        while (try? read(path)["last_update"] as? String) != expected && Date() < deadline { usleep(20_000) }
        XCTAssertEqual(try read(path)["last_update"] as? String, expected, "the last picture's time is written after the interval")
    }

    static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

private final class Recorded: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}
