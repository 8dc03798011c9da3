import NIOCore
import Pixels
import XCTest

@testable import RFBProtocol

/// Hostile, truncated and oversized inputs: each must throw the exact error (never crash, never wait for
/// bytes a limit already rules out), and truncated ones must ask for more without consuming.
final class MalformedInputTests: XCTestCase {
    func expectError(_ error: RFBError, _ input: [UInt8], _ read: (inout ByteBuffer) throws -> Any?,
                     file: StaticString = #filePath, line: UInt = #line) {
        var b = buf(input)
        XCTAssertThrowsError(try read(&b), file: file, line: line) { e in
            XCTAssertEqual(e as? RFBError, error, file: file, line: line)
        }
    }

    func client(_ b: inout ByteBuffer) throws -> Any? { try ClientMessage.read(from: &b) }
    func server(_ b: inout ByteBuffer) throws -> Any? { try ServerMessage.read(from: &b) }

    func testClientMessageTable() {
        let table: [(String, [UInt8], RFBError)] = [
            ("SetEncodings count 65535", [2, 0, 0xFF, 0xFF], .tooLarge(what: "SetEncodings list", length: 65535, limit: 1024)),
            ("SetEncodings count 1025", [2, 0, 0x04, 0x01], .tooLarge(what: "SetEncodings list", length: 1025, limit: 1024)),
            ("cut text 0xFFFFFFFF", [6, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF],
             .tooLarge(what: "ClientCutText", length: 0xFFFF_FFFF, limit: 1_048_576)),
            ("cut text 1 MiB + 1", [6, 0, 0, 0] + u32(1_048_577), .tooLarge(what: "ClientCutText", length: 1_048_577, limit: 1_048_576)),
            ("chat length 0", [11, 0, 0, 0, 0, 0, 0, 0], .malformed("empty TextChat message")),
            ("chat length 4096", [11, 0, 0, 0] + u32(4096), .tooLarge(what: "TextChat text", length: 4096, limit: 4095)),
            ("chat length 0xFFFFFFFC", [11, 0, 0, 0] + u32(0xFFFF_FFFC),
             .tooLarge(what: "TextChat text", length: 0xFFFF_FFFC, limit: 4095)),
            ("fence payload 65", [248, 0, 0, 0, 0, 0, 0, 0, 65], .tooLarge(what: "fence payload", length: 65, limit: 64)),
            ("fence payload 255", [248, 0, 0, 0, 0x80, 0, 0, 0, 255], .tooLarge(what: "fence payload", length: 255, limit: 64)),
            ("session end text 1025", [212, 0, 0, 0] + u32(1025), .tooLarge(what: "SessionEnd text", length: 1025, limit: 1024)),
            ("session end not UTF-8", [212, 0, 0, 0] + u32(1) + [0xFF], .malformed("SessionEnd text is not UTF-8")),
            ("unknown type 1", [1], .unknownMessageType(1)),
            ("unknown type 7", [7, 0, 0, 0], .unknownMessageType(7)),
            ("unknown type 255", [255], .unknownMessageType(255)),
            ("SetPixelFormat 24 bpp", [0, 0, 0, 0, 24, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0],
             .malformed("pixel format with 24 bits per pixel")),
        ]
        for (name, input, error) in table {
            var b = buf(input)
            XCTAssertThrowsError(try ClientMessage.read(from: &b), name) { e in
                XCTAssertEqual(e as? RFBError, error, name)
            }
            XCTAssertEqual(b.readableBytes, input.count, "\(name): consumed on error")
        }
    }

    func testServerMessageTable() {
        let table: [(String, [UInt8], RFBError)] = [
            ("cut text 0xFFFFFFFF", [3, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF],
             .tooLarge(what: "ServerCutText", length: 0xFFFF_FFFF, limit: 1_048_576)),
            ("chat 0", [11, 0, 0, 0, 0, 0, 0, 0], .malformed("empty TextChat message")),
            ("chat 4096", [11, 0, 0, 0, 0, 0, 0x10, 0], .tooLarge(what: "TextChat text", length: 4096, limit: 4095)),
            ("fence 65", [248, 0, 0, 0, 0, 0, 0, 0, 65], .tooLarge(what: "fence payload", length: 65, limit: 64)),
            ("colour map beyond 65536", [1, 0, 0xFF, 0xFF, 0, 2], .malformed("colour map entries 65535+2 beyond 65536")),
            ("unknown type 4", [4], .unknownMessageType(4)),
            ("unknown type 249", [249, 1, 2, 3], .unknownMessageType(249)),
        ]
        for (name, input, error) in table {
            var b = buf(input)
            XCTAssertThrowsError(try ServerMessage.read(from: &b), name) { e in
                XCTAssertEqual(e as? RFBError, error, name)
            }
        }
    }

    func testChatThatIsNotUTF8IsReadAsLatin1() throws {
        var b = buf([11, 0, 0, 0] + u32(3) + [0xC3, 0x28, 0xE9])
        XCTAssertEqual(try ClientMessage.read(from: &b), .textChat(.message("\u{C3}(\u{E9}")))
    }

    func testTruncatedMessagesWaitWithoutConsuming() throws {
        let truncated: [[UInt8]] = [
            [2, 0, 0, 2] + s32(0),                  // SetEncodings, one of two entries
            [6, 0, 0, 0] + u32(5) + ascii("abc"),   // cut text, 3 of 5 bytes
            [11, 0, 0, 0] + u32(4095),              // chat at the limit, no text yet
            [248, 0, 0, 0, 0, 0, 0, 0, 64] + Array(repeating: 1, count: 63),
            [251, 0, 0, 1, 0, 1, 2, 0] + Array(repeating: 0, count: 20),
            [0, 0, 0, 0, 32],
        ]
        for input in truncated {
            var b = buf(input)
            XCTAssertNil(try ClientMessage.read(from: &b), "\(input)")
            XCTAssertEqual(b.readableBytes, input.count)
        }
    }

    func testBadVersionStrings() {
        for s in ["RFB 003.00X\n", "RFB 003.008\r", "XFB 003.008\n", "RFB 002.009\n", "RFB 003.002\n", "RFB 003,008\n",
                  "GET / HTTP/1"] {
            var b = buf(ascii(s))
            XCTAssertThrowsError(try ProtocolVersion.read(from: &b), s) { e in
                guard case .malformed = e as? RFBError else { return XCTFail("\(s): \(e)") }
            }
        }
    }

    func testPlainCredentialLengthsHuge() {
        expectError(.tooLarge(what: "Plain username", length: 0xFFFF_FFFF, limit: 1024), u32(0xFFFF_FFFF) + u32(1)) {
            try PlainCredentials.read(from: &$0)
        }
        expectError(.tooLarge(what: "Plain password", length: 1025, limit: 1024), u32(3) + u32(1025)) {
            try PlainCredentials.read(from: &$0)
        }
        expectError(.malformed("Plain credentials are not UTF-8"), u32(1) + u32(0) + [0x80]) {
            try PlainCredentials.read(from: &$0)
        }
    }

    func testServerInitNameOverlong() {
        expectError(.tooLarge(what: "desktop name", length: 1025, limit: 1024),
                    [0, 10, 0, 10] + nativeFormatBytes + u32(1025)) { try ServerInit.read(from: &$0) }
    }

    func testColourMapPixelFormatIsRefusedBySession() throws {
        var session = ServerSession(framebufferWidth: 10, framebufferHeight: 10, pixelFormat: .native)
        var b = buf([0, 0, 0, 0, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertThrowsError(try session.receive(&b)) { e in
            XCTAssertEqual(e as? RFBError, .unsupportedPixelFormat("colour-map pixel formats are not supported"))
        }
        XCTAssertEqual(session.pixelFormat, .native)
    }
}
