import Foundation
import TestSupport
import XCTest

/// The requester's page in headless Chromium: `request --web` shows the consent question as a dialog
/// with Deny focused; nothing is captured or sent before Allow is clicked; no click is a denial at the
/// timeout; then the panel: who watches, Pause/Resume, chat, End.
final class RequesterPageTests: XCTestCase {
    private func openPage(_ urlFile: String) throws -> HeadlessChromium {
        var url = ""
        let deadline = Date().addingTimeInterval(20)
        while url.isEmpty, Date() < deadline {
            url = (try? String(contentsOfFile: urlFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if url.isEmpty { usleep(100_000) }
        }
        let browser = try HeadlessChromium(width: 1000, height: 700)
        try browser.call("Page.enable")
        try browser.call("Page.navigate", ["url": url])
        return browser
    }

    func testConsentDialogAllowsOnClickOnlyThenThePanelPausesChatsAndEnds() throws {
        guard HeadlessChromium.executable != nil else { throw XCTSkip("chromium is not installed (.ci/setup installs it)") }
        let fixture = try JourneyFixture()
        defer { fixture.tearDown() }
        let urlFile = fixture.root.appendingPathComponent("bob-url").path
        let alice = try fixture.listen()
        let bob = try fixture.request(["--web", "--no-browser", "--web-url-file", urlFile, "--consent-timeout", "60"])
        let browser = try openPage(urlFile)
        defer { browser.stop() }
        XCTAssertTrue(try browser.waitFor("document.getElementById('watching').textContent === 'Nobody sees your screen.'"))
        XCTAssertTrue(alice.waitFor("asks for help. Accept? [y/N]"), alice.text)
        alice.type("y")
        XCTAssertTrue(try browser.waitFor("document.getElementById('question').open"), "no consent dialog")
        XCTAssertEqual(try browser.evaluate("document.activeElement.id") as? String, "deny", "Deny has the focus")
        let question = try browser.evaluate("document.getElementById('question-text').textContent") as? String ?? ""
        XCTAssertEqual(question, "Allow alice to see your screen?")
        // The verified key's short form, its compare code (read aloud) and the address, under the question.
        let detail = try browser.evaluate("document.getElementById('question-detail').textContent") as? String ?? ""
        XCTAssertNotNil(detail.range(of: #"^SHA256:[A-Z2-7]{4}-[A-Z2-7]{4}… · compare code [0-9]{3} [0-9]{3} · from 127\.0\.0\.1:[0-9]+$"#,
                                     options: .regularExpression), detail)

        // Nothing before the click: no picture reaches alice.
        usleep(1_500_000)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.snapshots + "/latest.png"), "a picture before consent")
        XCTAssertFalse(alice.text.contains("viewing \"bob's desktop\""), alice.text)

        try browser.click(id: "allow")
        XCTAssertTrue(alice.waitFor("viewing \"bob's desktop\""), alice.text)
        XCTAssertTrue(try fixture.waitForLatestToMatchScreen(), "alice's picture never matched the screen")
        XCTAssertTrue(try browser.waitFor("document.getElementById('watching').textContent === 'alice is watching your screen'"),
                      "\(String(describing: try? browser.evaluate("document.getElementById('watching').textContent")))")
        XCTAssertFalse(try browser.evaluate("document.getElementById('question').open") as? Bool ?? true)

        try browser.click(id: "pause")
        XCTAssertTrue(alice.waitFor("(sharing paused by bob"), alice.text)
        XCTAssertTrue(try browser.waitFor("document.getElementById('pause').textContent === 'Resume'"))
        // The page's transcript has the notice without the terminal's "/resume" (it has its button).
        XCTAssertTrue(try browser.waitFor("document.getElementById('transcript').textContent.includes('sharing paused (the viewer keeps the last picture)')"))
        XCTAssertEqual(try browser.evaluate("document.getElementById('transcript').textContent.includes('/resume')") as? Bool, false)
        try browser.click(id: "pause")
        XCTAssertTrue(alice.waitFor("(sharing resumed by bob)"), alice.text)

        _ = try browser.evaluate("document.getElementById('line').focus()")
        try browser.type("thanks from bob's page")
        XCTAssertTrue(alice.waitFor("<bob> thanks from bob's page"), alice.text)
        alice.type("you are welcome")
        XCTAssertTrue(try browser.waitFor("document.getElementById('transcript').textContent.includes('<alice> you are welcome')"))
        let results = BrowserPageTests.results
        try FileManager.default.createDirectory(at: results, withIntermediateDirectories: true)
        try browser.screenshot(x: 0, y: 0, width: 1000, height: 700).write(to: results.appendingPathComponent("requester-panel.png"))

        try browser.click(id: "end")
        XCTAssertEqual(bob.exitStatus(timeout: 20), 0, bob.text)
        XCTAssertTrue(alice.waitFor("bob ended the session"), alice.text)
        XCTAssertEqual(alice.exitStatus(timeout: 20), 0, alice.text)
    }

    func testNoClickIsADenialAtTheTimeout() throws {
        guard HeadlessChromium.executable != nil else { throw XCTSkip("chromium is not installed (.ci/setup installs it)") }
        let fixture = try JourneyFixture()
        defer { fixture.tearDown() }
        let urlFile = fixture.root.appendingPathComponent("bob-url").path
        let alice = try fixture.listen()
        let bob = try fixture.request(["--web", "--no-browser", "--web-url-file", urlFile, "--consent-timeout", "4"])
        let browser = try openPage(urlFile)
        defer { browser.stop() }
        XCTAssertTrue(alice.waitFor("asks for help. Accept? [y/N]"), alice.text)
        alice.type("y")
        XCTAssertTrue(try browser.waitFor("document.getElementById('question').open"), "no consent dialog")
        let results = BrowserPageTests.results
        try FileManager.default.createDirectory(at: results, withIntermediateDirectories: true)
        try browser.screenshot(x: 0, y: 0, width: 1000, height: 700).write(to: results.appendingPathComponent("requester-consent.png"))
        XCTAssertTrue(alice.waitFor("bob did not answer within 4 s"), alice.text)
        XCTAssertEqual(bob.exitStatus(timeout: 20), 4, bob.text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.snapshots + "/latest.png"), "a picture without consent")
    }
}
