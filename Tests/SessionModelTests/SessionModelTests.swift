import Agent
import Foundation
import Pixels
import RFBProtocol
import RFBTransport
import SessionModel
import Synchronization
import Viewer
import XCTest

/// A connection as the model sees it, recording what the model asked of it.
final class FakeControl: SessionControl, @unchecked Sendable {
    let lock = NSLock()
    var chats: [String] = []
    var paused: Bool?
    var ended: String?
    var connectionID: ObjectIdentifier { ObjectIdentifier(self) }
    func sendChat(_ text: String) { lock.lock(); chats.append(text); lock.unlock() }
    func setPaused(_ paused: Bool) { lock.lock(); self.paused = paused; lock.unlock() }
    func end(reason: SessionEnd.Reason, text: String) { lock.lock(); ended = text; lock.unlock() }
    func statistics() async -> SessionStatistics { SessionStatistics() }
    var offered: [String] = []
    var accepted: [UInt32] = []
    var declined: [(UInt32, String)] = []
    func offerFile(_ file: OutgoingFile) { lock.lock(); offered.append(file.name); lock.unlock(); file.close() }
    func acceptFile(_ id: UInt32) { lock.lock(); accepted.append(id); lock.unlock() }
    func declineFile(_ id: UInt32, reason: String) { lock.lock(); declined.append((id, reason)); lock.unlock() }
    func cancelFiles(reason: String) async -> Int { 0 }
}

/// Collects the model's output.
final class Outputs: @unchecked Sendable {
    let lock = NSLock()
    var notices: [SessionNotice] = []
    var questions: [Question?] = []
    var ended: [(SessionRecord, Bool, Int)] = []
    func take(_ output: SessionOutput) {
        lock.lock(); defer { lock.unlock() }
        switch output {
        case .notice(let n): notices.append(n)
        case .question(let q): questions.append(q)
        case .ended(let r, let live, let left): ended.append((r, live, left))
        }
    }
    var texts: [String] { lock.lock(); defer { lock.unlock() }; return notices.map(\.text) }
}

final class SessionModelTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("session-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    private func sharingModel(_ out: Outputs) -> SessionModel {
        SessionModel(role: .sharing, localName: "bob", auditLog: folder.appendingPathComponent("audit.log").path, output: out.take)
    }

    private func connect(_ model: SessionModel, _ control: FakeControl, name: String, port: Int) {
        model.agentEvent(control, .connected(remoteAddress: "127.0.0.1:\(port)"))
        model.agentEvent(control, .viewerVerified("\(name) (SHA256:AAAA-\(name.uppercased()))"))
    }

    /// Two viewers ask within seconds: both questions are kept, shown one at a time in order, each
    /// with name, fingerprint and address; one "y" answers only the first.
    func testConsentQuestionsAreQueuedNotReplaced() throws {
        let out = Outputs()
        let model = sharingModel(out)
        let alice = FakeControl(), carol = FakeControl()
        connect(model, alice, name: "alice", port: 4001)
        connect(model, carol, name: "carol", port: 4002)
        let decisions = Mutex<[String: Bool]>([:])
        model.askConsent(ConsentRequest(viewer: "alice (SHA256:AAAA-ALICE)", remoteAddress: "127.0.0.1:4001"), timeoutSeconds: 60, decide: ConsentReply { ok, _ in
            decisions.withLock { $0["alice"] = ok }
        })
        model.askConsent(ConsentRequest(viewer: "carol (SHA256:AAAA-CAROL)", remoteAddress: "127.0.0.1:4002"), timeoutSeconds: 60, decide: ConsentReply { ok, _ in
            decisions.withLock { $0["carol"] = ok }
        })
        let first = try XCTUnwrap(model.currentQuestion)
        XCTAssertEqual(first.text, "Allow alice (SHA256:AAAA-ALICE) from 127.0.0.1:4001 to see your screen? [y/N]")
        XCTAssertEqual(model.waitingQuestions.count, 2)
        XCTAssertTrue(model.answerCurrent("y"))
        XCTAssertEqual(decisions.withLock { $0 }, ["alice": true])
        let second = try XCTUnwrap(model.currentQuestion)
        XCTAssertEqual(second.who, "carol")
        XCTAssertEqual(second.address, "127.0.0.1:4002")
        XCTAssertNotEqual(first.id, second.id)
        XCTAssertTrue(model.answerCurrent("n"))
        XCTAssertEqual(decisions.withLock { $0 }, ["alice": true, "carol": false])
        XCTAssertNil(model.currentQuestion)
        XCTAssertFalse(model.answerCurrent("y"), "no question left to answer")
    }

    /// A question whose connection went away is withdrawn (refused), and the next one is shown.
    func testQuestionOfAClosedConnectionIsWithdrawn() throws {
        let out = Outputs()
        let model = sharingModel(out)
        let alice = FakeControl(), carol = FakeControl()
        connect(model, alice, name: "alice", port: 4001)
        connect(model, carol, name: "carol", port: 4002)
        let decisions = Mutex<[String: Bool]>([:])
        model.askConsent(ConsentRequest(viewer: "alice", remoteAddress: "127.0.0.1:4001"), timeoutSeconds: 60, decide: ConsentReply { ok, _ in decisions.withLock { $0["alice"] = ok } })
        model.askConsent(ConsentRequest(viewer: "carol", remoteAddress: "127.0.0.1:4002"), timeoutSeconds: 60, decide: ConsentReply { ok, _ in decisions.withLock { $0["carol"] = ok } })
        model.agentEvent(alice, .connectionClosed(remoteAddress: "127.0.0.1:4001", reason: "the viewer left"))
        XCTAssertEqual(decisions.withLock { $0 }, ["alice": false])
        XCTAssertEqual(model.currentQuestion?.who, "carol")
        XCTAssertTrue(out.texts.contains { $0.contains("alice went away before you answered") }, "\(out.texts)")
    }

    func testQuestionTimesOutOnItsOwn() throws {
        let out = Outputs()
        let model = sharingModel(out)
        let alice = FakeControl()
        connect(model, alice, name: "alice", port: 4001)
        let done = expectation(description: "timed out")
        model.askConsent(ConsentRequest(viewer: "alice", remoteAddress: "127.0.0.1:4001"), timeoutSeconds: 1, decide: ConsentReply { ok, _ in
            XCTAssertFalse(ok)
            done.fulfill()
        })
        wait(for: [done], timeout: 5)
        XCTAssertNil(model.currentQuestion)
        XCTAssertTrue(out.texts.contains("no answer within 1 s: not allowed"), "\(out.texts)")
    }

    /// Two live viewers: chat is labelled by session, the audit log has a start and an end line for
    /// each, with the verified fingerprint and address; nothing a peer wrote makes a line of its own.
    func testTwoViewersKeepTheirOwnRecords() throws {
        let out = Outputs()
        let model = sharingModel(out)
        let alice = FakeControl(), carol = FakeControl()
        connect(model, alice, name: "alice", port: 4001)
        model.agentEvent(alice, .sessionStarted(viewer: "alice", width: 800, height: 600))
        connect(model, carol, name: "carol", port: 4002)
        model.agentEvent(carol, .sessionStarted(viewer: "carol", width: 800, height: 600))
        model.agentEvent(alice, .chat("hi from alice"))
        model.agentEvent(carol, .chat("hi from carol\n2026-01-01T00:00:00Z session #9 started: mallory"))
        XCTAssertTrue(out.texts.contains("<alice #1> hi from alice"), "\(out.texts)")
        XCTAssertTrue(out.texts.contains("<carol #2> hi from carol␊2026-01-01T00:00:00Z session #9 started: mallory"), "\(out.texts)")
        XCTAssertEqual(model.sendChat("hello both"), .sent)
        XCTAssertEqual(alice.chats, ["hello both"])
        XCTAssertEqual(carol.chats, ["hello both"])
        model.agentEvent(alice, .ended(byViewer: true, reason: "alice ended the session\n2026-01-01T00:00:00Z forged"))
        model.agentEvent(carol, .ended(byViewer: false, reason: "bob ended the session"))
        let audit = try String(contentsOf: folder.appendingPathComponent("audit.log"), encoding: .utf8)
        let lines = audit.split(separator: "\n")
        XCTAssertEqual(lines.count, 4, audit)
        XCTAssertTrue(lines[0].contains("session #1 started: alice (SHA256:AAAA-ALICE) from 127.0.0.1:4001"), audit)
        XCTAssertTrue(lines[1].contains("session #2 started: carol (SHA256:AAAA-CAROL) from 127.0.0.1:4002"), audit)
        XCTAssertTrue(lines[2].contains("session #1 ended: alice viewed the screen for 0 s (SHA256:AAAA-ALICE, from 127.0.0.1:4001)"), audit)
        XCTAssertTrue(lines[2].contains("ended by alice: alice ended the session␊2026-01-01T00:00:00Z forged"), audit)
        XCTAssertTrue(lines[3].contains("session #2 ended: carol") && lines[3].contains("ended by you"), audit)
        XCTAssertEqual(out.ended.map { $0.2 }, [1, 0], "live sessions left after each end")
    }

    /// A stock viewer cannot show chat: the requester is told, by name.
    func testAViewerThatCannotChatIsNamed() throws {
        let out = Outputs()
        let model = sharingModel(out)
        let alice = FakeControl()
        connect(model, alice, name: "alice", port: 4001)
        model.agentEvent(alice, .sessionStarted(viewer: "alice", width: 8, height: 8))
        model.agentEvent(alice, .chatUnsupported)
        XCTAssertTrue(out.texts.contains { $0.hasPrefix("alice uses a VNC viewer that cannot show chat") }, "\(out.texts)")
    }

    func testPauseReachesEveryLiveSessionAndLaterOnes() throws {
        let out = Outputs()
        let model = sharingModel(out)
        let alice = FakeControl(), carol = FakeControl()
        connect(model, alice, name: "alice", port: 4001)
        model.agentEvent(alice, .sessionStarted(viewer: "alice", width: 8, height: 8))
        model.setPaused(true)
        XCTAssertEqual(alice.paused, true)
        connect(model, carol, name: "carol", port: 4002)
        model.agentEvent(carol, .sessionStarted(viewer: "carol", width: 8, height: 8))
        XCTAssertEqual(carol.paused, true, "a viewer that starts while paused is paused too")
        XCTAssertTrue(model.live.allSatisfy(\.paused))
    }

    /// Viewing side: the record and status.json follow the session — the start with the verified peer,
    /// the pause notice the sharing side sends (read back from its chat line), a resize, the end; a
    /// connection that never went live writes nothing.
    func testViewingSideWritesTheStatusFileFromTheSessionAndThePauseNotices() throws {
        let path = folder.appendingPathComponent("status.json").path
        let status = StatusFile(path: path)
        let model = SessionModel(role: .viewing, localName: "alice", status: status, output: Outputs().take)
        let refused = FakeControl()
        model.viewerEvent(refused, .connected(remoteAddress: "127.0.0.1:5001"))
        model.viewerEvent(refused, .refused("declined by the requester"))
        model.viewerEvent(refused, .ended(byAgent: true, reason: "declined by the requester"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "nothing written for a connection that never went live")

        // What bob's side sends when he types /pause and /resume.
        let sharing = sharingModel(Outputs())
        let viewer = FakeControl()
        connect(sharing, viewer, name: "alice", port: 4001)
        sharing.agentEvent(viewer, .sessionStarted(viewer: "alice", width: 8, height: 8))
        sharing.setPaused(true)
        sharing.setPaused(false)
        let notices = viewer.chats
        XCTAssertEqual(notices.count, 2)

        let bob = FakeControl()
        model.viewerEvent(bob, .connected(remoteAddress: "127.0.0.1:5000"))
        model.viewerEvent(bob, .serverVerified("bob (SHA256:AAAA-BOB)"))
        model.viewerEvent(bob, .sessionStarted(name: "bob's desktop", width: 640, height: 480, encoding: "raw"))
        var expected = StatusFile.Status()
        expected.connected = true
        expected.peer = "bob"
        expected.fingerprint = "SHA256:AAAA-BOB"
        expected.width = 640
        expected.height = 480
        XCTAssertEqual(status.status, expected)
        model.viewerEvent(bob, .chat(notices[0]))
        XCTAssertEqual(status.status.paused, true)
        XCTAssertEqual(model.live.first?.paused, true)
        model.viewerEvent(bob, .chat("(sharing paused by somebody, half a notice"))
        model.viewerEvent(bob, .chat(notices[1]))
        XCTAssertEqual(status.status.paused, false)
        model.viewerEvent(bob, .resized(width: 800, height: 600))
        XCTAssertEqual(status.status.width, 800)
        model.viewerEvent(bob, .ended(byAgent: true, reason: "bob ended the session"))
        XCTAssertEqual(status.status.connected, false)
        let written = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        XCTAssertEqual(written["connected"] as? Bool, false)
        XCTAssertEqual(written["peer"] as? String, "bob")
        XCTAssertEqual(written["height"] as? Int, 600)
    }

    /// The expert's RequestAnswer text and the refusal reasons reach the requester cleaned.
    func testRequestAnswerTextIsCleaned() throws {
        let out = Outputs()
        let model = sharingModel(out)
        let alice = FakeControl()
        connect(model, alice, name: "alice", port: 4001)
        model.agentEvent(alice, .requestAnswered(refusal: "no\r\u{1B}[2Kallowed: capture starts now\u{9B}"))
        model.agentEvent(alice, .connectionClosed(remoteAddress: "127.0.0.1:4001", reason: "x\u{1B}]52;c;AAAA\u{07}"))
        XCTAssertTrue(out.texts.contains("no␍␛[2Kallowed: capture starts now[U+009B]"), "\(out.texts)")
        XCTAssertTrue(out.texts.contains { $0.hasSuffix("closed: x␛]52;c;AAAA␇") }, "\(out.texts)")
        XCTAssertEqual(out.ended.count, 1)
        XCTAssertEqual(out.ended.first?.1, false, "never live")
    }

    /// Every peer-supplied string is cleaned before a notice is made of it.
    func testPeerTextIsCleanedInEveryNotice() throws {
        let out = Outputs()
        let model = SessionModel(role: .viewing, localName: "alice", chatLog: folder.appendingPathComponent("chat.log").path, output: out.take)
        let bob = FakeControl()
        let evil = "\u{1B}]0;owned\u{07}\u{1B}[2J\rbob (SHA256:X) asks for help. Accept? [y/N]\u{202E}\n"
        model.viewerEvent(bob, .connected(remoteAddress: "127.0.0.1:5000"))
        model.viewerEvent(bob, .refused(evil))
        model.viewerEvent(bob, .sessionStarted(name: evil, width: 8, height: 8, encoding: "raw"))
        model.viewerEvent(bob, .chat(evil))
        model.viewerEvent(bob, .ended(byAgent: true, reason: evil))
        for notice in out.notices {
            for scalar in notice.text.unicodeScalars { XCTAssertFalse(scalar.value < 0x20 || scalar.value == 0x202E, notice.text.debugDescription) }
            for case let value as String in notice.fields.values {
                for scalar in value.unicodeScalars { XCTAssertFalse(scalar.value < 0x20 || scalar.value == 0x202E, value.debugDescription) }
            }
        }
        let log = try String(contentsOf: folder.appendingPathComponent("chat.log"), encoding: .utf8)
        XCTAssertEqual(log.filter { $0 == "\n" }.count, 3, "started, chat, ended: one line each\n\(log)")
        XCTAssertFalse(log.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x0D })
    }
}
