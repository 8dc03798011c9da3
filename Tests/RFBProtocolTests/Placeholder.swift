import XCTest

final class RFBProtocolPlaceholder: XCTestCase {
    func testBuilds() {}
}
