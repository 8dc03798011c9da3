import Foundation
import TestSupport
import XCTest

/// `share` with two viewers at once: questions are queued (each with name, fingerprint and address,
/// answered one at a time), each viewer's chat is labelled by its own session, and the audit log has
/// a start line written while viewing goes on and an end line for each.
final class ShareSessionsTests: XCTestCase {
    func testTwoViewersAreAskedInTurnAndKeepTheirOwnNames() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let carolConfig = f.root.appendingPathComponent("carol").path
        let carolFP = try f.cli(["id", "--fingerprint", "--name", "carol"], config: carolConfig)
        let aliceFP = try f.cli(["id", "--fingerprint"], config: f.aliceConfig)
        let bobFP = try f.cli(["id", "--fingerprint"], config: f.bobConfig)
        _ = try f.cli(["contacts", "add", "carol", carolFP], config: f.bobConfig)
        _ = try f.cli(["contacts", "add", "bob", bobFP], config: carolConfig)
        let bob = try f.start(["share", "--port", "\(f.port)", "--host", "127.0.0.1", "--display", f.xvfb.display],
                              config: f.bobConfig, name: "bob")
        XCTAssertTrue(bob.waitFor("one-time password"), bob.text)
        let aliceSnapshots = f.root.appendingPathComponent("alice-snapshots").path
        let carolSnapshots = f.root.appendingPathComponent("carol-snapshots").path
        let alice = try f.start(["view", "127.0.0.1:\(f.port)", "--fingerprint", bobFP, "--snapshots", aliceSnapshots],
                                config: f.aliceConfig, name: "alice")
        XCTAssertTrue(bob.waitFor("Allow alice (\(aliceFP), compare code "), bob.text)
        let carol = try f.start(["view", "127.0.0.1:\(f.port)", "--fingerprint", bobFP, "--snapshots", carolSnapshots],
                                config: carolConfig, name: "carol")
        XCTAssertTrue(bob.waitFor("Allow carol (\(carolFP), compare code "), bob.text)
        XCTAssertTrue(bob.text.contains("(waiting: another question is being answered)"), bob.text)
        bob.type("y")   // answers alice's question only
        XCTAssertTrue(alice.waitFor("viewing \"bob's desktop\""), alice.text)
        XCTAssertFalse(carol.text.contains("viewing"), carol.text)
        let audit = f.bobConfig + "/remote-assist/audit.log"
        // The start line is written when viewing starts, not at the end.
        let started = try String(contentsOfFile: audit, encoding: .utf8)
        XCTAssertTrue(started.contains("session #1 started: alice (\(aliceFP)) from 127.0.0.1:"), started)
        bob.type("y")   // now carol's
        XCTAssertTrue(carol.waitFor("viewing \"bob's desktop\""), carol.text)

        alice.type("from alice")
        XCTAssertTrue(bob.waitFor("<alice #1> from alice"), bob.text)
        carol.type("from carol")
        XCTAssertTrue(bob.waitFor("<carol #2> from carol"), bob.text)
        bob.type("to both")
        XCTAssertTrue(alice.waitFor("<bob> to both"), alice.text)
        XCTAssertTrue(carol.waitFor("<bob> to both"), carol.text)
        alice.type("/quit")
        XCTAssertEqual(alice.exitStatus(), 0, alice.text)
        XCTAssertTrue(bob.waitFor("session ended: alice ended the session"), bob.text)
        carol.type("/quit")
        XCTAssertEqual(carol.exitStatus(), 0, carol.text)
        XCTAssertEqual(bob.exitStatus(), 0, bob.text)

        let lines = try String(contentsOfFile: audit, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 4, "\(lines)")
        XCTAssertEqual(lines.filter { $0.contains("session #1 ") && $0.contains("alice") }.count, 2, "\(lines)")
        XCTAssertEqual(lines.filter { $0.contains("session #2 ") && $0.contains("carol") }.count, 2, "\(lines)")
    }

    /// The requester's audit line is there while viewing goes on: a kill -9 of the agent leaves it.
    func testTheAuditLineSurvivesAKilledAgent() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let (alice, bob) = try f.startSession()
        bob.signal(SIGKILL)
        XCTAssertNotNil(alice.exitStatus(), alice.text)
        let audit = try String(contentsOfFile: f.bobConfig + "/remote-assist/audit.log", encoding: .utf8)
        XCTAssertTrue(audit.contains("session #1 started: alice (SHA256:"), audit)
        XCTAssertTrue(audit.contains(" from 127.0.0.1:"), audit)
    }

    /// share prints its certificate's SHA-256 in hex, as stock viewers and openssl show it.
    func testShareShowsTheFingerprintInHexAsOpenSSLDoes() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let bob = try f.start(["share", "--port", "0", "--host", "127.0.0.1", "--display", f.xvfb.display],
                              config: f.bobConfig, name: "bob")
        XCTAssertTrue(bob.waitFor("one-time password"), bob.text)
        let openssl = try runProcess("/usr/bin/openssl", ["x509", "-noout", "-fingerprint", "-sha256", "-in",
                                                         f.bobConfig + "/remote-assist/identity.crt"], environment: [:])
        let hex = try XCTUnwrap(openssl.stdout.split(separator: "=").last).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(hex.count, 95, openssl.stdout)
        XCTAssertTrue(bob.text.contains("SHA-256 \(hex)"), "\(hex)\n\(bob.text)")
        XCTAssertTrue(bob.text.contains("reachable at 127.0.0.1:"), bob.text)
    }

    /// view takes the one-time password from standard input or the environment, so it is not in argv.
    func testThePasswordCanComeFromStandardInputOrTheEnvironment() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let bobFP = try f.cli(["id", "--fingerprint"], config: f.bobConfig)
        for viaStdin in [true, false] {
            let bob = try f.start(["share", "--json", "--port", "0", "--host", "127.0.0.1", "--allow-view", "--display", f.xvfb.display],
                                  config: f.bobConfig, name: "bob")
            XCTAssertTrue(bob.waitFor("\"event\":\"password\""), bob.text)
            let port = try XCTUnwrap(bob.listeningPort)
            let password = try XCTUnwrap(bob.jsonEvents("password").first?["password"] as? String)
            let snapshots = f.root.appendingPathComponent("pw-\(viaStdin)").path
            var arguments = ["view", "127.0.0.1:\(port)", "--fingerprint", bobFP, "--snapshots", snapshots]
            var environment = ["XDG_CONFIG_HOME": f.root.appendingPathComponent("stranger").path]
            if viaStdin { arguments.append("--password-stdin") } else { environment["REMOTE_ASSIST_PASSWORD"] = password }
            let viewer = try CLIProcess(f.tool, arguments, environment: environment, name: "viewer")
            defer { viewer.stop() }
            if viaStdin { viewer.type(password) }
            XCTAssertTrue(viewer.waitFor("viewing \"bob's desktop\""), viewer.text)
            let argv = (try? String(contentsOfFile: "/proc/\(viewer.pid)/cmdline", encoding: .utf8)) ?? ""
            XCTAssertFalse(argv.contains(password), "the password is not in the command line")
            XCTAssertTrue(bob.waitFor("a viewer with the one-time password from 127.0.0.1:"), bob.text)
            viewer.type("/quit")
            XCTAssertEqual(viewer.exitStatus(), 0, viewer.text)
            XCTAssertEqual(bob.exitStatus(), 0, bob.text)
        }
    }
}

/// The one-time password of `share`: three wrong guesses kill it, and a new one is printed at once
/// (a JSON event with the reason), instead of leaving stock viewers locked out until a session ends.
final class PasswordRenewalCLITests: XCTestCase {
    func testALockedOutPasswordIsReplacedAndTheNewOnePrinted() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let bobFP = try f.cli(["id", "--fingerprint"], config: f.bobConfig)
        let bob = try f.start(["share", "--json", "--port", "0", "--host", "127.0.0.1", "--display", f.xvfb.display],
                              config: f.bobConfig, name: "bob")
        XCTAssertTrue(bob.waitFor("\"event\":\"password\""), bob.text)
        func passwords() -> [(String, String?)] {
            bob.jsonEvents("password").compactMap { object in
                (object["password"] as? String).map { ($0, object["reason"] as? String) }
            }
        }
        let port = try XCTUnwrap(bob.listeningPort)
        let first = try XCTUnwrap(passwords().first?.0)
        for attempt in 1...3 {
            let guess = try CLIProcess(f.tool, ["view", "127.0.0.1:\(port)", "--fingerprint", bobFP, "--snapshots",
                                                f.root.appendingPathComponent("guess-\(attempt)").path],
                                       environment: ["XDG_CONFIG_HOME": f.root.appendingPathComponent("guesser").path,
                                                     "REMOTE_ASSIST_PASSWORD": "WRONGPASSWD\(attempt)"], name: "guess")
            XCTAssertEqual(guess.exitStatus(timeout: 30), 3, guess.text)
        }
        XCTAssertTrue(bob.waitFor("after 3 wrong guesses"), bob.text)
        let all = passwords()
        XCTAssertEqual(all.count, 2, bob.text)
        XCTAssertEqual(all.last?.1, "locked-out")
        XCTAssertNotEqual(all.last?.0, first)
        XCTAssertEqual(all.last?.0.count, 12)
        bob.closeInput()
        XCTAssertEqual(bob.exitStatus(), 0, bob.text)
    }
}
