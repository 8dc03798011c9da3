import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// The soak's hostile connections. Each kind misbehaves in one way and expects the agent to close it:
/// at once (garbage, oversized lengths), when the 10 s handshake limit runs out (silent, slow, X509None
/// stalled mid-TLS), or when the agent's password limit (`share --password-timeout`) runs out and not
/// before (X509Plain stalled before the password). Counted per kind: connections, refused at the door
/// (closed before the version string), closed by the agent, and anything else (the agent kept it open
/// past the peer's patience, closed it too early, or accepted what it should not).
enum HostileKind: String, CaseIterable, Codable, Sendable {
    case slowloris, silent, garbage, oversizedCutText = "oversized-cut-text", badSetEncodings = "bad-set-encodings"
    case tlsStall = "tls-stall", passwordStall = "password-stall"
}

struct HostileCounts: Codable, Sendable {
    var connections = 0
    var refusedAtOnce = 0
    var closedByAgent = 0
    var unexpected = 0
}

final class HostilePeers: Sendable {
    private let port: Int
    private let counts = Mutex<[HostileKind: HostileCounts]>([:])
    private let stopping = Mutex(false)
    private let running = DispatchGroup()
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let tls: NIOSSLContext
    /// The agent's limit from choosing X509Plain to the password (`share --password-timeout`).
    private let passwordTimeoutSeconds: Int
    /// Close waits and the slowloris give up after this long (twice the agent's handshake limit).
    static let patienceSeconds = 20

    /// How long the password stall waits for the agent to close it: its limit and a margin for load.
    private var passwordPatienceSeconds: Int { passwordTimeoutSeconds + 5 }

    init(port: Int, passwordTimeoutSeconds: Int) throws {
        self.port = port
        self.passwordTimeoutSeconds = passwordTimeoutSeconds
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv13
        configuration.certificateVerification = .none   // a hostile peer does not care who the agent is
        tls = try NIOSSLContext(configuration: configuration)
    }

    /// Starts `count` peers, each reconnecting with its kind until ``stop()``; peer i connects from
    /// 127.0.0.(2 + i % addresses).
    func start(count: Int, addresses: Int) {
        for i in 0..<count {
            let kind = HostileKind.allCases[i % HostileKind.allCases.count]
            let source = "127.0.0.\(2 + i % max(1, addresses))"
            running.enter()
            Thread.detachNewThread { [self] in
                while !stopping.withLock({ $0 }) { once(kind, from: source) }
                running.leave()
            }
        }
    }

    /// Stops reconnecting and waits for the peers' last connections to end.
    func stop() -> [HostileKind: HostileCounts] {
        stopping.withLock { $0 = true }
        _ = running.wait(timeout: .now() + .seconds(max(Self.patienceSeconds, passwordPatienceSeconds) + 5))
        try? group.syncShutdownGracefully()
        return counts.withLock { $0 }
    }

    private func record(_ kind: HostileKind, _ change: (inout HostileCounts) -> Void) {
        counts.withLock { change(&$0[kind, default: HostileCounts()]) }
    }

    private func once(_ kind: HostileKind, from source: String) {
        record(kind) { $0.connections += 1 }
        guard let socket = try? BenchSocket(port: port, from: source, receiveTimeoutSeconds: Self.patienceSeconds) else {
            record(kind) { $0.unexpected += 1 }
            usleep(200_000)
            return
        }
        guard (try? socket.read(12)) == Array("RFB 003.008\n".utf8) else {
            record(kind) { $0.refusedAtOnce += 1 }
            usleep(100_000)   // refused at the door: try again a little later
            return
        }
        let closed: Bool
        switch kind {
        case .silent:
            closed = socket.waitForClose()
        case .slowloris:
            closed = slowly(socket)
        case .garbage:
            closed = (try? socket.write(Array("GET / HTTP/1.1\r\nHost: agent\r\n\r\n".utf8))) != nil && socket.waitForClose()
        case .oversizedCutText:
            closed = inSession(socket, then: [6, 0, 0, 0, 0x80, 0, 0, 0])
        case .badSetEncodings:
            closed = inSession(socket, then: [2, 0, 0xFF, 0xFF])
        case .tlsStall:
            closed = stallMidTLS(socket)
        case .passwordStall:
            closed = stallBeforePassword(socket)
        }
        record(kind) { if closed { $0.closedByAgent += 1 } else { $0.unexpected += 1 } }
    }

    /// One byte a second of a valid handshake; true when the agent closed it before it was done.
    private func slowly(_ socket: BenchSocket) -> Bool {
        let bytes = Array("RFB 003.008\n".utf8) + [UInt8](repeating: 1, count: Self.patienceSeconds)
        for byte in bytes {
            guard (try? socket.write([byte])) != nil else { return true }
            var probe: UInt8 = 0
            if recv(socket.fd, &probe, 1, Int32(MSG_DONTWAIT)) == 0 { return true }
            sleep(1)
        }
        return false
    }

    /// Security type None (`--insecure-loopback`), ClientInit, then `garbage`; true when closed after it.
    private func inSession(_ socket: BenchSocket, then garbage: [UInt8]) -> Bool {
        do {
            try socket.write(Array("RFB 003.008\n".utf8))
            let count = Int(try socket.read(1)[0])
            guard try socket.read(count).contains(1) else { return false }
            try socket.write([1])
            guard try socket.read(4) == [0, 0, 0, 0] else { return false }
            try socket.write([1])
            let header = try socket.read(24)
            _ = try socket.read(Int(header[20]) << 24 | Int(header[21]) << 16 | Int(header[22]) << 8 | Int(header[23]))
            try socket.write(garbage)
        } catch {
            return false
        }
        return socket.waitForClose()
    }

    /// Version, VeNCrypt 0.2 and `subtype` (big-endian), up to the agent's go-ahead for TLS.
    private func chooseVeNCrypt(_ socket: BenchSocket, subtype: [UInt8]) -> Bool {
        do {
            try socket.write(Array("RFB 003.008\n".utf8))
            let count = Int(try socket.read(1)[0])
            guard try socket.read(count).contains(19) else { return false }
            try socket.write([19])
            _ = try socket.read(2)
            try socket.write([0, 2])
            guard try socket.read(1) == [0] else { return false }
            let subtypes = Int(try socket.read(1)[0])
            _ = try socket.read(subtypes * 4)
            try socket.write(subtype)
            return try socket.read(1) == [1]
        } catch {
            return false
        }
    }

    /// TLS over the socket from here; `stallAfterHello` lets only the ClientHello out (the agent's TLS
    /// then waits for the rest of the client's flight, which never comes). The channel once our side
    /// of the handshake finished, or nil.
    private func startTLS(_ socket: BenchSocket, stallAfterHello: Bool) -> (any Channel)? {
        let handshake = group.next().makePromise(of: Void.self)
        let tls = tls
        let bootstrap = ClientBootstrap(group: group).channelInitializer({ channel in
            channel.eventLoop.makeCompletedFuture {
                if stallAfterHello { try channel.pipeline.syncOperations.addHandler(FirstFlightOnly()) }
                try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: nil))
                try channel.pipeline.syncOperations.addHandler(HandshakeWatcher(done: handshake))
            }
        })
        guard let channel = try? bootstrap.withConnectedSocket(socket.release()).wait() else { return nil }
        guard (try? handshake.futureResult.wait()) != nil else { channel.close(promise: nil); return nil }
        return channel
    }

    /// Waits for the agent to close `channel`: true when it did after at least `notBefore` seconds
    /// since `since`, and within `patience` seconds from now.
    private func agentCloses(_ channel: any Channel, patience: Int, notBefore: Double = 0, since: Date = Date()) -> Bool {
        let timedOut = Mutex(false)
        let giveUp = channel.eventLoop.scheduleTask(in: .seconds(Int64(patience))) {
            timedOut.withLock { $0 = true }
            channel.close(promise: nil)
        }
        try? channel.closeFuture.wait()
        giveUp.cancel()
        return !timedOut.withLock { $0 } && Date().timeIntervalSince(since) >= notBefore
    }

    /// VeNCrypt X509None (our own viewers' mutual TLS), the ClientHello, then nothing: the agent keeps
    /// the short handshake limit through TLS and must close it then; true when it did.
    private func stallMidTLS(_ socket: BenchSocket) -> Bool {
        guard chooseVeNCrypt(socket, subtype: [0, 0, 1, 4]),   // 260 X509None
              let channel = startTLS(socket, stallAfterHello: true) else { return false }
        return agentCloses(channel, patience: Self.patienceSeconds)
    }

    /// VeNCrypt X509Plain (a stock viewer) up to a finished TLS 1.3 handshake, then no password: the agent
    /// must close it when its password limit runs out, not at the short handshake limit (a person may be
    /// typing); true when it closed it in that window.
    private func stallBeforePassword(_ socket: BenchSocket) -> Bool {
        guard chooseVeNCrypt(socket, subtype: [0, 0, 1, 6]) else { return false }   // 262 X509Plain
        let chosen = Date()
        guard let channel = startTLS(socket, stallAfterHello: false) else { return false }
        // The limit runs from the choice; a close before 80% of it came from a shorter one.
        return agentCloses(channel, patience: passwordPatienceSeconds, notBefore: Double(passwordTimeoutSeconds) * 0.8,
                           since: chosen)
    }
}

/// Lets the first flight of writes out (up to the first flush: the ClientHello), then swallows every
/// later write, so that the peer's TLS handshake stalls half way on the agent's side.
private final class FirstFlightOnly: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    private var flushed = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if flushed {
            promise?.succeed()
        } else {
            context.write(data, promise: promise)
        }
    }

    func flush(context: ChannelHandlerContext) {
        flushed = true
        context.flush()
    }
}

/// Completes `done` when the TLS handshake finished (and fails it when the channel closes first).
private final class HandshakeWatcher: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let done: EventLoopPromise<Void>

    init(done: EventLoopPromise<Void>) { self.done = done }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls { done.succeed() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }
}
