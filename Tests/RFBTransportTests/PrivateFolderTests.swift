import Foundation
import RFBTransport
import XCTest

/// The snapshots folder: created 0700, or refused when others could write to it or it is not ours.
final class PrivateFolderTests: XCTestCase {
    private func refusal(_ path: String) -> PrivateFolderError? {
        do {
            try PrivateFolder.prepare(path, purpose: "the snapshots folder")
            return nil
        } catch {
            return error as? PrivateFolderError
        }
    }

    /// The absolute path without links (the temporary folder may be reached through one).
    private func resolved(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    func testANewFolderAndItsNewParentsAre0700WhateverTheUmask() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let old = umask(0)
        defer { umask(old) }
        let real = try PrivateFolder.prepare(temp.file("a/b/shots"), purpose: "the snapshots folder")
        XCTAssertEqual(real, resolved(temp.file("a/b/shots")))
        for path in ["a", "a/b", "a/b/shots"] { XCTAssertEqual(try modeOf(temp.file(path)), 0o700, path) }
    }

    func testAPrivateFolderIsAcceptedAsItIs() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        XCTAssertEqual(mkdir(temp.file("shots"), 0o700), 0)
        try setMode(temp.file("shots"), 0o750)
        XCTAssertNil(refusal(temp.file("shots")))
        XCTAssertEqual(try modeOf(temp.file("shots")), 0o750)
    }

    func testAFolderOthersMayWriteToIsRefused() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let shots = temp.file("shots")
        XCTAssertEqual(mkdir(shots, 0o700), 0)
        try setMode(shots, 0o777)
        let error = try XCTUnwrap(refusal(shots))
        XCTAssertEqual(error.problem, .writableByOthers(mode: 0o777))
        XCTAssertEqual(error.suggesting("--snapshots").description,
                       "the snapshots folder \(shots) is writable by other users (mode 0777): "
                       + "choose another with --snapshots or run chmod 700 \(shots)")
        try setMode(shots, 0o1777)
        XCTAssertEqual(refusal(shots)?.problem, .writableByOthers(mode: 0o1777))
        try setMode(shots, 0o770)
        XCTAssertEqual(refusal(shots)?.problem, .writableByOthers(mode: 0o770))
        XCTAssertEqual(try modeOf(shots), 0o770, "a refused folder is left alone")
    }

    func testSomeoneElsesFolderIsRefused() throws {
        guard geteuid() == 0 else { return XCTFail("this test gives a folder to another user and needs root") }
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let shots = temp.file("shots")
        XCTAssertEqual(mkdir(shots, 0o700), 0)
        XCTAssertEqual(chown(shots, 65534, 65534), 0)
        let error = try XCTUnwrap(refusal(shots))
        XCTAssertEqual(error.problem, .ownedByAnotherUser(uid: 65534))
        XCTAssertEqual(error.description, "the snapshots folder \(shots) belongs to another user (uid 65534): choose another folder")
    }

    func testAFileIsNotAFolder() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try temp.write("shots", "not a folder")
        XCTAssertEqual(refusal(temp.file("shots"))?.problem, .notAFolder)
    }

    /// A link is resolved: the real folder must pass the same checks, and messages name it.
    func testALinkedFolderIsCheckedWhereItLeads() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        XCTAssertEqual(mkdir(temp.file("open"), 0o700), 0)
        let open = resolved(temp.file("open")), linked = temp.file("shots")
        try setMode(open, 0o777)
        XCTAssertEqual(symlink(open, linked), 0)
        let error = try XCTUnwrap(refusal(linked))
        XCTAssertEqual(error.problem, .writableByOthers(mode: 0o777))
        XCTAssertEqual(error.description, "the snapshots folder \(linked) (a link to \(open)) is writable by other users "
                       + "(mode 0777): choose another folder or run chmod 700 \(open)")
        try setMode(open, 0o700)
        XCTAssertEqual(try PrivateFolder.prepare(linked, purpose: "the snapshots folder"), open)
    }

    func testAFolderThatCannotBeCreatedSaysWhy() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try temp.write("file", "x")
        let error = try XCTUnwrap(refusal(temp.file("file/shots")))
        XCTAssertTrue(error.description.hasPrefix("cannot use the snapshots folder \(temp.file("file/shots")): "), error.description)
    }
}
