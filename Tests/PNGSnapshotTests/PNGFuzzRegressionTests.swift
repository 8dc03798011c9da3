import Foundation
import PNGSnapshot
import Pixels
import XCTest

/// Inputs the fuzz target fuzz-png found (Fuzz/, `bash .ci/fuzz`).
final class PNGFuzzRegressionTests: XCTestCase {
    /// fuzz-png, crash-c9019c80 (a seed): a 5x4 palette PNG with a tRNS chunk. libpng expands such a
    /// palette to RGBA, and the alpha ended up in the pad byte of every pixel, which is always 0 in a
    /// `Framebuffer`.
    func testPaletteWithTransparencyKeepsThePadByteZero() throws {
        let base64 = "iVBORw0KGgoAAAANSUhEUgAAAAUAAAAEAgMAAAA7XR3TAAAAMFBMVEUABQoPFBkeIygtMjc8QUZLUFVaX2RpbnN4fYKHjJGWm6Clqq+0"
            + "ub7DyM3S19zh5uvaanEBAAAAA3RSTlMA/4CE6rqMAAAAF0lEQVR4AQEMAPP/AAAdAAckAA4rABUyA7AAyV5z6XkAAAAASUVORK5CYII="
        let png = try XCTUnwrap(Data(base64Encoded: base64).map { [UInt8]($0) })
        let picture = try PNGCodec.decode(png)
        XCTAssertEqual(picture.width, 5)
        XCTAssertEqual(picture.height, 4)
        XCTAssertEqual(picture.pixels.filter { $0 & 0xFF00_0000 != 0 }.count, 0)
        // Palette entry 0 is (0, 5, 10): the first pixel of the first row (index byte 0x00).
        XCTAssertEqual(picture[0, 0], 0x00_050A)
        XCTAssertEqual(try PNGCodec.decode(try PNGCodec.encode(picture)), picture)
    }

    /// fuzz-png, oom-6115ee64: a 2x2 PNG whose tEXt chunk declares 2,055,667,724 bytes. libpng allocated
    /// the whole chunk before noticing the file is 121 bytes long (2 GB, about a second, per attempt);
    /// chunk lengths are now checked against the data before libpng reads anything.
    func testHugeTextChunkIsRefused() throws {
        let base64 = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAABGdBTUEAALGPC/xhBXqHAAx0RVh0Q29tbWVudABmdXp6hy2BwwAA"
            + "ABlJREFUeAEBDgDx/wAAHTpXdJEAByRBXjuYFHQDkR1X8xIAAAAASUVOvFG9o4I="
        let png = try XCTUnwrap(Data(base64Encoded: base64).map { [UInt8]($0) })
        XCTAssertThrowsError(try PNGCodec.decode(png)) { error in
            XCTAssertEqual("\(error)", "invalid PNG: chunk tEXt of 2055667724 bytes runs past the end of the file")
        }
    }
}
