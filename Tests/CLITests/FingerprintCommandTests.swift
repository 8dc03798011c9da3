import Foundation
import TestSupport
import XCTest

/// Issue #12 item 7 through the binary: `id` prints a fingerprint with a check group and a compare code;
/// pasted into `contacts add` it works; a typo in the middle is refused at once with its group named; and
/// a pin that is off by one group is named group by group at connect time.
final class FingerprintCommandTests: XCTestCase {
    private let tool = buildProductsDirectory.appendingPathComponent("remote-assist").path

    private func run(_ arguments: [String], config: String) throws -> ProcessResult {
        try runProcess(tool, arguments, environment: ["XDG_CONFIG_HOME": config])
    }

    /// The value after `label` on its line of `id`'s output.
    private func field(_ label: String, in text: String) -> String? {
        text.split(separator: "\n").first { $0.hasPrefix(label) }
            .map { String($0.dropFirst(label.count)).trimmingCharacters(in: .whitespaces) }
    }

    func testIdOutputPastedIntoContactsAddWorksAndATypoIsRefused() throws {
        let root = try makeTemporaryDirectory("fingerprint-cli")
        defer { try? FileManager.default.removeItem(at: root) }
        let bobConfig = root.appendingPathComponent("bob").path
        let aliceConfig = root.appendingPathComponent("alice").path
        let id = try run(["id", "--name", "bob"], config: bobConfig)
        XCTAssertEqual(id.status, 0, id.stderr)
        let fingerprint = try XCTUnwrap(field("fingerprint:", in: id.stdout), id.stdout)
        let codeLine = try XCTUnwrap(field("compare code:", in: id.stdout), id.stdout)
        XCTAssertTrue(codeLine.contains("the fingerprint is the pin"), codeLine)
        let code = String(codeLine.prefix(7))
        XCTAssertNotNil(code.range(of: #"^[0-9]{3} [0-9]{3}$"#, options: .regularExpression), codeLine)
        XCTAssertEqual(fingerprint.split(separator: "-").count, 14, fingerprint)
        XCTAssertEqual(try run(["id", "--fingerprint"], config: bobConfig).stdout, fingerprint + "\n")

        // A typo in the middle (group 7) is refused in one line that names the group and says what to do.
        var typed = Array(fingerprint)
        let middle = "SHA256:".count + 6 * 5 + 1
        typed[middle] = typed[middle] == "A" ? "B" : "A"
        let typo = try run(["contacts", "add", "bob", String(typed)], config: aliceConfig)
        XCTAssertNotEqual(typo.status, 0)
        XCTAssertEqual(typo.stderr.split(separator: "\n").count, 1, typo.stderr)
        XCTAssertTrue(typo.stderr.contains("a character was mistyped, probably in group 7"), typo.stderr)
        XCTAssertTrue(typo.stderr.contains("compare it with their `remote-assist id` and type it again"), typo.stderr)
        XCTAssertFalse(try run(["contacts", "list"], config: aliceConfig).stdout.contains("bob"))

        // Pasted as printed, it is added, and the same compare code is shown to check aloud.
        let added = try run(["contacts", "add", "bob", fingerprint], config: aliceConfig)
        XCTAssertEqual(added.status, 0, added.stderr)
        XCTAssertTrue(added.stdout.contains("added bob \(fingerprint)"), added.stdout)
        XCTAssertTrue(added.stdout.contains("compare code \(code)"), added.stdout)
        XCTAssertEqual(added.stderr, "")
        let list = try run(["contacts", "list"], config: aliceConfig)
        XCTAssertTrue(list.stdout.contains("bob \(fingerprint)   (compare code \(code))"), list.stdout)
    }

    func testTheOlderFormIsAcceptedWithAReminderToCompareTheCode() throws {
        let root = try makeTemporaryDirectory("fingerprint-cli-old")
        defer { try? FileManager.default.removeItem(at: root) }
        let bobConfig = root.appendingPathComponent("bob").path
        let aliceConfig = root.appendingPathComponent("alice").path
        let fingerprint = try run(["id", "--fingerprint", "--name", "bob"], config: bobConfig).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let older = String(fingerprint.dropLast(5))   // without "-CHEK"
        let added = try run(["contacts", "add", "bob", older], config: aliceConfig)
        XCTAssertEqual(added.status, 0, added.stderr)
        XCTAssertTrue(added.stdout.contains("added bob \(fingerprint)"), "saved in the checked form: \(added.stdout)")
        XCTAssertTrue(added.stderr.contains("has no check group, so a typo cannot be caught here: compare the code"), added.stderr)
    }

    /// A contact saved from the older form with a typo in group 7: connecting names bob and the group.
    func testAPinOffByOneGroupIsNamedAtConnectTime() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let bobFP = try f.cli(["id", "--fingerprint"], config: f.bobConfig)
        var older = Array(bobFP.dropLast(5))
        let middle = "SHA256:".count + 6 * 5 + 1
        older[middle] = older[middle] == "A" ? "B" : "A"
        let strangerConfig = f.root.appendingPathComponent("stranger").path
        XCTAssertEqual(try run(["contacts", "add", "bob", String(older)], config: strangerConfig).status, 0)

        let bob = try f.start(["share", "--json", "--port", "0", "--host", "127.0.0.1", "--allow-view", "--display", f.xvfb.display],
                              config: f.bobConfig, name: "bob")
        XCTAssertTrue(bob.waitFor("\"event\":\"password\""), bob.text)
        let port = try XCTUnwrap(bob.listeningPort)
        let password = try XCTUnwrap(bob.jsonEvents("password").first?["password"] as? String)
        let viewer = try CLIProcess(tool, ["view", "127.0.0.1:\(port)", "--fingerprint", String(older),
                                           "--snapshots", f.root.appendingPathComponent("shots").path],
                                    environment: ["XDG_CONFIG_HOME": strangerConfig, "REMOTE_ASSIST_PASSWORD": password],
                                    name: "viewer")
        defer { viewer.stop() }
        XCTAssertNotNil(viewer.exitStatus())
        XCTAssertTrue(viewer.text.contains("bob's certificate does not match the fingerprint you have for them: it differs only in group 7 (you have "),
                      viewer.text)
        XCTAssertFalse(viewer.text.contains("viewing"), viewer.text)
    }
}
