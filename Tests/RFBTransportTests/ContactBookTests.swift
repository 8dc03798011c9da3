import Foundation
import RFBTransport
import XCTest

final class ContactBookTests: XCTestCase {
    let alice = Fingerprint(certificateDER: Array("alice".utf8))
    let bob = Fingerprint(certificateDER: Array("bob".utf8))
    let carol = Fingerprint(certificateDER: Array("carol".utf8))

    func testSaveLoadRoundTrip() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let folder = temp.path + "/remote-assist"
        var book = try ContactBook.load(directory: folder)
        XCTAssertEqual(book.contacts, [])

        try book.add(name: "alice", fingerprint: alice, address: ContactAddress(parsing: "alice.example.org:5500"))
        try book.add(name: "bob_2", fingerprint: bob)
        try book.add(name: "Carol.K-1", fingerprint: carol, address: ContactAddress(parsing: "[::1]:5901"))
        try book.save()
        XCTAssertEqual(try modeOf(folder + "/contacts"), 0o600)
        XCTAssertEqual(try modeOf(folder), 0o700)
        XCTAssertEqual(try readText(folder + "/contacts"), """
            # remote-assist contacts: NAME FINGERPRINT [HOST:PORT] [xmpp:NAME@SERVER]
            # The fingerprint is SHA-256 of the contact's certificate; check it with them out loud.

            alice \(alice) alice.example.org:5500
            bob_2 \(bob)
            Carol.K-1 \(carol) [::1]:5901

            """)

        var loaded = try ContactBook.load(directory: folder)
        XCTAssertEqual(loaded.contacts, book.contacts)
        XCTAssertEqual(loaded.contact(named: "ALICE")?.address, try ContactAddress(host: "alice.example.org", port: 5500))
        XCTAssertEqual(loaded.contact(named: "carol.k-1")?.address?.host, "::1")
        XCTAssertEqual(loaded.contact(withFingerprint: bob)?.name, "bob_2")
        XCTAssertNil(loaded.contact(named: "dave"))
        XCTAssertNil(loaded.contact(withFingerprint: Fingerprint(certificateDER: [1])))

        XCTAssertEqual(try loaded.remove(name: "Bob_2").fingerprint, bob)
        XCTAssertThrowsError(try loaded.remove(name: "bob_2")) { XCTAssertEqual($0 as? ContactBookError, .notFound("bob_2")) }
        try loaded.save()
        XCTAssertEqual(try ContactBook.load(directory: folder).contacts.map(\.name), ["alice", "Carol.K-1"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["contacts"])
    }

    func testAddRefusesDuplicatesAndBadNames() throws {
        var book = ContactBook(directory: "/nonexistent")
        try book.add(name: "alice", fingerprint: alice)
        XCTAssertThrowsError(try book.add(name: "ALICE", fingerprint: bob)) {
            XCTAssertEqual($0 as? ContactBookError, .duplicateName("ALICE"))
        }
        XCTAssertThrowsError(try book.add(name: "alice2", fingerprint: alice)) {
            XCTAssertEqual($0 as? ContactBookError, .duplicateFingerprint(self.alice, existingName: "alice"))
        }
        XCTAssertThrowsError(try book.add(name: "a b", fingerprint: bob)) {
            XCTAssertEqual($0 as? ContactBookError,
                           .invalidName("a b", reason: "only letters A-Z, digits, '.', '_' and '-' are allowed"))
        }
        XCTAssertThrowsError(try book.add(name: "", fingerprint: bob)) {
            XCTAssertEqual($0 as? ContactBookError, .invalidName("", reason: "empty"))
        }
        XCTAssertEqual(book.contacts.count, 1)
    }

    func testParsesCommentsBlankLinesAndCRLF() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try temp.write("contacts", "# my contacts\r\n\r\n  alice   \(alice.hex)\t192.168.1.20:5500  # desk\r\n"
                       + "\tbob \(bob.description.lowercased())\n# end, no newline after this: \u{e9}t\u{e9}")
        let book = try ContactBook.load(directory: temp.path)
        XCTAssertEqual(book.contacts, [
            try Contact(name: "alice", fingerprint: alice, address: ContactAddress(host: "192.168.1.20", port: 5500)),
            try Contact(name: "bob", fingerprint: bob),
        ])
    }

    func testAnXMPPAddressIsKeptBesideOrInsteadOfAnAddressAndIsUnique() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        var book = ContactBook(directory: temp.path)
        try book.add(name: "alice", fingerprint: alice, address: ContactAddress(parsing: "h.example:5500"), jid: "alice@example.org")
        try book.add(name: "bob", fingerprint: bob, jid: "bob@example.org")
        XCTAssertThrowsError(try book.add(name: "carol", fingerprint: carol, jid: "BOB@example.org")) {
            XCTAssertEqual($0 as? ContactBookError, .duplicateJID("BOB@example.org", existingName: "bob"))
        }
        try book.save()
        let loaded = try ContactBook.load(directory: temp.path)
        XCTAssertEqual(loaded.contacts, book.contacts)
        XCTAssertEqual(loaded.contact(withJID: "Alice@Example.org")?.name, "alice")
        XCTAssertEqual(loaded.contacts.map(\.description), [
            "alice \(alice) h.example:5500 xmpp:alice@example.org", "bob \(bob) xmpp:bob@example.org",
        ])
        try temp.write("contacts", "alice \(alice) xmpp:a@b\nbob \(bob) xmpp:A@b\n")
        XCTAssertThrowsError(try ContactBook.load(directory: temp.path)) {
            XCTAssertTrue("\($0)".hasSuffix(":2: XMPP address A@b already belongs to \"alice\""), "\($0)")
        }
    }

    func testMalformedLinesAreRejectedWithLineNumbers() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = temp.path + "/contacts"
        let good = "# header\nalice \(alice)\n"
        let cases: [(String, Int, String)] = [
            (good + "bob\n", 3, "expected NAME FINGERPRINT [HOST:PORT] [xmpp:JID], found 1 fields"),
            (good + "bob \(bob) h:1 extra\n", 3, "expected NAME FINGERPRINT [HOST:PORT] [xmpp:JID]"),
            (good + "bob \(bob) h:1 xmpp:bob@example.org extra\n", 3, "expected NAME FINGERPRINT [HOST:PORT] [xmpp:JID], found 5 fields"),
            (good + "bob \(bob) xmpp:bob@example.org h:1\n", 3, "expected NAME FINGERPRINT [HOST:PORT] [xmpp:JID]"),
            (good + "bob \(bob) xmpp:a@b xmpp:c@d\n", 3, "two XMPP addresses"),
            (good + "bob \(bob) xmpp:bob\n", 3, "invalid XMPP address \"bob\": expected NAME@SERVER"),
            (good + "bob \(bob) xmpp:bob@example.org/phone\n", 3, "invalid XMPP address \"bob@example.org/phone\": a contact is a bare address, without /resource"),
            (good + "bob \(bob) xmpp:\n", 3, "invalid XMPP address \"\": must be 1 to 2047 bytes"),
            (good + "bob SHA256:ABCDEF\n", 3,
             "invalid fingerprint: expected 14 groups of 4 characters as `remote-assist id` prints it, found 6 characters"),
            (good + "-bob \(bob)\n", 3, "invalid contact name \"-bob\": must start with a letter or digit"),
            (good + "b\u{f6}b \(bob)\n", 3,
             "invalid contact name \"b\u{f6}b\": only letters A-Z, digits, '.', '_' and '-' are allowed"),
            (good + String(repeating: "b", count: 65) + " \(bob)\n", 3,
             "invalid contact name \"\(String(repeating: "b", count: 65))\": longer than 64 characters"),
            (good + "bob \(bob) host:0\n", 3, "invalid address: port 0 is not in 1-65535"),
            (good + "bob \(bob) host:65536\n", 3, "invalid address: port 65536 is not in 1-65535"),
            (good + "bob \(bob) host:http\n", 3, "invalid address: port must be a number from 1 to 65535"),
            (good + "bob \(bob) host\n", 3, "invalid address: expected HOST:PORT"),
            (good + "bob \(bob) ::1:5500\n", 3, "invalid address: write IPv6 addresses in brackets, e.g. [::1]:5500"),
            (good + "bob \(bob) \(String(repeating: "a.", count: 127)):5500\n", 3,
             "invalid address: host is longer than 253 characters"),
            (good + "bob \(bob) bad..host:5500\n", 3, "invalid address: host name labels must be 1 to 63 characters"),
            (good + "bob \(bob) evil/host:5500\n", 3,
             "invalid address: host may contain only letters, digits, '-', '_' and '.'"),
            (good + "\n\nALICE \(bob)\n", 5, "duplicate name \"ALICE\" (first on line 2)"),
            (good + "bob \(alice.hex)\n", 3, "fingerprint \(alice) already belongs to \"alice\""),
            (good + "bob \(bob)\u{0}\n", 3, "control character"),
            ("x \(bob)\n\u{1b}[31m\n", 2, "control character"),
        ]
        for (text, line, reason) in cases {
            try temp.write("contacts", text)
            XCTAssertThrowsError(try ContactBook.load(directory: temp.path), reason) { error in
                XCTAssertEqual(error as? ContactBookError, .malformedLine(path: path, line: line, reason: reason))
                XCTAssertEqual("\(error)", "\(path):\(line): \(reason)")
            }
        }
        try temp.write("contacts", Array(good.utf8) + [UInt8(ascii: "#"), 0xC3, 0x28, 0x0A])
        XCTAssertThrowsError(try ContactBook.load(directory: temp.path)) { error in
            XCTAssertEqual(error as? ContactBookError, .malformedLine(path: path, line: 3, reason: "not valid UTF-8"))
        }
    }

    func testOversizedFileAndTooManyContactsAreRefused() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = temp.path + "/contacts"
        let line = Array("# padding padding padding padding padding padding padding padding padding pad\n".utf8)
        var exactly = [UInt8]()
        while exactly.count + line.count <= ContactBook.maximumFileSize { exactly += line }
        exactly += [UInt8](repeating: UInt8(ascii: "#"), count: ContactBook.maximumFileSize - exactly.count)
        XCTAssertEqual(exactly.count, 1 << 20)
        try temp.write("contacts", exactly)
        XCTAssertEqual(try ContactBook.load(directory: temp.path).contacts, [])
        try temp.write("contacts", exactly + [UInt8(ascii: "\n")])
        XCTAssertThrowsError(try ContactBook.load(directory: temp.path)) { error in
            XCTAssertEqual(error as? ContactBookError, .fileTooLarge(path: path, limit: 1 << 20))
        }

        var many = ""
        for index in 0...ContactBook.maximumContacts {
            many += "c\(index) \(Fingerprint(certificateDER: Array("\(index)".utf8)).hex)\n"
        }
        try temp.write("contacts", many)
        XCTAssertThrowsError(try ContactBook.load(directory: temp.path)) { error in
            XCTAssertEqual(error as? ContactBookError, .malformedLine(path: path, line: 10_001, reason: "more than 10000 contacts"))
        }
    }

    func testFIFOInsteadOfFileIsRefusedWithoutBlocking() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        XCTAssertEqual(mkfifo(temp.path + "/contacts", 0o600), 0)
        XCTAssertThrowsError(try ContactBook.load(directory: temp.path)) { error in
            XCTAssertEqual(error as? ContactBookError,
                           .file(FileAccessError(path: temp.path + "/contacts", reason: "not a regular file")))
        }
    }

    func testContactsWritableByOthersAreRefused() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try temp.write("contacts", "alice \(alice)\n", mode: 0o666)
        XCTAssertThrowsError(try ContactBook.load(directory: temp.path)) { error in
            XCTAssertEqual(error as? ContactBookError, .unsafePermissions(path: temp.path + "/contacts", mode: 0o666))
        }
        try setMode(temp.path + "/contacts", 0o644)
        XCTAssertEqual(try ContactBook.load(directory: temp.path).contacts.map(\.name), ["alice"])
        try setMode(temp.path, 0o770)
        XCTAssertThrowsError(try ContactBook.load(directory: temp.path)) { error in
            XCTAssertEqual(error as? ContactBookError, .unsafeDirectory(path: temp.path, mode: 0o770))
        }
        try setMode(temp.path, 0o700)
    }
}
