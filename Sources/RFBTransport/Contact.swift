/// A trusted peer: a name, the fingerprint of their certificate and, for experts one dials, an address.
public struct Contact: Hashable, Sendable, CustomStringConvertible {
    public static let maximumNameLength = 64

    public let name: String
    public let fingerprint: Fingerprint
    public let address: ContactAddress?

    /// Checks the name (1 to 64 of A–Z a–z 0–9 . _ -, starting with a letter or digit).
    public init(name: String, fingerprint: Fingerprint, address: ContactAddress? = nil) throws {
        try Self.validate(name: name)
        self.name = name
        self.fingerprint = fingerprint
        self.address = address
    }

    /// The contacts-file line for this contact.
    public var description: String {
        var line = "\(name) \(fingerprint)"
        if let address { line += " \(address)" }
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
