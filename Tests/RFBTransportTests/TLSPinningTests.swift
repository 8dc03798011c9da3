import NIOCore
import NIOPosix
import NIOSSL
import RFBTransport
import XCTest

/// Real TLS 1.3 over real sockets on 127.0.0.1 between identities made in temporary folders.
final class TLSPinningTests: XCTestCase {
    struct People {
        let temp: TemporaryDirectory
        let alice: Identity
        let bob: Identity
        let carol: Identity
        /// Alice's contacts file knows bob; bob's knows alice (as "Alice-Desk").
        let aliceContacts: ContactBook
        let bobContacts: ContactBook

        init() throws {
            temp = try TemporaryDirectory()
            alice = try Identity.loadOrCreate(directory: temp.path + "/alice", name: "alice")
            bob = try Identity.loadOrCreate(directory: temp.path + "/bob", name: "bob")
            carol = try Identity.loadOrCreate(directory: temp.path + "/carol", name: "carol")
            var aliceBook = try ContactBook.load(directory: temp.path + "/alice")
            try aliceBook.add(name: "bob", fingerprint: bob.fingerprint)
            try aliceBook.save()
            var bobBook = try ContactBook.load(directory: temp.path + "/bob")
            try bobBook.add(name: "Alice-Desk", fingerprint: alice.fingerprint,
                            address: ContactAddress(host: "127.0.0.1", port: 5500))
            try bobBook.save()
            aliceContacts = try ContactBook.load(directory: temp.path + "/alice")
            bobContacts = try ContactBook.load(directory: temp.path + "/bob")
        }
    }

    func testMutualTLS13ReportsMatchedContactsOnBothSides() throws {
        let people = try People()
        defer { people.temp.remove() }
        let server = try TLSSetup.Server(
            credentials: TLSCredentials(identity: people.alice),
            clientCertificates: .required(TrustedPeers(contacts: people.aliceContacts)))
        let run = try TLSTestRun(server: server)
        defer { run.shutdown() }
        let client = try TLSSetup.Client(
            credentials: TLSCredentials(identity: people.bob), trustedServers: TrustedPeers(contacts: people.bobContacts))
        let (channel, clientPeer) = try run.connect(client: client, serverHostname: "127.0.0.1")

        XCTAssertEqual(try clientPeer.wait(), TrustedPeer(name: "Alice-Desk", fingerprint: people.alice.fingerprint))
        XCTAssertEqual(try run.serverPeer.futureResult.wait(), TrustedPeer(name: "bob", fingerprint: people.bob.fingerprint))
        let version: TLSVersion? = try channel.nioSSL_tlsVersion().wait()
        XCTAssertEqual(version, .tlsv13)
        try channel.close().wait()
    }

    func testClientRefusesUnknownServer() throws {
        let people = try People()
        defer { people.temp.remove() }
        // Carol serves; bob only trusts alice.
        let server = try TLSSetup.Server(
            credentials: TLSCredentials(identity: people.carol),
            clientCertificates: .required(TrustedPeers(fingerprint: people.bob.fingerprint)))
        let run = try TLSTestRun(server: server)
        defer { run.shutdown() }
        let client = try TLSSetup.Client(
            credentials: TLSCredentials(identity: people.bob), trustedServers: TrustedPeers(contacts: people.bobContacts))
        let (channel, clientPeer) = try run.connect(client: client)

        XCTAssertThrowsError(try clientPeer.wait()) { error in
            XCTAssertEqual(error as? TLSPeerError, .untrustedCertificate(people.carol.fingerprint))
            XCTAssertEqual("\(error)", "the other side's certificate \(people.carol.fingerprint) is not one of your contacts")
        }
        XCTAssertThrowsError(try run.serverPeer.futureResult.wait()) { error in
            XCTAssertTrue(error is NIOSSLError, "\(error)")
        }
        XCTAssertTrue(run.closedByPeer(channel))
    }

    func testServerRefusesUnknownClient() throws {
        let people = try People()
        defer { people.temp.remove() }
        // Alice serves and trusts bob; carol (who trusts alice) connects.
        let server = try TLSSetup.Server(
            credentials: TLSCredentials(identity: people.alice),
            clientCertificates: .required(TrustedPeers(contacts: people.aliceContacts)))
        let run = try TLSTestRun(server: server)
        defer { run.shutdown() }
        let client = try TLSSetup.Client(
            credentials: TLSCredentials(identity: people.carol),
            trustedServers: TrustedPeers(fingerprint: people.alice.fingerprint, name: "alice"))
        let (channel, _) = try run.connect(client: client)

        XCTAssertThrowsError(try run.serverPeer.futureResult.wait()) { error in
            XCTAssertEqual(error as? TLSPeerError, .untrustedCertificate(people.carol.fingerprint))
        }
        // In TLS 1.3 the client finishes its side first; the server's alert then closes the connection.
        XCTAssertTrue(run.closedByPeer(channel))
    }

    func testMutualServerRefusesClientWithoutCertificate() throws {
        let people = try People()
        defer { people.temp.remove() }
        let server = try TLSSetup.Server(
            credentials: TLSCredentials(identity: people.alice),
            clientCertificates: .required(TrustedPeers(contacts: people.aliceContacts)))
        let run = try TLSTestRun(server: server)
        defer { run.shutdown() }
        let client = try TLSSetup.Client(credentials: nil, trustedServers: TrustedPeers(contacts: people.bobContacts))
        let (channel, _) = try run.connect(client: client)

        XCTAssertThrowsError(try run.serverPeer.futureResult.wait()) { error in
            XCTAssertTrue("\(error)".contains("PEER_DID_NOT_RETURN_A_CERTIFICATE"), "\(error)")
        }
        XCTAssertTrue(run.closedByPeer(channel))
    }

    func testTLS12OnlyClientIsRefused() throws {
        let people = try People()
        defer { people.temp.remove() }
        let server = try TLSSetup.Server(credentials: TLSCredentials(identity: people.alice), clientCertificates: .notRequested)
        let run = try TLSTestRun(server: server)
        defer { run.shutdown() }
        // A legacy client: TLS 1.2 at most (it would accept any certificate; it is the server under test here).
        var legacy = TLSConfiguration.makeClientConfiguration()
        legacy.maximumTLSVersion = .tlsv12
        legacy.certificateVerification = .none
        let context = try NIOSSLContext(configuration: legacy)
        let clientError = run.group.next().makePromise(of: (any Error).self)
        let (channel, _) = try run.connect { channel in
            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
            try channel.pipeline.syncOperations.addHandler(ErrorRecorder(clientError))
            return channel.eventLoop.makeSucceededFuture(nil)
        }
        XCTAssertThrowsError(try run.serverPeer.futureResult.wait()) { error in
            XCTAssertTrue("\(error)".contains("UNSUPPORTED_PROTOCOL"), "\(error)")
        }
        let seenByClient = try clientError.futureResult.wait()
        XCTAssertTrue("\(seenByClient)".contains("PROTOCOL_VERSION"), "\(seenByClient)")
        XCTAssertTrue(run.closedByPeer(channel))
    }

    func testPasswordServerAcceptsClientWithoutCertificate() throws {
        let people = try People()
        defer { people.temp.remove() }
        let server = try TLSSetup.Server(credentials: TLSCredentials(identity: people.alice), clientCertificates: .notRequested)
        let run = try TLSTestRun(server: server)
        defer { run.shutdown() }
        let client = try TLSSetup.Client(credentials: nil, trustedServers: TrustedPeers(contacts: people.bobContacts))
        let (channel, clientPeer) = try run.connect(client: client, serverHostname: "localhost")

        let serverPeer = try run.serverPeer.futureResult.wait()
        XCTAssertNil(serverPeer)  // succeeded, with no client certificate
        XCTAssertEqual(try clientPeer.wait(), TrustedPeer(name: "Alice-Desk", fingerprint: people.alice.fingerprint))
        try channel.close().wait()
    }

    func testServerWithCertificateFilesIsPinnedByItsFingerprint() throws {
        let people = try People()
        defer { people.temp.remove() }
        let credentials = try TLSCredentials.load(
            certificateFile: people.temp.path + "/carol/identity.crt", keyFile: people.temp.path + "/carol/identity.key")
        let server = try TLSSetup.Server(credentials: credentials, clientCertificates: .notRequested)
        XCTAssertEqual(server.fingerprint, people.carol.fingerprint)
        let run = try TLSTestRun(server: server)
        defer { run.shutdown() }
        let client = try TLSSetup.Client(
            credentials: nil, trustedServers: TrustedPeers(fingerprint: people.carol.fingerprint))
        let (channel, clientPeer) = try run.connect(client: client, serverHostname: "[::1]")
        XCTAssertEqual(try clientPeer.wait(), TrustedPeer(name: nil, fingerprint: people.carol.fingerprint))
        try channel.close().wait()
    }

    /// Dialling one expected peer (`view --fingerprint`, a request to an expert) and meeting another
    /// certificate: the error compares it with the expected one group by group, under the contact's name.
    func testAnExpectedPeerWithAnotherCertificateIsNamedWithTheGroupsThatDiffer() throws {
        let people = try People()
        defer { people.temp.remove() }
        let server = try TLSSetup.Server(credentials: TLSCredentials(identity: people.carol), clientCertificates: .notRequested)
        let run = try TLSTestRun(server: server)
        defer { run.shutdown() }
        let client = try TLSSetup.Client(
            credentials: nil, trustedServers: TrustedPeers(fingerprint: people.alice.fingerprint, name: "alice"))
        let (channel, clientPeer) = try run.connect(client: client)
        XCTAssertThrowsError(try clientPeer.wait()) { error in
            XCTAssertEqual(error as? TLSPeerError, .differentCertificate(
                presented: people.carol.fingerprint, expected: TrustedPeer(name: "alice", fingerprint: people.alice.fingerprint)))
            XCTAssertTrue("\(error)".hasPrefix("alice's certificate does not match the fingerprint you have for them: it differs in "),
                          "\(error)")
            XCTAssertTrue("\(error)".contains("group \(people.alice.fingerprint.differingGroups(from: people.carol.fingerprint)[0]) (you have "),
                          "\(error)")
        }
        _ = try? channel.close().wait()
    }
}
