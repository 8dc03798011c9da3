import Foundation
import TestSupport
import XCTest

/// `--help` teaches the main journey first.
final class HelpTests: XCTestCase {
    func testTopLevelHelpLeadsWithTheJourney() throws {
        let tool = buildProductsDirectory.appendingPathComponent("remote-assist").path
        let help = try runProcess(tool, ["--help"]).stdout
        let listen = try XCTUnwrap(help.range(of: "remote-assist listen"), help)
        let request = try XCTUnwrap(help.range(of: "remote-assist request alice"), help)
        let snapshot = try XCTUnwrap(help.range(of: "`snapshot`"), help)
        XCTAssertLessThan(listen.lowerBound, snapshot.lowerBound, help)
        XCTAssertLessThan(request.lowerBound, snapshot.lowerBound, help)
        XCTAssertTrue(help.contains("remote-assist contacts add"), help)
    }
}
