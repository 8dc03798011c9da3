import XCTest

final class PNGSnapshotPlaceholder: XCTestCase {
    func testBuilds() {}
}
