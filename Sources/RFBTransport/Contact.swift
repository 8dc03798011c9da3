/// A trusted peer: a name, the fingerprint of their certificate and, for experts one dials, an address;
/// with an XMPP account, their bare JID (`xmpp:alice@example.org` in the file).
public struct Contact: Hashable, Sendable, CustomStringConvertible {
    public static let maximumNameLength = 64

    public let name: String
    public let fingerprint: Fingerprint
    public let address: ContactAddress?
    /// Their bare XMPP address (`alice@example.org`), when they are reached through an XMPP server.
    public let jid: String?

    /// Checks the name (1 to 64 of A–Z a–z 0–9 . _ -, starting with a letter or digit) and the JID's shape
    /// (`ContactJID`; the CLI normalises it with the XMPP target's `JID` first).
    public init(name: String, fingerprint: Fingerprint, address: ContactAddress? = nil, jid: String? = nil) throws {
        try Self.validate(name: name)
        if let jid { try ContactJID.validate(jid) }
        self.name = name
        self.fingerprint = fingerprint
        self.address = address
        self.jid = jid
    }

    /// The same contact with another JID (or none).
    public func with(jid: String?) throws -> Contact {
        try Contact(name: name, fingerprint: fingerprint, address: address, jid: jid)
    }

    /// The contacts-file line for this contact.
    public var description: String {
        var line = "\(name) \(fingerprint)"
        if let address { line += " \(address)" }
        if let jid { line += " \(ContactJID.prefix)\(jid)" }
        return line
    }

    public static func validate(name: String) throws {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty else { throw ContactBookError.invalidName(name, reason: "empty") }
        guard bytes.count <= maximumNameLength else {
            throw ContactBookError.invalidName(name, reason: "longer than \(maximumNameLength) characters")
        }
        guard bytes.allSatisfy(isNameCharacter) else {
            throw ContactBookError.invalidName(name, reason: "only letters A-Z, digits, '.', '_' and '-' are allowed")
        }
        guard let first = bytes.first, isAlphanumeric(first) else {
            throw ContactBookError.invalidName(name, reason: "must start with a letter or digit")
        }
    }

    static func isAlphanumeric(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }

    private static func isNameCharacter(_ c: UInt8) -> Bool {
        isAlphanumeric(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
    }
}
