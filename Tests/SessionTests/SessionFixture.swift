import Agent
import Foundation
import NIOCore
import NIOPosix
import Pixels
import RFBTransport
import TestSupport
import Viewer
import X11Capture
import XCTest
import Synchronization

/// An agent and a viewer on 127.0.0.1 with real identities (temporary folders), real TLS 1.3 and a real
/// Xvfb screen.
final class SessionFixture: @unchecked Sendable {
    let xvfb: XvfbServer
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let agentDir: URL
    let viewerDir: URL
    let agentIdentity: Identity
    let viewerIdentity: Identity
    let agentEvents = EventLog<AgentEvent>()
    let viewerEvents = EventLog<ViewerEvent>()
    /// Every time the agent opened the screen (capture must not start before consent).
    let screensOpened = EventLog<String>()
    /// The agent's connections, as they started (for its file commands).
    let agentControls = EventLog<AgentSessionControl>()

    init(width: Int = 1024, height: Int = 768) throws {
        xvfb = try XvfbServer(width: width, height: height)
        agentDir = try makeTemporaryDirectory("agent")
        viewerDir = try makeTemporaryDirectory("viewer")
        agentIdentity = try Identity.loadOrCreate(directory: agentDir.path, name: "bob")
        viewerIdentity = try Identity.loadOrCreate(directory: viewerDir.path, name: "alice")
    }

    func shutdown() {
        try? group.syncShutdownGracefully()
        xvfb.stop()
        try? FileManager.default.removeItem(at: agentDir)
        try? FileManager.default.removeItem(at: viewerDir)
    }

    /// Starts an agent on a free port. `trustViewer: false` leaves the viewer out of the contacts.
    /// `makeSource` replaces opening the Xvfb screen (it is still recorded in `screensOpened`).
    func startAgent(trustViewer: Bool = true, allowNone: Bool = false, passwords: PasswordGate? = nil,
                    consent: @escaping @Sendable (ConsentRequest, ConsentReply) -> Void = { $1(true) },
                    makeSource: (@Sendable () throws -> any ScreenSource)? = nil,
                    sessionStartTimeout: TimeAmount = AgentLimits.sessionStartTimeout,
                    handshakeTimeout: TimeAmount = AgentLimits.handshakeTimeout,
                    passwordTimeout: TimeAmount = AgentLimits.passwordTimeout,
                    files: FileReceiving = FileReceiving(folder: nil),
                    onEvent: (@Sendable (AgentSessionControl, AgentEvent) -> Void)? = nil)
        async throws -> AgentServer {
        let contacts = trustViewer ? [try Contact(name: "alice", fingerprint: viewerIdentity.fingerprint)] : []
        let credentials = TLSCredentials(identity: agentIdentity)
        let security = AgentSecurity(
            mutualTLS: try TLSSetup.Server(credentials: credentials, clientCertificates: .required(TrustedPeers(contacts))),
            passwordTLS: try TLSSetup.Server(credentials: credentials, clientCertificates: .notRequested),
            passwords: passwords, allowNone: allowNone)
        let display = xvfb.display
        let events = agentEvents
        let opened = screensOpened
        var configuration = AgentConfiguration(
            security: security, desktopName: "bob's desktop",
            makeSource: {
                opened.append(display)
                if let makeSource { return try makeSource() }
                return try X11ScreenSource(displayName: display)
            },
            consent: consent, events: { e in events.append(e) }, handshakeTimeout: handshakeTimeout,
            sessionStartTimeout: sessionStartTimeout, passwordTimeout: passwordTimeout)
        configuration.files = files
        let controls = agentControls
        configuration.sessionEvents = { control, event in
            if case .sessionStarted = event { controls.append(control) }
            onEvent?(control, event)
        }
        return try await AgentServer.start(host: "127.0.0.1", port: 0, configuration: configuration, group: group)
    }

    /// Connects a viewer to `port`, trusting the agent unless told otherwise.
    func connectViewer(port: Int, encodings: [ViewerEncoding], trustAgent: Bool = true, useIdentity: Bool = true,
                       password: String? = nil, allowNone: Bool = false, snapshots: SnapshotWriter? = nil,
                       files: FileReceiving = FileReceiving(folder: nil))
        async throws -> ViewerClient {
        let trusted = trustAgent ? TrustedPeers(fingerprint: agentIdentity.fingerprint, name: "bob") : TrustedPeers([])
        let tls = try TLSSetup.Client(credentials: useIdentity ? TLSCredentials(identity: viewerIdentity) : nil,
                                      trustedServers: trusted)
        let events = viewerEvents
        var configuration = ViewerConfiguration(tls: tls, allowNone: allowNone, password: password, encodings: encodings,
                                                snapshots: snapshots, events: { e in events.append(e) })
        configuration.files = files
        return try await ViewerClient.connect(host: "127.0.0.1", port: port, configuration: configuration, group: group)
    }

    /// What the X server shows now, read independently of the agent.
    func screen() throws -> Framebuffer {
        let source = try X11ScreenSource(displayName: xvfb.display, allowSharedMemory: false, useDamage: false)
        var fb = Framebuffer(width: 0, height: 0)
        _ = try source.capture(into: &fb, full: true)
        return fb
    }

    /// Waits until the viewer's picture equals the screen; fails with the first differing pixel.
    func waitUntilViewerMatchesScreen(_ viewer: ViewerClient, timeout: Double = 15, file: StaticString = #filePath,
                                      line: UInt = #line) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            let expected = try screen()
            if let got = try await viewer.framebuffer() {
                if got == expected { return }
                if let d = got.firstDifference(from: expected) {
                    last = "pixel \(d.x),\(d.y): viewer \(String(d.mine, radix: 16)), screen \(String(d.theirs, radix: 16)) (viewer \(got.width)x\(got.height), screen \(expected.width)x\(expected.height))"
                }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTFail("the viewer's picture never matched the screen: \(last)", file: file, line: line)
    }

    func waitFor(_ what: String, timeout: Double = 10, _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTFail("timed out waiting for \(what)")
    }
}

/// Events recorded from any thread.
final class EventLog<Event: Sendable>: Sendable {
    private let events = Mutex<[Event]>([])
    func append(_ e: Event) { events.withLock { $0.append(e) } }
    var all: [Event] { events.withLock { $0 } }
}
