import Agent
import Foundation
import RFBProtocol
import RFBTransport
import SessionModel
import XCTest

/// The session model's side of files: offers queued for /accept and /decline, peer names cleaned
/// before any notice or audit line, the audit log's record of each file, progress for the status line.
final class FileModelTests: XCTestCase {
    func testOffersAreQueuedCleanedAnsweredAndAudited() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("file-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let audit = folder.appendingPathComponent("audit.log").path
        let out = Outputs()
        let model = SessionModel(role: .sharing, localName: "bob", auditLog: audit, output: out.take)
        let alice = FakeControl()
        model.agentEvent(alice, .connected(remoteAddress: "127.0.0.1:4001"))
        model.agentEvent(alice, .viewerVerified("alice (SHA256:AAAA-ALICE)"))
        model.agentEvent(alice, .sessionStarted(viewer: "alice", width: 10, height: 10))

        let hash = [UInt8](repeating: 0xAB, count: 32)
        model.agentEvent(alice, .file(.offered(FileOffer(id: 1, name: "fix\u{1B}[2J\u{202E}.sh", size: 1_234_567, sha256: hash))))
        model.agentEvent(alice, .file(.offered(FileOffer(id: 2, name: "second.txt", size: 10, sha256: hash))))
        let offered = try XCTUnwrap(out.texts.first { $0.contains("offers") })
        XCTAssertEqual(offered, "alice offers fix␛[2J[U+202E].sh (1.2 MB, SHA256 abababababababab…): /accept or /decline")
        XCTAssertEqual(model.waitingOffers.map(\.id), [1, 2])

        XCTAssertTrue(model.acceptFile())
        XCTAssertEqual(alice.accepted, [1], "the oldest offer is accepted")
        XCTAssertTrue(model.declineFile(reason: nil))
        XCTAssertEqual(alice.declined.map(\.0), [2])
        XCTAssertEqual(alice.declined.first?.1, "bob declined")
        XCTAssertFalse(model.acceptFile(), "nothing left to accept")

        model.agentEvent(alice, .file(.progress(.receiving, id: 1, bytes: 600_000, size: 1_234_567)))
        let status = try XCTUnwrap(model.fileStatus)
        XCTAssertTrue(status.hasPrefix("receiving fix␛[2J[U+202E].sh 600 kB of 1.2 MB (48%)"), status)
        model.agentEvent(alice, .file(.saved(id: 1, path: "/home/bob/remote-assist-received/fix[2J.sh")))
        XCTAssertNil(model.fileStatus)

        let log = try String(contentsOfFile: audit, encoding: .utf8)
        let hex = String(repeating: "ab", count: 32)
        XCTAssertTrue(log.contains("file: alice offered fix␛[2J[U+202E].sh (1234567 bytes, SHA256 \(hex))"), log)
        XCTAssertTrue(log.contains("file: accepted fix␛[2J[U+202E].sh (1234567 bytes, SHA256 \(hex)) from alice"), log)
        XCTAssertTrue(log.contains("file: declined second.txt (10 bytes, SHA256 \(hex)) from alice: bob declined"), log)
        XCTAssertTrue(log.contains("file: received fix␛[2J[U+202E].sh (1234567 bytes, SHA256 \(hex)) from alice, SHA256 checked, saved as /home/bob/remote-assist-received/fix[2J.sh"), log)
        XCTAssertFalse(log.contains("\u{1B}") || log.contains("\u{202E}"), "nothing raw from the peer")
    }

    func testOurOffersAndTheirFate() throws {
        let out = Outputs()
        let model = SessionModel(role: .viewing, localName: "alice", output: out.take)
        let bob = FakeControl()
        model.viewerEvent(bob, .connected(remoteAddress: "127.0.0.1:5900"))
        model.viewerEvent(bob, .serverVerified("bob (SHA256:BBBB-BOB)"))
        model.viewerEvent(bob, .sessionStarted(name: "bob's desktop", width: 10, height: 10, encoding: "zrle"))
        let hash = [UInt8](repeating: 1, count: 32)
        model.viewerEvent(bob, .file(.offerSent(id: 1, name: "a.conf", size: 2000, sha256: hash)))
        model.viewerEvent(bob, .file(.accepted(id: 1)))
        model.viewerEvent(bob, .file(.delivered(id: 1)))
        model.viewerEvent(bob, .file(.offerSent(id: 2, name: "b.conf", size: 5, sha256: hash)))
        model.viewerEvent(bob, .file(.declined(id: 2, reason: "bob\u{7} declined")))
        model.viewerEvent(bob, .file(.offerSent(id: 3, name: "c.conf", size: 5, sha256: hash)))
        model.viewerEvent(bob, .file(.cancelled(.sending, id: 3, byPeer: true, reason: "bob cancelled")))
        let texts = out.texts
        XCTAssertTrue(texts.contains("bob accepted a.conf: sending"), "\(texts)")
        XCTAssertTrue(texts.contains("bob received a.conf (2 kB, SHA256 checked)"), "\(texts)")
        XCTAssertTrue(texts.contains("bob declined b.conf: bob␇ declined"), "\(texts)")
        XCTAssertTrue(texts.contains("c.conf to bob cancelled by bob: bob cancelled"), "\(texts)")
        XCTAssertTrue(model.files.isEmpty)
    }
}
