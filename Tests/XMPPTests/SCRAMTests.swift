import XCTest
@testable import XMPP

final class SCRAMTests: XCTestCase {
    func run(_ hash: SCRAMClient.Hash, nonce: String, serverFirst: String, clientFinal: String, serverFinal: String) throws {
        var c = try SCRAMClient(hash: hash, username: "user", password: "pencil", nonce: nonce)
        XCTAssertEqual(String(decoding: c.clientFirst(), as: UTF8.self), "n,,n=user,r=\(nonce)")
        XCTAssertEqual(String(decoding: try c.clientFinal(serverFirst: Array(serverFirst.utf8)), as: UTF8.self), clientFinal)
        XCTAssertNoThrow(try c.verify(serverFinal: Array(serverFinal.utf8)))
    }

    /// RFC 5802 section 5.
    func testRFC5802SHA1Vector() throws {
        try run(.sha1, nonce: "fyko+d2lbbFgONRv9qkxdawL",
                serverFirst: "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
                clientFinal: "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
                serverFinal: "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")
    }

    /// RFC 7677 section 3.
    func testRFC7677SHA256Vector() throws {
        try run(.sha256, nonce: "rOprNGfwEbeRWgbNEkqO",
                serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                clientFinal: "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                serverFinal: "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
    }

    func client() throws -> SCRAMClient {
        var c = try SCRAMClient(hash: .sha256, username: "user", password: "pencil", nonce: "abc")
        _ = c.clientFirst()
        return c
    }

    func testServerSignatureMismatchIsRefused() throws {
        var c = try client()
        _ = try c.clientFinal(serverFirst: Array("r=abcdef,s=QSXCR+Q6sek8bf92,i=4096".utf8))
        XCTAssertThrowsError(try c.verify(serverFinal: Array("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=".utf8))) {
            XCTAssertEqual($0 as? SCRAMClient.Failure, .serverSignatureMismatch)
        }
        var d = try client()
        _ = try d.clientFinal(serverFirst: Array("r=abcdef,s=QSXCR+Q6sek8bf92,i=4096".utf8))
        XCTAssertThrowsError(try d.verify(serverFinal: Array("e=invalid-proof".utf8))) {
            XCTAssertEqual($0 as? SCRAMClient.Failure, .serverError("invalid-proof"))
        }
    }

    func testServerFirstChecks() throws {
        let cases: [(String, SCRAMClient.Failure)] = [
            ("r=xyzdef,s=QSXCR+Q6sek8bf92,i=4096", .nonceMismatch),
            ("r=abc,s=QSXCR+Q6sek8bf92,i=4096", .nonceMismatch),
            ("r=abcdef,s=QSXCR+Q6sek8bf92,i=4095", .iterationsOutOfRange(4095)),
            ("r=abcdef,s=QSXCR+Q6sek8bf92,i=100001", .iterationsOutOfRange(100_001)),
            ("r=abcdef,s=QSXCR+Q6sek8bf92,i=99999999999999999999", .malformed("the iteration count is not a number")),
            ("r=abcdef,s=!!!,i=4096", .malformed("the salt is not base64")),
            ("m=ext,r=abcdef,s=QSXCR+Q6sek8bf92,i=4096", .malformed("an extension the client does not know")),
            ("garbage", .malformed("a field without a name")),
        ]
        for (message, expected) in cases {
            var c = try client()
            XCTAssertThrowsError(try c.clientFinal(serverFirst: Array(message.utf8)), message) {
                XCTAssertEqual($0 as? SCRAMClient.Failure, expected, message)
            }
        }
    }

    func testUsernameEscapingAndBadCredentials() throws {
        var c = try SCRAMClient(hash: .sha1, username: "a=b,c", password: "p", nonce: "n")
        XCTAssertEqual(String(decoding: c.clientFirst(), as: UTF8.self), "n,,n=a=3Db=2Cc,r=n")
        XCTAssertThrowsError(try SCRAMClient(hash: .sha1, username: "", password: "p"))
        XCTAssertThrowsError(try SCRAMClient(hash: .sha1, username: "u", password: "p\u{0}"))
        // A random nonce differs each time.
        var a = try SCRAMClient(hash: .sha1, username: "u", password: "p")
        var b = try SCRAMClient(hash: .sha1, username: "u", password: "p")
        XCTAssertNotEqual(a.clientFirst(), b.clientFirst())
    }
}
