public import NIOCore

/// A SOCKS5 bytestream proxy (XEP-0065 streamhost): its JID and where it listens.
public struct StreamHost: Equatable, Sendable {
    public var jid: JID
    public var host: String
    public var port: Int
    public init(jid: JID, host: String, port: Int) {
        self.jid = jid
        self.host = host
        self.port = port
    }
}

/// XEP-0065 in both roles through a proxy. Both sides CONNECT to the proxy with the same DST.ADDR; the
/// target answers `streamhost-used`, then the initiator activates the stream; only then do bytes flow.
/// The target connects only to the proxy it learnt itself from its server (never to an address a peer
/// names), so an offer cannot make it dial elsewhere.
///
/// Both return the proxy connection with autoRead off and the bytes that came with the SOCKS5 reply
/// (`SOCKS5Connector`). Put `RelayFrameHandler` first at both ends (`RelayFraming.install(on:leftover:)`:
/// without it a Prosody on its default epoll backend holds the tail of each burst), then TLS and the rest,
/// then `RelayFraming.startReading(on:)` (leftover bytes first, then autoRead on).
extension XMPPClient {
    public static let maximumSIDBytes = 128

    /// Asks the proxy component (e.g. proxy.example.org) for its streamhost address.
    public func streamHost(of proxy: JID) async throws -> StreamHost {
        var iq = XMLElement("iq", namespace: XMPPNamespace.client, attributes: [.init("type", "get"), .init("to", proxy.description)])
        iq.append(XMLElement("query", namespace: XMPPNamespace.bytestreams))
        let answer = try await self.iq(iq)
        guard let s = answer.child("query", namespace: XMPPNamespace.bytestreams)?.child("streamhost"),
              let jidText = s[attribute: "jid"], let jid = try? JID(jidText), jid == proxy,
              let host = s[attribute: "host"], !host.isEmpty, host.utf8.count <= 255,
              let portText = s[attribute: "port"], let port = Int(portText), (1...65535).contains(port) else {
            throw XMPPError.protocolViolation("the proxy's streamhost answer is malformed")
        }
        return StreamHost(jid: jid, host: host, port: port)
    }

    /// Initiator: offers the stream `sid` to `target` (a full JID) through `proxy`, waits until the target
    /// used it, connects and activates. Returns the proxy connection, ready for bytes.
    public func openBytestream(to target: JID, sid: String, via proxy: StreamHost,
                               timeout: TimeAmount = .seconds(30)) async throws -> (channel: any Channel, leftover: [UInt8]) {
        guard !sid.isEmpty, sid.utf8.count <= Self.maximumSIDBytes else { throw XMPPError.protocolViolation("bad stream id") }
        var query = XMLElement("query", namespace: XMPPNamespace.bytestreams, attributes: [.init("sid", sid), .init("mode", "tcp")])
        query.append(XMLElement("streamhost", namespace: XMPPNamespace.bytestreams, attributes: [
            .init("jid", proxy.jid.description), .init("host", proxy.host), .init("port", String(proxy.port)),
        ]))
        var offer = XMLElement("iq", namespace: XMPPNamespace.client, attributes: [.init("type", "set"), .init("to", target.description)])
        offer.append(query)
        let answer = try await iq(offer, timeout: timeout)
        guard let used = answer.child("query", namespace: XMPPNamespace.bytestreams)?.child("streamhost-used")?[attribute: "jid"],
              (try? JID(used)) == proxy.jid else {
            throw XMPPError.protocolViolation("the target did not use the offered proxy")
        }
        let address = SOCKS5Bytestream.destinationAddress(sid: sid, initiator: jid, target: target)
        let connection: (channel: any Channel, leftover: [UInt8])
        do {
            connection = try await SOCKS5Connector.connect(host: proxy.host, port: proxy.port, address: address)
        } catch {
            throw XMPPError.relayRefused("cannot connect to \(proxy.host):\(proxy.port) (\(error))")
        }
        do {
            var activate = XMLElement("query", namespace: XMPPNamespace.bytestreams, attributes: [.init("sid", sid)])
            var a = XMLElement("activate", namespace: XMPPNamespace.bytestreams)
            a.append(text: target.description)
            activate.append(a)
            var iq = XMLElement("iq", namespace: XMPPNamespace.client, attributes: [.init("type", "set"), .init("to", proxy.jid.description)])
            iq.append(activate)
            _ = try await self.iq(iq)
        } catch {
            try? await connection.channel.close()
            if case XMPPError.iqError(let condition) = error { throw XMPPError.relayRefused("activation refused (\(condition))") }
            throw error
        }
        return connection
    }

    /// Target: given an offer received on `stanzas` (an `iq` set with a bytestreams query) that names
    /// `proxy`, connects to the proxy and answers `streamhost-used`. An offer without that proxy is
    /// refused (item-not-found) and throws.
    public func acceptBytestream(_ offer: XMLElement, proxy: StreamHost) async throws -> (channel: any Channel, leftover: [UInt8]) {
        guard offer.name == "iq", offer[attribute: "type"] == "set",
              let query = offer.child("query", namespace: XMPPNamespace.bytestreams),
              let sid = query[attribute: "sid"], !sid.isEmpty, sid.utf8.count <= Self.maximumSIDBytes,
              let fromText = offer[attribute: "from"], let initiator = try? JID(fromText), initiator.resource != nil,
              (query[attribute: "mode"] ?? "tcp") == "tcp" else {
            answerError(offer, condition: "bad-request", type: "modify")
            throw XMPPError.protocolViolation("a malformed bytestream offer")
        }
        let named = query.elements.filter { $0.name == "streamhost" }.compactMap { $0[attribute: "jid"] }.compactMap { try? JID($0) }
        guard named.contains(proxy.jid) else {
            answerError(offer, condition: "item-not-found")
            throw XMPPError.protocolViolation("the bytestream offer does not name our server's proxy")
        }
        let address = SOCKS5Bytestream.destinationAddress(sid: sid, initiator: initiator, target: jid)
        let connection: (channel: any Channel, leftover: [UInt8])
        do {
            connection = try await SOCKS5Connector.connect(host: proxy.host, port: proxy.port, address: address)
        } catch {
            answerError(offer, condition: "item-not-found")
            throw error
        }
        var used = XMLElement("query", namespace: XMPPNamespace.bytestreams, attributes: [.init("sid", sid)])
        used.append(XMLElement("streamhost-used", namespace: XMPPNamespace.bytestreams, attributes: [.init("jid", proxy.jid.description)]))
        answer(offer, payload: used)
        return connection
    }
}
