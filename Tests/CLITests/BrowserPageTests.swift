import Foundation
import PNGSnapshot
import Pixels
import TestSupport
import X11Capture
import XCTest

/// The expert's page in a real browser (headless Chromium over the DevTools protocol): alice runs
/// `listen --web`, bob `request`; the page shows bob's desktop pixel-exact at 1:1 (the canvas read
/// back, and a screenshot), chat typed in the page reaches bob's terminal and back, and End ends both.
/// The screenshot goes to $REMOTE_ASSIST_RESULTS (default: the temporary folder's remote-assist-results).
final class BrowserPageTests: XCTestCase {
    static var results: URL {
        let base = ProcessInfo.processInfo.environment["REMOTE_ASSIST_RESULTS"] ?? NSTemporaryDirectory() + "remote-assist-results"
        return URL(fileURLWithPath: base).appendingPathComponent("live-view")
    }

    /// The X server's picture, without the pointer (the page draws the pointer on its own layer).
    private func plainScreen(_ fixture: JourneyFixture) throws -> Framebuffer {
        let source = try X11ScreenSource(displayName: fixture.xvfb.display, allowSharedMemory: false, useDamage: false)
        var fb = Framebuffer(width: 0, height: 0)
        _ = try source.capture(into: &fb, full: true)
        return fb
    }

    /// The page's canvas, read back with getImageData, as a framebuffer.
    private func canvas(_ browser: HeadlessChromium) throws -> Framebuffer? {
        let script = """
            (() => { const c = document.getElementById('screen'); if (!c.width) return '';
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let s = '';
              for (let i = 0; i < d.length; i += 32768) s += String.fromCharCode.apply(null, d.subarray(i, i + 32768));
              return c.width + 'x' + c.height + ':' + btoa(s); })()
            """
        guard let text = try browser.evaluate(script) as? String, let colon = text.firstIndex(of: ":") else { return nil }
        let size = text[..<colon].split(separator: "x").compactMap { Int($0) }
        guard size.count == 2, let rgba = Data(base64Encoded: String(text[text.index(after: colon)...])) else { return nil }
        var pixels = [UInt32](repeating: 0, count: size[0] * size[1])
        rgba.withUnsafeBytes { p in
            for i in 0..<pixels.count { pixels[i] = UInt32(p[i * 4]) << 16 | UInt32(p[i * 4 + 1]) << 8 | UInt32(p[i * 4 + 2]) }
        }
        return Framebuffer(width: size[0], height: size[1], pixels: pixels)
    }

    func testExpertPageShowsTheDesktopPixelExactChatsAndEndsBothSides() throws {
        guard HeadlessChromium.executable != nil else { throw XCTSkip("chromium is not installed (.ci/setup installs it)") }
        let fixture = try JourneyFixture()
        defer { fixture.tearDown() }
        let urlFile = fixture.root.appendingPathComponent("page-url").path
        let (alice, bob) = try fixture.startSession(listenExtra: ["--web", "--no-browser", "--web-url-file", urlFile])
        XCTAssertTrue(alice.waitFor("in a browser on this machine"), alice.text)
        let url = try String(contentsOfFile: urlFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(url.hasPrefix("http://127.0.0.1:"), url)
        let mode = try FileManager.default.attributesOfItem(atPath: urlFile)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600, "--web-url-file holds the token: mode 0600")

        // Something to see: colours, a gradient, text.
        let draw = try XCTUnwrap(XDrawing(displayName: fixture.xvfb.display))
        draw.fill(Rect(x: 0, y: 0, width: 800, height: 600), 0x203040)
        draw.fill(Rect(x: 40, y: 40, width: 300, height: 180), 0xFF8000)
        for x in 0..<256 { draw.line(x0: 400 + x, y0: 60, x1: 400 + x, y1: 160, UInt32(x) << 16 | UInt32(255 - x) << 8 | UInt32(x / 2)) }
        for i in 0..<12 { draw.text("line \(i): the quick brown fox jumps over the lazy dog", x: 40, y: 260 + i * 16, 0xE0E0E0) }
        draw.sync()

        let browser = try HeadlessChromium(width: 1280, height: 800)
        defer { browser.stop() }
        try browser.call("Page.enable")
        try browser.call("Page.navigate", ["url": url])
        XCTAssertTrue(try browser.waitFor("document.getElementById('state').textContent.startsWith('viewing bob')"),
                      "state: \(String(describing: try? browser.evaluate("document.getElementById('state').textContent")))")
        XCTAssertEqual(try browser.evaluate("location.href") as? String, url.components(separatedBy: "?").first, "redirected to the clean URL")
        XCTAssertEqual(try browser.evaluate("document.cookie") as? String, "", "the cookie is HttpOnly")

        // 1:1, then the canvas must equal the X server's picture exactly.
        try browser.click(id: "scale")
        XCTAssertTrue(try browser.waitFor("document.getElementById('scale').textContent === 'Fit'"))
        let deadline = Date().addingTimeInterval(20)
        var matched = false, last = ""
        while Date() < deadline, !matched {
            let want = try plainScreen(fixture)
            if let got = try canvas(browser) {
                if got == want { matched = true; break }
                if let d = got.firstDifference(from: want) {
                    last = "pixel \(d.x),\(d.y): page \(String(d.mine, radix: 16)), screen \(String(d.theirs, radix: 16)) (page \(got.width)x\(got.height))"
                }
            }
            usleep(200_000)
        }
        XCTAssertTrue(matched, "the page's canvas never equalled the screen: \(last)")

        // A screenshot of the canvas at 1:1: the screen with bob's pointer on it.
        guard let box = try browser.evaluate("(() => { const r = document.getElementById('screen').getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })()") as? [Double],
              box.count == 4 else { return XCTFail("no canvas box") }
        XCTAssertEqual(box[2], 800)
        XCTAssertEqual(box[3], 600)
        let png = try browser.screenshot(x: box[0], y: box[1], width: box[2], height: box[3])
        try FileManager.default.createDirectory(at: Self.results, withIntermediateDirectories: true)
        let shot = Self.results.appendingPathComponent("expert-page-1to1.png")
        try png.write(to: shot)
        let page = try PNGCodec.read(shot.path)
        let expected = try fixture.screen()
        if let d = page.firstDifference(from: expected) {
            XCTFail("screenshot \(shot.path) differs from the screen at \(d.x),\(d.y): \(String(d.mine, radix: 16)) vs \(String(d.theirs, radix: 16))")
        }
        let whole = try browser.screenshot(x: 0, y: 0, width: 1280, height: 800)
        try whole.write(to: Self.results.appendingPathComponent("expert-page-window.png"))

        // Chat typed in the page reaches bob's terminal (and alice's own terminal shows it).
        _ = try browser.evaluate("document.getElementById('line').focus()")
        try browser.type("hello from the page", pressEnter: false)
        XCTAssertEqual(try browser.evaluate("document.getElementById('line').value") as? String, "hello from the page", "typed into the chat line")
        try browser.pressEnter()
        XCTAssertTrue(try browser.waitFor("document.getElementById('line').value === ''"), "Enter sent the line")
        XCTAssertTrue(bob.waitFor("<alice> hello from the page"), bob.text)
        XCTAssertTrue(alice.waitFor("<alice> hello from the page"), alice.text)
        // bob's answer reaches the page, as text: markup stays text.
        bob.type("hi from bob <img src=x onerror=alert(1)>")
        XCTAssertTrue(try browser.waitFor("document.getElementById('transcript').textContent.includes('<bob> hi from bob <img src=x onerror=alert(1)>')"),
                      "\(String(describing: try? browser.evaluate("document.getElementById('transcript').textContent")))")
        XCTAssertEqual(try browser.evaluate("document.querySelectorAll('#transcript img').length") as? Int, 0)
        // A line typed in alice's terminal shows in her page too.
        alice.type("typed in alice's terminal")
        XCTAssertTrue(try browser.waitFor("document.getElementById('transcript').textContent.includes('<alice> typed in alice\\'s terminal')"))
        XCTAssertTrue(bob.waitFor("<alice> typed in alice's terminal"), bob.text)
        try FileManager.default.createDirectory(at: Self.results, withIntermediateDirectories: true)
        try browser.screenshot(x: 0, y: 0, width: 1280, height: 800).write(to: Self.results.appendingPathComponent("expert-page-chat.png"))

        // Snapshot in the page writes a numbered PNG, as /snap does.
        try browser.click(id: "snapshot")
        XCTAssertTrue(try browser.waitFor("document.getElementById('transcript').textContent.includes('snapshot-0001.png')"),
                      "\(String(describing: try? browser.evaluate("document.getElementById('transcript').textContent")))")
        XCTAssertTrue(FileManager.default.fileExists(atPath: fixture.snapshots + "/snapshot-0001.png"))

        // End in the page ends both sides.
        try browser.click(id: "end")
        XCTAssertEqual(alice.exitStatus(timeout: 20), 0, alice.text)
        XCTAssertTrue(bob.waitFor("alice ended the session"), bob.text)
        XCTAssertEqual(bob.exitStatus(timeout: 20), 0, bob.text)
        XCTAssertTrue(try browser.waitFor("document.getElementById('state').textContent.startsWith('ended')", timeout: 10),
                      "\(String(describing: try? browser.evaluate("document.getElementById('state').textContent")))")
    }

    /// 1:1 on a HiDPI screen (device pixel ratio 2): one remote pixel on one device pixel, so the
    /// screenshot at device resolution equals the X server's picture; Fit scales to the window.
    func testOneToOneIsCrispOnAHiDPIScreen() throws {
        guard HeadlessChromium.executable != nil else { throw XCTSkip("chromium is not installed (.ci/setup installs it)") }
        let fixture = try JourneyFixture()
        defer { fixture.tearDown() }
        let urlFile = fixture.root.appendingPathComponent("page-url").path
        let (alice, bob) = try fixture.startSession(listenExtra: ["--web", "--no-browser", "--web-url-file", urlFile])
        let draw = try XCTUnwrap(XDrawing(displayName: fixture.xvfb.display))
        draw.fill(Rect(x: 0, y: 0, width: 800, height: 600), 0x102030)
        for i in 0..<20 { draw.text("HiDPI line \(i): every pixel of the text must stay sharp", x: 30, y: 30 + i * 14, 0xF0F0F0) }
        draw.fill(Rect(x: 500, y: 400, width: 1, height: 100), 0xFF0000)
        draw.sync()
        let url = try String(contentsOfFile: urlFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let browser = try HeadlessChromium(width: 1280, height: 800, scale: 2)
        defer { browser.stop() }
        try browser.call("Page.navigate", ["url": url])
        XCTAssertTrue(try browser.waitFor("document.getElementById('state').textContent.startsWith('viewing bob')"))
        XCTAssertEqual(try browser.evaluate("devicePixelRatio") as? Double, 2)
        try browser.click(id: "scale")
        XCTAssertTrue(try browser.waitFor("document.getElementById('screen').getBoundingClientRect().width === 400"),
                      "1:1 on a ratio-2 screen is 400 CSS pixels wide for 800 remote pixels")
        let deadline = Date().addingTimeInterval(20)
        var expected = try fixture.screen(), shot = Framebuffer(width: 0, height: 0)
        let results = Self.results
        try FileManager.default.createDirectory(at: results, withIntermediateDirectories: true)
        while Date() < deadline {
            guard let box = try browser.evaluate("(() => { const r = document.getElementById('screen').getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })()") as? [Double],
                  box.count == 4 else { break }
            let file = results.appendingPathComponent("expert-page-1to1-hidpi.png")
            try browser.screenshot(x: box[0], y: box[1], width: box[2], height: box[3]).write(to: file)
            shot = try PNGCodec.read(file.path)
            expected = try fixture.screen()
            if shot == expected { break }
            usleep(300_000)
        }
        XCTAssertEqual(shot.width, 800, "device pixels")
        if let d = shot.firstDifference(from: expected) {
            XCTFail("HiDPI screenshot differs at \(d.x),\(d.y): \(String(d.mine, radix: 16)) vs \(String(d.theirs, radix: 16))")
        }
        try browser.click(id: "scale")   // back to Fit: the whole desktop within the view
        XCTAssertTrue(try browser.waitFor("(() => { const r = document.getElementById('screen').getBoundingClientRect(), v = document.getElementById('view').getBoundingClientRect(); return r.width <= v.width + 0.5 && r.height <= v.height + 0.5 && (Math.abs(r.width - v.width) < 1 || Math.abs(r.height - v.height) < 1); })()"),
                      "Fit fills the view in one direction")
        try browser.click(id: "end")
        XCTAssertEqual(alice.exitStatus(timeout: 20), 0, alice.text)
        XCTAssertEqual(bob.exitStatus(timeout: 20), 0, bob.text)
    }
}
