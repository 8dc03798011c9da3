import Foundation
import NIOCore
import TestSupport
import XCTest
@testable import XMPP

/// Collects what a channel receives until `expected` bytes are there.
final class ByteCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private var bytes: [UInt8]
    private let expected: Int
    private let eventLoop: any EventLoop
    let done: EventLoopPromise<[UInt8]>
    private var waiters: [(count: Int, promise: EventLoopPromise<Void>)] = []

    init(expected: Int, initial: [UInt8], eventLoop: any EventLoop, timeout: TimeAmount = .seconds(20)) {
        self.expected = expected
        self.eventLoop = eventLoop
        bytes = initial
        let done = eventLoop.makePromise(of: [UInt8].self)
        self.done = done
        // A test that fails rather than hangs.
        eventLoop.scheduleTask(in: timeout) { [self] in
            let error = XMPPError.timeout("bytes through the proxy: \(bytes.count) of \(expected)")
            done.fail(error)
            for w in waiters { w.promise.fail(error) }
            waiters = []
        }
    }

    /// The number of bytes received so far.
    func received() async throws -> Int {
        try await eventLoop.submit { self.bytes.count }.get()
    }

    /// Returns once `count` bytes are there.
    func waitFor(_ count: Int) async throws {
        let promise = eventLoop.makePromise(of: Void.self)
        eventLoop.execute { [self] in
            if bytes.count >= count { promise.succeed(()) } else { waiters.append((count, promise)) }
        }
        try await promise.futureResult.get()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if bytes.count >= expected { done.succeed(bytes) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        bytes += unwrapInboundIn(data).readableBytesView
        let ready = waiters.filter { $0.count <= bytes.count }
        waiters.removeAll { $0.count <= bytes.count }
        for w in ready { w.promise.succeed(()) }
        if bytes.count >= expected { done.succeed(bytes) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(XMPPError.closed)
    }
}

/// The value of `body`, or a timeout error after `seconds` (a test fails rather than hangs).
func within<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        guard let value = first else { throw XMPPError.timeout("the test's wait") }
        return value
    }
}

/// XEP-0065 through Prosody's proxy65, both roles ours, bytes end to end both ways.
final class BytestreamTests: XCTestCase {
    /// Raw bytes (no relay framing) both ways through Prosody's proxy65 on its select backend, every byte
    /// in order. With the epoll backend the tail of a burst stays in the server (`EpollRelayTests`).
    func testBytesFlowThroughTheProxyBothWays() async throws {
        try await relay(size: 64 * 1024, writes: 1)
    }

    func testAMebibyteThroughTheProxy() async throws {
        try await relay(size: 1 << 20, writes: 16)
    }

    func relay(size: Int, writes: Int) async throws {
        let server = try ProsodyServer()
        defer { server.stop() }
        try server.register("alice", password: "a-secret")
        try server.register("bob", password: "b-secret")
        let alice = try await XMPPClient.connect(account: try JID("alice@\(server.host)"), password: "a-secret", host: "127.0.0.1",
                                                 port: server.c2sPort, trust: .caFile(server.caFile), resource: "req")
        let bob = try await XMPPClient.connect(account: try JID("bob@\(server.host)"), password: "b-secret", host: "127.0.0.1",
                                               port: server.c2sPort, trust: .caFile(server.caFile), resource: "exp")
        let proxyJID = try JID(server.proxyHost)
        let aliceProxy = try await alice.streamHost(of: proxyJID)
        let bobProxy = try await bob.streamHost(of: proxyJID)
        XCTAssertEqual(aliceProxy, StreamHost(jid: proxyJID, host: "127.0.0.1", port: server.proxyPort))

        // bob takes the first bytestream offer.
        let accepting = Task {
            for await s in bob.stanzas where s.name == "iq" && s.child("query", namespace: "http://jabber.org/protocol/bytestreams") != nil {
                return try await bob.acceptBytestream(s, proxy: bobProxy)
            }
            throw XMPPError.closed
        }
        let opened = try await alice.openBytestream(to: bob.jid, sid: "s\(UInt32.random(in: 0...UInt32.max))", via: aliceProxy)
        let accepted = try await within(20) { try await accepting.value }

        let payload = (0..<size).map { _ in UInt8.random(in: 0...255) }
        let atBob = ByteCollector(expected: size, initial: accepted.leftover, eventLoop: accepted.channel.eventLoop)
        try await startReading(accepted.channel, [atBob])
        let reply = Array("thanks".utf8)
        let atAlice = ByteCollector(expected: reply.count, initial: opened.leftover, eventLoop: opened.channel.eventLoop)
        try await startReading(opened.channel, [atAlice])

        let step = size / writes
        for start in stride(from: 0, to: size, by: step) {
            try await opened.channel.writeAndFlush(opened.channel.allocator.buffer(bytes: payload[start..<min(size, start + step)]))
        }
        let got = try await atBob.done.futureResult.get()
        XCTAssertEqual(got.count, size)
        XCTAssertTrue(got == payload, "the bytes through the proxy differ")
        try await accepted.channel.writeAndFlush(accepted.channel.allocator.buffer(bytes: reply))
        let back = try await atAlice.done.futureResult.get()
        XCTAssertEqual(back, reply)

        try await opened.channel.close()
        try? await accepted.channel.close()  // the proxy may have passed the close on already
        await alice.close()
        await bob.close()
    }

    /// The handover with autoRead off: alice writes the moment the stream is activated, bob adds his handler
    /// only half a second later; every byte is there (in `leftover` or read after autoRead is on).
    func testBytesSentRightAfterActivationAreKept() async throws {
        let server = try ProsodyServer()
        defer { server.stop() }
        let pair = try await RelayPair.make(on: server)
        let payload = (0..<3000).map { UInt8($0 % 253) }
        try await pair.opened.channel.writeAndFlush(pair.opened.channel.allocator.buffer(bytes: payload))
        try await Task.sleep(nanoseconds: 500_000_000)
        let atBob = ByteCollector(expected: payload.count, initial: pair.accepted.leftover, eventLoop: pair.accepted.channel.eventLoop)
        try await startReading(pair.accepted.channel, [atBob])
        let got = try await atBob.done.futureResult.get()
        XCTAssertEqual(got, payload)
        await pair.close()
    }

    func testAnOfferNamingAnotherProxyIsRefused() async throws {
        let server = try ProsodyServer()
        defer { server.stop() }
        try server.register("alice", password: "a-secret")
        try server.register("bob", password: "b-secret")
        let alice = try await XMPPClient.connect(account: try JID("alice@\(server.host)"), password: "a-secret", host: "127.0.0.1",
                                                 port: server.c2sPort, trust: .caFile(server.caFile), resource: "req")
        let bob = try await XMPPClient.connect(account: try JID("bob@\(server.host)"), password: "b-secret", host: "127.0.0.1",
                                               port: server.c2sPort, trust: .caFile(server.caFile), resource: "exp")
        let bobProxy = try await bob.streamHost(of: try JID(server.proxyHost))
        let refusing = Task {
            for await s in bob.stanzas where s.name == "iq" {
                do {
                    _ = try await bob.acceptBytestream(s, proxy: bobProxy)
                    return false
                } catch {
                    return true
                }
            }
            return false
        }
        // alice names a streamhost elsewhere (an address bob must never dial).
        let elsewhere = StreamHost(jid: try JID("evil.example"), host: "127.0.0.1", port: 9)
        do {
            _ = try await alice.openBytestream(to: bob.jid, sid: "x1", via: elsewhere)
            XCTFail("the offer was used")
        } catch let e as XMPPError {
            XCTAssertEqual(e, .iqError("item-not-found"))
        }
        let refused = try await within(20) { await refusing.value }
        XCTAssertTrue(refused)
        await alice.close()
        await bob.close()
    }
}
