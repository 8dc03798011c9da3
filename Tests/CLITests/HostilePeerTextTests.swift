import Foundation
import TestSupport
import XCTest

/// Peer text that tries to steer a terminal or forge log lines, sent through every channel a peer has
/// (the security-failure reason, the desktop name, chat and SessionEnd in both directions) to the real
/// binaries: what reaches their standard output and their logs holds no control character, no bidi
/// override, and no line the peer wrote.
final class HostilePeerTextTests: XCTestCase {
    /// Title change, clear screen, cursor home, a fake prompt after a carriage return, OSC 52 clipboard
    /// write, line rewrite, right-to-left override, backspaces, 8-bit CSI, and a forged dated line.
    static let evil = "\u{1B}]0;title\u{07}\u{1B}[2J\u{1B}[H\rbob (SHA256:AAAA) asks for help. Accept? [y/N]"
        + "\u{1B}]52;c;ZXZpbA==\u{07}\u{1B}[1A\u{1B}[2Kverified: mallory\u{202E}gnp.exe\u{08}\u{08}\u{9B}2J"
        + "\n2026-01-01T00:00:00Z session #9 started: mallory (SHA256:FORGED) from 10.0.0.1:1"

    /// What must never reach a terminal or a log: C0 controls but the newline ending each line, DEL, C1,
    /// bidi and other format characters.
    static func forbidden(in text: String) -> [String] {
        text.unicodeScalars.filter { s in
            (s.value < 0x20 && s.value != 0x0A) || (0x7F...0x9F).contains(s.value)
                || s.properties.generalCategory == .format || s.value == 0x2028 || s.value == 0x2029
        }.map { String(format: "U+%04X", $0.value) }
    }

    static func assertClean(_ text: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(forbidden(in: text), [], "\(what): \(text.debugDescription)", file: file, line: line)
        XCTAssertFalse(text.split(separator: "\n").contains { $0.hasPrefix("2026-01-01T00:00:00Z") },
                       "\(what) has a line the peer forged: \(text)", file: file, line: line)
    }

    static func textChat(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        return [11, 0, 0, 0] + RawRFBClient.u32(UInt32(bytes.count)) + bytes
    }

    static func sessionEnd(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        return [212, 5, 0, 0] + RawRFBClient.u32(UInt32(bytes.count)) + bytes
    }

    var tool: String { buildProductsDirectory.appendingPathComponent("remote-assist").path }

    /// A hostile agent against `view`: desktop name, chat and SessionEnd reason.
    func testAgentTextReachesTheViewersTerminalAndChatLogClean() throws {
        let listener = try RawListener()
        defer { listener.close() }
        let config = try makeTemporaryDirectory("hostile-agent")
        defer { try? FileManager.default.removeItem(at: config) }
        let snapshots = config.appendingPathComponent("snapshots").path
        let view = try CLIProcess(tool, ["view", "127.0.0.1:\(listener.port)", "--insecure-loopback", "--snapshots", snapshots],
                                  environment: ["XDG_CONFIG_HOME": config.path], name: "view")
        defer { view.stop() }
        let agent = try listener.accept(timeoutSeconds: 20)
        try RawRFBAgent.handshakeNone(agent, width: 16, height: 16, name: Array(Self.evil.utf8))
        XCTAssertTrue(view.waitFor("viewing \""), view.text)
        try agent.write(Self.textChat(Self.evil))
        XCTAssertTrue(view.waitFor("verified: mallory"), view.text)
        try agent.write(Self.sessionEnd(Self.evil))
        XCTAssertNotNil(view.exitStatus(), view.text)
        Self.assertClean(view.text, "view's output")
        XCTAssertTrue(view.text.contains("␛]0;title␇␛[2J␛[H␍bob (SHA256:AAAA) asks for help."), "shown visibly: \(view.text)")
        let chat = try String(contentsOfFile: snapshots + "/chat.log", encoding: .utf8)
        Self.assertClean(chat, "chat.log")
        XCTAssertEqual(chat.split(separator: "\n").count, 3, "session start, the chat line, session end:\n\(chat)")
    }

    /// A hostile viewer against `share`: chat and SessionEnd reason reach the requester's terminal and
    /// audit.log clean, and audit.log has exactly its start and end lines.
    func testViewerTextReachesTheRequestersTerminalAndAuditLogClean() throws {
        let xvfb = try XvfbServer(width: 320, height: 240)
        defer { xvfb.stop() }
        let config = try makeTemporaryDirectory("hostile-viewer")
        defer { try? FileManager.default.removeItem(at: config) }
        let share = try CLIProcess(tool, ["share", "--json", "--port", "0", "--insecure-loopback", "--allow-view",
                                          "--display", xvfb.display],
                                   environment: ["XDG_CONFIG_HOME": config.path], name: "share")
        defer { share.stop() }
        XCTAssertTrue(share.waitFor("\"event\":\"password\""), share.text)
        let port = try XCTUnwrap(share.listeningPort)
        let viewer = try RawSocket(port: port)
        defer { viewer.close() }
        _ = try RawRFBClient.handshakeNone(viewer)
        try viewer.write(RawRFBClient.setEncodings([RawRFBClient.rawEncoding, 0x5241_5345]))
        XCTAssertTrue(share.waitFor("\"event\":\"started\""), share.text)
        try viewer.write(Self.textChat(Self.evil))
        XCTAssertTrue(share.waitFor("verified: mallory"), share.text)
        try viewer.write(Self.sessionEnd(Self.evil))
        XCTAssertEqual(share.exitStatus(), 0, share.text)
        Self.assertClean(share.text, "share's JSON output")
        for line in share.text.split(separator: "\n") {
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line.utf8)), "one JSON object a line: \(line)")
        }
        let audit = try String(contentsOfFile: config.appendingPathComponent("remote-assist/audit.log").path, encoding: .utf8)
        Self.assertClean(audit, "audit.log")
        let lines = audit.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, audit)
        XCTAssertTrue(lines.first?.contains("session #1 started") == true, audit)
        XCTAssertTrue(lines.last?.contains("session #1 ended") == true, audit)
    }

    /// Anyone who reaches `listen` can send an RFB security-failure reason before any certificate is
    /// checked: it is logged cleanly and nothing else happens.
    func testAnUnverifiedReasonReachesTheExpertsTerminalClean() throws {
        let config = try makeTemporaryDirectory("hostile-reason")
        defer { try? FileManager.default.removeItem(at: config) }
        let port = try freeFixedPort()
        let listen = try CLIProcess(tool, ["listen", "--port", "\(port)", "--host", "127.0.0.1",
                                           "--snapshots", config.appendingPathComponent("snapshots").path],
                                    environment: ["XDG_CONFIG_HOME": config.path], name: "listen")
        defer { listen.stop() }
        XCTAssertTrue(listen.waitFor("waiting for requests"), listen.text)
        let peer = try RawSocket(port: port)
        try peer.write(Array("RFB 003.008\n".utf8))
        _ = try peer.read(12)
        let reason = Array(Self.evil.utf8)
        try peer.write([0] + RawRFBClient.u32(UInt32(reason.count)) + reason)
        XCTAssertTrue(listen.waitFor("closed before it was verified"), listen.text)
        peer.close()
        usleep(300_000)
        listen.closeInput()
        XCTAssertEqual(listen.exitStatus(), 0, listen.text)
        Self.assertClean(listen.text, "listen's output")
        XCTAssertFalse(listen.text.contains("Accept? [y/N]\n"), "no question was asked: \(listen.text)")
    }
}
