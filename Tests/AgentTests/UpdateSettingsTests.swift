import Agent
import Pixels
import RFBProtocol
import XCTest

/// What a viewer's SetEncodings list turns into.
final class UpdateSettingsTests: XCTestCase {
    func testCompressLevelIsTheLastOneListedAndAbsentByDefault() {
        XCTAssertNil(UpdateSettings(encodings: [RFBEncoding.zrle, RFBEncoding.copyRect], format: .native).compressLevel)
        let one = UpdateSettings(encodings: [RFBEncoding.zrle, RFBEncoding.compressLevel0 + 3], format: .native)
        XCTAssertEqual(one.compressLevel, 3)
        XCTAssertEqual(one.encoding, RFBEncoding.zrle)
        let two = UpdateSettings(encodings: [RFBEncoding.compressLevel0 + 9, RFBEncoding.zrle, RFBEncoding.compressLevel0],
                                 format: .native)
        XCTAssertEqual(two.compressLevel, 0)
        // -246 is not a CompressLevel (QualityLevel and others are ignored here).
        XCTAssertNil(UpdateSettings(encodings: [RFBEncoding.zrle, -246, -32], format: .native).compressLevel)
    }

    func testTileDeltaNeedsTheNativeFormat() {
        XCTAssertEqual(UpdateSettings(encodings: [RFBEncoding.tileDelta, RFBEncoding.zrle], format: .native).encoding,
                       RFBEncoding.tileDelta)
        XCTAssertEqual(UpdateSettings(encodings: [RFBEncoding.tileDelta, RFBEncoding.zrle], format: .rgb565).encoding,
                       RFBEncoding.zrle)
    }
}
