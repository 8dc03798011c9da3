import XCTest
import Pixels
@testable import TileCodec

final class ZRLETests: XCTestCase {
    static let formats: [PixelFormat] = {
        func f(_ bpp: Int, _ depth: Int, _ be: Bool, _ m: (Int, Int, Int), _ s: (Int, Int, Int)) -> PixelFormat {
            PixelFormat(bitsPerPixel: bpp, depth: depth, bigEndian: be, trueColour: true, redMax: m.0, greenMax: m.1,
                        blueMax: m.2, redShift: s.0, greenShift: s.1, blueShift: s.2)
        }
        return [
            .native, f(32, 24, true, (255, 255, 255), (16, 8, 0)),        // 3-byte CPIXEL, low bytes
            f(32, 24, false, (255, 255, 255), (24, 16, 8)), f(32, 24, true, (255, 255, 255), (24, 16, 8)), // high bytes
            f(32, 24, false, (255, 255, 255), (0, 8, 16)), f(32, 32, false, (255, 255, 255), (16, 8, 0)),   // BGR; depth 32
            f(32, 24, true, (255, 255, 255), (0, 8, 24)),                 // neither 3 bytes: 4-byte CPIXEL
            .rgb565, f(16, 16, true, (31, 63, 31), (11, 5, 0)), f(16, 15, false, (31, 31, 31), (10, 5, 0)),
            .bgr233, f(8, 8, false, (7, 7, 3), (5, 2, 0)),
        ]
    }()

    func testCompressedPixelSizes() throws {
        let sizes = try Self.formats.map { try XCTUnwrap(WirePixel(compressedFor: $0)).size }
        XCTAssertEqual(sizes, [3, 3, 3, 3, 3, 4, 4, 2, 2, 2, 1, 1])
    }

    /// What a client holding `format` sees of a native pixel.
    func through(_ fb: Framebuffer, _ format: PixelFormat) throws -> Framebuffer {
        let t = try XCTUnwrap(PixelTranslator(format: format))
        var out = fb
        for i in 0..<out.pixels.count { out.pixels[i] = t.native(t.value(fb.pixels[i])) }
        return out
    }

    /// The viewer's CompressLevel can change between rectangles: the one stream carries on, and every
    /// rectangle still decodes exactly with the decoder's single inflate stream.
    func testLevelChangesMidStreamDecodeExactly() throws {
        let encoder = ZRLEEncoder(level: 6), decoder = ZRLEDecoder()
        var fb = Framebuffer(width: 200, height: 140)
        let picture = Patterns.noise(200, 140, seed: 9)
        var text = Patterns.text(200, 140, seed: 10)
        Patterns.rectangles(&text, count: 5, seed: 11)
        for (i, level) in [nil, 1, 1, 9, 0, 6, nil, 3].enumerated() {
            let source = i % 2 == 0 ? picture : text
            let rect = Rect(x: i * 7, y: i * 3, width: 120, height: 90)
            let body = encoder.encode(source, rect: rect, format: .native, level: level)
            try decoder.decode(body: Array(body[4...]), rect: rect, format: .native, into: &fb)
            XCTAssertTrue(fb.equalPixels(in: rect, to: source), "rect \(i) at level \(level.map(String.init) ?? "unchanged")")
        }
    }

    func testRoundTripAllFormatsOneStream() throws {
        var content = Patterns.text(200, 140, seed: 3)
        Patterns.rectangles(&content, count: 12, seed: 4)
        let pictures = [content, Patterns.noise(200, 140, seed: 5), Patterns.gradient(200, 140),
                        Patterns.noise(200, 140, seed: 6, pad: true)]
        for format in Self.formats {
            let encoder = ZRLEEncoder(), decoder = ZRLEDecoder()
            var fb = Framebuffer(width: 200, height: 140)
            for (i, picture) in pictures.enumerated() {
                for rect in [Rect(x: 0, y: 0, width: 200, height: 140), Rect(x: 13, y: 7, width: 65, height: 129),
                             Rect(x: 199, y: 139, width: 1, height: 1)] {
                    let body = encoder.encode(picture, rect: rect, format: format)
                    let length = Int(body[0]) << 24 | Int(body[1]) << 16 | Int(body[2]) << 8 | Int(body[3])
                    XCTAssertEqual(length, body.count - 4)
                    try decoder.decode(body: Array(body[4...]), rect: rect, format: format, into: &fb)
                    let want = try through(picture, format)
                    for y in rect.y..<rect.maxY {
                        for x in rect.x..<rect.maxX where fb[x, y] != want[x, y] {
                            XCTFail("\(format) picture \(i) rect \(rect): \(x),\(y) got \(String(fb[x, y], radix: 16)) want \(String(want[x, y], radix: 16))")
                            return
                        }
                    }
                }
            }
        }
    }

    func testWideAndTallRects() throws {
        for (w, h) in [(4097, 3), (1, 200), (64, 64), (65, 65)] {
            let picture = Patterns.noise(w, h, seed: UInt64(w))
            var fb = Framebuffer(width: w, height: h)
            let body = ZRLEEncoder().encode(picture, rect: picture.bounds, format: .native)
            try ZRLEDecoder().decode(body: Array(body[4...]), rect: picture.bounds, format: .native, into: &fb)
            XCTAssertEqual(fb, Patterns.masked(picture))
        }
    }

    func testRejectsRectOutsideFramebuffer() {
        var fb = Framebuffer(width: 10, height: 10)
        XCTAssertThrowsError(try ZRLEDecoder().decode(body: [UInt8](), rect: Rect(x: 5, y: 5, width: 6, height: 1), format: .native, into: &fb))
    }

    func testRawEncodingRoundTrip() throws {
        let picture = Patterns.noise(37, 11, seed: 9, pad: true)
        for format in Self.formats {
            let rect = Rect(x: 3, y: 2, width: 30, height: 8)
            let bytes = try XCTUnwrap(RawEncoding.encode(picture, rect: rect, format: format))
            XCTAssertEqual(bytes.count, RawEncoding.bodyLength(rect: rect, format: format))
            var fb = Framebuffer(width: 37, height: 11)
            try RawEncoding.decode(bytes, rect: rect, format: format, into: &fb)
            let want = try through(Patterns.masked(picture), format)
            XCTAssertEqual(fb.extract(rect), want.extract(rect), "\(format)")
            XCTAssertThrowsError(try RawEncoding.decode(Array(bytes.dropLast()), rect: rect, format: format, into: &fb))
        }
        // Exact bytes of one pixel 0x112233 in big-endian RGB565: r=2 g=8 b=6 -> 0x1106.
        let one = Framebuffer(width: 1, height: 1, fill: 0x112233)
        XCTAssertEqual(RawEncoding.encode(one, rect: one.bounds, format: Self.formats[8]), [0x11, 0x06])
        XCTAssertEqual(RawEncoding.encode(one, rect: one.bounds, format: .native), [0x33, 0x22, 0x11, 0x00])
    }
}
