public import XMPP

/// Finding the server's SOCKS5 proxy (XEP-0065 through XEP-0030 service discovery).
extension XMPPClient {
    static let discoItems = "http://jabber.org/protocol/disco#items"
    static let discoInfo = "http://jabber.org/protocol/disco#info"
    static let bytestreamsFeature = "http://jabber.org/protocol/bytestreams"
    /// At most this many of the server's items are asked whether they are a proxy.
    public static let maximumServicesProbed = 16

    /// The proxy of our own server: the first service it lists whose features include bytestreams, else
    /// `proxy.DOMAIN` (the usual name); its streamhost address as the proxy itself gives it.
    public func findProxy() async throws -> StreamHost {
        var candidates: [JID] = []
        var items = XMLElement("iq", namespace: ContactNamespace.client, attributes: [.init("type", "get"), .init("to", jid.domain)])
        items.append(XMLElement("query", namespace: Self.discoItems))
        if let answer = try? await iq(items) {
            for item in (answer.child("query", namespace: Self.discoItems)?.elements ?? []).prefix(Self.maximumServicesProbed) {
                guard item.name == "item", let text = item[attribute: "jid"], let service = try? JID(text),
                      service.local == nil, service.resource == nil else { continue }
                var info = XMLElement("iq", namespace: ContactNamespace.client, attributes: [.init("type", "get"), .init("to", service.description)])
                info.append(XMLElement("query", namespace: Self.discoInfo))
                guard let features = try? await iq(info) else { continue }
                let offers = (features.child("query", namespace: Self.discoInfo)?.elements ?? [])
                    .contains { $0.name == "feature" && $0[attribute: "var"] == Self.bytestreamsFeature }
                if offers { candidates.append(service) }
            }
        }
        if let fallback = try? JID("proxy." + jid.domain), !candidates.contains(fallback) { candidates.append(fallback) }
        var lastError: any Error = XMPPError.protocolViolation("the server offers no SOCKS5 proxy (XEP-0065)")
        for candidate in candidates {
            do { return try await streamHost(of: candidate) } catch {
                // A proxy that is there but will not serve this account says so (forbidden, not-allowed).
                if case XMPPError.iqError(let condition) = error, condition == "forbidden" || condition == "not-allowed" {
                    throw RelayError.refused(proxy: candidate.description, condition: condition)
                }
                lastError = error
            }
        }
        throw RelayError.noProxy(domain: jid.domain, reason: "\(lastError)")
    }
}

public enum RelayError: Error, Equatable, Sendable, CustomStringConvertible {
    case noProxy(domain: String, reason: String)
    case refused(proxy: String, condition: String)
    public var description: String {
        switch self {
        case .refused(let proxy, let condition):
            return "the XMPP server's relay \(proxy) refuses your account (\(condition)); ask the server's administrator to let you use it"
        case .noProxy(let domain, _):
            return "the XMPP server \(domain) offers no SOCKS5 relay (XEP-0065 proxy), which sessions through the server need; "
                + "ask its administrator to enable one (Prosody: the proxy65 component)"
        }
    }
}
