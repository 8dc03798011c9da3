import ContactNetwork
import RFBTransport
import XCTest
import XMPP

/// The pairing handshake as values: two sides and a server in between that delivers, or swaps.
final class ContactHandshakeTests: XCTestCase {
    let aliceFP = Fingerprint(certificateDER: Array("alice's certificate".utf8))
    let bobFP = Fingerprint(certificateDER: Array("bob's certificate".utf8))
    let malloryFP = Fingerprint(certificateDER: Array("mallory's certificate".utf8))

    func side(_ fp: Fingerprint) -> ContactHandshake {
        let dir = "/nonexistent/\(UUID().uuidString)"
        return ContactHandshake(contacts: ContactBook(directory: dir), pairing: PairingBook(directory: dir), ourFingerprint: fp)
    }

    /// What the server does to a stanza from `from` (full JID): stamps `from`, subscriptions with the bare JID.
    func deliver(_ stanza: XMLElement, from: String) -> XMLElement {
        var s = stanza
        let bare = (try? JID(from))?.bare.description ?? from
        s.set("from", stanza.name == "presence" && stanza[attribute: "type"] != nil ? bare : from)
        return s
    }

    func testBothSidesPinEachOtherAndShowTheSameCode() throws {
        var alice = side(aliceFP), bob = side(bobFP)
        let request = try alice.ask(jid: JID("bob@example.org"), name: "bob")
        XCTAssertEqual(request.count, 1)
        XCTAssertEqual(request[0][attribute: "type"], "subscribe")
        XCTAssertEqual(alice.contacts.contacts.count, 0, "nothing is pinned before bob answers")

        let (events1, send1) = bob.handle(deliver(request[0], from: "alice@example.org/remote-assist"))
        XCTAssertEqual(events1, [.request(IncomingRequest(jid: "alice@example.org", offer: ContactOffer(in: deliver(request[0], from: "alice@example.org"))))])
        XCTAssertEqual(send1, [])
        XCTAssertEqual(bob.requests.first?.offer?.fingerprint, aliceFP)

        let answer = try bob.accept(jid: JID("alice@example.org"), name: "alice")
        XCTAssertEqual(answer.map { $0[attribute: "type"] }, ["subscribed", "subscribe"])
        XCTAssertEqual(bob.contacts.contact(named: "alice")?.fingerprint, aliceFP)
        XCTAssertEqual(bob.contacts.contact(named: "alice")?.jid, "alice@example.org")
        XCTAssertTrue(bob.requests.isEmpty)

        var aliceEvents: [HandshakeEvent] = [], toBob: [XMLElement] = []
        for s in answer {
            let (e, out) = alice.handle(deliver(s, from: "bob@example.org/remote-assist"))
            aliceEvents += e
            toBob += out
        }
        guard case .accepted(let name, let jid, let aliceCode) = aliceEvents.first else { return XCTFail("\(aliceEvents)") }
        XCTAssertEqual(name, "bob")
        XCTAssertEqual(jid, "bob@example.org")
        XCTAssertEqual(alice.contacts.contact(named: "bob")?.fingerprint, bobFP)
        XCTAssertEqual(toBob.map(\.name), ["presence", "message"])

        var bobEvents: [HandshakeEvent] = []
        for s in toBob { bobEvents += bob.handle(deliver(s, from: "alice@example.org/remote-assist")).events }
        XCTAssertEqual(bobEvents, [.confirmed(name: "alice", jid: "alice@example.org", code: aliceCode)])
        XCTAssertEqual(bob.pairing.record(for: "alice@example.org")?.code, aliceCode)
    }

    /// The server replaces alice's fingerprint with mallory's toward bob and bob's with mallory's toward
    /// alice, choosing what it sends before it can know the nonces: the two codes differ.
    func testASwappingServerShowsTwoDifferentCodes() throws {
        var alice = side(aliceFP), bob = side(bobFP)
        let request = try alice.ask(jid: JID("bob@example.org"), name: "bob")
        // The server forges a request of its own (mallory's fingerprint, a commitment of its own).
        let serverNonce = PairingCode.newNonce()
        var forged = request[0]
        forged.children = [.element(ContactOffer(fingerprint: malloryFP, commit: PairingCode.commitment(of: serverNonce)).element)]
        _ = bob.handle(deliver(forged, from: "alice@example.org"))
        let answer = try bob.accept(jid: JID("alice@example.org"), name: "alice")
        XCTAssertEqual(bob.contacts.contact(named: "alice")?.fingerprint, malloryFP)
        // Toward alice it swaps bob's fingerprint, keeping bob's nonce (it has nothing better).
        var toAlice = answer
        let bobNonce = try XCTUnwrap(ContactOffer(in: answer[1])?.nonce)
        toAlice[1].children = [.element(ContactOffer(fingerprint: malloryFP, nonce: bobNonce).element)]
        var aliceCode = ""
        var toBob: [XMLElement] = []
        for s in toAlice {
            let (e, out) = alice.handle(deliver(s, from: "bob@example.org"))
            if case .accepted(_, _, let c)? = e.first { aliceCode = c }
            toBob += out
        }
        // Alice revealed her nonce; the server must send bob a nonce matching its own commitment.
        var reveal = try XCTUnwrap(toBob.first { $0.name == "message" })
        reveal.children = reveal.children.map {
            if case .element(let e) = $0, e.name == "contact" {
                return .element(XMLElement("contact", namespace: ContactNamespace.contact, attributes: [.init("nonce", serverNonce.map { String(format: "%02x", $0) }.joined())]))
            }
            return $0
        }
        let bobEvents = bob.handle(deliver(reveal, from: "alice@example.org")).events
        guard case .confirmed(_, _, let bobCode)? = bobEvents.first else { return XCTFail("\(bobEvents)") }
        XCTAssertNotEqual(aliceCode, bobCode, "a swap shows two different codes")
    }

    /// What makes a prepared swap fail: the code covers both nonces, so a server that fixed its
    /// certificates before learning them cannot steer the code (with the fingerprints alone it could).
    func testTheCodeDependsOnBothNoncesAndTheOrderOfTheFingerprints() {
        let a = [UInt8](repeating: 1, count: 32), b = [UInt8](repeating: 2, count: 32), c = [UInt8](repeating: 3, count: 32)
        let base = PairingCode.code(asker: aliceFP, accepter: bobFP, askerNonce: a, accepterNonce: b)
        XCTAssertNotNil(base.range(of: #"^[0-9]{3} [0-9]{3}$"#, options: .regularExpression), base)
        XCTAssertEqual(base, PairingCode.code(asker: aliceFP, accepter: bobFP, askerNonce: a, accepterNonce: b))
        XCTAssertNotEqual(base, PairingCode.code(asker: aliceFP, accepter: bobFP, askerNonce: c, accepterNonce: b))
        XCTAssertNotEqual(base, PairingCode.code(asker: aliceFP, accepter: bobFP, askerNonce: a, accepterNonce: c))
        XCTAssertNotEqual(base, PairingCode.code(asker: bobFP, accepter: aliceFP, askerNonce: a, accepterNonce: b))
        XCTAssertNotEqual(PairingCode.commitment(of: a), PairingCode.commitment(of: c))
        XCTAssertNotEqual(PairingCode.newNonce(), PairingCode.newNonce())
    }

    func testARevealThatDoesNotMatchTheCommitmentRemovesThePin() throws {
        var alice = side(aliceFP), bob = side(bobFP)
        let request = try alice.ask(jid: JID("bob@example.org"), name: "bob")
        _ = bob.handle(deliver(request[0], from: "alice@example.org"))
        _ = try bob.accept(jid: JID("alice@example.org"), name: "alice")
        var message = XMLElement("message", namespace: ContactNamespace.client, attributes: [.init("type", "normal")])
        message.append(XMLElement("contact", namespace: ContactNamespace.contact, attributes: [.init("nonce", String(repeating: "ab", count: 32))]))
        let (events, send) = bob.handle(deliver(message, from: "alice@example.org/x"))
        XCTAssertEqual(events, [.pairingTampered(name: "alice", jid: "alice@example.org")])
        XCTAssertNil(bob.contacts.contact(named: "alice"))
        XCTAssertEqual(send.map { $0[attribute: "type"] }, ["unsubscribed", "unsubscribe"])
    }

    func testAContactAskingWithAnotherFingerprintIsRefused() throws {
        var bob = side(bobFP)
        var book = ContactBook(directory: "/nonexistent")
        try book.add(name: "alice", fingerprint: aliceFP, jid: "alice@example.org")
        bob = ContactHandshake(contacts: book, pairing: bob.pairing, ourFingerprint: bobFP)
        let forged = XMLElement("presence", namespace: ContactNamespace.client, attributes: [.init("type", "subscribe")],
                                children: [.element(ContactOffer(fingerprint: malloryFP, commit: PairingCode.commitment(of: [UInt8](repeating: 1, count: 32))).element)])
        let (events, send) = bob.handle(deliver(forged, from: "alice@example.org"))
        XCTAssertEqual(events, [.fingerprintChanged(name: "alice", jid: "alice@example.org", pinned: aliceFP, offered: malloryFP)])
        XCTAssertEqual(send, [], "nothing is approved")
        let same = XMLElement("presence", namespace: ContactNamespace.client, attributes: [.init("type", "subscribe")],
                              children: [.element(ContactOffer(fingerprint: aliceFP, commit: PairingCode.commitment(of: [UInt8](repeating: 1, count: 32))).element)])
        let (events2, send2) = bob.handle(deliver(same, from: "alice@example.org"))
        XCTAssertEqual(events2, [.approvedAgain(name: "alice")])
        XCTAssertEqual(send2.map { $0[attribute: "type"] }, ["subscribed"])
    }

    func testADeclineEndsOurRequestAndAStrangerCannotDeclineForSomeoneElse() throws {
        var alice = side(aliceFP)
        _ = try alice.ask(jid: JID("bob@example.org"), name: "bob")
        let no = XMLElement("presence", namespace: ContactNamespace.client, attributes: [.init("type", "unsubscribed")])
        XCTAssertEqual(alice.handle(deliver(no, from: "carol@example.org")).events, [])
        XCTAssertNotNil(alice.pairing.record(for: "bob@example.org"))
        XCTAssertEqual(alice.handle(deliver(no, from: "bob@example.org")).events, [.declined(name: "bob", jid: "bob@example.org")])
        XCTAssertNil(alice.pairing.record(for: "bob@example.org"))
    }

    func testHostileOffersAreReadAsNoOffer() {
        func offer(_ attributes: [XMLElement.Attribute]) -> ContactOffer? {
            ContactOffer(in: XMLElement("presence", namespace: ContactNamespace.client,
                                        children: [.element(XMLElement("contact", namespace: ContactNamespace.contact, attributes: attributes))]))
        }
        XCTAssertNil(offer([]))
        XCTAssertNil(offer([.init("fingerprint", "SHA256:nonsense")]))
        XCTAssertNil(offer([.init("fingerprint", String(repeating: "A", count: 100_000))]))
        XCTAssertNil(offer([.init("fingerprint", aliceFP.description), .init("commit", "zz")]))
        XCTAssertNil(offer([.init("fingerprint", aliceFP.description), .init("nonce", String(repeating: "a", count: 63))]))
        XCTAssertEqual(offer([.init("fingerprint", aliceFP.description)])?.fingerprint, aliceFP)
    }

    func testPresenceIsTheMostAvailableResourceOfAContact() throws {
        var book = ContactBook(directory: "/nonexistent")
        try book.add(name: "bob", fingerprint: bobFP, jid: "bob@example.org")
        var alice = ContactHandshake(contacts: book, pairing: PairingBook(directory: "/nonexistent"), ourFingerprint: aliceFP)
        func presence(_ from: String, type: String? = nil, show: String? = nil) -> XMLElement {
            var p = XMLElement("presence", namespace: ContactNamespace.client, attributes: [.init("from", from)])
            if let type { p.set("type", type) }
            if let show {
                var s = XMLElement("show", namespace: ContactNamespace.client)
                s.append(text: show)
                p.append(s)
            }
            return p
        }
        XCTAssertEqual(alice.handle(presence("bob@example.org/a", show: "dnd")).events, [.presence(jid: "bob@example.org", .busy)])
        XCTAssertEqual(alice.handle(presence("bob@example.org/b", show: "away")).events, [.presence(jid: "bob@example.org", .busy)])
        XCTAssertEqual(alice.handle(presence("bob@example.org/a", type: "unavailable")).events, [.presence(jid: "bob@example.org", .away)])
        XCTAssertEqual(alice.handle(presence("bob@example.org/b", type: "unavailable")).events, [.presence(jid: "bob@example.org", .offline)])
        XCTAssertEqual(alice.handle(presence("mallory@example.org/b")).events, [], "strangers' presence is not shown")
        XCTAssertEqual(alice.handle(presence("not a jid")).events, [])
    }
}
