import XCTest

final class RFBTransportPlaceholder: XCTestCase {
    func testBuilds() {}
}
