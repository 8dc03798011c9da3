import Agent
import Foundation
import NIOCore
import RFBProtocol
import TestSupport
import XCTest

/// Consent refused, seen on the wire: after authentication the viewer receives a failed SecurityResult
/// with the reason and then the end of the stream — no ServerInit, no FramebufferUpdate — and the agent
/// never opened the screen.
final class ConsentBytesTests: XCTestCase {
    func testRefusalSendsOnlyTheReasonAndNeverCaptures() async throws {
        let fixture = try SessionFixture()
        defer { fixture.shutdown() }
        let agent = try await fixture.startAgent(allowNone: true, consent: { $1(false) })
        let socket = try RawSocket(port: agent.localPort)
        XCTAssertEqual(try socket.read(12), Array("RFB 003.008\n".utf8))
        try socket.write(Array("RFB 003.008\n".utf8))
        let count = try socket.read(1)[0]
        let types = try socket.read(Int(count))
        XCTAssertTrue(types.contains(1), "None offered with allowNone: \(types)")
        try socket.write([1])
        let reason = Array(ServerHandshake.declinedReason.utf8)
        var expected: [UInt8] = [0, 0, 0, 1]
        expected += withUnsafeBytes(of: UInt32(reason.count).bigEndian, Array.init)
        expected += reason
        XCTAssertEqual(try socket.readToEnd(), expected, "exactly SecurityResult(failed) + reason, then the end")
        XCTAssertTrue(fixture.sourcesOpened.all.isEmpty, "the screen must not be opened before consent")
        await agent.close()
    }

    func testConsentGrantedThenServerInitOnlyAfterIt() async throws {
        let fixture = try SessionFixture()
        defer { fixture.shutdown() }
        let agent = try await fixture.startAgent(allowNone: true, consent: { _, decide in
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { decide(true) }
        })
        let socket = try RawSocket(port: agent.localPort)
        _ = try socket.read(12)
        try socket.write(Array("RFB 003.008\n".utf8))
        let count = try socket.read(1)[0]
        _ = try socket.read(Int(count))
        try socket.write([1])
        XCTAssertTrue(fixture.sourcesOpened.all.isEmpty, "no capture while the requester decides")
        XCTAssertEqual(try socket.read(4), [0, 0, 0, 0], "SecurityResult OK after consent")
        try socket.write([1])   // ClientInit, shared
        let header = try socket.read(24)
        XCTAssertEqual(Array(header[0..<4]), [0x04, 0x00, 0x03, 0x00], "ServerInit: 1024x768")
        XCTAssertEqual(fixture.sourcesOpened.all.count, 1)
        await agent.close()
    }
}

/// A blocking TCP socket on 127.0.0.1 for byte-exact protocol checks.
final class RawSocket {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw RFBError.malformed("connect failed") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func write(_ bytes: [UInt8]) throws {
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw RFBError.malformed("short write") }
    }

    func read(_ count: Int) throws -> [UInt8] {
        var out = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: count)
        while out.count < count {
            let n = Glibc.read(fd, &buffer, count - out.count)
            guard n > 0 else { throw RFBError.malformed("stream ended after \(out.count) of \(count) bytes") }
            out += buffer[0..<n]
        }
        return out
    }

    func readToEnd() throws -> [UInt8] {
        var out = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n == 0 { return out }
            guard n > 0 else { throw RFBError.malformed("read failed or timed out after \(out.count) bytes") }
            out += buffer[0..<n]
        }
    }
}
