import NIOCore
import Pixels
import XCTest

@testable import RFBProtocol

final class ServerMessageTests: XCTestCase {
    let cases: [(ServerMessage, [UInt8])] = [
        (.framebufferUpdate(rectangleCount: 3), [0, 0, 0, 3]),
        (.framebufferUpdate(rectangleCount: 65535), [0, 0, 0xFF, 0xFF]),
        (.setColourMapEntries(firstColour: 2, colours: [ColourMapEntry(red: 0xFFFF, green: 1, blue: 0x1234)]),
         [1, 0, 0, 2, 0, 1, 0xFF, 0xFF, 0, 1, 0x12, 0x34]),
        (.bell, [2]),
        (.serverCutText(ascii("copy")), [3, 0, 0, 0] + u32(4) + ascii("copy")),
        (.textChat(.message("ok")), [11, 0, 0, 0, 0, 0, 0, 2] + ascii("ok")),
        (.textChat(.open), [11, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]),
        (.endOfContinuousUpdates, [150]),
        (.serverFence(Fence(flags: Fence.request, payload: [0])), [248, 0, 0, 0, 0x80, 0, 0, 0, 1, 0]),
        (.sessionEnd(SessionEnd(reason: .interrupted, text: "bob ended the session")),
         [212, 1, 0, 0] + u32(21) + ascii("bob ended the session")),
        (.sessionEnd(SessionEnd(reason: SessionEnd.Reason(rawValue: 200), text: "?")), [212, 200, 0, 0, 0, 0, 0, 1, 63]),
    ]

    func testSerializeGivesExactBytes() throws {
        for (message, expected) in cases {
            XCTAssertEqual(bytes(try message.serialized()), expected, "\(message)")
        }
    }

    func testParseRoundTripsWholeAndByteByByte() throws {
        for (message, wire) in cases {
            let parsed = try readIncrementally(wire) { try ServerMessage.read(from: &$0) }
            XCTAssertEqual(parsed, message)
        }
    }

    func testFenceReplyClearsRequestAndUnknownBits() {
        let f = Fence(flags: 0x8000_0000 | 0x40 | Fence.syncNext | Fence.blockAfter, payload: [1, 2, 3])
        XCTAssertTrue(f.isRequest)
        XCTAssertEqual(f.reply, Fence(flags: Fence.syncNext | Fence.blockAfter, payload: [1, 2, 3]))
        XCTAssertFalse(f.reply.isRequest)
    }

    func testServerInitRoundTrip() throws {
        let si = ServerInit(width: 1920, height: 1080, pixelFormat: .native, name: "alice's desktop")
        var b = ByteBuffer()
        try si.write(into: &b)
        let wire = [7, 128, 4, 56] + nativeFormatBytes + u32(15) + ascii("alice's desktop")
        XCTAssertEqual(bytes(b), wire)
        XCTAssertEqual(try readIncrementally(wire) { try ServerInit.read(from: &$0) }, si)
    }

    func testProtocolVersionParsingAndMapping() throws {
        func parse(_ s: String) throws -> ProtocolVersion? {
            var b = buf(ascii(s))
            return try ProtocolVersion.read(from: &b)
        }
        XCTAssertEqual(try parse("RFB 003.003\n"), .v3_3)
        XCTAssertEqual(try parse("RFB 003.005\n"), .v3_3)
        XCTAssertEqual(try parse("RFB 003.006\n"), .v3_3)
        XCTAssertEqual(try parse("RFB 003.007\n"), .v3_7)
        XCTAssertEqual(try parse("RFB 003.008\n"), .v3_8)
        XCTAssertEqual(try parse("RFB 003.889\n"), .v3_8)
        XCTAssertEqual(try parse("RFB 004.001\n"), .v3_8)
        XCTAssertEqual(try parse("RFB 003.00"), nil)
        var b = ByteBuffer()
        ProtocolVersion.v3_7.write(into: &b)
        XCTAssertEqual(bytes(b), ascii("RFB 003.007\n"))
    }

    func testPlainCredentialsRoundTrip() throws {
        let c = PlainCredentials(username: "bob", password: "pässword")
        var b = ByteBuffer()
        try c.write(into: &b)
        let wire = u32(3) + u32(9) + ascii("bob") + ascii("pässword")
        XCTAssertEqual(bytes(b), wire)
        XCTAssertEqual(try readIncrementally(wire) { try PlainCredentials.read(from: &$0) }, c)
    }
}
