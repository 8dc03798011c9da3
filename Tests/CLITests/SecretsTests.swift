import Foundation
import TestSupport
import XCTest

/// Secrets, checked on the real binaries: the private key never appears in any output (human, --json,
/// REMOTE_ASSIST_TRACE) or file we write; key and contacts files are 0600 and replaced atomically; a key
/// readable by others is refused; the one-time password is shown, never stored.
final class SecretsTests: XCTestCase {
    /// Every file under `root` except the private keys themselves, as bytes.
    private func filesBesideKeys(_ root: URL) -> [(String, Data)] {
        let walker = FileManager.default.enumerator(atPath: root.path)
        var out: [(String, Data)] = []
        while let relative = walker?.nextObject() as? String {
            let path = root.path + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  !relative.hasSuffix("identity.key"), let data = FileManager.default.contents(atPath: path) else { continue }
            out.append((relative, data))
        }
        return out
    }

    private func keyFragments(_ config: String) throws -> (pem: String, body: [String], der: Data) {
        let pem = try String(contentsOfFile: config + "/remote-assist/identity.key", encoding: .utf8)
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.map(String.init)
        let der = try XCTUnwrap(Data(base64Encoded: body.joined()))
        return (pem, body, der)
    }

    func testThePrivateKeyNeverAppearsInOutputJSONTraceOrFiles() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let trace = ["REMOTE_ASSIST_TRACE": "1"]
        func run(_ arguments: [String], config: String, name: String) throws -> CLIProcess {
            let p = try CLIProcess(f.tool, arguments, environment: ["XDG_CONFIG_HOME": config, "DISPLAY": f.xvfb.display]
                                   .merging(trace) { a, _ in a }, name: name)
            f.processes.append(p)
            return p
        }
        var outputs: [String] = []
        for config in [f.bobConfig, f.aliceConfig] {
            let id = try runProcess(f.tool, ["id"], environment: f.env(config).merging(trace) { a, _ in a })
            XCTAssertEqual(id.status, 0)
            outputs += [id.stdout, id.stderr]
        }
        // Forward: share --json and view --json, with trace.
        let bobFingerprint = try f.cli(["id", "--fingerprint"], config: f.bobConfig)
        let share = try run(["share", "--json", "--port", "0", "--host", "127.0.0.1", "--allow-view", "--display", f.xvfb.display],
                            config: f.bobConfig, name: "share")
        XCTAssertTrue(share.waitFor("\"event\":\"password\""), share.text)
        let port = try XCTUnwrap(share.listeningPort)
        let view = try run(["view", "127.0.0.1:\(port)", "--json", "--fingerprint", bobFingerprint, "--snapshots", f.snapshots],
                           config: f.aliceConfig, name: "view")
        XCTAssertTrue(view.waitFor("\"event\":\"started\""), view.text)
        XCTAssertTrue(try f.waitForLatestToMatchScreen())
        view.type("hello over json")
        XCTAssertTrue(share.waitFor("hello over json"), share.text)
        view.type("/quit")
        XCTAssertEqual(view.exitStatus(), 0, view.text)
        XCTAssertEqual(share.exitStatus(), 0, share.text)
        XCTAssertTrue(share.text.contains("trace: "), "REMOTE_ASSIST_TRACE was on: \(share.text.prefix(500))")
        outputs += [share.text, view.text]
        // Reverse: listen and request, human output, with trace.
        let alice = try run(["listen", "--port", "\(f.port)", "--snapshots", f.snapshots], config: f.aliceConfig, name: "alice")
        XCTAssertTrue(alice.waitFor("waiting for requests"), alice.text)
        let bob = try run(["request", "alice", "--display", f.xvfb.display, "--allow-view"], config: f.bobConfig, name: "bob")
        XCTAssertTrue(alice.waitFor("Accept? [y/N]"), alice.text)
        alice.type("y")
        XCTAssertTrue(alice.waitFor("viewing \"bob's desktop\""), alice.text)
        bob.type("/quit")
        XCTAssertEqual(bob.exitStatus(), 0, bob.text)
        XCTAssertEqual(alice.exitStatus(), 0, alice.text)
        outputs += [bob.text, alice.text]

        let files = filesBesideKeys(f.root)
        XCTAssertTrue(files.contains { $0.0.hasSuffix("audit.log") } && files.contains { $0.0.hasSuffix("chat.log") },
                      "the logs exist: \(files.map(\.0))")
        for config in [f.bobConfig, f.aliceConfig] {
            let key = try keyFragments(config)
            XCTAssertGreaterThan(key.body.count, 1)
            for text in outputs {
                XCTAssertFalse(text.contains("PRIVATE KEY"), text)
                XCTAssertFalse(text.contains(key.body.joined()))
                for line in key.body { XCTAssertFalse(text.contains(line), "a line of the key in the output") }
            }
            for (name, data) in files {
                XCTAssertNil(data.range(of: Data(key.pem.utf8)), "the key in \(name)")
                XCTAssertNil(data.range(of: key.der), "the key's DER bytes in \(name)")
                for line in key.body { XCTAssertNil(data.range(of: Data(line.utf8)), "a line of the key in \(name)") }
            }
        }
    }

    func testKeyAndContactsAreMode0600AndReplacedAtomically() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let folder = f.bobConfig + "/remote-assist"
        func mode(_ path: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
        }
        func inode(_ path: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int) ?? -1
        }
        XCTAssertEqual(try mode(folder + "/identity.key"), 0o600)
        XCTAssertEqual(try mode(folder + "/contacts"), 0o600)
        let before = try inode(folder + "/contacts")
        let fingerprint = try f.cli(["id", "--fingerprint"], config: f.aliceConfig)
        XCTAssertFalse(fingerprint.isEmpty)
        // A rewrite: a new file (rename over the old one), again 0600, and nothing temporary left.
        _ = try f.cli(["contacts", "remove", "alice"], config: f.bobConfig)
        XCTAssertEqual(try mode(folder + "/contacts"), 0o600)
        XCTAssertNotEqual(try inode(folder + "/contacts"), before, "rewritten in place instead of replaced")
        _ = try f.cli(["contacts", "add", "alice", fingerprint], config: f.bobConfig)
        XCTAssertEqual(try mode(folder + "/contacts"), 0o600)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        XCTAssertEqual(names, ["contacts", "identity.crt", "identity.key"])
    }

    func testAKeyReadableByOthersIsRefused() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let key = f.bobConfig + "/remote-assist/identity.key"
        XCTAssertEqual(chmod(key, 0o644), 0)
        for arguments in [["id"], ["share", "--port", "0", "--display", f.xvfb.display], ["request", "alice"]] {
            let result = try runProcess(f.tool, arguments, environment: f.env(f.bobConfig))
            XCTAssertEqual(result.status, 1, "\(arguments): \(result.stdout)")
            XCTAssertTrue(result.stderr.contains("Permissions 0644 for '\(key)' are too open"), "\(arguments): \(result.stderr)")
            XCTAssertFalse(result.stdout.contains("listening"), result.stdout)
        }
        // A --tls-key given for share is held to the same rule.
        let copy = f.root.appendingPathComponent("tls.key").path
        try FileManager.default.copyItem(atPath: key, toPath: copy)
        XCTAssertEqual(chmod(copy, 0o640), 0)
        XCTAssertEqual(chmod(key, 0o600), 0)
        let tls = try runProcess(f.tool, ["share", "--port", "0", "--tls-cert", f.bobConfig + "/remote-assist/identity.crt",
                                          "--tls-key", copy], environment: f.env(f.bobConfig))
        XCTAssertEqual(tls.status, 1, tls.stdout)
        XCTAssertTrue(tls.stderr.contains("Permissions 0640 for '\(copy)' are too open"), tls.stderr)
    }

    /// The one-time password is printed for the requester to read out, and used by a viewer, but never
    /// lands in any file (config folder, audit log, snapshots, chat log).
    func testTheOneTimePasswordIsNeverWrittenToDisk() throws {
        let f = try JourneyFixture()
        defer { f.tearDown() }
        let bobFingerprint = try f.cli(["id", "--fingerprint"], config: f.bobConfig)
        let share = try f.start(["share", "--json", "--port", "0", "--host", "127.0.0.1", "--allow-view", "--display", f.xvfb.display],
                                config: f.bobConfig, name: "share")
        XCTAssertTrue(share.waitFor("\"event\":\"password\""), share.text)
        var password: String?, port: Int?
        for line in share.text.split(separator: "\n") {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            if let p = object?["password"] as? String { password = p }
            if let p = object?["port"] as? Int { port = p }
        }
        let secret = try XCTUnwrap(password)
        let view = try f.start(["view", "127.0.0.1:\(try XCTUnwrap(port))", "--password", secret, "--fingerprint", bobFingerprint,
                                "--snapshots", f.snapshots], config: f.aliceConfig, name: "view")
        XCTAssertTrue(view.waitFor("viewing \"bob's desktop\""), view.text)
        XCTAssertTrue(share.waitFor("a viewer with the one-time password"), share.text)
        view.type("/quit")
        XCTAssertEqual(view.exitStatus(), 0, view.text)
        XCTAssertEqual(share.exitStatus(), 0, share.text)
        let files = filesBesideKeys(f.root)
        XCTAssertTrue(files.contains { $0.0.hasSuffix("audit.log") }, "\(files.map(\.0))")
        for (name, data) in files {
            XCTAssertNil(data.range(of: Data(secret.utf8)), "the one-time password in \(name)")
        }
    }
}
