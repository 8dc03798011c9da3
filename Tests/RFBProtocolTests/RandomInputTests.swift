import NIOCore
import Pixels
import XCTest

@testable import RFBProtocol

/// Deterministic random bytes through every parser and state machine: each must either parse, ask for
/// more bytes without consuming, or throw; never trap, never loop.
final class RandomInputTests: XCTestCase {
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func bytes(_ n: Int, typeFrom types: [UInt8]) -> [UInt8] {
            var out = (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) }
            if !out.isEmpty, !types.isEmpty { out[0] = types[Int(next() % UInt64(types.count))] }
            return out
        }
    }

    func drain(_ b: inout ByteBuffer, _ read: (inout ByteBuffer) throws -> Bool) {
        // Each successful read must consume bytes, so this ends.
        var guardCount = 0
        while guardCount < 10_000 {
            guardCount += 1
            let before = b.readableBytes
            do {
                guard try read(&b) else {
                    XCTAssertEqual(b.readableBytes, before, "nil must not consume")
                    return
                }
            } catch {
                XCTAssertEqual(b.readableBytes, before, "an error must not consume")
                return
            }
            XCTAssertLessThan(b.readableBytes, before, "a value must consume bytes")
        }
        XCTFail("parser did not stop")
    }

    func testMessagesParsersSurviveRandomInput() {
        var rng = SplitMix(state: 42)
        let clientTypes: [UInt8] = [0, 2, 3, 4, 5, 6, 11, 150, 212, 248, 251]
        let serverTypes: [UInt8] = [0, 1, 2, 3, 11, 150, 212, 248]
        for i in 0..<3000 {
            let n = Int(rng.next() % 64)
            var c = buf(rng.bytes(n, typeFrom: i % 10 == 0 ? [] : clientTypes))
            drain(&c) { try ClientMessage.read(from: &$0) != nil }
            var s = buf(rng.bytes(n, typeFrom: i % 10 == 0 ? [] : serverTypes))
            drain(&s) { try ServerMessage.read(from: &$0) != nil }
        }
    }

    func testFramebufferUpdateReaderSurvivesRandomInput() throws {
        var rng = SplitMix(state: 7)
        let encodings: [Int32] = [0, 1, 16, 0x5241_5444, -239, -223, -224, -308, -307, 0x5241_5345, 5]
        for _ in 0..<3000 {
            var wire: [UInt8] = []
            for _ in 0..<3 {
                let e = encodings[Int(rng.next() % UInt64(encodings.count))]
                let small = { (r: inout SplitMix) -> UInt16 in UInt16(r.next() % 40) }
                wire += u16(small(&rng)) + u16(small(&rng)) + u16(small(&rng)) + u16(small(&rng)) + s32(e)
                wire += rng.bytes(Int(rng.next() % 40), typeFrom: [])
            }
            var reader = try FramebufferUpdateReader(rectangleCount: 65535, pixelFormat: .rgb565,
                                                     framebufferWidth: 32, framebufferHeight: 32)
            var b = buf(wire)
            drain(&b) { buffer in
                guard !reader.isComplete else { return false }
                return try reader.next(from: &buffer) != nil
            }
        }
    }

    func testHandshakesSurviveRandomInput() throws {
        var rng = SplitMix(state: 99)
        for i in 0..<2000 {
            let prefix = ascii(i % 2 == 0 ? "RFB 003.008\n" : "RFB 003.003\n")
            let tail = rng.bytes(Int(rng.next() % 48), typeFrom: [])
            var server = ServerHandshake(configuration: ServerHandshakeConfiguration(allowNone: true))
            _ = server.start()
            var sb = buf(prefix + tail)
            _ = try? server.receive(&sb)
            _ = server.tlsEstablished()
            _ = try? server.receive(&sb)
            var client = ClientHandshake(configuration: ClientHandshakeConfiguration(allowNone: true, plainCredentials: .init(username: "a", password: "b")))
            var cb = buf(prefix + tail)
            _ = try? client.receive(&cb)
            _ = client.tlsEstablished()
            _ = try? client.receive(&cb)
        }
    }
}
