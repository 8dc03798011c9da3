/// The shape of a contact's bare JID as the contacts file keeps it (`xmpp:alice@example.org`). The XMPP
/// target parses JIDs fully; this layer only makes sure a file line cannot carry something else: one `@`
/// with text on both sides, no resource (`/`), no spaces or control characters, at most 2047 bytes.
public enum ContactJID {
    public static let prefix = "xmpp:"
    public static let maximumBytes = 2047

    public static func validate(_ jid: String) throws {
        let bytes = Array(jid.utf8)
        guard !bytes.isEmpty, bytes.count <= maximumBytes else {
            throw ContactBookError.invalidJID(jid, reason: "must be 1 to \(maximumBytes) bytes")
        }
        guard !bytes.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            throw ContactBookError.invalidJID(jid, reason: "spaces and control characters are not allowed")
        }
        guard !bytes.contains(UInt8(ascii: "/")) else {
            throw ContactBookError.invalidJID(jid, reason: "a contact is a bare address, without /resource")
        }
        let at = bytes.split(separator: UInt8(ascii: "@"), omittingEmptySubsequences: false)
        guard at.count == 2, !at[0].isEmpty, !at[1].isEmpty else {
            throw ContactBookError.invalidJID(jid, reason: "expected NAME@SERVER")
        }
    }
}
