import XCTest
@testable import XMPP

final class JIDAndSOCKS5Tests: XCTestCase {
    func testJIDParsing() throws {
        let j = try JID("alice@Example.ORG/laptop/1")
        XCTAssertEqual(j.local, "alice")
        XCTAssertEqual(j.domain, "example.org")
        XCTAssertEqual(j.resource, "laptop/1")
        XCTAssertEqual(j.description, "alice@example.org/laptop/1")
        XCTAssertEqual(j.bare.description, "alice@example.org")
        XCTAssertEqual(try JID("example.org").description, "example.org")
        XCTAssertEqual(try JID("proxy.example.org.").domain, "proxy.example.org")
    }

    func testJIDRefusals() {
        XCTAssertThrowsError(try JID("@example.org")) { XCTAssertEqual($0 as? JID.Failure, .empty("localpart")) }
        XCTAssertThrowsError(try JID("a@")) { XCTAssertEqual($0 as? JID.Failure, .empty("domainpart")) }
        XCTAssertThrowsError(try JID("a@b/")) { XCTAssertEqual($0 as? JID.Failure, .empty("resourcepart")) }
        XCTAssertThrowsError(try JID("a b@c")) { XCTAssertEqual($0 as? JID.Failure, .forbiddenCharacter("localpart")) }
        XCTAssertThrowsError(try JID("a<b@c")) { XCTAssertEqual($0 as? JID.Failure, .forbiddenCharacter("localpart")) }
        XCTAssertThrowsError(try JID("a@c/x\u{7}")) { XCTAssertEqual($0 as? JID.Failure, .forbiddenCharacter("resourcepart")) }
        XCTAssertThrowsError(try JID(String(repeating: "a", count: 1024) + "@c")) { XCTAssertEqual($0 as? JID.Failure, .tooLong("localpart")) }
        XCTAssertNoThrow(try JID(String(repeating: "a", count: 1023) + "@c"))
    }

    func testDestinationAddress() throws {
        // XEP-0065's example JIDs; the value is SHA-1 computed independently (Python's hashlib).
        let a = SOCKS5Bytestream.destinationAddress(sid: "vxf9n471bn46", initiator: try JID("requester@example.com/foo"),
                                                    target: try JID("target@example.org/bar"))
        XCTAssertEqual(a, "98b8d688d0f5d895fd41c5e7309a2e9e33ba32ff")
    }

    func testSOCKS5Bytes() throws {
        XCTAssertEqual(SOCKS5Bytestream.greeting, [5, 1, 0])
        let address = String(repeating: "f", count: 40)
        XCTAssertEqual(SOCKS5Bytestream.connectRequest(address: address), [5, 1, 0, 3, 40] + Array(address.utf8) + [0, 0])
        XCTAssertNil(try SOCKS5Bytestream.parseMethodSelection([5]))
        XCTAssertEqual(try SOCKS5Bytestream.parseMethodSelection([5, 0]), 2)
        XCTAssertThrowsError(try SOCKS5Bytestream.parseMethodSelection([5, 0xFF])) { XCTAssertEqual($0 as? SOCKS5Bytestream.Failure, .noAcceptableMethod) }
        XCTAssertThrowsError(try SOCKS5Bytestream.parseMethodSelection([4, 0])) { XCTAssertEqual($0 as? SOCKS5Bytestream.Failure, .badVersion(4)) }
        let reply: [UInt8] = [5, 0, 0, 3, 40] + Array(address.utf8) + [0, 0]
        XCTAssertNil(try SOCKS5Bytestream.parseConnectReply(Array(reply.dropLast())))
        XCTAssertEqual(try SOCKS5Bytestream.parseConnectReply(reply + [9, 9]), reply.count)
        XCTAssertEqual(try SOCKS5Bytestream.parseConnectReply([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]), 10)
        XCTAssertThrowsError(try SOCKS5Bytestream.parseConnectReply([5, 2, 0, 1, 0])) { XCTAssertEqual($0 as? SOCKS5Bytestream.Failure, .refused(2)) }
        XCTAssertThrowsError(try SOCKS5Bytestream.parseConnectReply([5, 0, 0, 9, 0])) { XCTAssertEqual($0 as? SOCKS5Bytestream.Failure, .malformed("address type 9")) }
    }
}
