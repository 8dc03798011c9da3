import XCTest

final class TileCodecPlaceholder: XCTestCase {
    func testBuilds() {}
}
