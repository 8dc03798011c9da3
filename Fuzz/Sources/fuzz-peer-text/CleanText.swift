import FuzzSupport
import PeerText

/// The promises of `PeerText.clean`, stated independently of its code.
enum CleanText {
    static let zeroWidthJoiner: UInt32 = 0x200D

    /// Checks `cleaned`, the result of cleaning `text` at `limit`.
    static func check(_ cleaned: String, from text: String, limit: Int) {
        let scalars = Array(cleaned.unicodeScalars)
        for index in scalars.indices where !allowed(scalars, at: index) {
            fuzzCheck(false, "U+\(hex(scalars[index].value)) survived at \(index): \(dump(text)) -> \(dump(cleaned))")
        }
        fuzzCheck(scalars.count <= limit, "\(scalars.count) scalars over the limit \(limit): \(dump(cleaned))")
        fuzzCheck(PeerText.isClean(cleaned), "the result is not clean: \(dump(cleaned))")
        let again = PeerText.clean(cleaned, limit: limit)
        fuzzCheck(same(again, cleaned), "not idempotent at limit \(limit): \(dump(cleaned)) -> \(dump(again))")
        if PeerText.isClean(text), text.unicodeScalars.count <= limit {
            fuzzCheck(same(cleaned, text), "clean text that fits changed: \(dump(text)) -> \(dump(cleaned))")
        }
    }

    /// No control (C0, DEL, C1), format character or line / paragraph separator, except a zero-width
    /// joiner between two emoji at U+2000 or above (an emoji ZWJ sequence), the first of which may carry
    /// its presentation selector U+FE0F.
    static func allowed(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        let scalar = scalars[index]
        let value = scalar.value
        if value < 0x20 || (0x7F...0x9F).contains(value) { return false }
        switch scalar.properties.generalCategory {
        case .format:
            guard value == zeroWidthJoiner, index > 0, index + 1 < scalars.count else { return false }
            return (isPictograph(scalars[index - 1]) || scalars[index - 1].value == 0xFE0F) && isPictograph(scalars[index + 1])
        case .lineSeparator, .paragraphSeparator, .control:
            return false
        default:
            return true
        }
    }

    static func isPictograph(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0x2000 && scalar.properties.isEmoji
    }

    /// Scalar by scalar (String's == would call canonically equivalent texts equal).
    static func same(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.elementsEqual(b.unicodeScalars)
    }

    static func dump(_ text: String) -> String {
        "[" + text.unicodeScalars.map { hex($0.value) }.joined(separator: " ") + "]"
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
