import Foundation
import NIOCore
import NIOSSL
import TestSupport
import XCTest
@testable import XMPP

/// The relay stall of Prosody 0.12's default epoll backend, and our framing (`RelayFrameHandler`) that gets
/// every byte through it, and through the select backend too.
final class EpollRelayTests: XCTestCase {
    /// The server fact the framing exists for: through epoll, a raw 64 KiB burst does not arrive whole
    /// (the proxy holds its tail until more bytes come). Should a Prosody release fix it, this fails and
    /// says so; the framing then costs only its filler.
    func testEpollHoldsTheTailOfARawBurst() async throws {
        let server = try ProsodyServer(backend: "epoll")
        defer { server.stop() }
        let pair = try await RelayPair.make(on: server)
        let size = 64 * 1024
        let atBob = ByteCollector(expected: size, initial: pair.accepted.leftover, eventLoop: pair.accepted.channel.eventLoop,
                                  timeout: .seconds(3))
        try await startReading(pair.accepted.channel, [atBob])
        try await startReading(pair.opened.channel, [])
        try await pair.opened.channel.writeAndFlush(pair.opened.channel.allocator.buffer(bytes: [UInt8](repeating: 7, count: size)))
        do {
            let got = try await atBob.done.futureResult.get()
            XCTFail("epoll relayed all \(got.count) bytes: the stall is gone from this Prosody")
        } catch XMPPError.timeout(let what) {
            XCTAssertTrue(what.contains("of \(size)"), what)
            let got = try await atBob.received()
            XCTAssertLessThan(got, size)
            XCTAssertGreaterThanOrEqual(got, size - 8192, "the proxy held more than LuaSocket's buffer")
        }
        await pair.close()
    }

    func testFramedBurstsThroughEpoll() async throws {
        try await framedBursts(backend: "epoll", sizes: [6000, 64 * 1024, 1 << 20])
    }

    func testFramedBurstsThroughSelect() async throws {
        try await framedBursts(backend: "select", sizes: [6000, 64 * 1024, 1 << 20])
    }

    func testFramedPingPongThroughEpoll() async throws {
        try await framedPingPong(backend: "epoll")
    }

    func testFramedPingPongThroughSelect() async throws {
        try await framedPingPong(backend: "select")
    }

    /// Each size from alice to bob, then back; every byte in order. 6000 bytes (6003 framed) arrive at
    /// the proxy in one piece: it takes 4096 and, without filler, holds the rest.
    func framedBursts(backend: String, sizes: [Int]) async throws {
        let server = try ProsodyServer(backend: backend)
        defer { server.stop() }
        let pair = try await RelayPair.make(on: server)
        let a = pair.opened.channel, b = pair.accepted.channel
        // Measurement knobs (README, XMPP): RELAY_FILLER bytes of filler after RELAY_DELAY_MS of quiet.
        let env = ProcessInfo.processInfo.environment
        let filler = Int(env["RELAY_FILLER"] ?? "") ?? RelayFrameHandler.defaultFillerBytes
        let delay = TimeAmount.milliseconds(Int64(env["RELAY_DELAY_MS"] ?? "") ?? 5)
        try await RelayFraming.install(on: a, leftover: pair.opened.leftover, idleDelay: delay, fillerBytes: filler)
        try await RelayFraming.install(on: b, leftover: pair.accepted.leftover, idleDelay: delay, fillerBytes: filler)
        let total = sizes.reduce(0, +)
        let atBob = ByteCollector(expected: total, initial: [], eventLoop: b.eventLoop)
        let atAlice = ByteCollector(expected: total, initial: [], eventLoop: a.eventLoop)
        try await startReading(b, [atBob])
        try await startReading(a, [atAlice])
        var sent: [UInt8] = []
        for size in sizes {
            let payload = (0..<size).map { _ in UInt8.random(in: 0...255) }
            sent += payload
            try await a.writeAndFlush(a.allocator.buffer(bytes: payload))
            // The whole burst must arrive before the next is sent.
            try await atBob.waitFor(sent.count)
        }
        let got = try await atBob.done.futureResult.get()
        XCTAssertEqual(got.count, total)
        XCTAssertTrue(got == sent, "the bytes alice sent differ at bob")
        var back: [UInt8] = []
        for size in sizes {
            let payload = (0..<size).map { _ in UInt8.random(in: 0...255) }
            back += payload
            try await b.writeAndFlush(b.allocator.buffer(bytes: payload))
            try await atAlice.waitFor(back.count)
        }
        let gotBack = try await atAlice.done.futureResult.get()
        XCTAssertTrue(gotBack == back, "the bytes bob sent differ at alice")
        await pair.close()
    }

    /// Like RFB: alice asks with a few bytes, bob answers with a burst of an awkward size, alice asks again
    /// once the whole answer is there; and the other way round.
    func framedPingPong(backend: String) async throws {
        let server = try ProsodyServer(backend: backend)
        defer { server.stop() }
        let pair = try await RelayPair.make(on: server)
        let a = pair.opened.channel, b = pair.accepted.channel
        // Measurement knobs (README, XMPP): RELAY_FILLER bytes of filler after RELAY_DELAY_MS of quiet.
        let env = ProcessInfo.processInfo.environment
        let filler = Int(env["RELAY_FILLER"] ?? "") ?? RelayFrameHandler.defaultFillerBytes
        let delay = TimeAmount.milliseconds(Int64(env["RELAY_DELAY_MS"] ?? "") ?? 5)
        try await RelayFraming.install(on: a, leftover: pair.opened.leftover, idleDelay: delay, fillerBytes: filler)
        try await RelayFraming.install(on: b, leftover: pair.accepted.leftover, idleDelay: delay, fillerBytes: filler)
        let answers = (0..<24).map { 4096 * ($0 % 5 + 1) + 1000 * $0 + 17 }
        let asker = PingPong(askBytes: 10, answers: answers, eventLoop: a.eventLoop)
        let answerer = PingPongAnswerer(askBytes: 10, answers: answers)
        try await startReading(b, [answerer])
        try await startReading(a, [asker])
        let rounds = try await asker.done.futureResult.get()
        XCTAssertEqual(rounds, answers.count)
        await pair.close()
    }
}

/// Sends `askBytes`, waits for the whole next answer, asks again; `done` with the number of rounds.
final class PingPong: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let askBytes: Int
    let answers: [Int]
    var round = 0
    var received = 0
    let done: EventLoopPromise<Int>

    init(askBytes: Int, answers: [Int], eventLoop: any EventLoop) {
        self.askBytes = askBytes
        self.answers = answers
        let done = eventLoop.makePromise(of: Int.self)
        self.done = done
        eventLoop.scheduleTask(in: .seconds(30)) { [self] in
            done.fail(XMPPError.timeout("ping-pong stalled in round \(round): \(received) of \(answers[min(round, answers.count - 1)]) bytes"))
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(repeating: 1, count: askBytes)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += unwrapInboundIn(data).readableBytes
        guard round < answers.count, received >= answers[round] else { return }
        if received > answers[round] { return done.fail(XMPPError.protocolViolation("more bytes than the answer")) }
        received = 0
        round += 1
        if round == answers.count { return done.succeed(round) }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(repeating: 1, count: askBytes)), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(XMPPError.closed)
    }
}

/// Answers each whole ask of `askBytes` with the next burst of `answers`.
final class PingPongAnswerer: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let askBytes: Int
    let answers: [Int]
    var round = 0
    var received = 0

    init(askBytes: Int, answers: [Int]) {
        self.askBytes = askBytes
        self.answers = answers
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += unwrapInboundIn(data).readableBytes
        while received >= askBytes, round < answers.count {
            received -= askBytes
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(repeating: UInt8(round & 0xFF), count: answers[round])),
                                  promise: nil)
            round += 1
        }
    }
}

/// TLS end to end inside the framed relay, as a session runs it: alice is the TLS client, bob the server
/// (the Prosody fixture's certificate), through epoll; bursts both ways and request/answer rounds.
final class TLSOverRelayTests: XCTestCase {
    func testTLSInsideTheFramedRelayThroughEpoll() async throws {
        let server = try ProsodyServer(backend: "epoll")
        defer { server.stop() }
        let pair = try await RelayPair.make(on: server)
        let a = pair.opened.channel, b = pair.accepted.channel
        try await RelayFraming.install(on: a, leftover: pair.opened.leftover)
        try await RelayFraming.install(on: b, leftover: pair.accepted.leftover)
        var clientConfig = TLSConfiguration.makeClientConfiguration()
        clientConfig.trustRoots = .file(server.caFile)
        clientConfig.minimumTLSVersion = .tlsv13
        let serverConfig = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(server.caFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: server.keyFile, format: .pem)))
        let clientContext = try NIOSSLContext(configuration: clientConfig)
        let serverContext = try NIOSSLContext(configuration: serverConfig)
        let host = server.host
        try await a.eventLoop.submit {
            try a.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: clientContext, serverHostname: host))
        }.get()
        try await b.eventLoop.submit {
            try b.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: serverContext))
        }.get()
        let answers = (0..<12).map { 16384 * ($0 % 3 + 1) + 777 * $0 + 5 }
        let asker = PingPong(askBytes: 10, answers: answers, eventLoop: a.eventLoop)
        try await startReading(b, [PingPongAnswerer(askBytes: 10, answers: answers)])
        try await startReading(a, [asker])
        let rounds = try await asker.done.futureResult.get()
        XCTAssertEqual(rounds, answers.count)
        await pair.close()
    }
}
