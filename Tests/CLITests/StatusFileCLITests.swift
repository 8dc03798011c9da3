import Foundation
import TestSupport
import XCTest

/// `status.json` beside latest.png through the real binary (`request` → `listen` on Xvfb): connected
/// with the requester's name while live, paused after the requester types /pause, and connected false
/// once the session ended.
final class StatusFileCLITests: XCTestCase {
    private func status(_ f: JourneyFixture) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: f.snapshots + "/status.json") else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// Waits until status.json satisfies `condition`; the last contents seen otherwise.
    private func waitForStatus(_ f: JourneyFixture, timeout: Double = 15, _ condition: ([String: Any]) -> Bool) -> (Bool, String) {
        let deadline = Date().addingTimeInterval(timeout)
        var last: [String: Any]?
        while Date() < deadline {
            last = status(f)
            if let last, condition(last) { return (true, "\(last)") }
            usleep(50_000)
        }
        return (false, "\(last.map { "\($0)" } ?? "no status.json")")
    }

    func testStatusFollowsTheSessionPauseAndEnd() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let bobFingerprint = try f.cli(["id", "--fingerprint"], config: f.bobConfig)
        let (alice, bob) = try f.startSession()

        var (ok, seen) = waitForStatus(f) {
            $0["connected"] as? Bool == true && $0["paused"] as? Bool == false && $0["peer"] as? String == "bob"
                && $0["last_update"] is String
        }
        XCTAssertTrue(ok, "live: \(seen)")
        let live = status(f) ?? [:]
        XCTAssertEqual(live["fingerprint"] as? String, bobFingerprint)
        XCTAssertEqual(live["width"] as? Int, 800)
        XCTAssertEqual(live["height"] as? Int, 600)
        var st = stat()
        XCTAssertEqual(lstat(f.snapshots + "/status.json", &st), 0)
        XCTAssertEqual(Int(st.st_mode) & 0o7777, 0o600)

        bob.type("/pause")
        XCTAssertTrue(alice.waitFor("sharing paused"), alice.text)
        (ok, seen) = waitForStatus(f) { $0["paused"] as? Bool == true && $0["connected"] as? Bool == true }
        XCTAssertTrue(ok, "paused: \(seen)")
        bob.type("/resume")
        (ok, seen) = waitForStatus(f) { $0["paused"] as? Bool == false && $0["connected"] as? Bool == true }
        XCTAssertTrue(ok, "resumed: \(seen)")

        alice.type("/quit")
        XCTAssertEqual(alice.exitStatus(), 0, alice.text)
        XCTAssertEqual(bob.exitStatus(), 0, bob.text)
        (ok, seen) = waitForStatus(f, timeout: 2) { $0["connected"] as? Bool == false }
        XCTAssertTrue(ok, "after the end: \(seen)")
        XCTAssertEqual(status(f)?["peer"] as? String, "bob", "the last peer stays named")
    }
}
