/// Why a TLS peer was not accepted.
public enum TLSPeerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The peer's certificate is not among the trusted fingerprints.
    case untrustedCertificate(Fingerprint)
    /// The connection was meant for one peer (``TrustedPeers/expected``) and the certificate presented
    /// is not theirs: the description names the groups that differ, so a mistyped pin can be found.
    case differentCertificate(presented: Fingerprint, expected: TrustedPeer)
    /// The peer presented no certificate although one is required.
    case noCertificate
    /// The connection closed (or the handler was removed) before the handshake finished.
    case closedBeforeHandshake

    public var description: String {
        switch self {
        case .untrustedCertificate(let fingerprint):
            return "the other side's certificate \(fingerprint) is not one of your contacts"
        case .differentCertificate(let presented, let expected):
            return Self.mismatch(presented: presented, expected: expected)
        case .noCertificate:
            return "the other side presented no certificate"
        case .closedBeforeHandshake:
            return "the connection closed before the TLS handshake finished"
        }
    }

    /// "alice's certificate does not match the fingerprint you have for them: group 7 differs (you have
    /// ABCD, they presented ABCE) …". Only our own text: the name is our contact's, the groups are computed.
    /// A few differing groups point at a typo in the pin; most of them at another certificate altogether.
    private static func mismatch(presented: Fingerprint, expected: TrustedPeer) -> String {
        let who = expected.name.map { "\($0)'s" } ?? "the other side's"
        let mine = expected.fingerprint.groups
        let theirs = presented.groups
        let differing = presented.differingGroups(from: expected.fingerprint).filter { $0 < Fingerprint.groupCount }
        let detail = differing.prefix(3).map { "group \($0) (you have \(mine[$0 - 1]), they presented \(theirs[$0 - 1]))" }
        let start = "\(who) certificate does not match the fingerprint you have for them"
        if differing.count <= 3 {
            return start + ": it differs only in " + detail.joined(separator: ", ")
                + "; if you typed it in, compare it with their `remote-assist id`, then `contacts remove` and `contacts add` it again; refused"
        }
        return start + ": it differs in \(differing.count) of \(Fingerprint.groupCount - 1) groups, from "
            + (detail.first ?? "group 1")
            + ", so it is another certificate: if they made a new identity, compare fingerprints with them again; otherwise someone else answered; refused"
    }
}
