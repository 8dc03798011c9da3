import Foundation
import NIOCore
import TestSupport
import XCTest
@testable import XMPP

/// `SOCKS5Connector` against a scripted proxy on a real socket: the handover with autoRead off and the
/// bytes that come with the reply.
final class SOCKS5ConnectorTests: XCTestCase {
    /// A proxy that answers the greeting and the CONNECT, then sends `withReply` in the same write as the
    /// reply and `later` half a second later.
    func scriptedProxy(_ listener: RawListener, reply: [UInt8]? = nil, withReply: [UInt8], later: [UInt8]) {
        Thread.detachNewThread {
            guard let peer = try? listener.accept() else { return }
            guard (try? peer.read(3)) == SOCKS5Bytestream.greeting else { return }
            try? peer.write([5, 0])
            guard let request = try? peer.read(47) else { return }
            try? peer.write((reply ?? ([5, 0, 0, 3, 40] + Array(request[5..<45]) + [0, 0])) + withReply)
            usleep(500_000)
            try? peer.write(later)
            usleep(500_000)
            peer.close()
        }
    }

    func testBytesWithTheReplyAndAfterItReachTheHandlersAddedLater() async throws {
        let listener = try RawListener()
        let first = RelayFrame.dataHeader(count: 5) + Array("hello".utf8)
        let second = RelayFrame.filler(totalBytes: 100) + RelayFrame.dataHeader(count: 3) + Array("abc".utf8)
        scriptedProxy(listener, withReply: first, later: second)
        let address = String(repeating: "a", count: 40)
        let (channel, leftover) = try await SOCKS5Connector.connect(host: "127.0.0.1", port: listener.port, address: address)
        XCTAssertEqual(leftover, first)
        let autoRead = try await channel.getOption(ChannelOptions.autoRead).get()
        XCTAssertFalse(autoRead, "handed over with autoRead off")
        try await Task.sleep(nanoseconds: 800_000_000)  // the later bytes are in the kernel by now, unread
        try await RelayFraming.install(on: channel, leftover: leftover)
        let collector = ByteCollector(expected: 8, initial: [], eventLoop: channel.eventLoop)
        try await startReading(channel, [collector])
        let got = try await collector.done.futureResult.get()
        XCTAssertEqual(String(decoding: got, as: UTF8.self), "helloabc")
        try? await channel.close()
    }

    func testARefusalIsAClearError() async throws {
        let listener = try RawListener()
        scriptedProxy(listener, reply: [5, 2, 0, 1, 0, 0, 0, 0, 0, 0], withReply: [], later: [])
        do {
            _ = try await SOCKS5Connector.connect(host: "127.0.0.1", port: listener.port, address: String(repeating: "b", count: 40))
            XCTFail("connected through a refusing proxy")
        } catch let e as XMPPError {
            XCTAssertEqual(e, .connectionFailed("SOCKS5: the proxy refused the connection (not allowed)"))
        }
    }

    func testAMalformedFrameAfterTheHandoverClosesWithAClearError() async throws {
        let listener = try RawListener()
        scriptedProxy(listener, withReply: [], later: [9, 0, 1, 0])
        let (channel, leftover) = try await SOCKS5Connector.connect(host: "127.0.0.1", port: listener.port,
                                                                    address: String(repeating: "c", count: 40))
        try await RelayFraming.install(on: channel, leftover: leftover)
        let errors = ErrorCatcher(eventLoop: channel.eventLoop)
        try await startReading(channel, [errors])
        let error = try await errors.caught.futureResult.get()
        XCTAssertEqual(error as? RelayFrameError, .unknownKind(9))
        XCTAssertEqual("\(error)", "the relayed stream is malformed: a frame of unknown kind 9")
        try await channel.closeFuture.get()
    }
}

/// Completes `caught` with the first error that reaches it.
final class ErrorCatcher: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let caught: EventLoopPromise<any Error>
    init(eventLoop: any EventLoop) { caught = eventLoop.makePromise() }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { caught.succeed(error) }
    func channelInactive(context: ChannelHandlerContext) { caught.fail(XMPPError.closed) }
}
