import Foundation
import LiveView
import XCTest

/// The page the binary serves is the files in Sources/LiveView/Assets (run `.ci/embed-page-assets`
/// after editing them), and nothing in it loads from the network or writes HTML.
final class AssetsTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/LiveView/Assets").standardized

    func testEmbeddedAssetsMatchFiles() throws {
        for (path, file) in [("/", "index.html"), ("/page.css", "page.css"), ("/page.js", "page.js")] {
            let onDisk = try Data(contentsOf: Self.folder.appendingPathComponent(file))
            let served = try XCTUnwrap(PageAssets.page.file(path))
            XCTAssertEqual(served.bytes, Array(onDisk), "\(file) differs from what the binary serves: run .ci/embed-page-assets")
        }
    }

    func testNothingFromTheNetworkAndNoHTMLFromStrings() throws {
        for file in ["index.html", "page.css", "page.js"] {
            let text = try String(contentsOf: Self.folder.appendingPathComponent(file), encoding: .utf8)
            XCTAssertFalse(text.contains("https://"), "\(file) loads from the network")
            XCTAssertFalse(text.contains("http://"), "\(file) names a URL")
            XCTAssertFalse(text.contains("innerHTML"), "\(file) writes HTML")
            XCTAssertFalse(text.contains("insertAdjacentHTML"), "\(file) writes HTML")
            XCTAssertFalse(text.contains("eval("), "\(file) evaluates strings")
            XCTAssertFalse(text.contains("style=\""), "\(file) has an inline style (the CSP forbids it)")
        }
    }
}
