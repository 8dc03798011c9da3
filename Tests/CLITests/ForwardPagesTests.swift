import Foundation
import TestSupport
import XCTest

/// `share --web` and `view --web` (the forward direction): each side's page is a view of its session
/// model, checked here without a browser, through the page's own token, cookie and WebSocket.
final class ForwardPagesTests: XCTestCase {
    /// A page: exchanges the token for the cookie, opens the feed, and collects what arrives.
    final class Page: @unchecked Sendable {
        let client: WebSocketClient
        private let lock = NSLock()
        private var texts: [String] = []
        private var bytes = 0

        init(urlFile: String) throws {
            var url = ""
            let deadline = Date().addingTimeInterval(20)
            while url.isEmpty, Date() < deadline {
                url = (try? String(contentsOfFile: urlFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                if url.isEmpty { usleep(100_000) }
            }
            let mode = try FileManager.default.attributesOfItem(atPath: urlFile)[.posixPermissions] as? Int
            XCTAssertEqual(mode, 0o600)
            guard let port = URLComponents(string: url)?.port, let token = url.components(separatedBy: "token=").last else {
                throw WebSocketClient.Failure(description: "bad URL \(url)")
            }
            let host = "127.0.0.1:\(port)"
            let login = try WebSocketClient.request(port: port, path: "/?token=\(token)", headers: [("Host", host)])
            guard let cookie = login.header("set-cookie").first?.split(separator: ";").first else {
                throw WebSocketClient.Failure(description: "no cookie: \(login.status)")
            }
            client = try WebSocketClient(port: port, timeoutSeconds: 60)
            let upgrade = try client.upgrade(path: "/feed", host: host, extra: [("Cookie", String(cookie)), ("Origin", "http://\(host)")])
            guard upgrade.status == 101 else { throw WebSocketClient.Failure(description: "upgrade: \(upgrade.status)") }
            Thread { [self] in
                while let message = try? client.receive() {
                    lock.lock()
                    switch message {
                    case .text(let t): texts.append(t)
                    case .binary(let b): bytes += b.count
                    case .close: lock.unlock(); return
                    }
                    lock.unlock()
                }
            }.start()
        }

        func waitFor(_ fragment: String, timeout: Double = 20) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if all.contains(where: { $0.contains(fragment) }) { return true }
                usleep(50_000)
            }
            return false
        }

        var all: [String] { lock.lock(); defer { lock.unlock() }; return texts }
        var feedBytes: Int { lock.lock(); defer { lock.unlock() }; return bytes }
    }

    func testShareAndViewPagesShowTheOneSessionAndTheirChat() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let bobFingerprint = try f.cli(["id", "--fingerprint"], config: f.bobConfig)
        let shareURL = f.root.appendingPathComponent("share-url").path, viewURL = f.root.appendingPathComponent("view-url").path
        let share = try f.start(["share", "--port", "\(f.port)", "--host", "127.0.0.1", "--allow-view", "--display", f.xvfb.display,
                                 "--web", "--no-browser", "--web-url-file", shareURL], config: f.bobConfig, name: "bob")
        XCTAssertTrue(share.waitFor("one-time password"), share.text)
        let bobPage = try Page(urlFile: shareURL)
        XCTAssertTrue(bobPage.waitFor(#""role":"sharing""#), "\(bobPage.all)")
        let view = try f.start(["view", "127.0.0.1:\(f.port)", "--fingerprint", bobFingerprint, "--snapshots", f.snapshots,
                                "--web", "--no-browser", "--web-url-file", viewURL], config: f.aliceConfig, name: "alice")
        let alicePage = try Page(urlFile: viewURL)
        XCTAssertTrue(view.waitFor("viewing \"bob's desktop\""), view.text)
        XCTAssertTrue(alicePage.waitFor(#""phase":"viewing""#), "\(alicePage.all)")
        XCTAssertTrue(bobPage.waitFor(#""phase":"sharing""#), "\(bobPage.all)")
        let deadline = Date().addingTimeInterval(10)
        while alicePage.feedBytes < 23, Date() < deadline { usleep(50_000) }   // resize + fill + frame at least
        XCTAssertGreaterThanOrEqual(alicePage.feedBytes, 23, "alice's page gets the picture")
        XCTAssertEqual(bobPage.feedBytes, 0, "the requester's page gets no picture feed")

        // Typed in alice's page: bob's terminal and page, and alice's own terminal (plain output).
        try alicePage.client.sendText(#"{"t":"chat","text":"from alice's page"}"#)
        XCTAssertTrue(share.waitFor("<alice> from alice's page"), share.text)
        XCTAssertTrue(view.waitFor("<alice> from alice's page"), view.text)
        XCTAssertTrue(bobPage.waitFor(#""from":"alice","own":false,"t":"chat","text":"from alice's page""#), "\(bobPage.all)")
        // Typed in bob's terminal: both pages.
        share.type("from bob's terminal")
        XCTAssertTrue(alicePage.waitFor(#""text":"from bob's terminal""#), "\(alicePage.all)")
        XCTAssertTrue(bobPage.waitFor(#""own":true,"t":"chat","text":"from bob's terminal""#), "\(bobPage.all)")
        // Pause from bob's page: alice's page says paused.
        try bobPage.client.sendText(#"{"t":"pause","on":true}"#)
        XCTAssertTrue(alicePage.waitFor(#""paused":true,"peer":"bob","phase":"viewing""#), "\(alicePage.all)")
        // End from bob's page ends both.
        try bobPage.client.sendText(#"{"t":"end"}"#)
        XCTAssertEqual(share.exitStatus(timeout: 20), 0, share.text)
        XCTAssertEqual(view.exitStatus(timeout: 20), 0, view.text)
        XCTAssertTrue(alicePage.waitFor(#""phase":"ended""#), "\(alicePage.all)")
    }

    /// Started with nothing on standard input (a desktop launcher, nohup, systemd) and no --allow-view:
    /// without --web nobody could answer, so `share` refuses (PlainAnswersTests); with --web the page's
    /// dialog answers, so it starts, and the session begins only after Allow is clicked in the page.
    func testSharePageAnswersWhenNothingIsOnStandardInput() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let bobFingerprint = try f.cli(["id", "--fingerprint"], config: f.bobConfig)
        let shareURL = f.root.appendingPathComponent("share-url").path
        let share = try f.start(["share", "--port", "\(f.port)", "--host", "127.0.0.1", "--display", f.xvfb.display,
                                 "--web", "--no-browser", "--web-url-file", shareURL], config: f.bobConfig, name: "bob", nullInput: true)
        XCTAssertTrue(share.waitFor("one-time password"), share.text)
        XCTAssertFalse(share.text.contains("nobody can answer"), share.text)
        let bobPage = try Page(urlFile: shareURL)
        let view = try f.start(["view", "127.0.0.1:\(f.port)", "--fingerprint", bobFingerprint, "--snapshots", f.snapshots],
                               config: f.aliceConfig, name: "alice")
        XCTAssertTrue(bobPage.waitFor(#""t":"question""#), "\(bobPage.all)")
        let latest = f.snapshots + "/latest.png"
        XCTAssertFalse(FileManager.default.fileExists(atPath: latest), "no picture before the page's Allow")
        guard let asked = bobPage.all.last(where: { $0.contains(#""t":"question""#) && $0.contains(#""id":"#) && !$0.contains(#""id":null"#) }),
              let idText = asked.components(separatedBy: #""id":"#).last?.prefix(while: { $0.isNumber }), let id = Int(idText) else {
            return XCTFail("no question id in \(bobPage.all)")
        }
        try bobPage.client.sendText(#"{"t":"answer","question":\#(id),"yes":true}"#)
        XCTAssertTrue(view.waitFor("viewing \"bob's desktop\""), view.text)
        XCTAssertTrue(bobPage.waitFor(#""phase":"sharing""#), "\(bobPage.all)")
        try bobPage.client.sendText(#"{"t":"end"}"#)
        XCTAssertEqual(share.exitStatus(timeout: 20), 0, share.text)
        XCTAssertEqual(view.exitStatus(timeout: 20), 0, view.text)
    }

    /// `listen --allow-new --web`: the page answers the accept question with a button and the name
    /// question with its name field (not "y", which the terminal would have refused as too short).
    func testListenPageAcceptsAnUnknownRequesterAndNamesThem() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let (carolConfig, carolFP) = try f.carol()
        let urlFile = f.root.appendingPathComponent("listen-url").path
        let alice = try f.listen(["--allow-new", "--web", "--no-browser", "--web-url-file", urlFile])
        let page = try Page(urlFile: urlFile)
        let carol = try f.start(["request", "alice", "--display", f.xvfb.display, "--allow-view"], config: carolConfig, name: "carol")
        func questionID(_ kind: String) -> Int? {
            guard let line = page.all.last(where: { $0.contains(#""kind":"\#(kind)""#) }),
                  let digits = line.components(separatedBy: #""id":"#).last?.prefix(while: { $0.isNumber }) else { return nil }
            return Int(digits)
        }
        XCTAssertTrue(page.waitFor(#""kind":"accept_unknown""#), "\(page.all)")
        let accept = try XCTUnwrap(questionID("accept_unknown"))
        try page.client.sendText(#"{"t":"answer","question":\#(accept),"yes":true}"#)
        XCTAssertTrue(page.waitFor(#""kind":"name_contact""#), "\(page.all)")
        let naming = try XCTUnwrap(questionID("name_contact"))
        try page.client.sendText(#"{"t":"answer","question":\#(naming),"yes":true,"name":"carol"}"#)
        XCTAssertTrue(alice.waitFor("added carol (\(carolFP)) to your contacts and accepted"), alice.text)
        XCTAssertTrue(alice.waitFor("viewing \"carol's desktop\""), alice.text)
        XCTAssertFalse(alice.text.contains("too short"), alice.text)
        try page.client.sendText(#"{"t":"end"}"#)
        XCTAssertEqual(carol.exitStatus(timeout: 20), 0, carol.text)
    }
}
