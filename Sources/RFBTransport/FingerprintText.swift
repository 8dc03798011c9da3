/// The text-to-bytes steps of ``Fingerprint/parseWithForm(_:)``, each with an error a person can act on.
enum FingerprintText {
    static func compact(_ text: String) throws -> [UInt8] {
        let raw = Array(text.utf8)
        guard raw.count <= Fingerprint.maximumTextLength else {
            throw FingerprintError(reason: "longer than \(Fingerprint.maximumTextLength) characters")
        }
        var body = raw[...]
        while let first = body.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { body = body.dropFirst() }
        let prefix = Array(Fingerprint.prefix.utf8)
        if body.count >= prefix.count,
           zip(body.prefix(prefix.count), prefix).allSatisfy({ lowercased($0) == lowercased($1) }) {
            body = body.dropFirst(prefix.count)
        }
        let separators: Set<UInt8> = [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "-"), UInt8(ascii: ":")]
        return body.filter { !separators.contains($0) }
    }

    static func wrongLength(_ count: Int) -> FingerprintError {
        let full = FingerprintCheck.dataCharacters + FingerprintCheck.checkCharacters
        let hint = count == full - 1 ? " (one character is missing)" : count == full + 1 ? " (one character too many)" : ""
        return FingerprintError(reason: "expected 14 groups of 4 characters as `remote-assist id` prints it, "
            + "found \(count) characters\(hint)")
    }

    /// 52 characters: the digest in base32 with no check.
    static func base32(_ compact: [UInt8]) throws -> Fingerprint {
        _ = try values(compact)
        guard let decoded = Base32.decode(compact), decoded.count == Fingerprint.byteCount else {
            throw trailingBits()
        }
        return Fingerprint(checked: decoded)
    }

    /// 56 characters: the digest and the check group, which must match.
    static func checked(_ compact: [UInt8]) throws -> Fingerprint {
        let typed = try values(compact)
        guard FingerprintCheck.isValid(typed) else {
            let suspects = FingerprintCheck.suspectGroups(typed).map { $0 + 1 }
            let place: String
            switch suspects.count {
            case 0: place = "more than one character is wrong"
            case 1: place = "a character was mistyped, probably in group \(suspects[0]) (\(group(compact, suspects[0])))"
            default:
                place = "a character was mistyped, probably in group "
                    + suspects.map { "\($0) (\(group(compact, $0)))" }.joined(separator: " or ")
            }
            throw FingerprintError(
                reason: "the check group does not match: \(place); compare it with their `remote-assist id` and type it again",
                groups: suspects)
        }
        guard let decoded = Base32.decode(compact.prefix(FingerprintCheck.dataCharacters)),
              decoded.count == Fingerprint.byteCount else { throw trailingBits() }
        return Fingerprint(checked: decoded)
    }

    static func hex(_ compact: [UInt8]) throws -> Fingerprint {
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(compact.count / 2)
        var index = 0
        while index + 1 < compact.count {
            guard let high = nibble(compact[index]), let low = nibble(compact[index + 1]) else {
                throw FingerprintError(reason: "64 characters but not all hexadecimal digits")
            }
            out.append(high << 4 | low)
            index += 2
        }
        return Fingerprint(checked: out)
    }

    /// The base32 values, or an error naming the first character (and its group) that is not base32.
    private static func values(_ compact: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(compact.count)
        for (index, char) in compact.enumerated() {
            guard let value = Base32.value(char) else {
                let number = index / FingerprintCheck.groupSize + 1
                let shown = char >= 0x21 && char < 0x7F ? "'\(String(decoding: [char], as: UTF8.self))'" : "a character"
                let hint: String
                switch char {
                case UInt8(ascii: "0"): hint = "; did you mean the letter O?"
                case UInt8(ascii: "1"): hint = "; did you mean the letter I or L?"
                case UInt8(ascii: "8"): hint = "; did you mean the letter B?"
                default: hint = ""
                }
                throw FingerprintError(
                    reason: "\(shown) in group \(number) is not used in fingerprints (letters A-Z and digits 2-7 only\(hint))",
                    groups: [number])
            }
            out.append(value)
        }
        return out
    }

    private static func trailingBits() -> FingerprintError {
        FingerprintError(reason: "group 13 must end in A or Q (the last character carries one bit); it was mistyped",
                         groups: [13])
    }

    private static func group(_ compact: [UInt8], _ number: Int) -> String {
        let start = (number - 1) * FingerprintCheck.groupSize
        let end = min(start + FingerprintCheck.groupSize, compact.count)
        guard start < end else { return "" }
        return String(decoding: compact[start..<end].map(uppercased), as: UTF8.self)
    }

    private static func lowercased(_ c: UInt8) -> UInt8 {
        (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) ? c + 32 : c
    }

    private static func uppercased(_ c: UInt8) -> UInt8 {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) ? c - 32 : c
    }
}
