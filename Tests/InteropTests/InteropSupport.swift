import Agent
import Foundation
import NIOPosix
import Pixels
import RFBTransport
import Synchronization
import TestSupport
import X11Capture
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A third-party program started by a test (x11vnc, vncsnapshot, the libvncclient probe): its standard
/// output and error go to one log file (an unread pipe could fill up and block it); it is stopped by its
/// own PID only.
final class ChildProcess: @unchecked Sendable {
    let name: String
    let logPath: String
    private let process = Process()

    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], stdinText: String? = nil) throws {
        name = URL(fileURLWithPath: executable).lastPathComponent
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath) ?? FileHandle.nullDevice
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = log
        process.standardError = log
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdinText { input.fileHandleForWriting.write(Data(stdinText.utf8)) }
        try? input.fileHandleForWriting.close()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits until the log contains `text`; false on timeout or when the program exited first.
    func waitForLog(_ text: String, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if log.contains(text) { return true }
            if !process.isRunning { return log.contains(text) }
            usleep(50_000)
        }
        return false
    }

    /// Waits for the program to exit by itself; its status, or nil on timeout.
    func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Stops the program (SIGTERM, SIGKILL after 5 s) and waits for it; keeps the log for messages.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
    }

    func removeLog() { try? FileManager.default.removeItem(atPath: logPath) }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (for servers that need a port number up front).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// The C helpers of the interop tests (`Tests/Interop/*.c`), compiled with the system's `cc` into a
/// temporary folder. Nil (with a test failure that says what to install) when the compiler or a library
/// is missing: CI installs them with `.ci/setup`.
enum InteropTools {
    static let sourceDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Interop")

    static func compile(_ source: String, into directory: URL, pkgConfig: String? = nil, libraries: [String] = [],
                        file: StaticString = #filePath, line: UInt = #line) throws -> String? {
        guard let cc = XvfbServer.findExecutable("cc") else {
            XCTFail("no C compiler: install gcc (.ci/setup) to build \(source)", file: file, line: line)
            return nil
        }
        var flags: [String] = []
        if let pkgConfig {
            guard let pc = XvfbServer.findExecutable("pkg-config") else {
                XCTFail("pkg-config is missing (.ci/setup)", file: file, line: line)
                return nil
            }
            let found = try runProcess(pc, ["--cflags", "--libs", pkgConfig])
            guard found.status == 0 else {
                XCTFail("\(pkgConfig) is not installed: apt-get install libvncserver-dev (.ci/setup); \(found.stderr)",
                        file: file, line: line)
                return nil
            }
            flags = found.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
        }
        let output = directory.appendingPathComponent(URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent).path
        let result = try runProcess(cc, ["-O1", "-Wall", "-o", output, sourceDirectory.appendingPathComponent(source).path]
                                        + flags + libraries)
        guard result.status == 0 else {
            XCTFail("cannot compile \(source) (missing library? see .ci/setup): \(result.stderr)", file: file, line: line)
            return nil
        }
        return output
    }
}

extension InteropTools {
    /// A self-signed P-256 certificate for IP 127.0.0.1 and its key (mode 0600), made with openssl: what
    /// `share --tls-cert/--tls-key` is for, since stock viewers check the server's name against it.
    static func makeLoopbackCertificate(in directory: URL, file: StaticString = #filePath, line: UInt = #line) throws
        -> (certificate: String, key: String)? {
        guard let openssl = XvfbServer.findExecutable("openssl") else {
            XCTFail("openssl is not installed (.ci/setup): it makes the agent's certificate for 127.0.0.1", file: file, line: line)
            return nil
        }
        let certificate = directory.appendingPathComponent("agent.crt").path
        let key = directory.appendingPathComponent("agent.key").path
        let made = try runProcess(openssl, [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
            "-out", certificate, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-addext", "basicConstraints=critical,CA:FALSE", "-addext", "keyUsage=critical,digitalSignature",
            "-addext", "extendedKeyUsage=serverAuth"])
        guard made.status == 0 else {
            XCTFail("openssl could not make a certificate: \(made.stderr)", file: file, line: line)
            return nil
        }
        guard chmod(key, 0o600) == 0 else {
            XCTFail("chmod 0600 \(key) failed", file: file, line: line)
            return nil
        }
        return (certificate, key)
    }
}

/// A binary PPM (P6, maxval 255) as a framebuffer of 0x00RRGGBB pixels.
func readPPM(_ path: String) throws -> Framebuffer {
    struct BadPPM: Error, CustomStringConvertible { let description: String }
    let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    var index = 0
    func token() throws -> Int {
        while index < data.count, data[index] == 0x20 || data[index] == 0x0A || data[index] == 0x0D || data[index] == 0x09 {
            index += 1
        }
        var value = 0, digits = 0
        while index < data.count, (0x30...0x39).contains(data[index]) {
            value = value * 10 + Int(data[index] - 0x30)
            digits += 1
            index += 1
            guard value < 1_000_000 else { throw BadPPM(description: "number too large in \(path)") }
        }
        guard digits > 0 else { throw BadPPM(description: "\(path): expected a number at byte \(index)") }
        return value
    }
    guard data.count > 2, data[0] == 0x50, data[1] == 0x36 else { throw BadPPM(description: "\(path) is not a P6 PPM") }
    index = 2
    let width = try token(), height = try token(), maxval = try token()
    guard maxval == 255 else { throw BadPPM(description: "\(path): maxval \(maxval)") }
    index += 1   // the single whitespace byte after maxval
    guard data.count - index == width * height * 3 else {
        throw BadPPM(description: "\(path): \(data.count - index) pixel bytes for \(width)x\(height)")
    }
    var pixels = [UInt32](repeating: 0, count: width * height)
    for i in 0..<pixels.count {
        let p = index + i * 3
        pixels[i] = UInt32(data[p]) << 16 | UInt32(data[p + 1]) << 8 | UInt32(data[p + 2])
    }
    guard let fb = Framebuffer(width: width, height: height, pixels: pixels) else {
        throw BadPPM(description: "\(path): bad size \(width)x\(height)")
    }
    return fb
}

/// What the X server shows now, read independently of the code under test (Xlib XGetImage, pixel by
/// pixel through XGetPixel).
func readScreen(_ draw: XDrawing, width: Int, height: Int, x: Int = 0, y: Int = 0) -> Framebuffer? {
    Framebuffer(width: width, height: height, pixels: draw.readBack(Rect(x: x, y: y, width: width, height: height)))
}

/// "pixel x,y: got …, screen …" for the first difference, or a size mismatch.
func describeDifference(_ got: Framebuffer, _ expected: Framebuffer) -> String {
    guard got.width == expected.width, got.height == expected.height else {
        return "size \(got.width)x\(got.height), screen \(expected.width)x\(expected.height)"
    }
    guard let d = got.firstDifference(from: expected) else { return "equal" }
    var count = 0
    for i in got.pixels.indices where got.pixels[i] != expected.pixels[i] { count += 1 }
    return "pixel \(d.x),\(d.y): got \(String(d.mine, radix: 16)), screen \(String(d.theirs, radix: 16)) (\(count) pixels differ)"
}

/// Known content for the interop pictures: solid blocks, text, a gradient with every column different,
/// and single-pixel detail, so that a wrong colour channel, offset, stride or palette shows.
func drawKnownContent(_ draw: XDrawing, width: Int, height: Int) {
    draw.fill(Rect(x: 0, y: 0, width: width, height: height), 0x203040)
    draw.fill(Rect(x: 40, y: 40, width: 200, height: 120), 0xFF0000)
    draw.fill(Rect(x: 260, y: 40, width: 200, height: 120), 0x00FF00)
    draw.fill(Rect(x: 480, y: 40, width: 200, height: 120), 0x0000FF)
    draw.fill(Rect(x: 40, y: 180, width: 200, height: 120), 0xFFFFFF)
    draw.fill(Rect(x: 260, y: 180, width: 200, height: 120), 0x000000)
    draw.fill(Rect(x: 480, y: 180, width: 200, height: 120), 0xFF8000)
    for i in 0..<12 {
        draw.text("line \(i): the quick brown fox jumps over the lazy dog 0123456789", x: 20, y: 330 + i * 14, 0xE0E0E0)
    }
    for x in 0..<256 {
        draw.line(x0: 20 + x, y0: 510, x1: 20 + x, y1: 580, UInt32(x) << 16 | UInt32(255 - x) << 8 | UInt32(x / 2))
    }
    for i in 0..<200 { draw.line(x0: 300 + i * 2, y0: 520 + i % 7, x1: 300 + i * 2, y1: 520 + i % 7, UInt32(i * 1237) & 0xFFFFFF) }
    draw.sync()
}

/// Events recorded from any thread.
final class Recorder<Event: Sendable>: Sendable {
    private let events = Mutex<[Event]>([])
    func append(_ e: Event) { events.withLock { $0.append(e) } }
    var all: [Event] { events.withLock { $0 } }
}

/// Our agent in-process on 127.0.0.1 (any free port) sharing a private Xvfb, with a real identity in a
/// temporary folder; every agent event is recorded.
final class InteropAgent: @unchecked Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let identityDirectory: URL
    let identity: Identity
    let events = Recorder<AgentEvent>()
    private(set) var server: AgentServer?

    init() throws {
        identityDirectory = try makeTemporaryDirectory("interop-agent")
        identity = try Identity.loadOrCreate(directory: identityDirectory.path, name: "bob")
    }

    /// `passwords` non-nil offers VeNCrypt X509Plain, presenting `credentials` (default: the identity),
    /// and, like `remote-assist share`, X509None for contacts (there are none here); `allowNone` offers
    /// security type None.
    func start(display: String, allowNone: Bool, passwords: PasswordGate? = nil, credentials: TLSCredentials? = nil)
        async throws -> Int {
        let credentials = credentials ?? TLSCredentials(identity: identity)
        let security = AgentSecurity(
            mutualTLS: passwords == nil ? nil
                : try TLSSetup.Server(credentials: credentials, clientCertificates: .required(TrustedPeers([]))),
            passwordTLS: passwords == nil ? nil : try TLSSetup.Server(credentials: credentials, clientCertificates: .notRequested),
            passwords: passwords, allowNone: allowNone)
        let events = events
        let configuration = AgentConfiguration(
            security: security, desktopName: "bob's desktop",
            makeSource: { try X11ScreenSource(displayName: display) },
            consent: { $1(true) }, events: { events.append($0) })
        let server = try await AgentServer.start(host: "127.0.0.1", port: 0, configuration: configuration, group: group)
        self.server = server
        return server.localPort
    }

    func shutdown() async {
        await server?.close()
        try? await group.shutdownGracefully()
        try? FileManager.default.removeItem(at: identityDirectory)
    }
}
