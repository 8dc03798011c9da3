import Foundation
import TestSupport
import XCTest

final class ListenOptionsTests: XCTestCase {
    /// --allow-new: an unknown requester is shown with its fingerprint and address; "y" accepts, and the
    /// name is asked separately: a one-letter name (the "y" typed once more by habit) is refused and
    /// asked again, a real one adds them as a contact; the session then runs.
    func testAllowNewAddsTheRequesterAfterTheExpertNamesThem() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let (carolConfig, carolFP) = try f.carol()
        let alice = try f.listen(["--allow-new"])
        let carol = try f.start(["request", "alice", "--display", f.xvfb.display, "--allow-view"], config: carolConfig, name: "carol")
        XCTAssertTrue(alice.waitFor("An unknown requester (\(carolFP)) asks for help from 127.0.0.1:"), alice.text)
        alice.type("y")
        XCTAssertTrue(alice.waitFor("Type a name to save them as a contact"), alice.text)
        alice.type("y")
        XCTAssertTrue(alice.waitFor("\"y\" is too short for a contact name"), alice.text)
        XCTAssertFalse(try f.cli(["contacts", "list"], config: f.aliceConfig).contains(carolFP), "no contact saved under \"y\"")
        alice.type("carol")
        XCTAssertTrue(alice.waitFor("added carol (\(carolFP)) to your contacts and accepted"), alice.text)
        XCTAssertTrue(alice.waitFor("viewing \"carol's desktop\""), alice.text)
        let contacts = try f.cli(["contacts", "list"], config: f.aliceConfig)
        XCTAssertTrue(contacts.contains("carol \(carolFP)"), contacts)
        alice.type("/quit")
        XCTAssertEqual(carol.exitStatus(), 0, carol.text)
    }

    /// --json: one JSON object per line with an "event" field, for scripts (the password too).
    func testJSONEventsAreOneObjectPerLine() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let share = try f.start(["share", "--json", "--port", "0", "--insecure-loopback", "--display", f.xvfb.display],
                                config: f.bobConfig, name: "share")
        XCTAssertTrue(share.waitFor("\"event\":\"password\""), share.text)
        share.closeInput()
        XCTAssertEqual(share.exitStatus(), 0, share.text)
        var events: [String] = []
        for line in share.text.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let event = try XCTUnwrap(object?["event"] as? String, "line without event: \(line)")
            events.append(event)
            if event == "password" {
                let password = try XCTUnwrap(object?["password"] as? String)
                XCTAssertEqual(password.count, 12)
            }
        }
        XCTAssertEqual(Array(events.prefix(2)), ["listening", "password"])
    }
}
