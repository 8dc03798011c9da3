public import NIOCore
import NIOPosix
import NIOSSL

/// Which certificates the XMPP server's certificate must chain to. Verification is never skipped.
public enum XMPPTrust: Sendable {
    case systemStore
    case caFile(String)
}

/// A contact on the roster.
public struct RosterItem: Equatable, Sendable {
    public var jid: String
    public var name: String?
    /// none, to, from or both (RFC 6121).
    public var subscription: String
    /// "subscribe" while our request is pending.
    public var ask: String?
}

/// An XMPP client connection, logged in and bound: send stanzas, ask IQs, and read `stanzas` (messages,
/// presences, roster pushes). TCP, then STARTTLS (required), SASL SCRAM-SHA-256 / SCRAM-SHA-1 (PLAIN only
/// when neither is offered, and only inside TLS), resource binding.
public final class XMPPClient: Sendable {
    /// Our full JID as the server bound it.
    public let jid: JID
    /// The SASL mechanism the login used (SCRAM-SHA-256, SCRAM-SHA-1 or PLAIN).
    public let mechanism: String
    /// Everything the server sends after login except IQ answers: messages, presences, roster pushes.
    public let stanzas: AsyncStream<XMLElement>
    private let channel: any Channel
    private let handler: NIOLoopBound<XMPPStreamHandler>
    private let ended: EventLoopFuture<XMPPError>

    private init(jid: JID, mechanism: String, stanzas: AsyncStream<XMLElement>, channel: any Channel, handler: NIOLoopBound<XMPPStreamHandler>,
                 ended: EventLoopFuture<XMPPError>) {
        self.ended = ended
        self.jid = jid
        self.mechanism = mechanism
        self.stanzas = stanzas
        self.channel = channel
        self.handler = handler
    }

    /// Connects to `host:port` (by default the JID's domain, port 5222) and logs in as the bare `account`.
    /// Then pings the server (XEP-0199) every `pingInterval`; no answer within `pingTimeout` closes the
    /// connection with `XMPPError.timeout("ping")` (a dead link). `stanzas` holds at most
    /// `XMPPLimits.maximumQueuedStanzas` unread; one more closes with `XMPPError.fellBehind`.
    public static func connect(account: JID, password: String, host: String? = nil, port: Int = 5222,
                               trust: XMPPTrust = .systemStore, resource: String = "remote-assist",
                               loginTimeout: TimeAmount = .seconds(20),
                               pingInterval: TimeAmount = .seconds(60), pingTimeout: TimeAmount = .seconds(20),
                               group: (any EventLoopGroup)? = nil) async throws -> XMPPClient {
        guard let username = account.local else { throw XMPPError.authenticationFailed("the account has no user name") }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        configuration.minimumTLSVersion = .tlsv12
        switch trust {
        case .systemStore: configuration.trustRoots = .default
        case .caFile(let path): configuration.trustRoots = .file(path)
        }
        let tls: NIOSSLContext
        do { tls = try NIOSSLContext(configuration: configuration) } catch { throw XMPPError.tlsFailed("\(error)") }
        let login = XMPPStreamHandler.Login(domain: account.domain, username: username, password: password,
                                            resource: resource, tls: tls, serverHostname: account.domain)
        let (stream, continuation) = AsyncStream<XMLElement>.makeStream(bufferingPolicy: .bufferingOldest(XMPPLimits.maximumQueuedStanzas))
        let loop = (group ?? MultiThreadedEventLoopGroup.singleton).next()
        let loggedIn = loop.makePromise(of: JID.self)
        let ended = loop.makePromise(of: XMPPError.self)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        XMPPStreamHandler(login: login, loggedIn: loggedIn, ended: ended, incoming: continuation))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host ?? account.domain, port: port).get()
        } catch {
            loggedIn.fail(XMPPError.connectionFailed("\(error)"))
            ended.succeed(.connectionFailed("\(error)"))
            throw XMPPError.connectionFailed("\(error)")
        }
        let timer = loop.scheduleTask(in: loginTimeout) {
            loggedIn.fail(XMPPError.timeout("login"))
            channel.close(promise: nil)
        }
        let jid: JID
        do {
            jid = try await loggedIn.futureResult.get()
            timer.cancel()
        } catch {
            timer.cancel()
            try? await channel.close()
            throw error
        }
        let (handler, mechanism) = try await loop.submit {
            let h = try channel.pipeline.syncOperations.handler(type: XMPPStreamHandler.self)
            h.startPinging(every: pingInterval, timeout: pingTimeout)
            return (NIOLoopBound(h, eventLoop: loop), h.mechanism)
        }.get()
        return XMPPClient(jid: jid, mechanism: mechanism, stanzas: stream, channel: channel, handler: handler, ended: ended.futureResult)
    }

    /// Sends one stanza.
    public func send(_ element: XMLElement) {
        let handler = self.handler
        channel.eventLoop.execute { handler.value.send(element) }
    }

    /// Sends an IQ and waits for its answer (a result; an error answer or no answer in time throws).
    public func iq(_ element: XMLElement, timeout: TimeAmount = .seconds(10)) async throws -> XMLElement {
        let promise = channel.eventLoop.makePromise(of: XMLElement.self)
        let handler = self.handler
        channel.eventLoop.execute { handler.value.request(element, timeout: timeout, promise: promise) }
        return try await promise.futureResult.get()
    }

    /// The roster (RFC 6121 section 2.1.3).
    public func roster() async throws -> [RosterItem] {
        var iq = XMLElement("iq", namespace: XMPPNamespace.client, attributes: [.init("type", "get")])
        iq.append(XMLElement("query", namespace: XMPPNamespace.roster))
        let answer = try await self.iq(iq)
        return (answer.child("query", namespace: XMPPNamespace.roster)?.elements ?? []).compactMap { item in
            guard item.name == "item", let jid = item[attribute: "jid"] else { return nil }
            return RosterItem(jid: jid, name: item[attribute: "name"], subscription: item[attribute: "subscription"] ?? "none",
                              ask: item[attribute: "ask"])
        }
    }

    /// Presence: available (with an optional `show` such as "dnd" or "away", and a status text), or of
    /// another `type` (subscribe, subscribed, unsubscribe, unsubscribed, unavailable) to `to`.
    public func sendPresence(type: String? = nil, to: JID? = nil, show: String? = nil, status: String? = nil) {
        var p = XMLElement("presence", namespace: XMPPNamespace.client)
        if let type { p.set("type", type) }
        if let to { p.set("to", to.description) }
        if let show {
            var s = XMLElement("show", namespace: XMPPNamespace.client)
            s.append(text: show)
            p.append(s)
        }
        if let status {
            var s = XMLElement("status", namespace: XMPPNamespace.client)
            s.append(text: status)
            p.append(s)
        }
        send(p)
    }

    /// A chat message.
    public func sendMessage(to: JID, body: String, type: String = "chat") {
        var m = XMLElement("message", namespace: XMPPNamespace.client, attributes: [.init("to", to.description), .init("type", type)])
        var b = XMLElement("body", namespace: XMPPNamespace.client)
        b.append(text: body)
        m.append(b)
        send(m)
    }

    /// Answers a request IQ (`request` as received) with a result carrying `payload`.
    public func answer(_ request: XMLElement, payload: XMLElement? = nil) {
        var iq = XMLElement("iq", namespace: XMPPNamespace.client, attributes: [.init("type", "result")])
        if let id = request[attribute: "id"] { iq.set("id", id) }
        if let from = request[attribute: "from"] { iq.set("to", from) }
        if let payload { iq.append(payload) }
        send(iq)
    }

    /// Answers a request IQ with an error condition (RFC 6120 section 8.3.3), e.g. "not-acceptable".
    public func answerError(_ request: XMLElement, condition: String, type: String = "cancel") {
        var iq = XMLElement("iq", namespace: XMPPNamespace.client, attributes: [.init("type", "error")])
        if let id = request[attribute: "id"] { iq.set("id", id) }
        if let from = request[attribute: "from"] { iq.set("to", from) }
        var error = XMLElement("error", namespace: XMPPNamespace.client, attributes: [.init("type", type)])
        error.append(XMLElement(condition, namespace: XMPPNamespace.stanzas))
        iq.append(error)
        send(iq)
    }

    /// Waits until the connection has ended and returns why (`.closed` after `close()` or a polite end by
    /// the server; `.timeout("ping")` on a dead link; a stream error, ...).
    public func closeReason() async -> XMPPError {
        (try? await ended.get()) ?? .closed
    }

    /// Ends the stream and closes the connection.
    public func close() async {
        let handler = self.handler
        let channel = self.channel
        try? await channel.eventLoop.submit {
            if let context = try? channel.pipeline.syncOperations.context(handlerType: XMPPStreamHandler.self) {
                handler.value.close(context: context)
            }
        }.get()
        try? await channel.closeFuture.get()
    }
}
