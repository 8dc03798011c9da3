import XCTest

final class PixelsPlaceholder: XCTestCase {
    func testBuilds() {}
}
