import PeerText
import RFBTransport
import XMPP

/// The small XMPP message either side sends when it ends a session that runs through the server, so the
/// other side learns who ended and why even if the relayed stream died first (the session's own goodbye
/// then never arrives): `<message type="normal"><body>…</body><ended xmlns="urn:remote-assist:session:0"
/// reason="…"/></message>`. The body is for other XMPP clients of the same account.
enum XMPPSessionEnd {
    static let namespace = "urn:remote-assist:session:0"

    static func message(to jid: String, text: String) -> XMLElement {
        let reason = PeerText.clean(text, limit: PeerText.reasonLimit)
        var m = XMLElement("message", namespace: "jabber:client", attributes: [.init("to", jid), .init("type", "normal")])
        var body = XMLElement("body", namespace: "jabber:client")
        body.append(text: "remote-assist: session ended: \(reason)")
        m.append(body)
        m.append(XMLElement("ended", namespace: namespace, attributes: [.init("reason", reason)]))
        return m
    }

    /// The sender's bare JID and its reason, cleaned, when `stanza` is such a message.
    static func read(_ stanza: XMLElement) -> (from: String, reason: String)? {
        guard stanza.name == "message", stanza[attribute: "type"] != "error",
              let e = stanza.child("ended", namespace: namespace), let fromText = stanza[attribute: "from"],
              let from = try? JID(fromText), from.local != nil else { return nil }
        return (from.bare.description, PeerText.clean(e[attribute: "reason"] ?? "", limit: PeerText.reasonLimit))
    }

    static func same(_ a: String, _ b: String) -> Bool { ContactBook.foldedJID(a) == ContactBook.foldedJID(b) }
}
