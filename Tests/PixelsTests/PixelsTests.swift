import Pixels
import XCTest

final class RectTests: XCTestCase {
    func testIntersectionUnionContains() {
        let a = Rect(x: 0, y: 0, width: 10, height: 10), b = Rect(x: 5, y: 5, width: 10, height: 10)
        XCTAssertEqual(a.intersection(b), Rect(x: 5, y: 5, width: 5, height: 5))
        XCTAssertEqual(a.union(b), Rect(x: 0, y: 0, width: 15, height: 15))
        XCTAssertTrue(a.intersection(Rect(x: 10, y: 0, width: 5, height: 5)).isEmpty)
        XCTAssertTrue(a.contains(Rect(x: 2, y: 2, width: 8, height: 8)))
        XCTAssertFalse(a.contains(b))
        XCTAssertEqual(Rect(x: 0, y: 0, width: -3, height: 2).width, 0)
    }
}

final class TileMapTests: XCTestCase {
    func testMarkClipsAndSpansMerge() {
        var map = TileMap(width: 200, height: 100, tileSize: 64)
        XCTAssertEqual(map.columns, 4)
        XCTAssertEqual(map.rows, 2)
        map.mark(Rect(x: 60, y: 10, width: 10, height: 10))
        XCTAssertEqual(map.markedRects, [Rect(x: 0, y: 0, width: 64, height: 64), Rect(x: 64, y: 0, width: 64, height: 64)])
        XCTAssertEqual(map.markedSpans, [Rect(x: 0, y: 0, width: 128, height: 64)])
        map.mark(Rect(x: 190, y: 90, width: 100, height: 100))
        XCTAssertEqual(map.rect(column: 3, row: 1), Rect(x: 192, y: 64, width: 8, height: 36))
        XCTAssertTrue(map.isMarked(column: 2, row: 1))
        XCTAssertEqual(map.markedCount, 4)
        map.mark(Rect(x: -50, y: -50, width: 10, height: 10))
        XCTAssertEqual(map.markedCount, 4)
    }
}

final class FramebufferTests: XCTestCase {
    func testFillCopyExtractAndCompare() {
        var a = Framebuffer(width: 20, height: 10, fill: 0xFF11_2233)
        XCTAssertEqual(a[0, 0], 0x0011_2233, "the pad byte is cleared")
        a.fill(Rect(x: 5, y: 5, width: 100, height: 100), with: 0xABCDEF)
        XCTAssertEqual(a[19, 9], 0xABCDEF)
        XCTAssertEqual(a[4, 4], 0x112233)
        var b = Framebuffer(width: 20, height: 10)
        b.copy(Rect(x: 0, y: 0, width: 20, height: 10), from: a)
        XCTAssertEqual(a, b)
        XCTAssertTrue(a.equalPixels(in: Rect(x: 0, y: 0, width: 20, height: 10), to: b))
        b[3, 3] = 1
        XCTAssertFalse(a.equalPixels(in: Rect(x: 0, y: 0, width: 20, height: 10), to: b))
        XCTAssertTrue(a.equalPixels(in: Rect(x: 4, y: 0, width: 16, height: 10), to: b))
        XCTAssertEqual(a.extract(Rect(x: 18, y: 8, width: 5, height: 5)), [UInt32](repeating: 0xABCDEF, count: 4))
    }

    func testCopyWithinOverlappingBothDirections() {
        var fb = Framebuffer(width: 8, height: 8)
        for y in 0..<8 { for x in 0..<8 { fb[x, y] = UInt32(y * 8 + x) } }
        let before = fb
        fb.copyWithin(from: Rect(x: 0, y: 0, width: 8, height: 6), toX: 0, toY: 2)   // scroll down by 2
        for y in 2..<8 { for x in 0..<8 { XCTAssertEqual(fb[x, y], before[x, y - 2]) } }
        fb = before
        fb.copyWithin(from: Rect(x: 0, y: 3, width: 8, height: 5), toX: 0, toY: 0)   // scroll up by 3
        for y in 0..<5 { for x in 0..<8 { XCTAssertEqual(fb[x, y], before[x, y + 3]) } }
        fb = before
        fb.copyWithin(from: Rect(x: 0, y: 0, width: 6, height: 8), toX: 2, toY: 0)   // right by 2, same rows
        for y in 0..<8 { for x in 2..<8 { XCTAssertEqual(fb[x, y], before[x - 2, y]) } }
    }

    func testWrapRejectsWrongCount() {
        XCTAssertNil(Framebuffer(width: 3, height: 3, pixels: [1, 2]))
        XCTAssertNotNil(Framebuffer(width: 1, height: 2, pixels: [1, 2]))
    }
}

final class PixelFormatTests: XCTestCase {
    /// The row translation (format tests hoisted) equals `value` pixel by pixel, pad bytes ignored.
    func testRowTranslationEqualsValue() throws {
        let bgr888 = PixelFormat(bitsPerPixel: 32, depth: 24, bigEndian: false, trueColour: true, redMax: 255,
                                 greenMax: 255, blueMax: 255, redShift: 0, greenShift: 8, blueShift: 16)
        let be888 = PixelFormat(bitsPerPixel: 32, depth: 24, bigEndian: true, trueColour: true, redMax: 255,
                                greenMax: 255, blueMax: 255, redShift: 8, greenShift: 16, blueShift: 24)
        var seed: UInt32 = 0x1234_5678
        let source = (0..<257).map { _ -> UInt32 in seed = seed &* 1_664_525 &+ 1_013_904_223; return seed }
        for format in [PixelFormat.native, .rgb565, .bgr233, bgr888, be888] {
            let t = try XCTUnwrap(PixelTranslator(format: format))
            var out = [UInt32](repeating: 0, count: source.count)
            source.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { o in t.values(of: s.baseAddress!, into: o.baseAddress!, count: s.count) }
            }
            XCTAssertEqual(out, source.map { t.value($0) }, "\(format)")
        }
    }

    func testTranslatorRoundTripsAcrossFormats() throws {
        let be888 = PixelFormat(bitsPerPixel: 32, depth: 24, bigEndian: true, trueColour: true, redMax: 255,
                                greenMax: 255, blueMax: 255, redShift: 0, greenShift: 8, blueShift: 16)
        let be565 = PixelFormat(bitsPerPixel: 16, depth: 16, bigEndian: true, trueColour: true, redMax: 31,
                                greenMax: 63, blueMax: 31, redShift: 11, greenShift: 5, blueShift: 0)
        for format in [PixelFormat.native, .rgb565, .bgr233, be888, be565] {
            let t = try XCTUnwrap(PixelTranslator(format: format))
            for pixel: UInt32 in [0x000000, 0xFFFFFF, 0xFF0000, 0x00FF00, 0x0000FF, 0x808080] {
                var bytes: [UInt8] = []
                t.append(pixel, to: &bytes)
                XCTAssertEqual(bytes.count, format.bytesPerPixel)
                let back = bytes.withUnsafeBytes { t.read($0, at: 0) }
                if format.redMax == 255 {
                    XCTAssertEqual(back, pixel, "\(format)")
                } else {
                    // Full scale and zero survive exactly; other values within the channel's step.
                    if pixel == 0 || pixel == 0xFFFFFF { XCTAssertEqual(back, pixel, "\(format)") }
                    let dr = abs(Int(back >> 16 & 0xFF) - Int(pixel >> 16 & 0xFF))
                    XCTAssertLessThanOrEqual(dr, 64 / (format.redMax + 1) * 4 + 1)
                }
            }
        }
        // Exact bytes: native red is B,G,R,0 = 00 00 FF 00; RGB565 LE red is 0xF800 -> 00 F8.
        var bytes: [UInt8] = []
        PixelTranslator(format: .native)!.append(0xFF0000, to: &bytes)
        PixelTranslator(format: .rgb565)!.append(0xFF0000, to: &bytes)
        XCTAssertEqual(bytes, [0x00, 0x00, 0xFF, 0x00, 0x00, 0xF8])
    }

    func testUnsupportedFormatsHaveReasons() {
        var f = PixelFormat.native
        f.trueColour = false
        XCTAssertEqual(f.unsupportedReason, "colour-map pixel formats are not supported")
        f = .native
        f.bitsPerPixel = 24
        XCTAssertNotNil(f.unsupportedReason)
        f = .native
        f.redMax = 100
        XCTAssertNotNil(f.unsupportedReason)
        f = .native
        f.redShift = 30
        XCTAssertNotNil(f.unsupportedReason)
        XCTAssertNil(PixelFormat.native.unsupportedReason)
        XCTAssertTrue(PixelFormat.native.fitsInLowThreeBytes)
    }
}
