import XCTest
@testable import X11Capture

final class PixelConverterTests: XCTestCase {
    /// The pad byte is not reliably zero on real servers (XRender writes 0xFF): it must be cleared.
    func testNativeLayoutClearsPadByte() throws {
        let conv = try XCTUnwrap(PixelConverter(redMask: 0xFF0000, greenMask: 0xFF00, blueMask: 0xFF, bigEndian: false))
        XCTAssertTrue(conv.isNativeOrder)
        let src: [UInt32] = [0xFF12_3456, 0x0000_00FF, 0xFFFF_FFFF]
        var dst = [UInt32](repeating: 0xDEAD_BEEF, count: 3)
        src.withUnsafeBufferPointer { s in dst.withUnsafeMutableBufferPointer { conv.convertRow(s.baseAddress!, $0.baseAddress!, count: 3) } }
        XCTAssertEqual(dst, [0x0012_3456, 0x0000_00FF, 0x00FF_FFFF])
    }

    func testOtherMasksAndByteOrder() throws {
        // BGR masks (red in the low byte) and a big-endian image.
        let bgr = try XCTUnwrap(PixelConverter(redMask: 0xFF, greenMask: 0xFF00, blueMask: 0xFF0000, bigEndian: false))
        let be = try XCTUnwrap(PixelConverter(redMask: 0xFF0000, greenMask: 0xFF00, blueMask: 0xFF, bigEndian: true))
        XCTAssertFalse(bgr.isNativeOrder)
        var out: [UInt32] = [0]
        [UInt32(0xEE33_2211)].withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { bgr.convertRow(s.baseAddress!, $0.baseAddress!, count: 1) } }
        XCTAssertEqual(out, [0x0011_2233])
        // Big-endian bytes 0x00 0xAA 0xBB 0xCC read on a little-endian host as 0xCCBBAA00.
        [UInt32(0xCCBB_AA7F)].withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { be.convertRow(s.baseAddress!, $0.baseAddress!, count: 1) } }
        XCTAssertEqual(out, [0x00AA_BBCC])
    }

    func testRejectsNarrowMasks() {
        XCTAssertNil(PixelConverter(redMask: 0xF800, greenMask: 0x7E0, blueMask: 0x1F, bigEndian: false))
    }
}
