public import NIOCore
public import RFBTransport
public import XMPP

/// One login for the contact commands: it runs `ContactHandshake` on what the server sends, saves the
/// books whenever they change (before anything is sent that depends on them), sends the answers, and
/// hands the events to the command.
public actor ContactSession {
    public let client: XMPPClient
    private var handshake: ContactHandshake
    private let directory: String
    /// Events not read yet, in order (bounded: a flood of stanzas cannot grow it without end).
    private var queue: [HandshakeEvent] = []
    private var waiter: (id: Int, continuation: CheckedContinuation<HandshakeEvent?, Never>)?
    private var nextWaiterID = 0
    private var ended = false
    public static let maximumQueuedEvents = 10_000
    private var reader: Task<Void, Never>?
    private var markerToken: String?
    private var markerWaiter: CheckedContinuation<Void, Never>?
    private var saveError: (any Error)?

    /// Logs in with `account` and starts reading. Presence is sent by `settle()`.
    public static func open(account: XMPPAccount, directory: String, ourFingerprint: Fingerprint,
                            group: (any EventLoopGroup)? = nil) async throws -> ContactSession {
        let contacts = try ContactBook.load(directory: directory)
        let pairing = try PairingBook.load(directory: directory)
        let client = try await XMPPClient.connect(account: account.jid, password: account.password, host: account.serverHost,
                                                  port: account.port, trust: account.trust, resource: XMPPAccount.freshResource(), group: group)
        let session = ContactSession(client: client, directory: directory,
                                     handshake: ContactHandshake(contacts: contacts, pairing: pairing, ourFingerprint: ourFingerprint))
        await session.startReading()
        return session
    }

    private init(client: XMPPClient, directory: String, handshake: ContactHandshake) {
        self.client = client
        self.directory = directory
        self.handshake = handshake
    }

    private func startReading() {
        let stanzas = client.stanzas
        reader = Task { [weak self] in
            for await stanza in stanzas {
                guard let self else { return }
                await self.process(stanza)
            }
            await self?.finish()
        }
    }

    private func finish() {
        ended = true
        markerWaiter?.resume()
        markerWaiter = nil
        if let w = waiter {
            waiter = nil
            w.continuation.resume(returning: nil)
        }
    }

    private func process(_ stanza: XMLElement) {
        if let token = markerToken, stanza.name == "message", stanza[attribute: "from"] == client.jid.description,
           stanza.child("settled", namespace: ContactNamespace.contact)?[attribute: "token"] == token {
            markerToken = nil
            markerWaiter?.resume()
            markerWaiter = nil
            return
        }
        let (events, send) = handshake.handle(stanza)
        apply(send)
        for e in events { deliver(e) }
    }

    private func deliver(_ e: HandshakeEvent) {
        if let w = waiter {
            waiter = nil
            w.continuation.resume(returning: e)
        } else if queue.count < Self.maximumQueuedEvents {
            queue.append(e)
        }
    }

    /// The next event, waiting at most `timeout`; nil when none came in time or the connection ended.
    public func next(within timeout: Duration) async -> HandshakeEvent? {
        if !queue.isEmpty { return queue.removeFirst() }
        if ended || timeout <= .zero { return nil }
        nextWaiterID += 1
        let id = nextWaiterID
        return await withCheckedContinuation { continuation in
            waiter = (id, continuation)
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.expire(id)
            }
        }
    }

    private func expire(_ id: Int) {
        guard let w = waiter, w.id == id else { return }
        waiter = nil
        w.continuation.resume(returning: nil)
    }

    /// Whether the connection to the server is gone.
    public var isEnded: Bool { ended }

    /// Saves what changed, then sends. A book that cannot be saved stops the sending (nothing half done:
    /// the other side is never told of a pin we do not keep).
    private func apply(_ send: [XMLElement]) {
        do {
            if handshake.contactsChanged { try handshake.contacts.save() }
            if handshake.pairingChanged { try handshake.pairing.save() }
            handshake.markSaved()
        } catch {
            saveError = error
            return
        }
        for s in send { client.send(s) }
    }

    /// Announces us (away: managing contacts, not taking requests), which makes the server hand over what
    /// waited for us (requests, answers, messages), and returns once all of it has been handled: a message
    /// to ourselves follows the presence, the server handles both in order and sends what waited while
    /// handling the presence, so when our own message comes back through the same reader, everything
    /// before it has been handled. Then a short grace for presences of contacts on other servers.
    public func settle(timeout: Duration = .seconds(15), grace: Duration = .milliseconds(300)) async throws {
        client.sendPresence(show: "away", status: "remote-assist: managing contacts, not taking requests")
        let token = Hex.encode(PairingCode.newNonce())
        markerToken = token
        var marker = XMLElement("message", namespace: ContactNamespace.client, attributes: [.init("to", client.jid.description), .init("type", "normal")])
        marker.append(XMLElement("settled", namespace: ContactNamespace.contact, attributes: [.init("token", token)]))
        client.send(marker)
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.giveUpMarker()
        }
        await withCheckedContinuation { continuation in
            if markerToken == nil || ended { continuation.resume() } else { markerWaiter = continuation }
        }
        timer.cancel()
        if ended { throw XMPPError.closed }
        if markerToken != nil {
            markerToken = nil
            throw XMPPError.timeout("the server did not hand over what waited for us")
        }
        try await Task.sleep(for: grace)
        let events = handshake.reconcile(roster: try await client.roster())
        apply([])
        for e in events { deliver(e) }
        if let saveError { throw saveError }
    }

    private func giveUpMarker() {
        markerWaiter?.resume()
        markerWaiter = nil
    }

    public func ask(jid: JID, name: String) throws {
        let send = try handshake.ask(jid: jid, name: name)
        apply(send)
        if let saveError { throw saveError }
    }

    public func accept(jid: JID, name: String) throws {
        let send = try handshake.accept(jid: jid, name: name)
        apply(send)
        if let saveError { throw saveError }
    }

    public func decline(jid: JID) throws {
        let send = handshake.decline(jid: jid)
        apply(send)
        if let saveError { throw saveError }
    }

    /// Removes a contact from the roster too (their presence stops, our subscription to them ends).
    public func forget(jid: String) async throws {
        var iq = XMLElement("iq", namespace: ContactNamespace.client, attributes: [.init("type", "set")])
        var query = XMLElement("query", namespace: ContactNamespace.roster)
        query.append(XMLElement("item", namespace: ContactNamespace.roster, attributes: [.init("jid", jid), .init("subscription", "remove")]))
        iq.append(query)
        _ = try await client.iq(iq)
    }

    public var requests: [IncomingRequest] { handshake.requests }
    public var contacts: ContactBook { handshake.contacts }
    public var pairing: PairingBook { handshake.pairing }
    public func presence(of jid: String) -> ContactPresence { handshake.presences.presence(of: jid) }

    /// Closes after a round trip, so everything sent has been handled by the server (a request or an
    /// answer sent just before the end of the stream is not left to the server's timing).
    public func close() async {
        var ping = XMLElement("iq", namespace: ContactNamespace.client, attributes: [.init("type", "get"), .init("to", client.jid.domain)])
        ping.append(XMLElement("ping", namespace: ContactNamespace.ping))
        _ = try? await client.iq(ping, timeout: .seconds(5))
        await client.close()
        reader?.cancel()
        finish()
    }
}
