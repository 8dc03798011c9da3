import NIOCore
import Pixels
import XCTest

@testable import RFBProtocol

/// Inputs the fuzz targets (Fuzz/, `bash .ci/fuzz`) found, reduced to what matters; each must now be
/// refused with an error instead of crashing.
final class FuzzRegressionTests: XCTestCase {
    let native: [UInt8] = [32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]

    /// fuzz-client-protocol, oom-27ee779b: a ServerInit of 65534x52512 made the viewer allocate 13 GiB
    /// for its framebuffer (RFB 3.3, security None dictated by the server).
    func testServerInitOverThePixelLimitIsRefused() throws {
        var client = ClientHandshake(configuration: ClientHandshakeConfiguration(allowNone: true))
        var b = buf(ascii("RFB 003.003\n") + u32(1) + u16(65534) + u16(52512) + native + u32(1) + ascii("x"))
        XCTAssertThrowsError(try client.receive(&b)) { e in
            XCTAssertEqual(e as? RFBError, .tooLarge(what: "framebuffer of 65534x52512 pixels", length: 65534 * 52512,
                                                     limit: RFBLimits.maxFramebufferPixels))
        }
    }

    func testServerInitAtThePixelLimitIsAccepted() throws {
        var client = ClientHandshake(configuration: ClientHandshakeConfiguration(allowNone: true))
        var b = buf(ascii("RFB 003.003\n") + u32(1) + u16(8192) + u16(8192) + native + u32(1) + ascii("x"))
        let actions = try client.receive(&b)
        XCTAssertTrue(client.isCompleted, "\(actions)")
    }

    /// The same limit for DesktopSize and ExtendedDesktopSize (status 0) inside an update, checked as soon
    /// as the header is readable.
    func testResizeOverThePixelLimitIsRefused() throws {
        for encoding in [RFBEncoding.desktopSize, RFBEncoding.extendedDesktopSize] {
            var reader = try FramebufferUpdateReader(rectangleCount: 1, pixelFormat: .native,
                                                     framebufferWidth: 64, framebufferHeight: 64)
            var b = buf(u16(0) + u16(0) + u16(65535) + u16(65535) + s32(encoding))
            XCTAssertThrowsError(try reader.next(from: &b), "encoding \(encoding)") { e in
                guard case .tooLarge(let what, _, _)? = e as? RFBError else { return XCTFail("\(e)") }
                XCTAssertTrue(what.contains("65535x65535"), what)
            }
        }
        // A refused ExtendedDesktopSize (status 1) carries no new size: not checked.
        var reader = try FramebufferUpdateReader(rectangleCount: 1, pixelFormat: .native, framebufferWidth: 64, framebufferHeight: 64)
        var b = buf(u16(1) + u16(1) + u16(65535) + u16(65535) + s32(RFBEncoding.extendedDesktopSize) + [0, 0, 0, 0])
        XCTAssertNotNil(try reader.next(from: &b))
    }
}
