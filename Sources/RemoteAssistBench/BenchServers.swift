import Foundation
import PNGSnapshot
import Pixels
#if canImport(Glibc)
import Glibc
#endif

/// One server/client pairing of the session benchmark.
enum BenchServer: String, CaseIterable, Codable, Sendable {
    /// Our agent (`remote-assist share`), viewed by the libvncclient probe asking ZRLE.
    case agentZRLE = "agent-zrle"
    /// Our agent viewed by our viewer (`remote-assist view --encoding tile-delta`). Our viewer always
    /// prefers VeNCrypt, so this pairing runs over TLS 1.3 (X509Plain with the one-time password).
    case agentTileDelta = "agent-tile-delta"
    /// Our agent viewed by our viewer with ZRLE over TLS 1.3 (against agent-zrle: what TLS costs).
    case agentZRLETLS = "agent-zrle-tls"
    /// Another build of our agent (`--baseline-agent`), viewed like agent-zrle: before/after a change.
    case agentZRLEBaseline = "agent-zrle-baseline"
    /// x11vnc -localhost -forever -shared -nopw, viewed by the probe asking ZRLE.
    case x11vnc
    /// TigerVNC's x0vncserver, viewed by the probe asking ZRLE.
    case x0vncserver

    var serverName: String {
        switch self {
        case .agentZRLE, .agentTileDelta, .agentZRLETLS: "remote-assist"
        case .agentZRLEBaseline: "remote-assist baseline"
        case .x11vnc: "x11vnc"
        case .x0vncserver: "x0vncserver"
        }
    }

    var clientName: String {
        switch self {
        case .agentTileDelta: "view tile-delta TLS"
        case .agentZRLETLS: "view zrle TLS"
        default: "probe zrle"
        }
    }

    var isOurs: Bool { self == .agentZRLE || self == .agentTileDelta || self == .agentZRLETLS || self == .agentZRLEBaseline }
    /// Our viewer (`remote-assist view`) rather than the libvncclient probe.
    var usesOurViewer: Bool { self == .agentTileDelta || self == .agentZRLETLS }

    func installed(_ tools: BenchTools) -> Bool {
        switch self {
        case .agentZRLE, .agentTileDelta, .agentZRLETLS: true
        case .agentZRLEBaseline: tools.baselineAgent != nil
        case .x11vnc: tools.x11vnc != nil
        case .x0vncserver: tools.x0vncserver != nil
        }
    }

    /// Starts the server on 127.0.0.1:`port` and waits until it accepts connections.
    func startServer(port: Int, desktop: BenchDesktop, tools: BenchTools, configHome: String, tag: String,
                     environment: [String: String] = [:]) throws -> ChildProcess {
        let log = "\(desktop.workDirectory)/\(tag)-server.log"
        let server: ChildProcess
        switch self {
        case .agentZRLE, .agentTileDelta, .agentZRLETLS, .agentZRLEBaseline:
            server = try ChildProcess(name: serverName,
                                      executable: self == .agentZRLEBaseline ? tools.baselineAgent ?? "" : tools.remoteAssist,
                                      arguments: ["share", "--insecure-loopback", "--allow-view", "--port", "\(port)",
                                                  "--display", desktop.display],
                                      environment: environment.merging(["XDG_CONFIG_HOME": configHome]) { $1 },
                                      logFile: log, keepStdinOpen: true)
        case .x11vnc:
            server = try ChildProcess(name: serverName, executable: tools.x11vnc ?? "x11vnc",
                                      arguments: ["-display", desktop.display, "-rfbport", "\(port)", "-localhost",
                                                  "-forever", "-shared", "-nopw"],
                                      logFile: log)
        case .x0vncserver:
            server = try ChildProcess(name: serverName, executable: tools.x0vncserver ?? "x0vncserver",
                                      arguments: ["-display", desktop.display, "-rfbport", "\(port)",
                                                  "-SecurityTypes", "None", "-localhost"],
                                      logFile: log)
        }
        let deadline = nowMilliseconds() + 15_000
        while true {
            if isOurs ? server.output.contains("one-time password") : canConnect(port) {
                return server
            }
            guard server.isRunning, nowMilliseconds() < deadline else {
                server.stop()
                throw BenchError("\(serverName) did not start listening on \(port): \(server.output.suffix(400))")
            }
            usleep(50_000)
        }
    }

    private func canConnect(_ port: Int) -> Bool {
        guard let fd = CountingRelay.connectLoopback(port: port) else { return false }
        close(fd)
        return true
    }

    /// Starts this pairing's client against the relay on `port`.
    func startClient(port: Int, server: ChildProcess, desktop: BenchDesktop, tools: BenchTools, configHome: String, tag: String,
                     zrleEncodings: String, watchPixel: (Int, Int)?) throws -> BenchClient {
        let dir = desktop.workDirectory
        if usesOurViewer {
            // The agent prints "(SHA256:XXXX-... = SHA-256 AA:BB:...)": the short form ends at the space.
            guard let fingerprint = Self.field(after: "(SHA256:", in: server.output, until: ")")?
                    .split(separator: " ").first.map(String.init),
                  let password = Self.field(after: "any user name): ", in: server.output, until: "\n") else {
                throw BenchError("no fingerprint or password in the agent's output")
            }
            let snapshots = "\(dir)/\(tag)-snapshots"
            let child = try ChildProcess(name: "remote-assist view", executable: tools.remoteAssist,
                                         arguments: ["view", "127.0.0.1:\(port)", "--insecure-loopback", "--encoding",
                                                     self == .agentTileDelta ? "tile-delta" : "zrle", "--snapshots", snapshots, "--rate", "1",
                                                     "--fingerprint", "SHA256:" + fingerprint, "--password", password],
                                         environment: ["XDG_CONFIG_HOME": configHome], logFile: "\(dir)/\(tag)-client.log",
                                         keepStdinOpen: true)
            return BenchClient(process: child, picture: "\(snapshots)/final.png", isProbe: false)
        }
        var args = ["127.0.0.1:\(port)", "\(dir)/\(tag)-final.ppm", "--encodings", zrleEncodings, "--duration", "3600",
                    "--security", "none", "--remote-cursor", "1"]
        if let (x, y) = watchPixel { args += ["--watch-pixel", "\(x),\(y)"] }
        let child = try ChildProcess(name: "vncclient-probe", executable: tools.probe, arguments: args,
                                     logFile: "\(dir)/\(tag)-client.log")
        return BenchClient(process: child, picture: "\(dir)/\(tag)-final.ppm", isProbe: true)
    }
}

extension BenchServer {
    /// The text between `start` and `end` in `text`.
    static func field(after start: String, in text: String, until end: String) -> String? {
        guard let a = text.range(of: start), let b = text[a.upperBound...].range(of: end) else { return nil }
        return String(text[a.upperBound..<b.lowerBound])
    }
}

/// A running client; `finish` ends it and returns the last picture it decoded.
struct BenchClient {
    let process: ChildProcess
    let picture: String
    let isProbe: Bool

    func finish() throws -> Framebuffer {
        if isProbe {
            process.stop(signal: SIGTERM, grace: 10)
            return try PictureFiles.readPPM(picture)
        }
        process.closeStdin()  // end of input: the viewer ends the session and writes final.png
        if !process.waitExit(seconds: 15) { process.stop() }
        return try PNGCodec.read(picture)
    }
}
