import NIOCore
import Pixels
import RFBProtocol
import Viewer
import XCTest

/// The pointer image a server sends is decoded only up to 512x512: a larger one is refused with a
/// clear error before anything is allocated for it (the body limit alone let a hostile server make
/// the viewer allocate up to 256 MB of pointer at 8 bits a pixel).
final class CursorLimitTests: XCTestCase {
    private func cursor(width: Int, height: Int) throws -> Rectangle {
        let format = PixelFormat.native
        var body = ByteBuffer()
        body.writeRepeatingByte(0x40, count: width * height * format.bytesPerPixel)
        body.writeRepeatingByte(0xFF, count: (width + 7) / 8 * height)
        return Rectangle(header: RectangleHeader(x: 3, y: 4, width: UInt16(width), height: UInt16(height), encoding: RFBEncoding.cursor),
                         body: body)
    }

    func testAPointerUpToTheLimitIsTaken() throws {
        let assembler = FrameAssembler(width: 64, height: 64)
        try assembler.apply(try cursor(width: 32, height: 32), format: .native)
        XCTAssertEqual(assembler.cursor?.width, 32)
        try assembler.apply(try cursor(width: FrameAssembler.maximumCursorSide, height: 1), format: .native)
        XCTAssertEqual(assembler.cursor?.width, FrameAssembler.maximumCursorSide)
    }

    func testALargerPointerIsRefusedWithAReason() throws {
        let assembler = FrameAssembler(width: 64, height: 64)
        XCTAssertThrowsError(try assembler.apply(try cursor(width: FrameAssembler.maximumCursorSide + 1, height: 2), format: .native)) { error in
            XCTAssertEqual("\(error)".contains("a pointer image of 513x2 is larger than 512x512"), true, "\(error)")
        }
        XCTAssertNil(assembler.cursor)
    }
}
