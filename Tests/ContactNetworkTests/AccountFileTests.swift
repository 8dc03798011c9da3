import ContactNetwork
import XCTest
import XMPP

final class AccountFileTests: XCTestCase {
    func testRoundTripKeepsEverythingAndTheFileIsPrivate() throws {
        let dir = NSTemporaryDirectory() + "account-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let account = try XMPPAccount(jid: JID("alice@example.org"), host: "127.0.0.1", port: 5299, caFile: "/tmp/ca.crt",
                                      password: "pass word with spaces")
        try AccountFile.save(account, directory: dir)
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: AccountFile.path(in: dir))[.posixPermissions] as? Int)
        XCTAssertEqual(mode, 0o600)
        XCTAssertEqual(try AccountFile.load(directory: dir), account)
        XCTAssertFalse(account.description.contains("pass word"), "the description never shows the password")
        var dumped = ""
        dump(account, to: &dumped)
        XCTAssertFalse(dumped.contains("pass word"), "nor does reflection: \(dumped)")
        XCTAssertTrue(try AccountFile.remove(directory: dir))
        XCTAssertNil(try AccountFile.load(directory: dir))
    }

    func testAFileOthersCanReadIsRefused() throws {
        let dir = NSTemporaryDirectory() + "account-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AccountFile.save(XMPPAccount(jid: JID("alice@example.org"), password: "x"), directory: dir)
        chmod(AccountFile.path(in: dir), 0o644)
        XCTAssertThrowsError(try AccountFile.load(directory: dir)) { XCTAssertTrue("\($0)".contains("chmod 600"), "\($0)") }
    }

    func testMalformedFilesAreRefusedWithTheLine() {
        func refuses(_ text: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try AccountFile.parse(Array(text.utf8)), file: file, line: line) {
                XCTAssertTrue("\($0)".contains(expected), "\($0)", file: file, line: line)
            }
        }
        refuses("jid alice@example.org\n", "no password")
        refuses("password x\n", "no jid")
        refuses("jid alice@example.org\njid bob@example.org\npassword x\n", ":2: jid appears twice")
        refuses("jid alice@example.org\nuser x\npassword x\n", ":2: unknown setting")
        refuses("jid alice@example.org\npassword a\u{1B}b\n", ":2: control character")
        refuses("jid example.org\npassword x\n", "NAME@SERVER")
        refuses("jid alice@example.org/phone\npassword x\n", "without /resource")
        refuses("jid alice@example.org\nserver host:99999\npassword x\n", "not in 1-65535")
        refuses("jid alice@example.org\npassword \n", "password has no value")
    }

    func testServerForms() throws {
        XCTAssertEqual(try XMPPAccount.parseServer("xmpp.example.org").host, "xmpp.example.org")
        XCTAssertEqual(try XMPPAccount.parseServer("xmpp.example.org").port, 5222)
        XCTAssertEqual(try XMPPAccount.parseServer("127.0.0.1:5299").port, 5299)
        XCTAssertEqual(try XMPPAccount.parseServer("[::1]:5299").host, "::1")
        XCTAssertThrowsError(try XMPPAccount.parseServer("::1:5299"))
        XCTAssertThrowsError(try XMPPAccount.parseServer("a b:5"))
    }
}
