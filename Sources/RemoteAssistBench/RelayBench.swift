import Agent
import ArgumentParser
import ContactNetwork
import Foundation
import NIOCore
import NIOPosix
import Pixels
import RFBProtocol
import RFBTransport
import TestSupport
import Viewer
import X11Capture
import XMPP

/// Sessions through an XMPP server's SOCKS5 relay (a private Prosody with proxy65 on 127.0.0.1) against
/// the same session dialled directly over TCP, in one process: connect time and a full-screen stream.
struct RelayBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Sessions through a private Prosody's XEP-0065 relay against direct TCP: connect time and full-screen throughput.",
        discussion: """
            Connect time: from the requester starting (XMPP login, proxy discovery, bytestream offer and \
            activation; or the TCP dial) to the expert's viewer holding the first whole picture, through \
            TLS 1.3 and the RFB handshake, --connects times each way (alternating); median and p90. \
            Throughput: one session each way for --seconds with a source that changes the whole screen \
            (photo-like frames, --screen) on every capture: updates and bytes a second as the viewer got \
            them. Needs prosody (and openssl).

            Example:
              swift build -c release && .build/release/remote-assist-bench relay
            """)

    @Option(help: "Connections timed each way.") var connects = 20
    @Option(help: "Seconds of the full-screen stream each way.") var seconds = 10.0
    @Option(help: ArgumentHelp("The screen size.", valueName: "WIDTHxHEIGHT")) var screen = "1920x1080"
    @Option(help: "Session-bench workloads run on a real Xvfb through each path (scroll, drag, buildlog; empty: none).") var workloads = "scroll,drag"
    @Option(help: "Seconds of each workload.") var activeSeconds = 12.0
    @Option(help: "Folder with Tests/Interop (the C helpers the session bench's tools compile).") var packageRoot = "."
    @Option(help: "Milliseconds of quiet after which the relay framing sends its filler (default: RelayFrameHandler's).") var fillerDelayMs: Int?
    @Option(help: "Prosody's network backend: epoll (its default, which needs our relay framing) or select.") var backend = "epoll"

    func validate() throws {
        guard backend == "epoll" || backend == "select" else { throw ValidationError("--backend is epoll or select") }
        guard connects > 0, seconds > 0 else { throw ValidationError("--connects and --seconds must be positive") }
    }

    func run() async throws {
        let parts = screen.split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts[0] > 0, parts[1] > 0 else { throw BenchError("--screen WIDTHxHEIGHT") }
        let (width, height) = (parts[0], parts[1])
        let idleDelay = fillerDelayMs.map { TimeAmount.milliseconds(Int64($0)) } ?? RelayFrameHandler.defaultIdleDelay
        let prosody = try ProsodyServer(backend: backend)
        defer { prosody.stop() }
        try prosody.register("alice", password: "alice-secret")
        try prosody.register("bob", password: "bob-secret")
        let root = try makeTemporaryDirectory("relay-bench")
        defer { try? FileManager.default.removeItem(at: root) }
        let aliceID = try Identity.loadOrCreate(directory: root.appendingPathComponent("alice").path, name: "alice")
        let bobID = try Identity.loadOrCreate(directory: root.appendingPathComponent("bob").path, name: "bob")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)

        // Alice: one listener on 127.0.0.1 (the direct path) that also adopts relayed offers.
        let tls = try TLSSetup.Client(credentials: TLSCredentials(identity: aliceID),
                                      trustedServers: TrustedPeers([try Contact(name: "bob", fingerprint: bobID.fingerprint)]))
        let listener = try await ViewerListener.start(
            host: "127.0.0.1", port: 0, configuration: ViewerConfiguration(tls: tls, encodings: [.tileDelta, .zrle, .raw]),
            busyText: "busy", decide: { _, answer in answer(.accepted()) }, group: group)
        let alice = try await XMPPClient.connect(account: JID("alice@\(prosody.host)"), password: "alice-secret", host: "127.0.0.1",
                                                 port: prosody.c2sPort, trust: .caFile(prosody.caFile), resource: "bench", group: group)
        let aliceProxy = try await alice.findProxy()
        let adopting = Task {
            for await offer in alice.stanzas where offer.name == "iq" {
                guard let stream = try? await alice.acceptBytestream(offer, proxy: aliceProxy) else { continue }
                try? await RelayFraming.install(on: stream.channel, leftover: stream.leftover, idleDelay: idleDelay)
                try? await listener.adopt(stream.channel, from: "bob@\(prosody.host)")
            }
        }
        defer { adopting.cancel() }

        let frames = (0..<4).map { PhotoFrames.photo(seed: UInt32(7 + $0), width: width, height: height) }
        nonisolated(unsafe) var xDisplay: String?
        func agentConfiguration(changing: Bool) throws -> AgentConfiguration {
            let credentials = TLSCredentials(identity: bobID)
            let security = AgentSecurity(mutualTLS: try TLSSetup.Server(
                credentials: credentials, clientCertificates: .required(TrustedPeers([try Contact(name: "alice", fingerprint: aliceID.fingerprint)]))))
            return AgentConfiguration(security: security, desktopName: "bench", makeSource: { [xDisplay] in
                if let xDisplay { return try X11ScreenSource(displayName: xDisplay) }
                return FrameCycleSource(frames: frames, changing: changing)
            },
                                      consent: { $1(true) }, reverse: true)
        }
        enum Path: String { case relay, direct }
        // Where a relayed connection's time goes: login, proxy discovery, bytestream (offer to activation).
        let phases = PhaseLog()
        func dial(_ path: Path, changing: Bool) async throws -> (AgentSessionControl, XMPPClient?) {
            let configuration = try agentConfiguration(changing: changing)
            switch path {
            case .direct:
                return (try await AgentDialer.connect(host: "127.0.0.1", port: listener.localPort, configuration: configuration, group: group), nil)
            case .relay:
                let t0 = ContinuousClock.now
                let bob = try await XMPPClient.connect(account: JID("bob@\(prosody.host)"), password: "bob-secret", host: "127.0.0.1",
                                                       port: prosody.c2sPort, trust: .caFile(prosody.caFile),
                                                       resource: XMPPAccount.freshResource(), group: group)
                let t1 = ContinuousClock.now
                let proxy = try await bob.findProxy()
                let t2 = ContinuousClock.now
                let stream = try await bob.openBytestream(to: alice.jid, sid: UUID().uuidString, via: proxy)
                phases.add(login: t0.duration(to: t1), discovery: t1.duration(to: t2), bytestream: t2.duration(to: .now))
                try await RelayFraming.install(on: stream.channel, leftover: stream.leftover, idleDelay: idleDelay)
                return (try await AgentDialer.run(on: stream.channel, configuration: configuration), bob)
            }
        }
        func firstPicture() async throws -> ViewerClient {
            while true {
                if let v = listener.session, await v.statistics().updates >= 1 { return v }
                try await Task.sleep(for: .milliseconds(1))
            }
        }
        func hangUp(_ agent: AgentSessionControl, _ client: XMPPClient?) async throws {
            agent.end(reason: .userQuit, text: "bench")
            try? await agent.channel.closeFuture.get()
            await client?.close()
            while listener.session != nil { try await Task.sleep(for: .milliseconds(2)) }
        }

        print("connect time to the first \(width)x\(height) picture, \(connects) each way (alternating):")
        var times: [Path: [Double]] = [.relay: [], .direct: []]
        for i in 0..<(connects * 2) {
            let path: Path = i % 2 == 0 ? .relay : .direct
            let start = ContinuousClock.now
            let (agent, client) = try await dial(path, changing: false)
            _ = try await firstPicture()
            let d = start.duration(to: .now)
            times[path, default: []].append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
            try await hangUp(agent, client)
        }
        for path in [Path.direct, .relay] {
            let t = (times[path] ?? []).sorted()
            guard !t.isEmpty else { continue }
            print(String(format: "  %-7@ p50 %7.1f ms   p90 %7.1f ms   min %7.1f ms", path.rawValue as NSString,
                         t[t.count / 2], t[min(t.count - 1, t.count * 9 / 10)], t[0]))
        }

        print(String(format: "  relay phases (p50): XMPP login %.1f ms, proxy discovery %.1f ms, bytestream offer to activation %.1f ms",
                     phases.median(\.login), phases.median(\.discovery), phases.median(\.bytestream)))

        print("full-screen stream (every capture a new \(width)x\(height) photo-like frame), \(seconds) s each way:")
        for path in [Path.direct, .relay] {
            let (agent, client) = try await dial(path, changing: true)
            let viewer = try await firstPicture()
            let before = await viewer.statistics()
            let start = ContinuousClock.now
            try await Task.sleep(for: .seconds(seconds))
            let after = await viewer.statistics()
            let d = start.duration(to: .now)
            let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            print(String(format: "  %-7@ %6.1f updates/s   %8.1f MB/s", path.rawValue as NSString,
                         Double(after.updates - before.updates) / s, Double(after.bytes - before.bytes) / s / 1e6))
            try await hangUp(agent, client)
        }
        let chosen = workloads.split(separator: ",").compactMap { Workload(rawValue: String($0)) }
        if !chosen.isEmpty {
            print("session-bench workloads on Xvfb \(width)x\(height), \(activeSeconds) s each; CPU is this process (agent, viewer and the relay framing of both ends):")
            let dir = root.appendingPathComponent("desktop").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let tools = try BenchTools(packageRoot: packageRoot, workDirectory: dir)
            let desktop = try BenchDesktop(workDirectory: dir, width: width, height: height, wallpaper: tools.wallpaper)
            defer { desktop.stop() }
            xDisplay = desktop.display
            for workload in chosen {
                for path in [Path.direct, .relay] {
                    let scene = try workload.prepare(on: desktop, tools: tools)
                    defer { scene.tearDown() }
                    let (agent, client) = try await dial(path, changing: false)
                    let viewer = try await firstPicture()
                    try await Task.sleep(for: .seconds(2))
                    let cpu0 = Self.cpuSeconds(), before = await viewer.statistics()
                    try workload.run(scene, seconds: activeSeconds, tools: tools)
                    try await Task.sleep(for: .seconds(2))
                    let cpu1 = Self.cpuSeconds(), after = await viewer.statistics()
                    print(String(format: "  %-9@ %-7@ %5d updates   %8.2f MB   CPU %5.2f s", workload.rawValue as NSString, path.rawValue as NSString,
                                 after.updates - before.updates, Double(after.bytes - before.bytes) / 1e6, cpu1 - cpu0))
                    try await hangUp(agent, client)
                }
            }
            xDisplay = nil
        }
        await alice.close()
        await listener.close()
        try await group.shutdownGracefully()
    }
}

extension RelayBench {
    /// User plus system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
}

/// Durations of a relayed connection's phases, in milliseconds.
final class PhaseLog: @unchecked Sendable {
    struct Entry { var login: Double; var discovery: Double; var bytestream: Double }
    private var entries: [Entry] = []
    private let lock = NSLock()
    func add(login: Duration, discovery: Duration, bytestream: Duration) {
        func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
        lock.withLock { entries.append(Entry(login: ms(login), discovery: ms(discovery), bytestream: ms(bytestream))) }
    }
    func median(_ key: KeyPath<Entry, Double>) -> Double {
        let v = lock.withLock { entries.map { $0[keyPath: key] } }.sorted()
        return v.isEmpty ? 0 : v[v.count / 2]
    }
}

/// A screen that shows the next of a few frames on every capture (whole-screen damage), or the first one
/// always; no X server involved.
final class FrameCycleSource: ScreenSource {
    private let frames: [Framebuffer]
    private let changing: Bool
    private var index = 0
    init(frames: [Framebuffer], changing: Bool) {
        self.frames = frames
        self.changing = changing
    }
    var size: (width: Int, height: Int) { (frames[0].width, frames[0].height) }
    func capture(into framebuffer: inout Framebuffer, full: Bool) throws -> CaptureChange {
        let resized = framebuffer.width != frames[0].width || framebuffer.height != frames[0].height
        framebuffer = frames[index % frames.count]
        if changing { index += 1 }
        return CaptureChange(damage: [Rect(x: 0, y: 0, width: frames[0].width, height: frames[0].height)], resized: resized, cursorChanged: false)
    }
    var hasPendingChanges: Bool { changing }
    func waitForEvents(timeoutMilliseconds: Int, wakeFileDescriptor: Int32?) throws -> Bool { changing }
    func cursorImage() throws -> CursorImage? { nil }
    func pointerPosition() throws -> (x: Int, y: Int)? { nil }
}
