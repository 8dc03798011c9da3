import PeerText
public import RFBTransport
public import XMPP

/// A subscription request someone sent us, as `contacts requests` shows it.
public struct IncomingRequest: Equatable, Sendable {
    /// Their bare JID, as the server stamped it.
    public var jid: String
    /// What their remote-assist sent with it; nil from a client that is not remote-assist (it cannot be
    /// paired with through the server; pin its fingerprint out of band instead).
    public var offer: ContactOffer?

    public init(jid: String, offer: ContactOffer?) {
        self.jid = jid
        self.offer = offer
    }
}

/// What the handshake learnt from one stanza, for the command to say.
public enum HandshakeEvent: Equatable, Sendable {
    /// Someone asked to become a contact (listed by `contacts requests`).
    case request(IncomingRequest)
    /// They accepted our request: pinned under `name`; compare `code` with them.
    case accepted(name: String, jid: String, code: String)
    /// They confirmed the pairing we accepted: compare `code` with them.
    case confirmed(name: String, jid: String, code: String)
    /// A contact asked again with the fingerprint we pinned: approved.
    case approvedAgain(name: String)
    /// A contact presents another fingerprint than the one pinned: nothing was approved.
    case fingerprintChanged(name: String, jid: String, pinned: Fingerprint, offered: Fingerprint)
    /// The revealed nonce does not match its commitment: someone tampered; the contact was removed.
    case pairingTampered(name: String, jid: String)
    /// They declined our request.
    case declined(name: String, jid: String)
    /// Our request could not be completed (e.g. the name was taken meanwhile).
    case failed(jid: String, reason: String)
    /// A contact's status changed.
    case presence(jid: String, ContactPresence)
}

/// The contact handshake over XMPP as a value: it turns incoming stanzas into events, stanzas to send
/// and changes to the contact and pairing books. No I/O; the command saves the books and sends.
///
/// Asker A, accepter B: A sends `subscribe` with its fingerprint and a commitment; B accepts: pins A,
/// sends `subscribed` and its own `subscribe` with its fingerprint and nonce; A (on its next login, or at
/// once when waiting) pins B, sends `subscribed` and a message revealing its nonce; B checks the nonce
/// against the commitment. Both then show the same `PairingCode`. A known contact asking again with the
/// pinned fingerprint is approved; with another fingerprint it is refused with a warning.
public struct ContactHandshake: Sendable {
    public private(set) var contacts: ContactBook
    public private(set) var pairing: PairingBook
    public private(set) var requests: [IncomingRequest] = []
    public private(set) var presences = PresenceBoard()
    /// Whether `contacts` or `pairing` changed and must be saved.
    public private(set) var contactsChanged = false
    public private(set) var pairingChanged = false
    public let ourFingerprint: Fingerprint
    public static let maximumRequests = 1000

    public init(contacts: ContactBook, pairing: PairingBook, ourFingerprint: Fingerprint) {
        self.contacts = contacts
        self.pairing = pairing
        self.ourFingerprint = ourFingerprint
    }

    public mutating func markSaved() {
        contactsChanged = false
        pairingChanged = false
    }

    // MARK: what we start

    /// `contacts add NAME JID` (or a pinned contact's `--jid`): the request to send (and the pairing record kept).
    public mutating func ask(jid: JID, name: String) throws -> [XMLElement] {
        let bare = jid.bare.description
        try Contact.validate(name: name)
        if let c = contacts.contact(withJID: bare) {
            // Pinned out of band (`contacts add NAME FINGERPRINT --jid JID`): the request still goes out,
            // and their answer must carry the pinned fingerprint.
            guard ContactBook.foldedJID(c.name) == ContactBook.foldedJID(name) else {
                throw ContactBookError.duplicateJID(bare, existingName: c.name)
            }
        } else if contacts.contact(named: name) != nil {
            throw ContactBookError.duplicateName(name)
        }
        let nonce = PairingCode.newNonce()
        pairing.put(PairingRecord(jid: bare, role: .asker, name: name, ourNonce: nonce))
        pairingChanged = true
        return [Self.presence("subscribe", to: bare, offer: ContactOffer(fingerprint: ourFingerprint, commit: PairingCode.commitment(of: nonce)))]
    }

    /// `contacts accept JID`: pins the requester under `name`, answers, asks back with our nonce.
    public mutating func accept(jid: JID, name: String) throws -> [XMLElement] {
        let bare = jid.bare.description
        guard let request = requests.first(where: { ContactBook.foldedJID($0.jid) == ContactBook.foldedJID(bare) }) else {
            throw HandshakeError("no request from \(bare) is waiting (see `remote-assist contacts requests`)")
        }
        guard let offer = request.offer, let commit = offer.commit else {
            throw HandshakeError("the request from \(bare) carries no remote-assist fingerprint (sent from another XMPP "
                + "client?): ask them for their fingerprint and pin it with `remote-assist contacts add NAME FINGERPRINT --jid \(bare)`")
        }
        try contacts.add(name: name, fingerprint: offer.fingerprint, jid: bare)
        contactsChanged = true
        let nonce = PairingCode.newNonce()
        pairing.put(PairingRecord(jid: bare, role: .accepter, name: name, ourNonce: nonce, theirCommit: commit))
        pairingChanged = true
        requests.removeAll { ContactBook.foldedJID($0.jid) == ContactBook.foldedJID(bare) }
        return [Self.presence("subscribed", to: bare),
                Self.presence("subscribe", to: bare, offer: ContactOffer(fingerprint: ourFingerprint, nonce: nonce))]
    }

    /// `contacts decline JID`: refuses their request (and forgets any pairing with them).
    public mutating func decline(jid: JID) -> [XMLElement] {
        let bare = jid.bare.description
        requests.removeAll { ContactBook.foldedJID($0.jid) == ContactBook.foldedJID(bare) }
        if pairing.record(for: bare) != nil {
            pairing.remove(jid: bare)
            pairingChanged = true
        }
        return [Self.presence("unsubscribed", to: bare)]
    }

    // MARK: what arrives

    public mutating func handle(_ stanza: XMLElement) -> (events: [HandshakeEvent], send: [XMLElement]) {
        guard stanza.namespace == ContactNamespace.client, let fromText = stanza[attribute: "from"],
              let from = try? JID(fromText), from.local != nil else { return ([], []) }
        let bare = from.bare.description
        switch (stanza.name, stanza[attribute: "type"]) {
        case ("presence", "subscribe"): return subscribe(from: bare, offer: ContactOffer(in: stanza))
        case ("presence", "unsubscribed"): return unsubscribed(from: bare)
        case ("presence", _):
            guard contacts.contact(withJID: bare) != nil, presences.note(stanza) != nil else { return ([], []) }
            return ([.presence(jid: bare, presences.presence(of: bare))], [])
        case ("message", let type) where type != "error" && type != "groupchat":
            guard let e = stanza.child("contact", namespace: ContactNamespace.contact), let text = e[attribute: "nonce"],
                  let nonce = Hex.decode(text, count: PairingCode.nonceBytes) else { return ([], []) }
            return reveal(from: bare, nonce: nonce)
        default:
            return ([], [])
        }
    }

    private mutating func subscribe(from jid: String, offer: ContactOffer?) -> ([HandshakeEvent], [XMLElement]) {
        if let contact = contacts.contact(withJID: jid) {
            guard let offer else { return addRequest(IncomingRequest(jid: jid, offer: nil)) }
            guard offer.fingerprint == contact.fingerprint else {
                return ([.fingerprintChanged(name: contact.name, jid: jid, pinned: contact.fingerprint, offered: offer.fingerprint)], [])
            }
            // Our own request being accepted: complete the pairing.
            if let record = pairing.record(for: jid), record.role == .asker, record.code == nil {
                return completeAsk(record, offer: offer)
            }
            return ([.approvedAgain(name: contact.name)], [Self.presence("subscribed", to: jid)])
        }
        if let record = pairing.record(for: jid), record.role == .asker, record.code == nil, let offer, offer.nonce != nil {
            return completeAsk(record, offer: offer)
        }
        return addRequest(IncomingRequest(jid: jid, offer: offer))
    }

    private mutating func completeAsk(_ record: PairingRecord, offer: ContactOffer) -> ([HandshakeEvent], [XMLElement]) {
        guard let theirNonce = offer.nonce, let ourNonce = record.ourNonceBytes else {
            return addRequest(IncomingRequest(jid: record.jid, offer: offer))
        }
        if contacts.contact(withJID: record.jid) == nil {
            do {
                try contacts.add(name: record.name, fingerprint: offer.fingerprint, jid: record.jid)
                contactsChanged = true
            } catch {
                return ([.failed(jid: record.jid, reason: "\(error)")], [])
            }
        }
        let code = PairingCode.code(asker: ourFingerprint, accepter: offer.fingerprint, askerNonce: ourNonce, accepterNonce: theirNonce)
        var done = record
        done.code = code
        pairing.put(done)
        pairingChanged = true
        var message = XMLElement("message", namespace: ContactNamespace.client, attributes: [.init("to", record.jid), .init("type", "normal")])
        var body = XMLElement("body", namespace: ContactNamespace.client)
        body.append(text: "remote-assist: contact confirmation (sent automatically; nothing to do here)")
        message.append(body)
        message.append(XMLElement("contact", namespace: ContactNamespace.contact, attributes: [.init("nonce", Hex.encode(ourNonce))]))
        return ([.accepted(name: record.name, jid: record.jid, code: code)], [Self.presence("subscribed", to: record.jid), message])
    }

    private mutating func reveal(from jid: String, nonce: [UInt8]) -> ([HandshakeEvent], [XMLElement]) {
        guard let record = pairing.record(for: jid), record.role == .accepter, record.code == nil,
              let commit = record.theirCommitBytes, let ourNonce = record.ourNonceBytes,
              let contact = contacts.contact(withJID: jid) else { return ([], []) }
        guard PairingCode.commitment(of: nonce) == commit else {
            _ = try? contacts.remove(name: contact.name)
            contactsChanged = true
            pairing.remove(jid: jid)
            pairingChanged = true
            return ([.pairingTampered(name: contact.name, jid: jid)], [Self.presence("unsubscribed", to: jid), Self.presence("unsubscribe", to: jid)])
        }
        let code = PairingCode.code(asker: contact.fingerprint, accepter: ourFingerprint, askerNonce: nonce, accepterNonce: ourNonce)
        var done = record
        done.code = code
        pairing.put(done)
        pairingChanged = true
        return ([.confirmed(name: contact.name, jid: jid, code: code)], [])
    }

    private mutating func unsubscribed(from jid: String) -> ([HandshakeEvent], [XMLElement]) {
        guard let record = pairing.record(for: jid), record.role == .asker, record.code == nil else { return ([], []) }
        pairing.remove(jid: jid)
        pairingChanged = true
        return ([.declined(name: record.name, jid: jid)], [])
    }

    /// Compares our open requests with the roster: a request the other side declined while we were
    /// offline leaves no stanza for us (servers do not keep it), only a roster item that no longer asks.
    public mutating func reconcile(roster: [RosterItem]) -> [HandshakeEvent] {
        var events: [HandshakeEvent] = []
        for record in pairing.records where record.role == .asker && record.code == nil {
            let item = roster.first { ContactBook.foldedJID($0.jid) == ContactBook.foldedJID(record.jid) }
            let stillAsking = item.map { $0.ask == "subscribe" || $0.subscription == "to" || $0.subscription == "both" } ?? false
            if !stillAsking {
                pairing.remove(jid: record.jid)
                pairingChanged = true
                events.append(.declined(name: record.name, jid: record.jid))
            }
        }
        return events
    }

    private mutating func addRequest(_ request: IncomingRequest) -> ([HandshakeEvent], [XMLElement]) {
        if let i = requests.firstIndex(where: { ContactBook.foldedJID($0.jid) == ContactBook.foldedJID(request.jid) }) {
            requests[i] = request
        } else {
            guard requests.count < Self.maximumRequests else { return ([], []) }
            requests.append(request)
        }
        return ([.request(request)], [])
    }

    static func presence(_ type: String, to jid: String, offer: ContactOffer? = nil) -> XMLElement {
        var p = XMLElement("presence", namespace: ContactNamespace.client, attributes: [.init("to", jid), .init("type", type)])
        if let offer { p.append(offer.element) }
        return p
    }
}

public struct HandshakeError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
