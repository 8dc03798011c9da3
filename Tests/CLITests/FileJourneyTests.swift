import Foundation
import TestSupport
import XCTest

/// Files through the real `remote-assist` binaries (listen / request, real TLS): bob sends a log that
/// alice accepts, alice sends a script that bob declines and then one he accepts; both see the offers,
/// the progress and the outcome; bob's audit log records each file; nothing else is on disk.
final class FileJourneyTests: XCTestCase {
    func testSendAcceptDeclineThroughTheTerminal() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let bobDownloads = f.root.appendingPathComponent("bob-received").path
        let (alice, bob) = try f.startSession(requestExtra: ["--downloads", bobDownloads])

        // bob sends a log; alice accepts.
        let log = f.root.appendingPathComponent("report.log").path
        let logBytes = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) })
        try logBytes.write(to: URL(fileURLWithPath: log))
        bob.type("/send \(log)")
        XCTAssertTrue(bob.waitFor("offered report.log (300 kB, SHA256 "), bob.text)
        XCTAssertTrue(alice.waitFor("bob offers report.log (300 kB, SHA256 "), alice.text)
        XCTAssertTrue(alice.text.contains("…): /accept or /decline"), alice.text)
        alice.type("/accept")
        XCTAssertTrue(alice.waitFor("received report.log from bob (300 kB, SHA256 checked): "), alice.text)
        XCTAssertTrue(bob.waitFor("alice received report.log (300 kB, SHA256 checked)"), bob.text)
        XCTAssertTrue(alice.text.contains("receiving report.log: 300 kB of 300 kB (100%)"), "a progress line: \(alice.text)")
        let stored = f.snapshots + "/received/report.log"
        XCTAssertEqual(FileManager.default.contents(atPath: stored), logBytes, "byte-identical in alice's downloads")

        // alice sends a script; bob declines it with a reason, then accepts a second offer.
        let script = f.root.appendingPathComponent("fix.sh").path
        try Data("#!/bin/sh\necho fixed\n".utf8).write(to: URL(fileURLWithPath: script))
        alice.type("/send \(script)")
        XCTAssertTrue(bob.waitFor("alice offers fix.sh (21 bytes, SHA256 "), bob.text)
        bob.type("/decline not now, thanks")
        XCTAssertTrue(alice.waitFor("bob declined fix.sh: not now, thanks"), alice.text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: bobDownloads), "nothing made for a declined file")
        alice.type("/send \(script)")
        let deadline = Date().addingTimeInterval(20)
        while bob.text.components(separatedBy: "alice offers fix.sh").count < 3, Date() < deadline { usleep(50_000) }
        XCTAssertEqual(bob.text.components(separatedBy: "alice offers fix.sh").count, 3, "the second offer: \(bob.text)")
        bob.type("/accept")
        XCTAssertTrue(bob.waitFor("received fix.sh from alice (21 bytes, SHA256 checked): "), bob.text)
        XCTAssertEqual(FileManager.default.contents(atPath: bobDownloads + "/fix.sh"), Data("#!/bin/sh\necho fixed\n".utf8))
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: bobDownloads)[.posixPermissions] as? Int)
        XCTAssertEqual(mode, 0o700, "the downloads folder is private")
        bob.type("/cancel")
        XCTAssertTrue(bob.waitFor("no file is being sent or received"), bob.text)

        bob.type("/quit")
        XCTAssertEqual(bob.exitStatus(), 0, bob.text)
        XCTAssertEqual(alice.exitStatus(), 0, alice.text)

        // bob's audit log: each file with name, size, hash and what became of it.
        let audit = try String(contentsOfFile: f.bobConfig + "/remote-assist/audit.log", encoding: .utf8)
        let logHash = try XCTUnwrap(bob.text.range(of: "SHA256 ").map { String(bob.text[$0.upperBound...].prefix(16)) })
        XCTAssertTrue(audit.contains("file: offered report.log (300000 bytes, SHA256 \(logHash)"), audit)
        XCTAssertTrue(audit.contains("file: alice accepted report.log (300000 bytes"), audit)
        XCTAssertTrue(audit.contains("file: sent report.log (300000 bytes, SHA256 \(logHash)"), audit)
        XCTAssertTrue(audit.contains("to alice: received, SHA256 checked"), audit)
        XCTAssertTrue(audit.contains("file: declined fix.sh (21 bytes, SHA256 "), audit)
        XCTAssertTrue(audit.contains("from alice: not now, thanks"), audit)
        XCTAssertTrue(audit.contains("file: accepted fix.sh (21 bytes"), audit)
        XCTAssertTrue(audit.contains("file: received fix.sh (21 bytes"), audit)
        // alice's folder holds the pictures, the chat log and the one file: no temporary file anywhere.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: f.snapshots + "/received"), ["report.log"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: bobDownloads), ["fix.sh"])
    }

    /// --max-file-size declines larger offers without asking (the sender hears why); a size that is not
    /// one, and a downloads folder others may write to, are refused at start.
    func testLimitsFromTheCommandLine() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let bad = try runProcess(f.tool, ["listen", "--port", "\(f.port)", "--max-file-size", "banana"], environment: f.env(f.aliceConfig))
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--max-file-size banana: give bytes, or a number with K, M or G"), bad.stderr)
        let open = f.root.appendingPathComponent("open").path
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: true)
        chmod(open, 0o777)
        let shared = try runProcess(f.tool, ["listen", "--port", "\(f.port)", "--snapshots", f.snapshots, "--downloads", open],
                                    environment: f.env(f.aliceConfig))
        XCTAssertNotEqual(shared.status, 0)
        XCTAssertTrue(shared.stderr.contains("is writable by other users (mode 0777)") && shared.stderr.contains("--downloads"), shared.stderr)

        let (alice, bob) = try f.startSession(listenExtra: ["--max-file-size", "100K"])
        let log = f.root.appendingPathComponent("big.log").path
        try Data(repeating: 0x41, count: 300_000).write(to: URL(fileURLWithPath: log))
        bob.type("/send \(log)")
        XCTAssertTrue(bob.waitFor("alice declined big.log: the file is 300 kB, larger than the limit of 102.4 kB"), bob.text)
        XCTAssertTrue(alice.waitFor("bob offered big.log (300 kB): declined without asking: the file is 300 kB, larger than the limit of 102.4 kB"), alice.text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.snapshots + "/received"), "nothing made for a declined file")
        bob.type("/quit")
        XCTAssertEqual(bob.exitStatus(), 0, bob.text)
    }
}
