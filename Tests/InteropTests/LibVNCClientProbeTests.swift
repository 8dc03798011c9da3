import Agent
import Foundation
import Pixels
import RFBTransport
import TestSupport
import XCTest

/// A stock VeNCrypt client: `Tests/Interop/vncclient-probe.c` on Debian's libvncclient (GnuTLS) against
/// our agent offering X509Plain only, the agent's certificate as the client's trust anchor. With the
/// one-time password it gets a picture equal to the screen pixel for pixel; a wrong password and a
/// second use of a spent password are refused.
///
/// libvncclient checks the server's name against the certificate ("The certificate's owner does not
/// match hostname '127.0.0.1'"), and the self-signed identity names only the person (CN=bob). The agent
/// therefore presents a certificate made here with openssl for IP 127.0.0.1, loaded through
/// `TLSCredentials.load` exactly as `share --tls-cert/--tls-key` does: the path meant for stock viewers.
///
/// libvncclient 0.9.14 hard-codes the GnuTLS priority "NORMAL:+DHE-DSS:+RSA:+DHE-RSA:+SRP", and GnuTLS
/// drops TLS 1.3 from any priority that enables SRP, so out of the box it offers TLS 1.2 at most and our
/// TLS 1.3-only agent refuses it (tested below). GnuTLS's own system configuration can disable the SRP key
/// exchanges (which VeNCrypt X509Plain never uses); a private configuration file, given to the probe
/// only through GNUTLS_SYSTEM_PRIORITY_FILE, brings TLS 1.3 back.
final class LibVNCClientProbeTests: XCTestCase {
    private struct Setup {
        let work: URL
        let probe: String
        let ca: String
        let port: Int
        let gate: PasswordGate
        let agent: InteropAgent
        /// The GnuTLS configuration without SRP (TLS 1.3 allowed again).
        let gnutlsConfiguration: String
    }

    private func setUp(display: String, work: URL) async throws -> Setup? {
        guard let probe = try InteropTools.compile("vncclient-probe.c", into: work, pkgConfig: "libvncclient") else { return nil }
        let gnutls = work.appendingPathComponent("gnutls-no-srp.config").path
        try "[overrides]\ntls-disabled-kx = srp\ntls-disabled-kx = srp-rsa\ntls-disabled-kx = srp-dss\n"
            .write(toFile: gnutls, atomically: true, encoding: .utf8)
        guard let (certificate, key) = try InteropTools.makeLoopbackCertificate(in: work) else { return nil }
        let credentials = try TLSCredentials.load(certificateFile: certificate, keyFile: key)
        let agent = try InteropAgent()
        let gate = PasswordGate()
        let port = try await agent.start(display: display, allowNone: false, passwords: gate, credentials: credentials)
        return Setup(work: work, probe: probe, ca: certificate, port: port, gate: gate, agent: agent,
                     gnutlsConfiguration: gnutls)
    }

    /// Runs the probe to its end; its status and messages. `tls13: false` leaves libvncclient as shipped.
    private func runProbe(_ s: Setup, password: String, encodings: String = "zrle raw", output: String,
                          tls13: Bool = true) throws -> (status: Int32?, log: String) {
        let probe = try ChildProcess(s.probe, ["127.0.0.1:\(s.port)", output, "--encodings", encodings, "--user", "alice",
                                               "--password", password, "--ca", s.ca, "--timeout", "20"],
                                     environment: tls13 ? ["GNUTLS_SYSTEM_PRIORITY_FILE": s.gnutlsConfiguration] : [:])
        let status = probe.waitForExit(timeout: 40)
        probe.stop()
        defer { probe.removeLog() }
        return (status, probe.log)
    }

    func testX509PlainProbeGetsAPixelExactFrame() async throws {
        try await pixelExact(encodings: "zrle raw")
    }

    func testX509PlainProbeGetsAPixelExactFrameWithRaw() async throws {
        try await pixelExact(encodings: "raw")
    }

    private func pixelExact(encodings: String) async throws {
        let width = 800, height = 600
        let xvfb = try XvfbServer(width: width, height: height)
        defer { xvfb.stop() }
        let work = try makeTemporaryDirectory("interop-probe")
        defer { try? FileManager.default.removeItem(at: work) }
        guard let s = try await setUp(display: xvfb.display, work: work) else { return }
        let draw = try XCTUnwrap(XDrawing(displayName: xvfb.display))
        drawKnownContent(draw, width: width, height: height)
        let expected = try XCTUnwrap(readScreen(draw, width: width, height: height))

        let password = s.gate.rotate()
        let ppm = work.appendingPathComponent("frame.ppm").path
        let result = try runProbe(s, password: password.text, encodings: encodings, output: ppm)
        await s.agent.shutdown()

        XCTAssertEqual(result.status, 0, "the probe failed: \(result.log)")
        let events = s.agent.events.all
        XCTAssertTrue(events.contains { if case .sessionStarted(_, width, height) = $0 { return true }; return false },
                      "the agent started no session: \(events)")
        XCTAssertFalse(events.contains { if case .authenticationFailed = $0 { return true }; return false }, "\(events)")
        guard result.status == 0 else { return }
        XCTAssertTrue(result.log.contains("connected \(width)x\(height) \"bob's desktop\""), result.log)
        let got = try readPPM(ppm)
        XCTAssertTrue(got == expected, "the probe's picture differs from the screen: \(describeDifference(got, expected))")
    }

    /// libvncclient as shipped (TLS 1.2 at most, see above) is refused during the TLS handshake, before
    /// any password is looked at: the agent speaks TLS 1.3 only.
    func testStockLibvncclientLimitedToTLS12IsRefused() async throws {
        let xvfb = try XvfbServer(width: 320, height: 240)
        defer { xvfb.stop() }
        let work = try makeTemporaryDirectory("interop-probe")
        defer { try? FileManager.default.removeItem(at: work) }
        guard let s = try await setUp(display: xvfb.display, work: work) else { return }

        let password = s.gate.rotate()
        let ppm = work.appendingPathComponent("frame.ppm").path
        let result = try runProbe(s, password: password.text, output: ppm, tls13: false)
        await s.agent.shutdown()

        XCTAssertNotNil(result.status, "the probe did not exit")
        XCTAssertNotEqual(result.status, 0, "a TLS 1.2 client got in: \(result.log)")
        XCTAssertTrue(result.log.contains("TLS handshake failed"), result.log)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ppm))
        let events = s.agent.events.all
        XCTAssertTrue(events.contains { if case .authenticationFailed(let why) = $0 { return why.contains("TLS is older than 1.3") }; return false },
                      "the agent did not refuse the protocol version: \(events)")
        XCTAssertFalse(events.contains { if case .sessionStarted = $0 { return true }; return false }, "\(events)")
        // The password was never tried: it still works once.
        XCTAssertEqual(s.gate.verify(Array(password.text.utf8)), .accepted)
    }

    func testWrongPasswordIsRefused() async throws {
        let xvfb = try XvfbServer(width: 320, height: 240)
        defer { xvfb.stop() }
        let work = try makeTemporaryDirectory("interop-probe")
        defer { try? FileManager.default.removeItem(at: work) }
        guard let s = try await setUp(display: xvfb.display, work: work) else { return }

        let password = s.gate.rotate()
        // Same length and alphabet, one character changed.
        var wrong = Array(password.text)
        wrong[0] = wrong[0] == "A" ? "B" : "A"
        let ppm = work.appendingPathComponent("frame.ppm").path
        let result = try runProbe(s, password: String(wrong), output: ppm)
        await s.agent.shutdown()

        XCTAssertNotNil(result.status, "the probe did not exit")
        XCTAssertNotEqual(result.status, 0, "a wrong password was accepted: \(result.log)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: ppm), "a picture was written with a wrong password")
        let events = s.agent.events.all
        XCTAssertTrue(events.contains { if case .authenticationFailed(let why) = $0 { return why.contains("one-time password refused (wrong") }; return false },
                      "the agent did not report the wrong password: \(events)")
        XCTAssertEqual(events.filter { if case .authenticationFailed = $0 { return true }; return false }.count, 1,
                       "TLS must have succeeded, only the password failed: \(events)")
        XCTAssertFalse(events.contains { if case .sessionStarted = $0 { return true }; return false }, "\(events)")
        XCTAssertFalse(events.contains { if case .consentAsked = $0 { return true }; return false },
                       "the requester was asked about an unauthenticated viewer: \(events)")
    }

    func testSpentPasswordIsRefusedTheSecondTime() async throws {
        let xvfb = try XvfbServer(width: 320, height: 240)
        defer { xvfb.stop() }
        let work = try makeTemporaryDirectory("interop-probe")
        defer { try? FileManager.default.removeItem(at: work) }
        guard let s = try await setUp(display: xvfb.display, work: work) else { return }

        let password = s.gate.rotate()
        let first = work.appendingPathComponent("first.ppm").path
        let once = try runProbe(s, password: password.text, output: first)
        XCTAssertEqual(once.status, 0, "the first use of the password failed: \(once.log)")
        let second = work.appendingPathComponent("second.ppm").path
        let twice = try runProbe(s, password: password.text, output: second)
        await s.agent.shutdown()

        XCTAssertNotNil(twice.status, "the probe did not exit")
        XCTAssertNotEqual(twice.status, 0, "a spent password was accepted again: \(twice.log)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: second), "a picture was written with a spent password")
        let events = s.agent.events.all
        XCTAssertEqual(events.filter { if case .sessionStarted = $0 { return true }; return false }.count, 1, "\(events)")
        XCTAssertTrue(events.contains { if case .authenticationFailed(let why) = $0 { return why.contains("spent") }; return false },
                      "the agent did not report the spent password: \(events)")
    }
}
