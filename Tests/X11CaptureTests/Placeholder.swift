import XCTest

final class X11CapturePlaceholder: XCTestCase {
    func testBuilds() {}
}
