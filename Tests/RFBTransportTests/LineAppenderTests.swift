import Foundation
import RFBTransport
import XCTest

/// chat.log and audit.log: ours, regular, private; a planted link, FIFO or someone else's file is refused.
final class LineAppenderTests: XCTestCase {
    func testANewLogIsCreated0600WhateverTheUmask() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let old = umask(0)
        defer { umask(old) }
        XCTAssertNil(LineAppender.append("first", to: temp.file("chat.log")))
        XCTAssertNil(LineAppender.append("second", to: temp.file("chat.log")))
        XCTAssertEqual(try modeOf(temp.file("chat.log")), 0o600)
        XCTAssertEqual(try readText(temp.file("chat.log")), "first\nsecond\n")
    }

    func testAnExistingLogReadableByOthersIsMadePrivate() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try temp.write("audit.log", "earlier\n", mode: 0o664)
        XCTAssertNil(LineAppender.append("later", to: temp.file("audit.log")))
        XCTAssertEqual(try modeOf(temp.file("audit.log")), 0o600)
        XCTAssertEqual(try readText(temp.file("audit.log")), "earlier\nlater\n")
    }

    /// The reproduced attack: chat.log is a link to a file of the planter's choice.
    func testASymbolicLinkIsRefusedAndItsTargetNeverTouched() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try temp.write("victim", "precious\n", mode: 0o644)
        XCTAssertEqual(symlink(temp.file("victim"), temp.file("chat.log")), 0)
        let problem = LineAppender.append("a chat line", to: temp.file("chat.log"))
        XCTAssertEqual(problem, "\(temp.file("chat.log")) is a symbolic link: refusing to write through it")
        XCTAssertEqual(try readText(temp.file("victim")), "precious\n")
        XCTAssertEqual(try modeOf(temp.file("victim")), 0o644)
    }

    func testADanglingSymbolicLinkDoesNotCreateItsTarget() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        XCTAssertEqual(symlink(temp.file("planted"), temp.file("chat.log")), 0)
        let problem = LineAppender.append("a chat line", to: temp.file("chat.log"))
        XCTAssertEqual(problem, "\(temp.file("chat.log")) is a symbolic link: refusing to write through it")
        XCTAssertFalse(FileManager.default.fileExists(atPath: temp.file("planted")))
    }

    /// A FIFO with nobody reading it would block a plain open for writing forever.
    func testAFIFOIsRefusedWithoutHanging() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        XCTAssertEqual(mkfifo(temp.file("chat.log"), 0o600), 0)
        let start = Date()
        let problem = LineAppender.append("a chat line", to: temp.file("chat.log"))
        XCTAssertEqual(problem, "\(temp.file("chat.log")) is a FIFO, not a regular file: refusing to write to it")
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    }

    func testSomeoneElsesFileIsRefusedAndLeftAsItWas() throws {
        guard geteuid() == 0 else { return XCTFail("this test gives a file to another user and needs root") }
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try temp.write("chat.log", "theirs\n", mode: 0o644)
        XCTAssertEqual(chown(temp.file("chat.log"), 65534, 65534), 0)
        let problem = LineAppender.append("a chat line", to: temp.file("chat.log"))
        XCTAssertEqual(problem, "\(temp.file("chat.log")) belongs to another user (uid 65534): refusing to write to it")
        XCTAssertEqual(try readText(temp.file("chat.log")), "theirs\n")
        XCTAssertEqual(try modeOf(temp.file("chat.log")), 0o644)
    }

    func testAFolderInTheWayIsRefused() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        XCTAssertEqual(mkdir(temp.file("chat.log"), 0o700), 0)
        let problem = LineAppender.append("a chat line", to: temp.file("chat.log"))
        XCTAssertEqual(problem, "\(temp.file("chat.log")) is a folder, not a regular file: refusing to write to it")
    }
}
