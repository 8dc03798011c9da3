import Crypto

/// The SHA-256 of a certificate's DER encoding: what a contact is known by (the pin).
///
/// Written as `SHA256:` followed by the 32 bytes in RFC 4648 base32 (uppercase, no padding) in 13 groups
/// of four, then a 14th group of four check characters (see ``FingerprintCheck``), all separated by `-`:
/// `SHA256:ABCD-EFGH-…-WXYA-CHEK`. Letters and the digits 2–7 only, so it can be read aloud and compared
/// without case or 0/O, 1/I confusion; the check group lets a mistyped character be caught, and usually
/// placed in its group, when the text is typed in. ``comparisonCode`` is a short code for comparing on
/// the phone; the full 256-bit digest stays the pin.
///
/// Parsing accepts that form in any case, with or without the `SHA256:` prefix, with spaces, dashes or
/// colons anywhere; the check group is verified. For texts written before the check group existed it
/// also accepts the 13 groups alone (52 characters) and 64 hexadecimal digits (as printed by
/// `openssl x509 -fingerprint -sha256`); ``Form`` tells the caller which it was.
public struct Fingerprint: Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    public static let byteCount = 32
    public static let prefix = "SHA256:"
    /// Longest text `parse` looks at; anything longer is refused before any work.
    public static let maximumTextLength = 200
    /// Groups in the printed form, the check group included.
    public static let groupCount = 14

    /// How a parsed text was written.
    public enum Form: Sendable, Equatable {
        /// The 13 groups and a check group that matched: a typo would have been caught.
        case checked
        /// The 13 groups without a check group (an older `remote-assist id`): not verifiable.
        case unchecked
        /// 64 hexadecimal digits: not verifiable.
        case hex
    }

    /// The 32 digest bytes.
    public let bytes: [UInt8]

    /// Wraps 32 digest bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    /// The fingerprint of a DER-encoded certificate.
    public init(certificateDER: some Sequence<UInt8>) {
        var hasher = SHA256()
        hasher.update(data: Array(certificateDER))
        self.bytes = Array(hasher.finalize())
    }

    public init?(_ description: String) {
        guard let parsed = try? Self.parse(description) else { return nil }
        self = parsed
    }

    init(checked bytes: [UInt8]) { self.bytes = bytes }

    /// The 14 printed groups of four characters (13 of digest, then the check group).
    public var groups: [String] {
        let data = Array(Base32.encode(bytes).utf8)
        let values = data.compactMap(Base32.value)
        let characters = data + FingerprintCheck.check(values).map { Base32.alphabet[Int($0)] }
        return stride(from: 0, to: characters.count, by: 4).map {
            String(decoding: characters[$0..<min($0 + 4, characters.count)], as: UTF8.self)
        }
    }

    /// The canonical form, `SHA256:XXXX-…-XXXX-CCCC` (the last group is the check).
    public var description: String { Self.prefix + groups.joined(separator: "-") }

    /// The 1-based numbers of the groups in which `other` is written differently (all 14 when unrelated).
    public func differingGroups(from other: Fingerprint) -> [Int] {
        zip(groups, other.groups).enumerated().filter { $0.element.0 != $0.element.1 }.map { $0.offset + 1 }
    }

    /// Lower-case hexadecimal, 64 digits.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses any accepted form, with a reason when the text is none of them.
    public static func parse(_ text: String) throws -> Fingerprint {
        try parseWithForm(text).fingerprint
    }

    /// Parses any accepted form and says which it was, so a caller taking typed text can tell whether a
    /// typo would have been caught. Total over any input: the length is checked before anything else.
    public static func parseWithForm(_ text: String) throws -> (fingerprint: Fingerprint, form: Form) {
        let compact = try FingerprintText.compact(text)
        switch compact.count {
        case 64: return (try FingerprintText.hex(compact), .hex)
        case FingerprintCheck.dataCharacters: return (try FingerprintText.base32(compact), .unchecked)
        case FingerprintCheck.dataCharacters + FingerprintCheck.checkCharacters:
            return (try FingerprintText.checked(compact), .checked)
        default: throw FingerprintText.wrongLength(compact.count)
        }
    }
}

/// Why a text is not a fingerprint. `groups` are the 1-based groups to look at again, when known.
public struct FingerprintError: Error, CustomStringConvertible, Equatable, Sendable {
    public let reason: String
    public let groups: [Int]

    public init(reason: String, groups: [Int] = []) {
        self.reason = reason
        self.groups = groups
    }

    public var description: String { "invalid fingerprint: \(reason)" }
}
