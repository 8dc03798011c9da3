import Agent
import Foundation
import LiveView
import NIOCore
import NIOPosix
import Pixels
import RFBTransport
import Synchronization
import TestSupport
import Viewer
import X11Capture
import XCTest

/// A real session (agent on Xvfb, viewer, TLS 1.3 on 127.0.0.1) whose viewer feeds a real page
/// server, and a page client that rebuilds the canvas from the WebSocket messages.
final class LiveSessionFixture: @unchecked Sendable {
    let xvfb: XvfbServer
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let directory: URL
    var agent: AgentServer?
    var server: LiveServer?
    var viewer: ViewerClient?

    init(width: Int = 800, height: Int = 600) throws {
        xvfb = try XvfbServer(width: width, height: height)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func start() async throws {
        let agentIdentity = try Identity.loadOrCreate(directory: directory.path + "/agent", name: "bob")
        let viewerIdentity = try Identity.loadOrCreate(directory: directory.path + "/viewer", name: "alice")
        let credentials = TLSCredentials(identity: agentIdentity)
        let security = AgentSecurity(
            mutualTLS: try TLSSetup.Server(credentials: credentials,
                                           clientCertificates: .required(TrustedPeers([try Contact(name: "alice", fingerprint: viewerIdentity.fingerprint)]))),
            passwordTLS: try TLSSetup.Server(credentials: credentials, clientCertificates: .notRequested),
            passwords: nil, allowNone: false)
        let display = xvfb.display
        let configuration = AgentConfiguration(security: security, desktopName: "bob's desktop",
                                               makeSource: { try X11ScreenSource(displayName: display) },
                                               consent: { $1(true) }, events: { _ in })
        let agent = try await AgentServer.start(host: "127.0.0.1", port: 0, configuration: configuration, group: group)
        self.agent = agent
        let server = try await LiveServer.start(group: group, assets: .page)
        self.server = server
        let tls = try TLSSetup.Client(credentials: TLSCredentials(identity: viewerIdentity),
                                      trustedServers: TrustedPeers(fingerprint: agentIdentity.fingerprint, name: "bob"))
        var viewerConfiguration = ViewerConfiguration(tls: tls, encodings: [.tileDelta])
        viewerConfiguration.pictures = { server.publish($0) }
        viewer = try await ViewerClient.connect(host: "127.0.0.1", port: agent.localPort, configuration: viewerConfiguration, group: group)
    }

    func shutdown() async {
        viewer?.end(reason: .userQuit, text: "done")
        await server?.close()
        await agent?.close()
        try? await group.shutdownGracefully()
        xvfb.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// What the X server shows now, read independently of the agent.
    func screen() throws -> Framebuffer {
        let source = try X11ScreenSource(displayName: xvfb.display, allowSharedMemory: false, useDamage: false)
        var fb = Framebuffer(width: 0, height: 0)
        _ = try source.capture(into: &fb, full: true)
        return fb
    }
}

/// A page without a browser: logs in with the token, opens the feed, and applies every binary
/// message to a ``CanvasModel`` on a thread of its own; text messages are kept.
final class FeedPage: @unchecked Sendable {
    let client: WebSocketClient
    let canvas = Mutex(CanvasModel())
    let texts = Mutex<[String]>([])
    let bytes = Mutex(0)
    let failure = Mutex<String?>(nil)

    private let gate = DispatchSemaphore(value: 0)

    /// `holdReading`: the page reads nothing until `startReading()` (a page that fell behind).
    init(server: LiveServer, holdReading: Bool = false) throws {
        let host = "127.0.0.1:\(server.port)"
        let token = String(server.url.split(separator: "=").last ?? "")
        let login = try WebSocketClient.request(port: server.port, path: "/?token=\(token)", headers: [("Host", host)])
        guard let cookie = login.header("set-cookie").first?.split(separator: ";").first else {
            throw WebSocketClient.Failure(description: "no cookie (status \(login.status))")
        }
        client = try WebSocketClient(port: server.port, timeoutSeconds: 60)
        let upgrade = try client.upgrade(path: "/feed", host: host, extra: [("Cookie", String(cookie)), ("Origin", "http://\(host)")])
        guard upgrade.status == 101 else { throw WebSocketClient.Failure(description: "upgrade refused: \(upgrade.status)") }
        let thread = Thread { [self] in
            if holdReading { gate.wait() }
            do {
                while true {
                    switch try client.receive() {
                    case .binary(let message):
                        bytes.withLock { $0 += message.count }
                        try canvas.withLock { try $0.apply(message) }
                    case .text(let text): texts.withLock { $0.append(text) }
                    case .close: return
                    }
                }
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
        }
        thread.start()
    }

    /// Waits until the canvas equals `expected()`; fails with the first differing pixel.
    /// Lets a page made with `holdReading` read.
    func startReading() { gate.signal() }

    func waitUntilCanvasMatches(_ expected: () throws -> Framebuffer, timeout: Double = 20, _ what: String,
                                file: StaticString = #filePath, line: UInt = #line) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            let want = try expected()
            let got = canvas.withLock { $0.framebuffer }
            if got == want { return }
            if let d = got.firstDifference(from: want) {
                last = "pixel \(d.x),\(d.y): canvas \(String(d.mine, radix: 16)), screen \(String(d.theirs, radix: 16)) (canvas \(got.width)x\(got.height), screen \(want.width)x\(want.height))"
            }
            if let failure = failure.withLock({ $0 }) { return XCTFail("\(what): the feed failed: \(failure)", file: file, line: line) }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTFail("\(what): the page's canvas never matched the screen: \(last)", file: file, line: line)
    }
}
