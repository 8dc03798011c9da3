import NIOCore
import Pixels
import XCTest

@testable import RFBProtocol

final class HandshakeTests: XCTestCase {
    enum Kind: CaseIterable { case none, x509None, x509Plain }

    let alice = PlainCredentials(username: "alice", password: "secret")

    func configs(_ kind: Kind, clientVersion: ProtocolVersion) -> (ServerHandshakeConfiguration, ClientHandshakeConfiguration) {
        switch kind {
        case .none:
            return (ServerHandshakeConfiguration(allowNone: true, veNCryptSubtypes: []),
                    ClientHandshakeConfiguration(allowNone: true, hasIdentity: false, maxVersion: clientVersion))
        case .x509None:
            return (ServerHandshakeConfiguration(veNCryptSubtypes: [.x509None]),
                    ClientHandshakeConfiguration(hasIdentity: true, maxVersion: clientVersion))
        case .x509Plain:
            return (ServerHandshakeConfiguration(veNCryptSubtypes: [.x509Plain]),
                    ClientHandshakeConfiguration(hasIdentity: false, plainCredentials: alice, maxVersion: clientVersion))
        }
    }

    func security(_ kind: Kind) -> NegotiatedSecurity {
        switch kind {
        case .none: return .none
        case .x509None: return .veNCrypt(.x509None)
        case .x509Plain: return .veNCrypt(.x509Plain)
        }
    }

    /// Runs whole and byte by byte; both must give the same actions and bytes.
    func both(_ s: ServerHandshakeConfiguration, _ c: ClientHandshakeConfiguration, consent: Bool = true,
              validPassword: PlainCredentials? = PlainCredentials(username: "alice", password: "secret"),
              file: StaticString = #filePath, line: UInt = #line) throws -> HandshakeRun {
        let whole = try HandshakeRun.run(server: s, client: c, feeding: .whole, consent: consent, validPassword: validPassword)
        let split = try HandshakeRun.run(server: s, client: c, feeding: .byteByByte, consent: consent, validPassword: validPassword)
        XCTAssertEqual(whole, split, "byte-by-byte feeding differs", file: file, line: line)
        return whole
    }

    func serverInitBytes() throws -> [UInt8] {
        var b = ByteBuffer()
        try HandshakeRun.serverInit.write(into: &b)
        return bytes(b)
    }

    func testEveryVersionAndSecurityWithConsentGranted() throws {
        for version in [ProtocolVersion.v3_3, .v3_7, .v3_8] {
            for kind in Kind.allCases {
                let (s, c) = configs(kind, clientVersion: version)
                let run = try both(s, c)
                let label = "\(version) \(kind)"
                XCTAssertEqual(run.serverResult,
                               ServerHandshakeResult(version: version, security: security(kind), shared: true,
                                                     username: kind == .x509Plain ? "alice" : nil), label)
                XCTAssertEqual(run.clientResult,
                               ClientHandshakeResult(version: version, security: security(kind), serverInit: HandshakeRun.serverInit),
                               label)
                XCTAssertNil(run.serverFailure, label)
                XCTAssertNil(run.clientFailure, label)
                XCTAssertEqual(run.checkedCredentials, kind == .x509Plain ? [alice] : [], label)
                XCTAssertEqual(Array(run.serverSent.suffix(try serverInitBytes().count)), try serverInitBytes(), label)
                // ServerInit is the last thing the server sent, and the consent came before the OK result.
                let kinds = run.serverActions.map { a -> String in
                    switch a {
                    case .send: return "send"
                    case .startTLS: return "tls"
                    case .checkPlainCredentials: return "check"
                    case .askConsent: return "consent"
                    case .consentGrantedNeedServerInit: return "granted"
                    case .completed: return "done"
                    case .fail: return "fail"
                    }
                }
                let sendsResult = version == .v3_8 || kind != .none
                let tail = ["consent"] + (sendsResult ? ["send"] : []) + ["granted", "send", "done"]
                XCTAssertEqual(Array(kinds.suffix(tail.count)), tail, label)
            }
        }
    }

    func testEveryVersionAndSecurityWithConsentRefused() throws {
        for version in [ProtocolVersion.v3_3, .v3_7, .v3_8] {
            for kind in Kind.allCases {
                let (s, c) = configs(kind, clientVersion: version)
                let run = try both(s, c, consent: false)
                let label = "\(version) \(kind)"
                XCTAssertNil(run.serverResult, label)
                XCTAssertNil(run.clientResult, label)
                XCTAssertEqual(run.serverFailure, "declined by the requester", label)
                XCTAssertFalse(run.serverActions.contains(.consentGrantedNeedServerInit), label)
                let reason = ascii("declined by the requester")
                switch (version, kind) {
                case (.v3_8, _):
                    XCTAssertEqual(run.clientFailure, "declined by the requester", label)
                    XCTAssertEqual(Array(run.serverSent.suffix(8 + reason.count)), u32(1) + u32(UInt32(reason.count)) + reason, label)
                case (_, .none):
                    // No SecurityResult with None before 3.8: the server just closes.
                    XCTAssertNil(run.clientFailure, label)
                default:
                    XCTAssertEqual(run.clientFailure, "authentication failed", label)
                    XCTAssertEqual(Array(run.serverSent.suffix(4)), u32(1), label)
                }
                // Nothing of ServerInit (size, format, name) went out.
                XCTAssertNil(findSubsequence(run.serverSent, ascii("alice's desktop")), label)
                XCTAssertNil(findSubsequence(run.serverSent, [4, 0, 3, 0] + nativeFormatBytes), label)
            }
        }
    }

    func findSubsequence(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for i in 0...(haystack.count - needle.count) where Array(haystack[i..<(i + needle.count)]) == needle { return i }
        return nil
    }

    func testExactBytesFor38X509Plain() throws {
        let (s, c) = configs(.x509Plain, clientVersion: .v3_8)
        let run = try both(s, c)
        XCTAssertEqual(run.serverSent,
                       ascii("RFB 003.008\n") + [1, 19] + [0, 2] + [0, 1] + u32(262) + [1] + u32(0) + (try serverInitBytes()))
        XCTAssertEqual(run.clientSent,
                       ascii("RFB 003.008\n") + [19] + [0, 2] + u32(262) + u32(5) + u32(6) + ascii("alicesecret") + [1])
        XCTAssertEqual(run.serverActions.filter { $0 == .startTLS }.count, 1)
    }

    func testExactBytesFor33None() throws {
        let (s, c) = configs(.none, clientVersion: .v3_3)
        let run = try both(s, c)
        XCTAssertEqual(run.serverSent, ascii("RFB 003.008\n") + u32(1) + (try serverInitBytes()))
        XCTAssertEqual(run.clientSent, ascii("RFB 003.003\n") + [1])
    }

    func testExactBytesFor37X509None() throws {
        let (s, c) = configs(.x509None, clientVersion: .v3_7)
        let run = try both(s, c)
        XCTAssertEqual(run.serverSent,
                       ascii("RFB 003.008\n") + [1, 19] + [0, 2] + [0, 1] + u32(260) + [1] + u32(0) + (try serverInitBytes()))
        XCTAssertEqual(run.clientSent, ascii("RFB 003.007\n") + [19] + [0, 2] + u32(260) + [1])
    }

    func testClientNeverPicksAHigherVersionThanTheServer() throws {
        var s = ServerHandshakeConfiguration(allowNone: true, veNCryptSubtypes: [])
        s.version = .v3_7
        let run = try both(s, ClientHandshakeConfiguration(allowNone: true, hasIdentity: false))
        XCTAssertEqual(Array(run.serverSent.prefix(12)), ascii("RFB 003.007\n"))
        XCTAssertEqual(Array(run.clientSent.prefix(12)), ascii("RFB 003.007\n"))
        XCTAssertEqual(run.clientResult?.version, .v3_7)
    }

    func testServerTreatsVersion35As33AndUnknownMinorsMapDown() throws {
        for (announced, dictated) in [("RFB 003.005\n", true), ("RFB 003.006\n", true), ("RFB 003.007\n", false),
                                      ("RFB 003.009\n", false), ("RFB 003.889\n", false)] {
            var s = ServerHandshake(configuration: ServerHandshakeConfiguration(allowNone: true, veNCryptSubtypes: []))
            _ = s.start()
            var b = buf(ascii(announced))
            // 3.3: one U32 type dictated; 3.7+: a U8 list.
            XCTAssertEqual(try s.receive(&b).first, .send(buf(dictated ? u32(1) : [1, 1])), announced)
        }
    }

    func testClientPreferences() throws {
        let all = ServerHandshakeConfiguration(allowNone: true, veNCryptSubtypes: [.x509Plain, .x509None])
        let withIdentity = try both(all, ClientHandshakeConfiguration(allowNone: true, hasIdentity: true, plainCredentials: alice))
        XCTAssertEqual(withIdentity.clientResult?.security, .veNCrypt(.x509None))
        // None is offered first (clients that take the first type they know use it on a tunnel), yet a
        // client that may use VeNCrypt still does.
        XCTAssertEqual(Array(withIdentity.serverSent[12..<15]), [2, 1, 19])
        let passwordOnly = try both(all, ClientHandshakeConfiguration(hasIdentity: false, plainCredentials: alice))
        XCTAssertEqual(passwordOnly.clientResult?.security, .veNCrypt(.x509Plain))
        let noneOnly = try both(all, ClientHandshakeConfiguration(allowNone: true, hasIdentity: false))
        XCTAssertEqual(noneOnly.clientResult?.security, NegotiatedSecurity.none)
        // A VeNCrypt-capable client facing a server with only None refuses unless allowed.
        let refuses = try both(ServerHandshakeConfiguration(allowNone: true, veNCryptSubtypes: []),
                               ClientHandshakeConfiguration(hasIdentity: true))
        XCTAssertEqual(refuses.clientFailure, "no acceptable security type (server offers None)")
    }

    func testServerNeverOffersAnonymousTLSSubtypes() throws {
        let s = ServerHandshakeConfiguration(veNCryptSubtypes: [.tlsNone, .tlsPlain, .x509Plain, .tlsVnc, .x509Plain])
        let run = try both(s, ClientHandshakeConfiguration(hasIdentity: false, plainCredentials: alice))
        XCTAssertEqual(Array(run.serverSent[14..<22]), [0, 2, 0, 1] + u32(262))
    }

    func testWrongPasswordFailsBeforeConsent() throws {
        let (s, c) = configs(.x509Plain, clientVersion: .v3_8)
        let run = try both(s, c, validPassword: PlainCredentials(username: "alice", password: "other"))
        XCTAssertEqual(run.serverFailure, "authentication failed")
        XCTAssertEqual(run.clientFailure, "authentication failed")
        XCTAssertFalse(run.serverActions.contains(.askConsent))
        XCTAssertEqual(Array(run.serverSent.suffix(4 + 4 + 21)), u32(1) + u32(21) + ascii("authentication failed"))
    }

    func testNoSecurityTypesSendsAReason() throws {
        let run = try both(ServerHandshakeConfiguration(allowNone: false, veNCryptSubtypes: []), ClientHandshakeConfiguration())
        XCTAssertEqual(run.serverSent, ascii("RFB 003.008\n") + [0] + u32(26) + ascii("no security type available"))
        XCTAssertEqual(run.clientFailure, "no security type available")
        let run33 = try both(ServerHandshakeConfiguration(allowNone: false, veNCryptSubtypes: []),
                             ClientHandshakeConfiguration(maxVersion: .v3_3))
        XCTAssertEqual(run33.serverSent, ascii("RFB 003.008\n") + u32(0) + u32(26) + ascii("no security type available"))
        XCTAssertEqual(run33.clientFailure, "no security type available")
    }

    func testServerRejectsBadClientInput() throws {
        func server(after input: [UInt8], _ config: ServerHandshakeConfiguration = ServerHandshakeConfiguration()) throws -> ([ServerHandshake.Action], ServerHandshake) {
            var s = ServerHandshake(configuration: config)
            _ = s.start()
            var b = buf(input)
            let actions = try s.receive(&b)
            return (actions, s)
        }
        XCTAssertThrowsError(try server(after: ascii("RFB 003.00x\n")))
        XCTAssertThrowsError(try server(after: ascii("RFB 003.008\n") + [1])) { e in
            XCTAssertEqual(e as? RFBError, .unexpected("client chose None, which was not offered"))
        }
        let (badVersion, s1) = try server(after: ascii("RFB 003.008\n") + [19, 0, 1])
        XCTAssertEqual(badVersion.last, .fail(reason: "unsupported VeNCrypt version 0.1"))
        XCTAssertEqual(badVersion.dropLast().last, .send(buf([1])))
        XCTAssertTrue(s1.isFailed)
        let (badSubtype, _) = try server(after: ascii("RFB 003.008\n") + [19, 0, 2] + u32(257))
        XCTAssertEqual(badSubtype.suffix(2), [.send(buf([0])), .fail(reason: "client chose TLSNone, which was not offered")])
        let plain = ServerHandshakeConfiguration(veNCryptSubtypes: [.x509Plain])
        var (_, s2) = try server(after: ascii("RFB 003.008\n") + [19, 0, 2] + u32(262), plain)
        XCTAssertEqual(s2.tlsEstablished(), [])
        var creds = buf(u32(0xFFFF_FFFF) + u32(0))
        XCTAssertThrowsError(try s2.receive(&creds)) { e in
            XCTAssertEqual(e as? RFBError, .tooLarge(what: "Plain username", length: 0xFFFF_FFFF, limit: 1024))
        }
    }

    func testServerIgnoresOutOfOrderInputs() throws {
        var s = ServerHandshake(configuration: ServerHandshakeConfiguration(veNCryptSubtypes: [.x509Plain]))
        _ = s.start()
        var b = buf(ascii("RFB 003.008\n") + [19, 0, 2] + u32(262))
        _ = try s.receive(&b)
        // Consent or a credentials verdict before the credentials were even read must do nothing.
        XCTAssertEqual(s.consent(granted: true), [])
        XCTAssertEqual(s.plainCredentialsChecked(ok: true), [])
        XCTAssertThrowsError(try s.serverInit(width: 10, height: 10, format: .native, name: "x"))
        XCTAssertEqual(s.tlsEstablished(), [])
        var creds = buf(u32(1) + u32(1) + ascii("ab"))
        XCTAssertEqual(try s.receive(&creds), [.checkPlainCredentials(username: "a", password: "b")])
        XCTAssertEqual(s.consent(granted: true), [])
        XCTAssertThrowsError(try s.serverInit(width: 10, height: 10, format: .native, name: "x"))
        XCTAssertEqual(s.plainCredentialsChecked(ok: true), [.askConsent])
        XCTAssertThrowsError(try s.serverInit(width: 10, height: 10, format: .native, name: "x"))
        XCTAssertEqual(s.consent(granted: true), [.send(buf(u32(0))), .consentGrantedNeedServerInit])
        // Colour-map formats are refused for ServerInit too.
        var cm = PixelFormat.native
        cm.trueColour = false
        XCTAssertThrowsError(try s.serverInit(width: 10, height: 10, format: cm, name: "x"))
        // ServerInit waits for ClientInit.
        XCTAssertEqual(try s.serverInit(width: 10, height: 10, format: .native, name: "x"), [])
        var ci = buf([0, 0xEE])
        let done = try s.receive(&ci)
        XCTAssertEqual(done.count, 2)
        XCTAssertEqual(done.last, .completed(ServerHandshakeResult(version: .v3_8, security: .veNCrypt(.x509Plain),
                                                                   shared: false, username: "a")))
        XCTAssertEqual(bytes(ci), [0xEE], "bytes after the handshake stay for the session")
    }

    func testClientRejectsBadServerInput() throws {
        func client(_ input: [UInt8], _ config: ClientHandshakeConfiguration = ClientHandshakeConfiguration()) throws -> [ClientHandshake.Action] {
            var c = ClientHandshake(configuration: config)
            var b = buf(input)
            return try c.receive(&b)
        }
        XCTAssertThrowsError(try client(ascii("RFB 003.008 \n"))) { e in
            XCTAssertEqual(e as? RFBError, .malformed("bad protocol version string \"RFB 003.008 \""))
        }
        XCTAssertThrowsError(try client(ascii("RFB 003.008\n") + [0] + u32(4097))) { e in
            XCTAssertEqual(e as? RFBError, .tooLarge(what: "reason string", length: 4097, limit: 4096))
        }
        XCTAssertThrowsError(try client(ascii("RFB 003.003\n") + u32(0) + u32(0xFFFF_FFFF))) { e in
            XCTAssertEqual(e as? RFBError, .tooLarge(what: "reason string", length: 0xFFFF_FFFF, limit: 4096))
        }
        // Security result failure reason overlong (3.8, None).
        XCTAssertThrowsError(try client(ascii("RFB 003.008\n") + [1, 1] + u32(1) + u32(100_000),
                                        ClientHandshakeConfiguration(allowNone: true, hasIdentity: false))) { e in
            XCTAssertEqual(e as? RFBError, .tooLarge(what: "reason string", length: 100_000, limit: 4096))
        }
        // ServerInit name overlong.
        XCTAssertThrowsError(try client(ascii("RFB 003.008\n") + [1, 1] + u32(0) + [0, 1, 0, 1] + nativeFormatBytes + u32(2000),
                                        ClientHandshakeConfiguration(allowNone: true, hasIdentity: false))) { e in
            XCTAssertEqual(e as? RFBError, .tooLarge(what: "desktop name", length: 2000, limit: 1024))
        }
        // Server VeNCrypt 0.1, subtypes we do not accept, refused subtype ack.
        XCTAssertEqual(try client(ascii("RFB 003.008\n") + [1, 19] + [0, 1]).last,
                       .fail(reason: "server speaks VeNCrypt 0.1, we need 0.2"))
        XCTAssertEqual(try client(ascii("RFB 003.008\n") + [1, 19] + [0, 2] + [0, 2] + u32(257) + u32(258)).last,
                       .fail(reason: "no acceptable VeNCrypt subtype (server offers TLSNone, TLSVnc)"))
        XCTAssertEqual(try client(ascii("RFB 003.008\n") + [1, 19] + [0, 2] + [0, 1] + u32(260) + [0]).last,
                       .fail(reason: "server refused the VeNCrypt subtype"))
        // Nothing after the TLS request is consumed (it belongs to TLS).
        var c = ClientHandshake(configuration: ClientHandshakeConfiguration())
        var b = buf(ascii("RFB 003.008\n") + [1, 19] + [0, 2] + [0, 1] + u32(260) + [1] + [0x16, 0x03])
        XCTAssertEqual(try c.receive(&b).last, .startTLS)
        XCTAssertEqual(bytes(b), [0x16, 0x03])
    }
}
