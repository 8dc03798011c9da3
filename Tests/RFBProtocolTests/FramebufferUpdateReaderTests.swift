import NIOCore
import Pixels
import XCTest

@testable import RFBProtocol

final class FramebufferUpdateReaderTests: XCTestCase {
    func header(_ x: UInt16, _ y: UInt16, _ w: UInt16, _ h: UInt16, _ e: Int32) -> [UInt8] {
        u16(x) + u16(y) + u16(w) + u16(h) + s32(e)
    }

    /// Reads every rectangle of an update whose rectangles are `wire` (header excluded).
    func readAll(count: UInt16, _ wire: [UInt8], format: PixelFormat = .native, width: Int = 100, height: Int = 50,
                 byteByByte: Bool = false) throws -> (rects: [Rectangle], reader: FramebufferUpdateReader, left: Int) {
        var reader = try FramebufferUpdateReader(rectangleCount: count, pixelFormat: format,
                                                 framebufferWidth: width, framebufferHeight: height)
        var rects: [Rectangle] = []
        var b = ByteBuffer()
        if byteByByte {
            for byte in wire {
                b.writeInteger(byte)
                while !reader.isComplete, let r = try reader.next(from: &b) { rects.append(r) }
            }
        } else {
            b.writeBytes(wire)
            while !reader.isComplete, let r = try reader.next(from: &b) { rects.append(r) }
        }
        return (rects, reader, b.readableBytes)
    }

    func testEveryEncodingIsFramedExactly() throws {
        let raw = header(1, 2, 2, 2, 0) + Array(0..<16)
        let copy = header(0, 0, 10, 10, 1) + [0, 5, 0, 6]
        let zrle = header(0, 0, 64, 50, 16) + u32(3) + [0xAA, 0xBB, 0xCC]
        let ratd = header(64, 0, 36, 50, 0x5241_5444) + u32(2) + [1, 2]
        let cursor = header(3, 4, 9, 2, -239) + Array(repeating: 7, count: 9 * 2 * 4) + [0xFF, 0x80, 0xFF, 0x80]
        let name = header(0, 0, 0, 0, -307) + u32(4) + ascii("desk")
        let rase = header(0, 0, 0, 0, 0x5241_5345)
        let wire = raw + copy + zrle + ratd + cursor + name + rase
        for mode in [false, true] {
            let (rects, reader, left) = try readAll(count: 7, wire, byteByByte: mode)
            XCTAssertTrue(reader.isComplete)
            XCTAssertEqual(left, 0)
            XCTAssertEqual(rects.map(\.header.encoding), [0, 1, 16, 0x5241_5444, -239, -307, 0x5241_5345])
            XCTAssertEqual(rects.map { bytes($0.body) }, [
                Array(0..<16), [0, 5, 0, 6], u32(3) + [0xAA, 0xBB, 0xCC], u32(2) + [1, 2],
                Array(repeating: 7, count: 72) + [0xFF, 0x80, 0xFF, 0x80], u32(4) + ascii("desk"), [],
            ])
            XCTAssertEqual(rects[2].lengthPrefixedPayload.map(bytes), [0xAA, 0xBB, 0xCC])
            XCTAssertEqual(rects[0].header, RectangleHeader(x: 1, y: 2, width: 2, height: 2, encoding: 0))
            XCTAssertEqual(rects[4].header, RectangleHeader(x: 3, y: 4, width: 9, height: 2, encoding: -239))
        }
    }

    func testRawUsesTheCurrentBytesPerPixel() throws {
        let wire = header(0, 0, 3, 1, 0) + [1, 2, 3]
        let (rects, _, _) = try readAll(count: 1, wire, format: .bgr233)
        XCTAssertEqual(rects.map { bytes($0.body) }, [[1, 2, 3]])
        let wire16 = header(0, 0, 3, 1, 0) + [1, 2, 3, 4, 5, 6]
        XCTAssertEqual(try readAll(count: 1, wire16, format: .rgb565).rects.first.map { bytes($0.body) }, [1, 2, 3, 4, 5, 6])
    }

    func testLastRectEndsAnUpdateAnnouncedWith65535() throws {
        let wire = header(0, 0, 1, 1, 0) + [1, 2, 3, 4] + header(0, 0, 0, 0, -224) + [9, 9]
        let (rects, reader, left) = try readAll(count: 65535, wire)
        XCTAssertTrue(reader.isComplete)
        XCTAssertEqual(rects.count, 2)
        XCTAssertEqual(left, 2)  // bytes of the next message stay
    }

    func testDesktopSizeChangesTheBoundsForLaterRectangles() throws {
        // 100x50 -> 200x100: a rect at x=150 is fine only after the DesktopSize rect.
        let later = header(150, 60, 10, 10, 1) + [0, 0, 0, 0]
        let wire = header(0, 0, 200, 100, -223) + later
        let (rects, reader, _) = try readAll(count: 2, wire)
        XCTAssertEqual(rects.count, 2)
        XCTAssertEqual(reader.framebufferWidth, 200)
        XCTAssertEqual(reader.framebufferHeight, 100)
        XCTAssertThrowsError(try readAll(count: 2, later + header(0, 0, 200, 100, -223))) { e in
            XCTAssertEqual(e as? RFBError, .rectangleOutsideFramebuffer(x: 150, y: 60, width: 10, height: 10,
                                                                        framebufferWidth: 100, framebufferHeight: 50))
        }
    }

    func testExtendedDesktopSizeChangesBoundsOnlyOnSuccess() throws {
        let screen = u32(1) + u16(0) + u16(0) + u16(300) + u16(200) + u32(0)
        let ok = header(0, 0, 300, 200, -308) + [1, 0, 0, 0] + screen
        let (rects, reader, _) = try readAll(count: 1, ok)
        XCTAssertEqual(reader.framebufferWidth, 300)
        let eds = try ExtendedDesktopSize(rects[0])
        XCTAssertEqual(eds.screens, [Screen(id: 1, x: 0, y: 0, width: 300, height: 200, flags: 0)])
        XCTAssertEqual(eds.reason, .server)
        XCTAssertEqual(eds.status, .noError)
        let refused = header(1, 1, 300, 200, -308) + [0, 0, 0, 0]
        XCTAssertEqual(try readAll(count: 1, refused).reader.framebufferWidth, 100)
    }

    func testRejections() {
        let table: [(String, UInt16, [UInt8], RFBError)] = [
            ("raw outside", 1, header(90, 0, 11, 1, 0),
             .rectangleOutsideFramebuffer(x: 90, y: 0, width: 11, height: 1, framebufferWidth: 100, framebufferHeight: 50)),
            ("zrle outside at max", 1, header(65535, 65535, 65535, 65535, 16),
             .rectangleOutsideFramebuffer(x: 65535, y: 65535, width: 65535, height: 65535, framebufferWidth: 100, framebufferHeight: 50)),
            ("copyrect source outside", 1, header(0, 0, 10, 10, 1) + [0, 95, 0, 0],
             .rectangleOutsideFramebuffer(x: 95, y: 0, width: 10, height: 10, framebufferWidth: 100, framebufferHeight: 50)),
            ("zrle length 0xFFFFFFFF", 1, header(0, 0, 10, 10, 16) + u32(0xFFFF_FFFF),
             .tooLarge(what: "rectangle body (encoding 16)", length: 0x1_0000_0003, limit: 64 * 1024 * 1024)),
            ("tile-delta length 64 MiB", 1, header(0, 0, 10, 10, 0x5241_5444) + u32(64 * 1024 * 1024),
             .tooLarge(what: "rectangle body (encoding 1380013124)", length: 64 * 1024 * 1024 + 4, limit: 64 * 1024 * 1024)),
            ("huge cursor", 1, header(0, 0, 65535, 65535, -239),
             .tooLarge(what: "rectangle body (encoding -239)", length: 65535 * 65535 * 4 + 8192 * 65535, limit: 64 * 1024 * 1024)),
            ("desktop name 1025", 1, header(0, 0, 0, 0, -307) + u32(1025),
             .tooLarge(what: "desktop name", length: 1025, limit: 1024)),
            ("tight", 1, header(0, 0, 1, 1, 7), .unsupportedEncoding(7)),
            ("hextile", 1, header(0, 0, 1, 1, 5), .unsupportedEncoding(5)),
            ("rase with fields", 1, header(0, 0, 1, 0, 0x5241_5345),
             .malformed("SessionEnd confirmation rectangle with non-zero fields")),
        ]
        for (name, count, wire, error) in table {
            XCTAssertThrowsError(try readAll(count: count, wire), name) { e in
                XCTAssertEqual(e as? RFBError, error, name)
            }
        }
        XCTAssertThrowsError(try FramebufferUpdateReader(rectangleCount: 20000, pixelFormat: .native,
                                                         framebufferWidth: 1, framebufferHeight: 1)) { e in
            XCTAssertEqual(e as? RFBError, .tooLarge(what: "FramebufferUpdate rectangle count", length: 20000, limit: 16384))
        }
    }

    func testTooManyRectanglesWithoutLastRect() throws {
        var wire: [UInt8] = []
        for _ in 0..<RFBLimits.maxRectanglesPerUpdate { wire += header(0, 0, 0, 0, -223) }
        XCTAssertThrowsError(try readAll(count: 65535, wire, width: 0, height: 0)) { e in
            XCTAssertEqual(e as? RFBError, .tooLarge(what: "FramebufferUpdate rectangle count", length: 16385, limit: 16384))
        }
    }

    func testServerSideBuildersRoundTrip() throws {
        let rects: [Rectangle] = [
            .sessionEndConfirmation,
            try .raw(Rect(x: 0, y: 0, width: 2, height: 1), pixels: buf([1, 2, 3, 4, 5, 6, 7, 8]), format: .native),
            try .copyRect(Rect(x: 10, y: 10, width: 5, height: 5), sourceX: 0, sourceY: 1),
            try .zrle(Rect(x: 0, y: 0, width: 64, height: 32), data: buf([1, 2, 3])),
            try .tileDelta(Rect(x: 64, y: 0, width: 36, height: 32), data: buf([4])),
            try .cursor(hotspotX: 1, hotspotY: 1, width: 2, height: 2, pixels: buf(Array(repeating: 0, count: 16)),
                        mask: [0xC0, 0x40], format: .native),
            try .desktopName("new name"),
            try .extendedDesktopSize(reason: .thisClient, status: .prohibited, width: 100, height: 50,
                                     screens: [Screen(id: 0, x: 0, y: 0, width: 100, height: 50)]),
            try .desktopSize(width: 120, height: 60),
            .lastRect,
        ]
        var wire = ByteBuffer()
        try FramebufferUpdate.write(rects, into: &wire)
        var whole = bytes(wire)
        XCTAssertEqual(Array(whole[0..<4]), [0, 0, 0, 10])
        XCTAssertEqual(Array(whole[4..<16]), header(0, 0, 0, 0, 0x5241_5345))
        XCTAssertEqual(Array(whole[16..<36]), header(0, 0, 2, 1, 0) + [1, 2, 3, 4, 5, 6, 7, 8])
        var b = wire
        guard case .framebufferUpdate(let count)? = try ServerMessage.read(from: &b) else { return XCTFail() }
        var reader = try FramebufferUpdateReader(rectangleCount: count, pixelFormat: .native, framebufferWidth: 100,
                                                 framebufferHeight: 50)
        var parsed: [Rectangle] = []
        while !reader.isComplete, let r = try reader.next(from: &b) { parsed.append(r) }
        XCTAssertEqual(parsed, rects)
        XCTAssertEqual(reader.framebufferWidth, 120)
        whole.removeAll()
    }
}
