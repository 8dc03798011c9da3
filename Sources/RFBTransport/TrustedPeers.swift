/// The peer a TLS connection was verified as: the contact's name when known, and the fingerprint.
public struct TrustedPeer: Hashable, Sendable, CustomStringConvertible {
    public let name: String?
    public let fingerprint: Fingerprint

    public init(name: String?, fingerprint: Fingerprint) {
        self.name = name
        self.fingerprint = fingerprint
    }

    /// `alice (SHA256:…)`, or the bare fingerprint.
    public var description: String { name.map { "\($0) (\(fingerprint))" } ?? fingerprint.description }
}

/// The set of certificate fingerprints a connection may present: the contacts, or one expected peer.
public struct TrustedPeers: Sendable {
    private var names: [Fingerprint: String?]
    /// Also let unknown certificates through (reported without a name), for `listen --allow-new`: the
    /// person then compares the fingerprint and decides. Never the default.
    public private(set) var acceptsUnknown = false
    /// The one peer this connection is meant to reach, when there is one (`view --fingerprint`, a
    /// request to an expert): a refused certificate is then compared with theirs group by group.
    public var expected: TrustedPeer?

    /// The contacts, plus anyone else (reported without a name, for a person to check).
    public static func contactsOrAnyone(_ contacts: [Contact]) -> TrustedPeers {
        var peers = TrustedPeers(contacts)
        peers.acceptsUnknown = true
        return peers
    }

    /// Trusts every contact in the book.
    public init(contacts: ContactBook) {
        self.init(contacts.contacts)
    }

    public init(_ contacts: [Contact]) {
        var names: [Fingerprint: String?] = [:]
        for contact in contacts { names[contact.fingerprint] = .some(contact.name) }
        self.names = names
    }

    /// Trusts exactly one fingerprint (e.g. typed in for `view HOST`), optionally with a name to report.
    public init(fingerprint: Fingerprint, name: String? = nil) {
        names = [fingerprint: name]
        expected = TrustedPeer(name: name, fingerprint: fingerprint)
    }

    /// The trusted peer with this fingerprint, or nil if it is not trusted.
    public func match(_ fingerprint: Fingerprint) -> TrustedPeer? {
        guard let name = names[fingerprint] else {
            return acceptsUnknown ? TrustedPeer(name: nil, fingerprint: fingerprint) : nil
        }
        return TrustedPeer(name: name, fingerprint: fingerprint)
    }

    public var count: Int { names.count }
}
