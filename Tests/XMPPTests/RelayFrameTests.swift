import NIOCore
import NIOEmbedded
import XCTest
@testable import XMPP

/// The relay frame codec as a value, and `RelayFrameHandler` on an embedded channel (virtual time).
final class RelayFrameTests: XCTestCase {
    private func frames(_ parts: [[UInt8]], fillerAfter: Set<Int> = [], fillerBytes: Int = 100) -> [UInt8] {
        var out: [UInt8] = []
        for (i, p) in parts.enumerated() {
            out += RelayFrame.dataHeader(count: p.count) + p
            if fillerAfter.contains(i) { out += RelayFrame.filler(totalBytes: fillerBytes) }
        }
        return out
    }

    func testDataComesThroughInAnyChunkingAndFillerIsSkipped() throws {
        let parts: [[UInt8]] = [[1], Array(repeating: 2, count: 65535), (0..<1000).map { UInt8($0 & 0xFF) }, [9, 9]]
        let wire = frames(parts, fillerAfter: [0, 2], fillerBytes: 8192) + RelayFrame.filler(totalBytes: 3)
        let expected = parts.flatMap { $0 }
        for chunk in [1, 2, 3, 4, 7, 4096, 8192, wire.count] {
            var decoder = RelayFrameDecoder()
            var got: [UInt8] = []
            for start in stride(from: 0, to: wire.count, by: chunk) {
                got += try decoder.data(in: Array(wire[start..<min(wire.count, start + chunk)]))
            }
            XCTAssertTrue(got == expected, "chunks of \(chunk)")
            XCTAssertTrue(decoder.isAtFrameBoundary)
        }
    }

    func testAPartialFrameIsPendingNotLost() throws {
        var decoder = RelayFrameDecoder()
        XCTAssertEqual(try decoder.data(in: [0, 0]), [])
        XCTAssertFalse(decoder.isAtFrameBoundary)
        XCTAssertEqual(try decoder.data(in: [5, 1, 2]), [1, 2])
        XCTAssertFalse(decoder.isAtFrameBoundary)
        XCTAssertEqual(try decoder.data(in: [3, 4, 5, 1, 0]), [3, 4, 5])
        XCTAssertEqual(try decoder.data(in: [2, 0]), [])
        XCTAssertFalse(decoder.isAtFrameBoundary)
        XCTAssertEqual(try decoder.data(in: [0]), [])
        XCTAssertTrue(decoder.isAtFrameBoundary)
    }

    func testAnUnknownKindIsRefusedAndTheDecoderStaysFailed() {
        var decoder = RelayFrameDecoder()
        XCTAssertThrowsError(try decoder.data(in: [0, 0, 1, 42, 7, 0, 1])) { XCTAssertEqual($0 as? RelayFrameError, .unknownKind(7)) }
        XCTAssertThrowsError(try decoder.data(in: [0, 0, 1, 42])) { XCTAssertEqual($0 as? RelayFrameError, .unknownKind(7)) }
    }

    func testAnEmptyDataFrameIsRefused() {
        var decoder = RelayFrameDecoder()
        XCTAssertThrowsError(try decoder.data(in: [1, 0, 0, 0, 0, 0])) { XCTAssertEqual($0 as? RelayFrameError, .emptyDataFrame) }
    }

    func testFillerSizes() {
        XCTAssertEqual(RelayFrame.filler(totalBytes: 8192).count, 8192)
        XCTAssertEqual(RelayFrame.filler(totalBytes: 8192)[0...2], [1, 0x1F, 0xFD])
        XCTAssertEqual(RelayFrame.filler(totalBytes: 0), [1, 0, 0])
        XCTAssertEqual(RelayFrame.filler(totalBytes: 1 << 20).count, 3 + 65535)
    }

    private func outbound(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var all: [UInt8] = []
        while let b = try channel.readOutbound(as: ByteBuffer.self) { all += b.readableBytesView }
        return all
    }

    func testTheHandlerFramesWritesAndSendsOneFillerOnceIdle() throws {
        let channel = EmbeddedChannel(handler: RelayFrameHandler(idleDelay: .milliseconds(5), fillerBytes: 8192))
        try channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let payload = (0..<100_000).map { UInt8($0 % 251) }
        try channel.writeAndFlush(channel.allocator.buffer(bytes: payload)).wait()
        var wire = try outbound(channel)
        XCTAssertEqual(wire.count, payload.count + 2 * RelayFrame.headerBytes, "two data frames, no filler yet")
        // Still busy 3 ms later: the idle clock restarts.
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(3))
        try channel.writeAndFlush(channel.allocator.buffer(bytes: [7])).wait()
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(3))
        XCTAssertEqual(try outbound(channel), RelayFrame.dataHeader(count: 1) + [7])
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(3))
        wire = try outbound(channel)
        XCTAssertTrue(wire == RelayFrame.filler(totalBytes: 8192), "one filler frame of 8192 bytes, got \(wire.count) bytes")
        // Idle with nothing sent since the filler: nothing more.
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        XCTAssertEqual(try outbound(channel).count, 0)
        var decoder = RelayFrameDecoder()
        XCTAssertTrue(try decoder.data(in: frames([Array(payload[0..<65535]), Array(payload[65535...])])) == payload)
        _ = try channel.finish()
    }

    func testTheHandlerPassesDataUpAndClosesOnABadFrame() throws {
        let channel = EmbeddedChannel(handler: RelayFrameHandler())
        try channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(channel.allocator.buffer(bytes: frames([[1, 2, 3]], fillerAfter: [0])))
        var up: [UInt8] = []
        while let b = try channel.readInbound(as: ByteBuffer.self) { up += b.readableBytesView }
        XCTAssertEqual(up, [1, 2, 3])
        XCTAssertThrowsError(try channel.writeInbound(channel.allocator.buffer(bytes: [7, 0, 1, 5]))) {
            XCTAssertEqual($0 as? RelayFrameError, .unknownKind(7))
        }
        XCTAssertFalse(channel.isActive)
    }

    func testLeftoverIsDecodedAtTheFirstRead() throws {
        let channel = EmbeddedChannel(handler: RelayFrameHandler(leftover: frames([[4, 5]])))
        try channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        XCTAssertNil(try channel.readInbound(as: ByteBuffer.self))
        channel.read()
        let b = try XCTUnwrap(try channel.readInbound(as: ByteBuffer.self))
        XCTAssertEqual(Array(b.readableBytesView), [4, 5])
    }

    /// A quiet stream still shows it is alive: a full filler every 4 s of not writing; and a stream from
    /// which nothing came for 14 s (the far side's network or the relay gone) is closed with the reason.
    func testHeartbeatsGoOutWhenQuietAndSilenceEndsTheStream() throws {
        let channel = EmbeddedChannel(handler: RelayFrameHandler())
        try channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        channel.embeddedEventLoop.advanceTime(by: .seconds(3))
        XCTAssertEqual(try outbound(channel).count, 0, "nothing before 4 s")
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        XCTAssertTrue(try outbound(channel) == RelayFrame.filler(totalBytes: 8192), "a heartbeat at 4 s")
        // The other side's heartbeats keep the stream open.
        for _ in 0..<5 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(4))
            try channel.writeInbound(channel.allocator.buffer(bytes: RelayFrame.filler(totalBytes: 8192)))
        }
        XCTAssertTrue(channel.isActive)
        // Then nothing for 14 s: closed, with the reason.
        channel.embeddedEventLoop.advanceTime(by: .seconds(13))
        XCTAssertTrue(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        XCTAssertThrowsError(try channel.throwIfErrorCaught()) { XCTAssertEqual(($0 as? IOError)?.errnoCode, ETIMEDOUT, "\($0)") }
        XCTAssertFalse(channel.isActive)
    }
}
