import NIOCore
import Pixels
import XCTest

@testable import RFBProtocol

final class ClientMessageTests: XCTestCase {
    /// Each message with its exact wire bytes.
    let cases: [(ClientMessage, [UInt8])] = [
        (.setPixelFormat(.native), [0, 0, 0, 0] + nativeFormatBytes),
        (.setPixelFormat(.rgb565), [0, 0, 0, 0, 16, 16, 0, 1, 0, 31, 0, 63, 0, 31, 11, 5, 0, 0, 0, 0]),
        (.setEncodings([16, 1, 0, -223, -308, 0x5241_5345]),
         [2, 0, 0, 6] + s32(16) + s32(1) + s32(0) + s32(-223) + s32(-308) + [0x52, 0x41, 0x53, 0x45]),
        (.setEncodings([]), [2, 0, 0, 0]),
        (.framebufferUpdateRequest(incremental: true, area: Rect(x: 1, y: 2, width: 640, height: 480)),
         [3, 1, 0, 1, 0, 2, 2, 128, 1, 224]),
        (.framebufferUpdateRequest(incremental: false, area: Rect(x: 0, y: 0, width: 1, height: 1)),
         [3, 0, 0, 0, 0, 0, 0, 1, 0, 1]),
        (.keyEvent(down: true, key: 0xFF0D), [4, 1, 0, 0, 0, 0, 0xFF, 0x0D]),
        (.keyEvent(down: false, key: 0x61), [4, 0, 0, 0, 0, 0, 0, 0x61]),
        (.pointerEvent(buttonMask: 5, x: 300, y: 2), [5, 5, 1, 44, 0, 2]),
        (.clientCutText(ascii("hé")), [6, 0, 0, 0] + u32(3) + ascii("hé")),
        (.clientCutText([]), [6, 0, 0, 0, 0, 0, 0, 0]),
        (.textChat(.open), [11, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]),
        (.textChat(.close), [11, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFE]),
        (.textChat(.finished), [11, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFD]),
        (.textChat(.message("hi ✓")), [11, 0, 0, 0] + u32(6) + ascii("hi ✓")),
        (.enableContinuousUpdates(enable: true, area: Rect(x: 0, y: 0, width: 1920, height: 1080)),
         [150, 1, 0, 0, 0, 0, 7, 128, 4, 56]),
        (.enableContinuousUpdates(enable: false, area: Rect(x: 0, y: 0, width: 0, height: 0)),
         [150, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        (.clientFence(Fence(flags: Fence.request | Fence.blockBefore, payload: [9, 8])),
         [248, 0, 0, 0, 0x80, 0, 0, 1, 2, 9, 8]),
        (.clientFence(Fence(flags: 0)), [248, 0, 0, 0, 0, 0, 0, 0, 0]),
        (.setDesktopSize(width: 800, height: 600, screens: [Screen(id: 7, x: 0, y: 0, width: 800, height: 600, flags: 0)]),
         [251, 0, 3, 32, 2, 88, 1, 0] + u32(7) + [0, 0, 0, 0, 3, 32, 2, 88] + u32(0)),
        (.sessionEnd(SessionEnd(reason: .userQuit, text: "alice ended the session")),
         [212, 0, 0, 0] + u32(23) + ascii("alice ended the session")),
        (.sessionEnd(SessionEnd(reason: .timeout, text: "")), [212, 6, 0, 0, 0, 0, 0, 0]),
    ]

    func testSerializeGivesExactBytes() throws {
        for (message, expected) in cases {
            XCTAssertEqual(bytes(try message.serialized()), expected, "\(message)")
        }
    }

    func testParseRoundTripsWholeAndByteByByte() throws {
        for (message, wire) in cases {
            let parsed = try readIncrementally(wire) { try ClientMessage.read(from: &$0) }
            XCTAssertEqual(parsed, message)
        }
    }

    func testSeveralMessagesInOneBuffer() throws {
        var b = ByteBuffer()
        for (m, _) in cases { try m.write(into: &b) }
        var parsed: [ClientMessage] = []
        while let m = try ClientMessage.read(from: &b) { parsed.append(m) }
        XCTAssertEqual(parsed, cases.map(\.0))
        XCTAssertEqual(b.readableBytes, 0)
    }

    func testSerializerRefusesValuesOutsideTheLimits() {
        XCTAssertThrowsError(try ClientMessage.textChat(.message("")).serialized())
        XCTAssertThrowsError(try ClientMessage.textChat(.message(String(repeating: "a", count: 4096))).serialized())
        XCTAssertNoThrow(try ClientMessage.textChat(.message(String(repeating: "a", count: 4095))).serialized())
        XCTAssertThrowsError(try ClientMessage.setEncodings(Array(repeating: 0, count: 1025)).serialized())
        XCTAssertThrowsError(try ClientMessage.clientFence(Fence(flags: 0, payload: Array(repeating: 0, count: 65))).serialized())
        XCTAssertThrowsError(try ClientMessage.framebufferUpdateRequest(incremental: false,
                                                                        area: Rect(x: 0, y: 0, width: 65536, height: 1)).serialized())
        XCTAssertThrowsError(try ClientMessage.sessionEnd(SessionEnd(reason: .error, text: String(repeating: "x", count: 1025))).serialized())
        XCTAssertThrowsError(try ClientMessage.clientCutText(Array(repeating: 0, count: RFBLimits.maxCutTextLength + 1)).serialized())
    }

    func testChatSplittingKeepsCharactersWhole() {
        let text = String(repeating: "é", count: 3000)  // 6000 bytes
        let parts = TextChat.messages(for: text)
        XCTAssertEqual(parts.count, 2)
        guard case .message(let a) = parts[0], case .message(let b) = parts[1] else { return XCTFail("\(parts)") }
        XCTAssertEqual(a.utf8.count, 4094)
        XCTAssertEqual(b.utf8.count, 1906)
        XCTAssertEqual(a + b, text)
        XCTAssertEqual(TextChat.messages(for: ""), [])
    }
}
