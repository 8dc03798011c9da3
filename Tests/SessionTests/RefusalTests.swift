import Agent
import Foundation
import NIOCore
import NIOPosix
import RFBProtocol
import TestSupport
import Viewer
import XCTest

/// Refusals over real TLS on 127.0.0.1: an unknown viewer, an unknown agent, a requester who says no,
/// and one who does not answer. In every case the viewer gets no ServerInit and no pixel, and the agent
/// never opens the screen.
final class RefusalTests: XCTestCase {
    private func isSessionStarted(_ e: ViewerEvent) -> Bool { if case .sessionStarted = e { return true }; return false }
    private func isEnded(_ e: ViewerEvent) -> Bool { if case .ended = e { return true }; return false }
    private func isFrame(_ e: ViewerEvent) -> Bool { if case .frame = e { return true }; return false }

    /// What must hold whenever a viewer was refused.
    private func assertNothingShown(_ fixture: SessionFixture, _ viewer: ViewerClient, consentAsked: Bool,
                                    file: StaticString = #filePath, line: UInt = #line) async throws {
        try await fixture.waitFor("the viewer's connection to end", timeout: 20) { fixture.viewerEvents.all.contains(where: isEnded) }
        let viewerEvents = fixture.viewerEvents.all, agentEvents = fixture.agentEvents.all
        XCTAssertFalse(viewer.channel.isActive, "the connection is still open", file: file, line: line)
        XCTAssertFalse(viewerEvents.contains(where: isSessionStarted), "the viewer got a ServerInit: \(viewerEvents)", file: file, line: line)
        XCTAssertFalse(viewerEvents.contains(where: isFrame), "the viewer got pixels: \(viewerEvents)", file: file, line: line)
        let picture = try await viewer.framebuffer()
        XCTAssertNil(picture, "the viewer holds a picture", file: file, line: line)
        XCTAssertFalse(agentEvents.contains { if case .sessionStarted = $0 { return true }; return false },
                       "the agent started a session: \(agentEvents)", file: file, line: line)
        XCTAssertEqual(agentEvents.contains { if case .consentAsked = $0 { return true }; return false }, consentAsked,
                       "consent asked: \(agentEvents)", file: file, line: line)
        XCTAssertTrue(fixture.screensOpened.all.isEmpty, "the agent opened the screen", file: file, line: line)
    }

    func testUnknownViewerIsRefusedByTheAgent() async throws {
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let asked = EventLog<ConsentRequest>()
        let agent = try await fixture.startAgent(trustViewer: false, consent: { request, decide in asked.append(request); decide(true) })
        let viewer = try await fixture.connectViewer(port: agent.localPort, encodings: [.raw])
        try await assertNothingShown(fixture, viewer, consentAsked: false)
        XCTAssertTrue(asked.all.isEmpty, "the requester was asked about an unknown viewer")
        let agentEvents = fixture.agentEvents.all
        XCTAssertTrue(agentEvents.contains { if case .authenticationFailed(let why) = $0 { return why.contains("is not one of your contacts") }; return false },
                      "the agent did not report the failed TLS authentication: \(agentEvents)")
        XCTAssertFalse(agentEvents.contains { if case .viewerVerified = $0 { return true }; return false }, "\(agentEvents)")
        await agent.close()
    }

    func testUnknownAgentIsRefusedByTheViewer() async throws {
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let asked = EventLog<ConsentRequest>()
        let agent = try await fixture.startAgent(consent: { request, decide in asked.append(request); decide(true) })
        let viewer = try await fixture.connectViewer(port: agent.localPort, encodings: [.raw], trustAgent: false)
        try await assertNothingShown(fixture, viewer, consentAsked: false)
        XCTAssertTrue(asked.all.isEmpty, "the requester was asked although the viewer refused the agent")
        let viewerEvents = fixture.viewerEvents.all
        XCTAssertFalse(viewerEvents.contains { if case .serverVerified = $0 { return true }; return false }, "\(viewerEvents)")
        XCTAssertTrue(viewerEvents.contains { if case .ended(_, let why) = $0 { return why.contains("is not one of your contacts") }; return false },
                      "the viewer did not say the agent is not trusted: \(viewerEvents)")
        await agent.close()
    }

    func testRefusedConsentIsDeclinedByTheRequester() async throws {
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let agent = try await fixture.startAgent(consent: { _, decide in decide(false) })
        let viewer = try await fixture.connectViewer(port: agent.localPort, encodings: [.raw])
        try await assertNothingShown(fixture, viewer, consentAsked: true)
        let viewerEvents = fixture.viewerEvents.all
        XCTAssertTrue(viewerEvents.contains(.refused("declined by the requester")), "\(viewerEvents)")
        XCTAssertTrue(viewerEvents.contains { if case .serverVerified = $0 { return true }; return false }, "\(viewerEvents)")
        XCTAssertTrue(fixture.agentEvents.all.contains(.consentRefused("declined by the requester")), "\(fixture.agentEvents.all)")
        await agent.close()
    }

    /// The agent library leaves the time limit to its consent policy; the CLI's prompt has one
    /// (`--consent-timeout`). `share` runs as a real process whose standard input stays open and silent.
    func testUnansweredConsentIsRefusedAfterTheTimeout() async throws {
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let binary = buildProductsDirectory.appendingPathComponent("remote-assist").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            XCTFail("\(binary) is missing: run swift build --build-tests first")
            return
        }
        let config = try makeTemporaryDirectory("share-config")
        defer { try? FileManager.default.removeItem(at: config) }
        let outputPath = config.appendingPathComponent("share.out").path
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let share = Process()
        share.executableURL = URL(fileURLWithPath: binary)
        share.arguments = ["share", "--insecure-loopback", "--port", "0", "--display", fixture.xvfb.display,
                           "--consent-timeout", "2", "--json", "--config-dir", config.path, "--name", "bob"]
        let silentInput = Pipe()   // kept open and never written: no answer, and no end of input
        share.standardInput = silentInput
        share.standardOutput = FileHandle(forWritingAtPath: outputPath)
        share.standardError = FileHandle(forWritingAtPath: config.appendingPathComponent("share.err").path) ?? FileHandle.nullDevice
        try share.run()
        defer {
            if share.isRunning { kill(share.processIdentifier, SIGTERM) }
            share.waitUntilExit()
            try? silentInput.fileHandleForWriting.close()
        }
        func lines() -> [[String: Any]] {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
            }
        }
        var port: Int?
        try await fixture.waitFor("share to listen", timeout: 20) {
            port = lines().first { $0["event"] as? String == "listening" }?["port"] as? Int
            return port != nil
        }
        let listening = try XCTUnwrap(port, "share printed no port: \(lines())")

        let started = Date()
        // Security type None (the CLI offers it with --insecure-loopback), so only consent stands in the way.
        let recorded = fixture.viewerEvents
        let viewer = try await ViewerClient.connect(
            host: "127.0.0.1", port: listening,
            configuration: ViewerConfiguration(tls: nil, allowNone: true, encodings: [.raw], events: { recorded.append($0) }),
            group: fixture.group)
        try await fixture.waitFor("the viewer's connection to end", timeout: 20) { fixture.viewerEvents.all.contains(where: isEnded) }
        let elapsed = Date().timeIntervalSince(started)
        let viewerEvents = fixture.viewerEvents.all
        XCTAssertTrue(viewerEvents.contains(.refused("bob did not answer within 2 s")), "in names, not \"declined\": \(viewerEvents)")
        XCTAssertFalse(viewerEvents.contains(where: isSessionStarted), "the viewer got a ServerInit: \(viewerEvents)")
        XCTAssertFalse(viewerEvents.contains(where: isFrame), "the viewer got pixels: \(viewerEvents)")
        let picture = try await viewer.framebuffer()
        XCTAssertNil(picture)
        XCTAssertGreaterThanOrEqual(elapsed, 1.9, "refused before the consent timeout")
        XCTAssertLessThan(elapsed, 10, "the timeout of 2 s took \(elapsed) s")
        let events = lines()
        XCTAssertTrue(events.contains { $0["event"] as? String == "consent" && $0["timeout"] as? Bool == true
                                        && $0["granted"] as? Bool == false }, "share did not report the timeout: \(events)")
        XCTAssertFalse(events.contains { $0["event"] as? String == "started" }, "\(events)")
    }
}
