import Foundation
import TestSupport
import XCTest

/// On a shared machine the snapshots folder and the chat log stay ours: a folder others may write to
/// is refused, and a chat.log planted as a link to another file is never written through.
final class PrivateFilesTests: XCTestCase {
    private let tool = buildProductsDirectory.appendingPathComponent("remote-assist").path

    func testListenRefusesASnapshotsFolderOthersMayWriteTo() throws {
        let root = try makeTemporaryDirectory("private-files")
        defer { try? FileManager.default.removeItem(at: root) }
        let config = root.appendingPathComponent("config").path
        let made = try runProcess(tool, ["id", "--name", "alice"], environment: ["XDG_CONFIG_HOME": config])
        XCTAssertEqual(made.status, 0, made.stderr)
        let shots = root.appendingPathComponent("shots").path
        XCTAssertEqual(mkdir(shots, 0o700), 0)
        XCTAssertEqual(chmod(shots, 0o777), 0)

        let listen = try CLIProcess(tool, ["listen", "--port", "0", "--snapshots", shots],
                                    environment: ["XDG_CONFIG_HOME": config], name: "alice")
        defer { listen.stop() }
        let status = listen.exitStatus(timeout: 10)
        XCTAssertNotNil(status, "still running with a folder others may write to: \(listen.text)")
        XCTAssertNotEqual(status, 0, listen.text)
        XCTAssertTrue(listen.text.contains("the snapshots folder \(shots) is writable by other users (mode 0777): "
                                           + "choose another with --snapshots or run chmod 700 \(shots)"), listen.text)
        XCTAssertEqual(listen.text.split(separator: "\n").count, 1, "one line, no dump: \(listen.text)")
        XCTAssertFalse(listen.text.contains("PrivateFolderError"), listen.text)
        XCTAssertFalse(listen.text.contains("waiting for requests"), listen.text)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: shots), [])
    }

    /// The reproduced attack: another user planted chat.log as a link to a file of their choice.
    func testAChatLogPlantedAsALinkIsRefusedAndItsTargetUntouched() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        XCTAssertEqual(mkdir(f.snapshots, 0o700), 0)
        let victim = f.root.appendingPathComponent("victim").path
        XCTAssertTrue(FileManager.default.createFile(atPath: victim, contents: Data("precious\n".utf8)))
        XCTAssertEqual(symlink(victim, f.snapshots + "/chat.log"), 0)

        let (alice, bob) = try f.startSession()
        bob.type("a line for the transcript")
        XCTAssertTrue(alice.waitFor("<bob> a line for the transcript"), alice.text)
        XCTAssertTrue(alice.waitFor("\(f.snapshots)/chat.log is a symbolic link: refusing to write through it"), alice.text)
        alice.type("/quit")
        XCTAssertEqual(alice.exitStatus(), 0, alice.text)
        XCTAssertEqual(bob.exitStatus(), 0, bob.text)

        XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "precious\n")
        let kind = try FileManager.default.attributesOfItem(atPath: f.snapshots + "/chat.log")[.type] as? FileAttributeType
        XCTAssertEqual(kind, .typeSymbolicLink, "the planted link is left as it is")
    }
}
