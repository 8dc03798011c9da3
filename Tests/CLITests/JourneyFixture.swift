import Foundation
import PNGSnapshot
import Pixels
import TestSupport
import Viewer
import X11Capture
import XCTest

/// Two people on one machine: bob (requester, sharing an Xvfb screen) and alice (expert), each with
/// an identity and the other as a contact, driving the real `remote-assist` binary.
final class JourneyFixture {
    let xvfb: XvfbServer
    let root: URL
    let bobConfig: String
    let aliceConfig: String
    let snapshots: String
    let port: Int
    var processes: [CLIProcess] = []
    let tool = buildProductsDirectory.appendingPathComponent("remote-assist").path

    init() throws {
        xvfb = try XvfbServer(width: 800, height: 600)
        root = try makeTemporaryDirectory("journey")
        bobConfig = root.appendingPathComponent("bob").path
        aliceConfig = root.appendingPathComponent("alice").path
        snapshots = root.appendingPathComponent("snapshots").path
        port = try freeFixedPort()
        let bob = try cli(["id", "--fingerprint", "--name", "bob"], config: bobConfig)
        let alice = try cli(["id", "--fingerprint", "--name", "alice"], config: aliceConfig)
        _ = try cli(["contacts", "add", "alice", alice, "--address", "127.0.0.1:\(port)"], config: bobConfig)
        _ = try cli(["contacts", "add", "bob", bob], config: aliceConfig)
    }

    func tearDown() {
        for p in processes { p.stop() }
        xvfb.stop()
        try? FileManager.default.removeItem(at: root)
    }

    /// Runs a short command to completion; returns its trimmed output.
    func cli(_ arguments: [String], config: String) throws -> String {
        let result = try runProcess(tool, arguments, environment: env(config))
        guard result.status == 0 else { throw XvfbServer.Failure.didNotStart("\(arguments) failed: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func env(_ config: String) -> [String: String] {
        var e = ProcessInfo.processInfo.environment
        e["XDG_CONFIG_HOME"] = config
        e["DISPLAY"] = xvfb.display
        return e
    }

    func start(_ arguments: [String], config: String, name: String, nullInput: Bool = false) throws -> CLIProcess {
        let p = try CLIProcess(tool, arguments, environment: ["XDG_CONFIG_HOME": config, "DISPLAY": xvfb.display], name: name,
                               nullInput: nullInput)
        processes.append(p)
        return p
    }

    /// carol: a third person with alice as a contact (at the fixture's port), not yet one of alice's.
    func carol() throws -> (config: String, fingerprint: String) {
        let config = root.appendingPathComponent("carol").path
        let fingerprint = try cli(["id", "--fingerprint", "--name", "carol"], config: config)
        let aliceFP = try cli(["id", "--fingerprint"], config: aliceConfig)
        _ = try cli(["contacts", "add", "alice", aliceFP, "--address", "127.0.0.1:\(port)"], config: config)
        return (config, fingerprint)
    }

    /// alice listens; returns once she is listening.
    func listen(_ extra: [String] = []) throws -> CLIProcess {
        let p = try start(["listen", "--port", "\(port)", "--snapshots", snapshots, "--rate", "10"] + extra,
                          config: aliceConfig, name: "alice")
        XCTAssertTrue(p.waitFor("waiting for requests"), p.text)
        return p
    }

    func request(_ extra: [String] = []) throws -> CLIProcess {
        try start(["request", "alice", "--display", xvfb.display] + extra, config: bobConfig, name: "bob")
    }

    /// alice accepts bob's request; returns when bob is asked for his consent (not answered yet).
    func untilConsentAsked() throws -> (alice: CLIProcess, bob: CLIProcess) {
        let alice = try listen()
        let bob = try request()
        XCTAssertTrue(alice.waitFor("asks for help. Accept? [y/N]"), alice.text)
        alice.type("y")
        XCTAssertTrue(bob.waitFor("to see your screen? [y/N]"), bob.text)
        return (alice, bob)
    }

    /// Both accept; returns when alice sees bob's screen.
    func startSession(listenExtra: [String] = [], requestExtra: [String] = []) throws -> (alice: CLIProcess, bob: CLIProcess) {
        let alice = try listen(listenExtra)
        let bob = try request(requestExtra)
        XCTAssertTrue(alice.waitFor("asks for help. Accept? [y/N]"), alice.text)
        alice.type("y")
        XCTAssertTrue(bob.waitFor("to see your screen? [y/N]"), bob.text)
        bob.type("y")
        XCTAssertTrue(alice.waitFor("viewing \"bob's desktop\""), alice.text)
        XCTAssertTrue(bob.waitFor("is now viewing your screen"), bob.text)
        return (alice, bob)
    }

    /// What the expert should see: the screen as the X server has it, with the requester's pointer
    /// (its XFixes image at its position) drawn on it.
    func screen() throws -> Framebuffer {
        let source = try X11ScreenSource(displayName: xvfb.display, allowSharedMemory: false, useDamage: false)
        var fb = Framebuffer(width: 0, height: 0)
        _ = try source.capture(into: &fb, full: true)
        guard let cursor = try source.cursorImage(), let at = try source.pointerPosition() else { return fb }
        return PointerOverlay(cursor: cursor, x: at.x, y: at.y).drawn(on: fb)
    }

    /// Waits until `latest.png` equals the screen.
    func waitForLatestToMatchScreen(timeout: Double = 15) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let png = try? PNGCodec.read(snapshots + "/latest.png"), png == (try screen()) { return true }
            usleep(100_000)
        }
        return false
    }
}
