import Foundation
import NIOSSL
import RFBTransport
import XCTest

final class IdentityTests: XCTestCase {
    func testCreatedOnceThenReused() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let folder = temp.path + "/config/remote-assist"

        let first = try Identity.loadOrCreate(directory: folder, name: "Alice Example")
        XCTAssertEqual(first.displayName, "Alice Example")
        XCTAssertEqual(first.directory, folder)
        XCTAssertEqual(try modeOf(folder), 0o700)
        XCTAssertEqual(try modeOf(temp.path + "/config"), 0o700)
        XCTAssertEqual(try modeOf(folder + "/identity.key"), 0o600)
        XCTAssertEqual(try modeOf(folder + "/identity.crt"), 0o644)
        XCTAssertEqual(first.fingerprint, Fingerprint(certificateDER: first.certificateDER))
        XCTAssertEqual(try first.certificate.toDERBytes(), first.certificateDER)
        XCTAssertTrue(first.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
        XCTAssertEqual(try readText(folder + "/identity.crt"), first.certificatePEM + "\n")
        XCTAssertTrue(try readText(folder + "/identity.key").hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        // Only the two files: no temporary files left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(),
                       ["identity.crt", "identity.key"])

        // Second run: same certificate, whatever name is asked for now.
        let second = try Identity.loadOrCreate(directory: folder, name: "Someone Else")
        XCTAssertEqual(second.fingerprint, first.fingerprint)
        XCTAssertEqual(second.certificateDER, first.certificateDER)
        XCTAssertEqual(second.displayName, "Alice Example")

        // A different folder is a different identity.
        let other = try Identity.loadOrCreate(directory: temp.path + "/other", name: "Bob")
        XCTAssertNotEqual(other.fingerprint, first.fingerprint)
    }

    func testDefaultNameIsLoginName() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let identity = try Identity.loadOrCreate(directory: temp.path)
        XCTAssertEqual(identity.displayName, ConfigDirectory.loginName())
        XCTAssertFalse(identity.displayName.isEmpty)
    }

    func testKeyReadableByOthersIsRefusedLikeSSH() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        _ = try Identity.loadOrCreate(directory: temp.path, name: "alice")
        let keyPath = temp.path + "/identity.key"
        try setMode(keyPath, 0o644)
        XCTAssertThrowsError(try Identity.loadOrCreate(directory: temp.path, name: "alice")) { error in
            XCTAssertEqual(error as? IdentityError, .keyFileTooOpen(path: keyPath, mode: 0o644))
            XCTAssertEqual(
                "\(error)",
                "Permissions 0644 for '\(keyPath)' are too open. It is required that your private key files are NOT "
                    + "accessible by others. This private key will be ignored. (Fix with: chmod 600 '\(keyPath)')")
        }
        try setMode(keyPath, 0o640)
        XCTAssertThrowsError(try Identity.loadOrCreate(directory: temp.path)) { error in
            XCTAssertEqual(error as? IdentityError, .keyFileTooOpen(path: keyPath, mode: 0o640))
        }
        try setMode(keyPath, 0o400)
        XCTAssertNoThrow(try Identity.loadOrCreate(directory: temp.path))
    }

    func testFolderWritableByOthersIsRefused() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        _ = try Identity.loadOrCreate(directory: temp.path, name: "alice")
        try setMode(temp.path, 0o777)
        XCTAssertThrowsError(try Identity.loadOrCreate(directory: temp.path)) { error in
            XCTAssertEqual(error as? IdentityError, .directoryTooOpen(path: temp.path, mode: 0o777))
            XCTAssertEqual("\(error)", "Permissions 0777 for directory '\(temp.path)' are too open: others could replace "
                + "the identity. (Fix with: chmod 700 '\(temp.path)')")
        }
        try setMode(temp.path, 0o755)
        XCTAssertNoThrow(try Identity.loadOrCreate(directory: temp.path))
    }

    func testKeyNeverShownInDescriptions() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let identity = try Identity.loadOrCreate(directory: temp.path, name: "alice")
        let keyLines = try readText(temp.path + "/identity.key").split(separator: "\n").filter { !$0.hasPrefix("-----") }
        XCTAssertFalse(keyLines.isEmpty)
        var dumped = ""
        dump(identity, to: &dumped)
        let texts = [identity.description, String(reflecting: identity), dumped,
                     TLSCredentials(identity: identity).description]
        for text in texts {
            XCTAssertFalse(text.contains("PRIVATE"), text)
            for line in keyLines { XCTAssertFalse(text.contains(line), text) }
        }
        XCTAssertEqual(identity.description, "Identity(\"alice\", \(identity.fingerprint))")
    }

    func testCertificateWithoutKeyAndForeignCertificateAreRefused() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let alice = try Identity.loadOrCreate(directory: temp.path + "/alice", name: "alice")
        _ = try Identity.loadOrCreate(directory: temp.path + "/bob", name: "bob")

        // Bob's folder with Alice's certificate: the key does not match.
        try FileManager.default.removeItem(atPath: temp.path + "/bob/identity.crt")
        try FileManager.default.copyItem(atPath: temp.path + "/alice/identity.crt", toPath: temp.path + "/bob/identity.crt")
        XCTAssertThrowsError(try Identity.loadOrCreate(directory: temp.path + "/bob")) { error in
            XCTAssertEqual(error as? IdentityError, .keyDoesNotMatchCertificate(
                keyPath: temp.path + "/bob/identity.key", certificatePath: temp.path + "/bob/identity.crt"))
        }

        // A certificate whose key is gone is not silently replaced.
        try FileManager.default.removeItem(atPath: temp.path + "/alice/identity.key")
        XCTAssertThrowsError(try Identity.loadOrCreate(directory: temp.path + "/alice")) { error in
            XCTAssertEqual(error as? IdentityError, .keyMissing(
                keyPath: temp.path + "/alice/identity.key", certificatePath: temp.path + "/alice/identity.crt"))
        }
        _ = alice
    }

    func testMalformedKeyAndInvalidName() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        XCTAssertThrowsError(try Identity.loadOrCreate(directory: temp.path, name: "")) { error in
            XCTAssertEqual(error as? IdentityError, .invalidName(""))
        }
        XCTAssertThrowsError(try Identity.loadOrCreate(directory: temp.path, name: String(repeating: "n", count: 65))) { error in
            XCTAssertEqual(error as? IdentityError, .invalidName(String(repeating: "n", count: 65)))
        }
        try temp.write("identity.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
        XCTAssertThrowsError(try Identity.loadOrCreate(directory: temp.path, name: "x")) { error in
            XCTAssertEqual(error as? IdentityError, .malformed(
                path: temp.path + "/identity.key", reason: "not a PEM-encoded P-256 private key"))
        }
    }

    func testConfigDirectoryFollowsXDG() throws {
        XCTAssertEqual(try ConfigDirectory.path(xdgConfigHome: "/xdg", home: "/home/u"), "/xdg/remote-assist")
        XCTAssertEqual(try ConfigDirectory.path(xdgConfigHome: "/xdg/", home: nil), "/xdg/remote-assist")
        XCTAssertEqual(try ConfigDirectory.path(xdgConfigHome: nil, home: "/home/u"), "/home/u/.config/remote-assist")
        XCTAssertEqual(try ConfigDirectory.path(xdgConfigHome: "relative", home: "/home/u"), "/home/u/.config/remote-assist")
        XCTAssertThrowsError(try ConfigDirectory.path(xdgConfigHome: nil, home: nil))
    }

    func testCredentialsFromPEMFiles() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let alice = try Identity.loadOrCreate(directory: temp.path + "/alice", name: "alice")
        let bob = try Identity.loadOrCreate(directory: temp.path + "/bob", name: "bob")
        let credentials = try TLSCredentials.load(
            certificateFile: temp.path + "/alice/identity.crt", keyFile: temp.path + "/alice/identity.key")
        XCTAssertEqual(credentials.fingerprint, alice.fingerprint)
        XCTAssertEqual(credentials.certificateChain.count, 1)

        XCTAssertThrowsError(try TLSCredentials.load(
            certificateFile: temp.path + "/alice/identity.crt", keyFile: temp.path + "/bob/identity.key")) { error in
            XCTAssertEqual(error as? IdentityError, .keyDoesNotMatchCertificate(
                keyPath: temp.path + "/bob/identity.key", certificatePath: temp.path + "/alice/identity.crt"))
        }
        try setMode(temp.path + "/bob/identity.key", 0o604)
        XCTAssertThrowsError(try TLSCredentials.load(
            certificateFile: temp.path + "/bob/identity.crt", keyFile: temp.path + "/bob/identity.key")) { error in
            XCTAssertEqual(error as? IdentityError, .keyFileTooOpen(path: temp.path + "/bob/identity.key", mode: 0o604))
        }
        XCTAssertThrowsError(try TLSCredentials.load(
            certificateFile: temp.path + "/bob/identity.key", keyFile: temp.path + "/alice/identity.key")) { error in
            XCTAssertEqual(error as? IdentityError, .malformed(path: temp.path + "/bob/identity.key", reason: "no PEM certificate"))
        }
        _ = bob
    }
}
