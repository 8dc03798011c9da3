import Agent
import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A viewer whose ClientInit arrives after the agent's capture is ready (a slow or busy client: it
/// happened with TigerVNC and, under load, with libvncclient). The agent used to send ServerInit but never
/// start the session, so every later request went unanswered. Spoken byte by byte over a plain socket
/// (security None, RFB 3.8) to control the timing.
final class LateClientInitTests: XCTestCase {
    func testClientInitAfterCaptureIsReadyStillStartsTheSession() async throws {
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let agent = try await fixture.startAgent(allowNone: true)
        let socket = try RawSocket(port: agent.localPort)
        defer { socket.close() }

        XCTAssertEqual(try socket.read(12), Array("RFB 003.008\n".utf8))
        try socket.write(Array("RFB 003.008\n".utf8))
        let count = Int(try socket.read(1)[0])
        let types = try socket.read(count)
        XCTAssertTrue(types.contains(1), "security None not offered: \(types)")
        try socket.write([1])
        XCTAssertEqual(try socket.read(4), [0, 0, 0, 0], "SecurityResult")

        // Consent was given at once: the capture starts now. ClientInit only once it is surely ready.
        try await fixture.waitFor("the agent to open the screen") { !fixture.screensOpened.all.isEmpty }
        try await Task.sleep(for: .seconds(1))
        try socket.write([1])   // ClientInit, shared

        let serverInit = try socket.read(24)
        XCTAssertEqual(Array(serverInit[0..<4]), [1, 64, 0, 240], "ServerInit size 320x240")
        let nameLength = Int(serverInit[20]) << 24 | Int(serverInit[21]) << 16 | Int(serverInit[22]) << 8 | Int(serverInit[23])
        XCTAssertEqual(String(decoding: try socket.read(nameLength), as: UTF8.self), "bob's desktop")

        // SetEncodings [Raw], then a full FramebufferUpdateRequest: an update must come.
        try socket.write([2, 0, 0, 1, 0, 0, 0, 0])
        try socket.write([3, 0, 0, 0, 0, 0, 1, 64, 0, 240])
        let header = try socket.read(4)
        XCTAssertEqual(header[0], 0, "expected a FramebufferUpdate, got message type \(header[0])")
        XCTAssertTrue(fixture.agentEvents.all.contains { if case .sessionStarted = $0 { return true }; return false },
                      "the agent did not start the session: \(fixture.agentEvents.all)")
        await agent.close()
    }
}

/// A blocking TCP client on 127.0.0.1 with a 10 s receive timeout.
private final class RawSocket {
    struct Failure: Error, CustomStringConvertible { let description: String }
    private var fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect: \(errno)") }
    }

    func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send: \(errno)") }
            sent += n
        }
    }

    /// Exactly `count` bytes, or an error on timeout or close.
    func read(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out[got...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else {
                throw Failure(description: n == 0 ? "connection closed after \(got) of \(count) bytes"
                                                  : "no data within 10 s (\(got) of \(count) bytes, errno \(errno))")
            }
            got += n
        }
        return out
    }

    func close() {
        if fd >= 0 { _ = Glibc.close(fd); fd = -1 }
    }
}
