import Foundation
import TestSupport
import XCTest

/// Issue #13 item 5: `chat NAME` speaks ordinary XMPP chat, so an independent client (Debian's
/// slixmpp, standing in for Gajim or Conversations) can talk with it both ways; what it sends is
/// cleaned before the terminal sees it.
final class XMPPChatTests: XCTestCase {
    func testSlixmppAndOurChatTalkBothWays() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"),
              (try? runProcess("/usr/bin/python3", ["-c", "import slixmpp"]))?.status == 0 else {
            throw XCTSkip("python3-slixmpp is not installed (.ci/setup installs it)")
        }
        let server = try ProsodyServer()
        defer { server.stop() }
        try server.register("alice", password: "alice-secret")
        try server.register("bob", password: "bob-secret")
        let root = try makeTemporaryDirectory("xmpp-chat")
        defer { try? FileManager.default.removeItem(at: root) }
        let bob = root.appendingPathComponent("bob").path
        let tool = buildProductsDirectory.appendingPathComponent("remote-assist").path
        func run(_ arguments: [String], stdin: String? = nil) throws -> ProcessResult {
            let r = try runProcess(tool, arguments, environment: ["XDG_CONFIG_HOME": bob], stdin: stdin)
            XCTAssertEqual(r.status, 0, "\(arguments): \(r.stdout) \(r.stderr)")
            return r
        }
        _ = try run(["id", "--name", "bob"])
        _ = try run(["account", "bob@\(server.host)", "--server", "127.0.0.1:\(server.c2sPort)", "--ca", server.caFile], stdin: "bob-secret\n")
        // alice is pinned out of band with her address (slixmpp has no remote-assist fingerprint to pair with).
        let someone = try runProcess(tool, ["id", "--fingerprint", "--name", "alice"], environment: ["XDG_CONFIG_HOME": root.appendingPathComponent("alice").path])
        _ = try run(["contacts", "add", "alice", someone.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "--jid", "alice@\(server.host)", "--wait", "0"])

        let chat = try CLIProcess(tool, ["chat", "alice"], environment: ["XDG_CONFIG_HOME": bob], name: "bob")
        defer { chat.stop() }
        XCTAssertTrue(chat.waitFor("chatting with alice"), chat.text)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/slixmpp-chat.py").path
        let slix = Process()
        slix.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        slix.arguments = [script, "alice@\(server.host)", "alice-secret", "127.0.0.1", "\(server.c2sPort)", server.caFile,
                          "bob@\(server.host)", "hello from slixmpp \u{9B}31mred\u{202E}"]
        let out = Pipe()
        slix.standardOutput = out
        slix.standardError = FileHandle.nullDevice
        try slix.run()
        XCTAssertTrue(chat.waitFor("<alice> hello from slixmpp"), chat.text)
        XCTAssertFalse(chat.text.contains("\u{9B}") || chat.text.contains("\u{202E}"),
                       "an 8-bit CSI and a bidi override never reach the terminal (XML cannot carry ESC itself)")
        chat.type("hi alice, from remote-assist")
        let deadline = Date().addingTimeInterval(30)
        while slix.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if slix.isRunning { slix.terminate() }
        let said = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(said.contains("got: hi alice, from remote-assist"), said)
        chat.type("/quit")
        XCTAssertEqual(chat.exitStatus(), 0, chat.text)
    }
}
