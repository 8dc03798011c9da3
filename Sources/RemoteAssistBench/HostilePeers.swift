import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// The soak's hostile connections. Each kind misbehaves in one way and expects the agent to close it:
/// at once (garbage, oversized lengths) or when the 10 s handshake limit runs out (silent, slow, stalled
/// after TLS). Counted per kind: connections, refused at the door (closed before the version string),
/// closed by the agent, and anything else (the agent kept it open 20 s, or accepted what it should not).
enum HostileKind: String, CaseIterable, Codable, Sendable {
    case slowloris, silent, garbage, oversizedCutText = "oversized-cut-text", badSetEncodings = "bad-set-encodings"
    case tlsStall = "tls-stall"
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
    /// Close waits and the slowloris give up after this long (twice the agent's limit).
    static let patienceSeconds = 20

    init(port: Int) throws {
        self.port = port
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
        _ = running.wait(timeout: .now() + .seconds(Self.patienceSeconds + 5))
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
            closed = tlsThenStall(socket)
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

    /// VeNCrypt X509Plain up to a finished TLS 1.3 handshake, then nothing; true when the agent closed it.
    private func tlsThenStall(_ socket: BenchSocket) -> Bool {
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
            try socket.write([0, 0, 1, 6])   // 262 X509Plain
            guard try socket.read(1) == [1] else { return false }
        } catch {
            return false
        }
        let handshake = group.next().makePromise(of: Void.self)
        let tls = tls
        let bootstrap = ClientBootstrap(group: group).channelInitializer({ channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: nil))
                try channel.pipeline.syncOperations.addHandler(HandshakeWatcher(done: handshake))
            }
        })
        guard let channel = try? bootstrap.withConnectedSocket(socket.release()).wait() else { return false }
        guard (try? handshake.futureResult.wait()) != nil else { channel.close(promise: nil); return false }
        // Stalled: the agent must close it when its handshake limit runs out.
        let timedOut = Mutex(false)
        let patience = channel.eventLoop.scheduleTask(in: .seconds(Int64(Self.patienceSeconds))) {
            timedOut.withLock { $0 = true }
            channel.close(promise: nil)
        }
        try? channel.closeFuture.wait()
        patience.cancel()
        return !timedOut.withLock { $0 }
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
