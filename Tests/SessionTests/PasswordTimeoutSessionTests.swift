import Agent
import Foundation
import NIOCore
import NIOPosix
import RFBTransport
import Synchronization
import TestSupport
import XCTest

/// The handshake's two limits on real sockets and real TLS 1.3 (issue #12: the 10 s limit cut TigerVNC off
/// while its user was in the certificate and password dialogs). Here the short limit is 1 s and the
/// password limit 4 s: a stock viewer (VeNCrypt X509Plain) whose person types the one-time password after
/// the short limit still gets in; one that sends nothing is closed when the password limit runs out, not
/// before; our own viewers' X509None keeps the short limit through TLS.
final class PasswordTimeoutSessionTests: XCTestCase {
    static let short: TimeAmount = .seconds(1)
    static let long: TimeAmount = .seconds(4)

    private func closedReasons(_ fixture: SessionFixture) -> [String] {
        fixture.agentEvents.all.compactMap { if case .connectionClosed(_, let reason) = $0 { return reason }; return nil }
    }

    private func startAgent(_ fixture: SessionFixture, gate: PasswordGate) async throws -> AgentServer {
        try await fixture.startAgent(passwords: gate, handshakeTimeout: Self.short, passwordTimeout: Self.long)
    }

    func testAPasswordTypedAfterTheShortLimitStillGetsIn() async throws {
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let gate = PasswordGate()
        let password = gate.rotate()
        let agent = try await startAgent(fixture, gate: gate)
        let viewer = try await StockViewer.connect(port: agent.localPort, subtype: 262, fixture: fixture)
        defer { viewer.close() }
        // The person reads the certificate and types: 2.5 s, well past the short limit.
        try await Task.sleep(for: .milliseconds(2500))
        XCTAssertFalse(viewer.isClosed, "closed by the short limit: \(closedReasons(fixture))")
        viewer.send(Self.plainCredentials(user: "alice", password: password.text))
        let result = try await viewer.read(4)
        XCTAssertEqual(result, [0, 0, 0, 0], "SecurityResult OK")
        viewer.send([1])   // ClientInit, shared
        let header = try await viewer.read(24)
        XCTAssertEqual(Array(header[0..<4]), [1, 64, 0, 240], "ServerInit 320x240")
        try await fixture.waitFor("the session to start") {
            fixture.agentEvents.all.contains { if case .sessionStarted = $0 { return true }; return false }
        }
        XCTAssertEqual(closedReasons(fixture), [])
        await agent.close()
    }

    func testAStockViewerThatSendsNoPasswordIsClosedAtThePasswordLimit() async throws {
        XCTAssertEqual(AgentLimits.passwordTimeout, .seconds(120), "the default: 2 min for the dialogs")
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let gate = PasswordGate()
        _ = gate.rotate()
        let agent = try await startAgent(fixture, gate: gate)
        let started = Date()
        let viewer = try await StockViewer.connect(port: agent.localPort, subtype: 262, fixture: fixture)
        defer { viewer.close() }
        XCTAssertEqual(agent.unauthenticatedConnections, 1, "it holds its place among the capped connections")
        try await viewer.waitUntilClosed(timeout: 10)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertGreaterThanOrEqual(elapsed, 3.9, "closed before the password limit")
        XCTAssertLessThan(elapsed, 7, "not closed at the password limit")
        try await fixture.waitFor("the closing logged") { !closedReasons(fixture).isEmpty }
        XCTAssertEqual(closedReasons(fixture), ["the other side did not send the one-time password within 4 s"])
        XCTAssertEqual(agent.unauthenticatedConnections, 0)
        XCTAssertFalse(fixture.agentEvents.all.contains { if case .consentAsked = $0 { return true }; return false })
        await agent.close()
    }

    /// X509None is for our own viewers, with no person in the loop: a peer that chooses it and then stalls
    /// before TLS is closed at the short limit.
    func testMutualTLSKeepsTheShortLimit() async throws {
        let fixture = try SessionFixture(width: 320, height: 240)
        defer { fixture.shutdown() }
        let gate = PasswordGate()
        _ = gate.rotate()
        let agent = try await startAgent(fixture, gate: gate)
        let started = Date()
        let socket = try RawSocket(port: agent.localPort, receiveTimeoutSeconds: 10)
        try StockViewer.negotiate(socket, subtype: 260)
        XCTAssertEqual(try socket.readToEnd(), [], "nothing more, then the close")
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertGreaterThanOrEqual(elapsed, 0.9)
        XCTAssertLessThan(elapsed, 3, "X509None got the password limit")
        try await fixture.waitFor("the closing logged") { !closedReasons(fixture).isEmpty }
        XCTAssertEqual(closedReasons(fixture), ["the other side did not finish the handshake within 1 s"])
        await agent.close()
    }

    static func plainCredentials(user: String, password: String) -> [UInt8] {
        let u = Array(user.utf8), p = Array(password.utf8)
        return RawRFBClient.u32(UInt32(u.count)) + RawRFBClient.u32(UInt32(p.count)) + u + p
    }
}

/// A stock viewer spelled out: the VeNCrypt negotiation byte by byte on a `RawSocket`, then real TLS 1.3
/// (pinned to the agent's certificate) through NIO, and from then on bytes sent and read by hand, at the
/// pace the test chooses.
final class StockViewer: Sendable {
    struct Failure: Error, CustomStringConvertible { let description: String }
    private let channel: any Channel
    private let collector: Collector

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    /// Version 3.8, VeNCrypt 0.2, `subtype` (260 X509None, 262 X509Plain), up to the agent's go-ahead.
    static func negotiate(_ socket: RawSocket, subtype: UInt32) throws {
        guard try socket.read(12) == Array("RFB 003.008\n".utf8) else { throw StockViewer.Failure(description: "not RFB 3.8") }
        try socket.write(Array("RFB 003.008\n".utf8))
        let count = Int(try socket.read(1)[0])
        guard try socket.read(count).contains(19) else { throw StockViewer.Failure(description: "VeNCrypt not offered") }
        try socket.write([19])
        guard try socket.read(2) == [0, 2] else { throw StockViewer.Failure(description: "not VeNCrypt 0.2") }
        try socket.write([0, 2])
        guard try socket.read(1) == [0] else { throw StockViewer.Failure(description: "VeNCrypt 0.2 refused") }
        let subtypes = Int(try socket.read(1)[0])
        _ = try socket.read(subtypes * 4)
        try socket.write(RawRFBClient.u32(subtype))
        guard try socket.read(1) == [1] else { throw StockViewer.Failure(description: "subtype \(subtype) refused") }
    }

    /// Negotiates `subtype`, then completes TLS with the agent (no client certificate).
    static func connect(port: Int, subtype: UInt32, fixture: SessionFixture) async throws -> StockViewer {
        let socket = try RawSocket(port: port)
        try negotiate(socket, subtype: subtype)
        let tls = try TLSSetup.Client(credentials: nil,
                                      trustedServers: TrustedPeers(fingerprint: fixture.agentIdentity.fingerprint, name: "bob"))
        let collector = Collector()
        let verified = Mutex<EventLoopFuture<TrustedPeer?>?>(nil)
        let channel = try await ClientBootstrap(group: fixture.group).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                let handlers = try tls.makeHandlers(on: channel.eventLoop)
                try handlers.add(to: channel.pipeline.syncOperations)
                try channel.pipeline.syncOperations.addHandler(collector)
                verified.withLock { $0 = handlers.peer }
            }
        }.withConnectedSocket(socket.release()).get()
        _ = try await verified.withLock { $0 }?.get()
        return StockViewer(channel: channel, collector: collector)
    }

    var isClosed: Bool { collector.state.withLock { $0.closed } }

    func send(_ bytes: [UInt8]) {
        channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
    }

    /// Exactly `count` bytes, or an error when the connection closes or nothing comes within `timeout`.
    func read(_ count: Int, timeout: Double = 10) async throws -> [UInt8] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let got: [UInt8]? = collector.state.withLock { s in
                guard s.bytes.count >= count else { return nil }
                defer { s.bytes.removeFirst(count) }
                return Array(s.bytes.prefix(count))
            }
            if let got { return got }
            if isClosed { throw StockViewer.Failure(description: "closed before \(count) bytes came") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw StockViewer.Failure(description: "\(count) bytes did not come within \(timeout) s")
    }

    func waitUntilClosed(timeout: Double) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if isClosed { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw StockViewer.Failure(description: "still open after \(timeout) s")
    }

    func close() { channel.close(promise: nil) }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        struct State {
            var bytes: [UInt8] = []
            var closed = false
        }
        let state = Mutex(State())

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            state.withLock { $0.bytes += bytes }
        }

        func channelInactive(context: ChannelHandlerContext) {
            state.withLock { $0.closed = true }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
