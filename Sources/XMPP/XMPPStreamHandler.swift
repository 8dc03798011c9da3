import Foundation
import NIOCore
import NIOSSL

/// The XML namespaces the client speaks.
public enum XMPPNamespace {
    public static let tls = "urn:ietf:params:xml:ns:xmpp-tls"
    public static let sasl = "urn:ietf:params:xml:ns:xmpp-sasl"
    public static let bind = "urn:ietf:params:xml:ns:xmpp-bind"
    public static let client = "jabber:client"
    public static let roster = "jabber:iq:roster"
    public static let ping = "urn:xmpp:ping"
    public static let stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas"
    public static let bytestreams = "http://jabber.org/protocol/bytestreams"
    public static let discoInfo = "http://jabber.org/protocol/disco#info"
    /// Ours: remote-assist session requests (what disco#info advertises, so a peer can tell a
    /// remote-assist client from another XMPP client of the same account).
    public static let request = "urn:remote-assist:request:0"
}

/// The connection's one handler, on its event loop: it reads the stream with `XMLStreamReader`, runs the
/// login (STARTTLS, SASL SCRAM, resource binding), then matches IQ answers to their requests and hands
/// every other stanza to the client's stream. Every failure ends the connection with one `XMPPError`.
final class XMPPStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Login {
        var domain: String
        var username: String
        var password: String
        var resource: String
        var tls: NIOSSLContext
        var serverHostname: String
    }

    private enum Phase { case header, features, startTLS, authenticating, binding, ready, closed }

    private var login: Login
    private var reader = XMLStreamReader()
    private var phase = Phase.header
    private var secure = false
    private var authenticated = false
    private var scram: SCRAMClient?
    private let loggedIn: EventLoopPromise<JID>
    private let incoming: AsyncStream<XMLElement>.Continuation
    private(set) var boundJID: JID?
    /// The SASL mechanism used (e.g. SCRAM-SHA-256).
    private(set) var mechanism = ""
    private var pending: [String: (promise: EventLoopPromise<XMLElement>, from: String?, timeout: Scheduled<Void>?)] = [:]
    private var nextID = 0
    private var context: ChannelHandlerContext?
    private var loginDone = false
    private var pinger: RepeatedTask?
    private var pingOutstanding = false

    /// Completed, once, with the reason the connection ended.
    let ended: EventLoopPromise<XMPPError>

    init(login: Login, loggedIn: EventLoopPromise<JID>, ended: EventLoopPromise<XMPPError>, incoming: AsyncStream<XMLElement>.Continuation) {
        self.login = login
        self.loggedIn = loggedIn
        self.ended = ended
        self.incoming = incoming
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func channelActive(context: ChannelHandlerContext) {
        openStream(context: context)
        context.fireChannelActive()
    }

    private func openStream(context: ChannelHandlerContext) {
        reader = XMLStreamReader()
        phase = .header
        write(XMLWriter.streamHeader(to: login.domain), context: context)
    }

    private func write(_ text: String, context: ChannelHandlerContext) {
        let buffer = context.channel.allocator.buffer(string: text)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    func send(_ element: XMLElement) {
        guard let context, phase == .ready else { return }
        write(XMLWriter.string(element, parentNamespace: XMPPNamespace.client), context: context)
    }

    /// Sends an IQ (its `id` set here) and completes `promise` with the answer, or an error on timeout.
    func request(_ iq: XMLElement, timeout: TimeAmount, promise: EventLoopPromise<XMLElement>) {
        guard let context, phase == .ready else { return promise.fail(XMPPError.closed) }
        var iq = iq
        nextID += 1
        let id = "ra\(nextID)"
        iq.set("id", id)
        let expectedFrom = iq[attribute: "to"]
        let what = "iq \(iq.elements.first?.name.prefix(32) ?? "")"
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let timer = context.eventLoop.scheduleTask(in: timeout) {
            if let entry = bound.value.pending.removeValue(forKey: id) {
                entry.promise.fail(XMPPError.timeout(what))
            }
        }
        pending[id] = (promise, expectedFrom, timer)
        write(XMLWriter.string(iq, parentNamespace: XMPPNamespace.client), context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard phase != .closed else { return }
        reader.feed(buffer.readableBytesView)
        do {
            while phase != .closed, let event = try reader.next() {
                try handle(event, context: context)
            }
        } catch let error as XMPPError {
            fail(error, context: context)
        } catch let error as XMLStreamError {
            fail(.protocolViolation(error.description), context: context)
        } catch let error as SCRAMClient.Failure {
            fail(.authenticationFailed(error.description), context: context)
        } catch {
            fail(.protocolViolation("\(error)"), context: context)
        }
    }

    private func handle(_ event: XMLStreamEvent, context: ChannelHandlerContext) throws {
        switch event {
        case .header:
            guard phase == .header else { throw XMPPError.protocolViolation("a second stream header") }
            phase = .features
        case .end:
            throw phase == .ready ? XMPPError.closed : XMPPError.streamError("closed during login")
        case .stanza(let e):
            if e.name == "error" && e.namespace == XMLStreamReader.streamsNamespace {
                let condition = e.elements.first { $0.namespace == "urn:ietf:params:xml:ns:xmpp-streams" }?.name ?? "unknown"
                throw XMPPError.streamError(condition)
            }
            try stanza(e, context: context)
        }
    }

    private func stanza(_ e: XMLElement, context: ChannelHandlerContext) throws {
        switch phase {
        case .header, .closed:
            throw XMPPError.protocolViolation("a stanza before the stream header")
        case .features:
            guard e.name == "features", e.namespace == XMLStreamReader.streamsNamespace else {
                throw XMPPError.protocolViolation("expected stream features, got <\(e.name.prefix(32))>")
            }
            try features(e, context: context)
        case .startTLS:
            guard e.namespace == XMPPNamespace.tls, e.name == "proceed" else { throw XMPPError.startTLSUnavailable }
            let ssl: NIOSSLClientHandler
            do {
                ssl = try NIOSSLClientHandler(context: login.tls, serverHostname: login.serverHostname)
            } catch {
                throw XMPPError.tlsFailed("\(error)")
            }
            try context.pipeline.syncOperations.addHandler(ssl, position: .first)
            secure = true
            openStream(context: context)
        case .authenticating:
            try sasl(e, context: context)
        case .binding:
            guard e.name == "iq", e[attribute: "id"] == "bind" else { throw XMPPError.protocolViolation("expected the bind answer") }
            guard e[attribute: "type"] == "result", let text = e.child("bind", namespace: XMPPNamespace.bind)?.child("jid")?.text,
                  let jid = try? JID(text), jid.resource != nil else {
                throw XMPPError.protocolViolation("resource binding failed")
            }
            boundJID = jid
            phase = .ready
            loginDone = true
            loggedIn.succeed(jid)
        case .ready:
            ready(e, context: context)
        }
    }

    private func features(_ e: XMLElement, context: ChannelHandlerContext) throws {
        if !secure {
            guard e.child("starttls", namespace: XMPPNamespace.tls) != nil else { throw XMPPError.startTLSUnavailable }
            phase = .startTLS
            write("<starttls xmlns='\(XMPPNamespace.tls)'/>", context: context)
            return
        }
        if !authenticated {
            let offered = e.child("mechanisms", namespace: XMPPNamespace.sasl)?.elements
                .filter { $0.name == "mechanism" }.map(\.text) ?? []
            let initial: [UInt8]
            let mechanism: String
            if let hash = [SCRAMClient.Hash.sha256, .sha1].first(where: { offered.contains($0.mechanism) }) {
                var client = try SCRAMClient(hash: hash, username: login.username, password: login.password)
                initial = client.clientFirst()
                scram = client
                mechanism = hash.mechanism
            } else if offered.contains("PLAIN") && secure {
                initial = [0] + Array(login.username.utf8) + [0] + Array(login.password.utf8)
                mechanism = "PLAIN"
            } else {
                throw XMPPError.noSupportedMechanism(offered)
            }
            phase = .authenticating
            self.mechanism = mechanism
            write("<auth xmlns='\(XMPPNamespace.sasl)' mechanism='\(mechanism)'>\(Data(initial).base64EncodedString())</auth>", context: context)
            return
        }
        guard e.child("bind", namespace: XMPPNamespace.bind) != nil else { throw XMPPError.protocolViolation("no resource binding offered") }
        phase = .binding
        var iq = XMLElement("iq", namespace: XMPPNamespace.client, attributes: [.init("type", "set"), .init("id", "bind")])
        var bind = XMLElement("bind", namespace: XMPPNamespace.bind)
        var resource = XMLElement("resource", namespace: XMPPNamespace.bind)
        resource.append(text: login.resource)
        bind.append(resource)
        iq.append(bind)
        write(XMLWriter.string(iq, parentNamespace: XMPPNamespace.client), context: context)
    }

    private func base64(_ e: XMLElement) throws -> [UInt8] {
        let text = e.text.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty || text == "=" { return [] }
        guard let data = Data(base64Encoded: text) else { throw XMPPError.protocolViolation("SASL data is not base64") }
        return Array(data)
    }

    private func sasl(_ e: XMLElement, context: ChannelHandlerContext) throws {
        guard e.namespace == XMPPNamespace.sasl else { throw XMPPError.protocolViolation("expected a SASL answer") }
        switch e.name {
        case "challenge":
            guard var client = scram else { throw XMPPError.protocolViolation("a SASL challenge to PLAIN") }
            let final = try client.clientFinal(serverFirst: try base64(e))
            scram = client
            write("<response xmlns='\(XMPPNamespace.sasl)'>\(Data(final).base64EncodedString())</response>", context: context)
        case "success":
            if var client = scram {
                try client.verify(serverFinal: try base64(e))
                scram = nil
            }
            authenticated = true
            openStream(context: context)
        case "failure":
            let condition = e.elements.first { $0.name != "text" }?.name ?? "unknown reason"
            throw XMPPError.authenticationFailed(condition == "not-authorized" ? "wrong user name or password (not-authorized)" : condition)
        default:
            throw XMPPError.protocolViolation("unexpected <\(e.name.prefix(32))> during login")
        }
    }

    private func ready(_ e: XMLElement, context: ChannelHandlerContext) {
        guard e.namespace == XMPPNamespace.client else { return }  // unknown top-level elements are ignored
        if e.name == "iq" {
            let type = e[attribute: "type"] ?? ""
            if type == "result" || type == "error" {
                // An answer counts only from the address the request went to (a forged `from` is dropped).
                if let id = e[attribute: "id"], let entry = pending[id], answerFrom(e[attribute: "from"], matches: entry.from) {
                    pending[id] = nil
                    entry.timeout?.cancel()
                    if type == "result" {
                        entry.promise.succeed(e)
                    } else {
                        let condition = e.child("error")?.elements.first { $0.namespace == XMPPNamespace.stanzas }?.name ?? "unknown"
                        entry.promise.fail(XMPPError.iqError(condition))
                    }
                }
                return
            }
            answerRequest(e, context: context)
            return
        }
        guard Self.hasValidFrom(e) else { return }
        deliver(e, context: context)
    }

    /// Hands a stanza to the client's stream; a consumer `XMPPLimits.maximumQueuedStanzas` behind ends the
    /// connection (rather than silently losing stanzas).
    private func deliver(_ e: XMLElement, context: ChannelHandlerContext) {
        if case .dropped = incoming.yield(e) {
            fail(.fellBehind(XMPPLimits.maximumQueuedStanzas), context: context)
        }
    }

    private func answerFrom(_ from: String?, matches expected: String?) -> Bool {
        guard let bound = boundJID else { return false }
        guard let from, let fromJID = try? JID(from) else {
            return expected == nil || expected == bound.bare.description
        }
        if let expected, let expectedJID = try? JID(expected) { return fromJID == expectedJID }
        return fromJID == bound.bare || fromJID == bound || fromJID.description == bound.domain
    }

    /// Requests to us: roster pushes (only from our own account) and pings are answered; anything else gets
    /// service-unavailable.
    private func answerRequest(_ e: XMLElement, context: ChannelHandlerContext) {
        guard let id = e[attribute: "id"], let bound = boundJID else { return }
        let from = e[attribute: "from"]
        var answer = XMLElement("iq", namespace: XMPPNamespace.client, attributes: [.init("id", id)])
        if let from { answer.set("to", from) }
        let fromSelf = from == nil || (try? JID(from ?? ""))?.bare == bound.bare
        if e.child("query", namespace: XMPPNamespace.roster) != nil && e[attribute: "type"] == "set" && fromSelf {
            answer.set("type", "result")
            deliver(e, context: context)
            guard phase == .ready else { return }
        } else if e.child("ping", namespace: XMPPNamespace.ping) != nil && e[attribute: "type"] == "get" {
            answer.set("type", "result")
        } else if e.child("query", namespace: XMPPNamespace.discoInfo) != nil && e[attribute: "type"] == "get" {
            answer.set("type", "result")
            answer.append(Self.discoInfo(node: e.child("query", namespace: XMPPNamespace.discoInfo)?[attribute: "node"]))
        } else if e[attribute: "type"] == "set", e.child("query", namespace: XMPPNamespace.bytestreams) != nil,
                  let from, (try? JID(from)) != nil {
            // A bytestream offer: the application answers it (XMPPClient.answer / answerError).
            deliver(e, context: context)
            return
        } else {
            answer.set("type", "error")
            var error = XMLElement("error", namespace: XMPPNamespace.client, attributes: [.init("type", "cancel")])
            error.append(XMLElement("service-unavailable", namespace: XMPPNamespace.stanzas))
            answer.append(error)
        }
        write(XMLWriter.string(answer, parentNamespace: XMPPNamespace.client), context: context)
    }

    /// Presence and messages count only with a well-formed `from` (the server always sets one).
    static func hasValidFrom(_ e: XMLElement) -> Bool {
        guard let from = e[attribute: "from"], (try? JID(from)) != nil else { return false }
        return true
    }

    /// XEP-0030: who we are and what we speak.
    static let features = [XMPPNamespace.discoInfo, XMPPNamespace.ping, XMPPNamespace.bytestreams, XMPPNamespace.request]

    static func discoInfo(node: String?) -> XMLElement {
        var query = XMLElement("query", namespace: XMPPNamespace.discoInfo)
        if let node, node.utf8.count <= 1024 { query.set("node", node) }
        query.append(XMLElement("identity", namespace: XMPPNamespace.discoInfo,
                                attributes: [.init("category", "client"), .init("type", "pc"), .init("name", "remote-assist")]))
        for f in features { query.append(XMLElement("feature", namespace: XMPPNamespace.discoInfo, attributes: [.init("var", f)])) }
        return query
    }

    /// XEP-0199 towards the server every `interval`; an answer (a result or an error: both show the link
    /// lives) must come within `timeout`, else the connection ends with `XMPPError.timeout("ping")`.
    func startPinging(every interval: TimeAmount, timeout: TimeAmount) {
        guard let context, phase == .ready else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        pinger = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            bound.value.ping(timeout: timeout)
        }
    }

    private func ping(timeout: TimeAmount) {
        guard let context, phase == .ready, !pingOutstanding else { return }
        var iq = XMLElement("iq", namespace: XMPPNamespace.client, attributes: [.init("type", "get"), .init("to", login.domain)])
        iq.append(XMLElement("ping", namespace: XMPPNamespace.ping))
        let promise = context.eventLoop.makePromise(of: XMLElement.self)
        pingOutstanding = true
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        promise.futureResult.whenComplete { result in
            let handler = bound.value
            handler.pingOutstanding = false
            if case .failure(XMPPError.timeout) = result, let context = handler.context {
                handler.fail(.timeout("ping"), context: context)
            }
        }
        request(iq, timeout: timeout, promise: promise)
    }

    private func fail(_ error: XMPPError, context: ChannelHandlerContext) {
        guard phase != .closed else { return }
        phase = .closed
        pinger?.cancel()
        pinger = nil
        if !loginDone { loggedIn.fail(error) }
        loginDone = true
        for (_, entry) in pending {
            entry.timeout?.cancel()
            entry.promise.fail(error)
        }
        pending.removeAll()
        incoming.finish()
        ended.succeed(error)
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let ssl = error as? NIOSSLError {
            let text = "\(ssl)"
            if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
                fail(.untrustedCertificate(text), context: context)
            } else {
                fail(.tlsFailed(text), context: context)
            }
        } else {
            fail(.connectionFailed("\(error)"), context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(phase == .ready ? .closed : .connectionFailed("the server closed the connection during login"), context: context)
        context.fireChannelInactive()
    }

    /// Ends the stream politely.
    func close(context: ChannelHandlerContext) {
        guard phase != .closed else { return }
        write("</stream:stream>", context: context)
        fail(.closed, context: context)
    }
}
