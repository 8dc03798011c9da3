import Crypto

/// The SHA-256 of a certificate's DER encoding: what a contact is known by.
///
/// Written as `SHA256:` followed by the 32 bytes in RFC 4648 base32 (uppercase, no padding), in groups of
/// four separated by `-`, e.g. `SHA256:ABCD-EFGH-…-WXY` (13 groups): letters and the digits 2–7 only,
/// so it can be read aloud and compared without case or 0/O, 1/I confusion.
///
/// Parsing accepts that form in any case, with or without the `SHA256:` prefix, with spaces, dashes or
/// colons anywhere, and also 64 hexadecimal digits (as printed by `openssl x509 -fingerprint -sha256`).
public struct Fingerprint: Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    public static let byteCount = 32
    public static let prefix = "SHA256:"
    /// Longest text `parse` looks at; anything longer is refused before any work.
    public static let maximumTextLength = 200

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

    /// The canonical form, `SHA256:XXXX-XXXX-…`.
    public var description: String {
        let encoded = Array(Base32.encode(bytes).utf8)
        var out = Array(Self.prefix.utf8)
        for (index, char) in encoded.enumerated() {
            if index > 0 && index % 4 == 0 { out.append(UInt8(ascii: "-")) }
            out.append(char)
        }
        return String(decoding: out, as: UTF8.self)
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

    /// Parses the canonical form or 64 hex digits, with a reason when the text is neither.
    public static func parse(_ text: String) throws -> Fingerprint {
        let raw = Array(text.utf8)
        guard raw.count <= maximumTextLength else {
            throw FingerprintError(reason: "longer than \(maximumTextLength) characters")
        }
        var body = raw[...]
        while let first = body.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { body = body.dropFirst() }
        let prefix = Array(Self.prefix.utf8)
        if body.count >= prefix.count,
           zip(body.prefix(prefix.count), prefix).allSatisfy({ lowercased($0) == lowercased($1) }) {
            body = body.dropFirst(prefix.count)
        }
        let separators: Set<UInt8> = [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "-"), UInt8(ascii: ":")]
        let compact = body.filter { !separators.contains($0) }
        if compact.count == 64 {
            guard let decoded = decodeHex(compact) else {
                throw FingerprintError(reason: "64 characters but not all hexadecimal digits")
            }
            return Fingerprint(checked: decoded)
        }
        if compact.count == 52 {
            guard let decoded = Base32.decode(compact), decoded.count == byteCount else {
                throw FingerprintError(reason: "not valid base32 (letters A-Z and digits 2-7)")
            }
            return Fingerprint(checked: decoded)
        }
        throw FingerprintError(
            reason: "expected 52 base32 characters or 64 hexadecimal digits, found \(compact.count) characters")
    }

    private init(checked bytes: [UInt8]) { self.bytes = bytes }

    private static func lowercased(_ c: UInt8) -> UInt8 {
        (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) ? c + 32 : c
    }

    private static func decodeHex(_ chars: [UInt8]) -> [UInt8]? {
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var index = 0
        while index + 1 < chars.count {
            guard let high = nibble(chars[index]), let low = nibble(chars[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}

/// Why a text is not a fingerprint.
public struct FingerprintError: Error, CustomStringConvertible, Equatable, Sendable {
    public let reason: String
    public var description: String { "invalid fingerprint: \(reason)" }
}
