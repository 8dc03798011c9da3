import Foundation
import TestSupport
import XCTest

/// The display is opened before anything is dialled or listened on: a missing or wrong display fails
/// at once in one line with the fix, and the expert never hears of a request that could not work.
final class DisplayCheckTests: XCTestCase {
    func testRequestWithoutADisplayFailsBeforeDialling() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let alice = try f.listen()
        let result = try runProcess(f.tool, ["request", "alice"], environment: ["XDG_CONFIG_HOME": f.bobConfig])
        XCTAssertEqual(result.status, 1, result.stdout)
        XCTAssertTrue(result.stderr.contains("DISPLAY is not set: run this in your desktop session, or add --display :0"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line: \(result.stderr)")
        XCTAssertFalse(result.stdout.contains("asking alice"), result.stdout)
        usleep(300_000)
        XCTAssertFalse(alice.text.contains("connection"), "alice heard nothing: \(alice.text)")
    }

    func testShareOnADisplayThatDoesNotExistFailsBeforeListening() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let result = try runProcess(f.tool, ["share", "--port", "0", "--display", ":9876"], environment: ["XDG_CONFIG_HOME": f.bobConfig])
        XCTAssertEqual(result.status, 1, result.stdout)
        XCTAssertTrue(result.stderr.contains("cannot open the display :9876"), result.stderr)
        XCTAssertTrue(result.stderr.contains("add --display :0"), result.stderr)
        XCTAssertFalse(result.stdout.contains("sharing display"), result.stdout)
    }

    func testShareNamesTheDisplayItShares() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let bob = try f.start(["share", "--port", "0", "--host", "127.0.0.1"], config: f.bobConfig, name: "bob")
        XCTAssertTrue(bob.waitFor("sharing display \(f.xvfb.display) as bob"), bob.text)
    }
}
