public import RFBTransport
public import XMPP

/// Namespaces remote-assist's contact handshake uses on top of XMPP.
public enum ContactNamespace {
    public static let client = "jabber:client"
    /// Our element in subscription presences and pairing messages.
    public static let contact = "urn:remote-assist:contact:0"
    public static let roster = "jabber:iq:roster"
    public static let ping = "urn:xmpp:ping"
}

/// What a subscription presence of ours carries beside the standard request: the sender's certificate
/// fingerprint, and the sender's part of the pairing code: a commitment (SHA-256 of a random nonce) from
/// the one who asks, the nonce itself from the one who accepts. Both values are hostile input when read.
///
///     <presence type="subscribe" to="bob@example.org">
///       <contact xmlns="urn:remote-assist:contact:0" fingerprint="SHA256:…" commit="64 hex"/>
///     </presence>
public struct ContactOffer: Equatable, Sendable {
    public var fingerprint: Fingerprint
    /// SHA-256 of the asker's nonce (the asker's offer).
    public var commit: [UInt8]?
    /// The accepter's nonce (the accepter's offer).
    public var nonce: [UInt8]?

    public init(fingerprint: Fingerprint, commit: [UInt8]? = nil, nonce: [UInt8]? = nil) {
        self.fingerprint = fingerprint
        self.commit = commit
        self.nonce = nonce
    }

    public var element: XMLElement {
        var e = XMLElement("contact", namespace: ContactNamespace.contact, attributes: [.init("fingerprint", fingerprint.description)])
        if let commit { e.set("commit", Hex.encode(commit)) }
        if let nonce { e.set("nonce", Hex.encode(nonce)) }
        return e
    }

    /// The offer inside a presence, or nil when it has none or a malformed one (a request without a
    /// readable fingerprint is shown as one we cannot pair with, never guessed at).
    public init?(in stanza: XMLElement) {
        guard let e = stanza.child("contact", namespace: ContactNamespace.contact),
              let text = e[attribute: "fingerprint"], text.utf8.count <= Fingerprint.maximumTextLength,
              let fp = try? Fingerprint.parse(text) else { return nil }
        var commit: [UInt8]?, nonce: [UInt8]?
        if let c = e[attribute: "commit"] {
            guard let bytes = Hex.decode(c, count: PairingCode.nonceBytes) else { return nil }
            commit = bytes
        }
        if let n = e[attribute: "nonce"] {
            guard let bytes = Hex.decode(n, count: PairingCode.nonceBytes) else { return nil }
            nonce = bytes
        }
        self.init(fingerprint: fp, commit: commit, nonce: nonce)
    }
}

/// Lowercase hexadecimal of fixed-length values.
enum Hex {
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Exactly `count` bytes as 2·count hex digits (either case), else nil.
    static func decode(_ text: String, count: Int) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count == count * 2 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var i = 0
        while i < chars.count {
            guard let hi = value(chars[i]), let lo = value(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}
