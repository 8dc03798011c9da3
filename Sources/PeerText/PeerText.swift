/// The one cleaner of text that came from someone else (chat, names, reasons, desktop names, file
/// names, error text that quotes peer bytes) before a terminal, a log, a page, `--json` or a file name
/// sees it. What it guarantees, whatever the input:
///
/// - no C0 control (U+0000-U+001F, so no ESC, CR, LF, BS, BEL, TAB), no DEL, no C1 control
///   (U+0080-U+009F, so no 8-bit CSI or OSC), no format character (bidi overrides and isolates such as
///   U+202E, zero-width spaces, soft hyphen, byte-order mark, tag characters), no line or paragraph
///   separator: each is replaced by a visible stand-in (a control picture such as "␛", or "[U+202E]");
/// - at most `limit` Unicode scalars; longer text is cut and ends in "…";
/// - printable text (letters, digits, punctuation, spaces, emoji) comes out unchanged, and cleaning
///   clean text changes nothing (the function is idempotent at one limit).
///
/// Pure: no I/O, no locale. Bytes that are not UTF-8 become U+FFFD first.
public enum PeerText {
    /// Caps for the kinds of text we show (in Unicode scalars).
    public static let nameLimit = 128
    public static let reasonLimit = 512
    /// A chat line: TextChat carries at most 4095 bytes a message.
    public static let chatLimit = 4096

    /// `text` made safe to print, log or store, at most `limit` scalars (at least 2).
    public static func clean(_ text: String, limit: Int = reasonLimit) -> String {
        let limit = max(2, limit)
        var out = String.UnicodeScalarView()
        var count = 0
        let scalars = Array(text.unicodeScalars)
        for index in scalars.indices {
            let scalar = scalars[index]
            let before = index > 0 ? scalars[index - 1] : nil
            let after = index + 1 < scalars.count ? scalars[index + 1] : nil
            let piece = replacement(for: scalar, between: before, and: after)
            let size = piece?.count ?? 1
            if count + size > limit {
                // Room for the ellipsis: drop what was written until it fits.
                while !out.isEmpty, count + 1 > limit || out.last == "\u{200D}" {
                    out.removeLast()
                    count -= 1
                }
                out.append("…")
                return String(out)
            }
            if let piece { out.append(contentsOf: piece) } else { out.append(scalar) }
            count += size
        }
        return String(out)
    }

    /// Bytes from the wire (any encoding claim aside): decoded as UTF-8, invalid sequences as U+FFFD, then cleaned.
    public static func clean(bytes: some Collection<UInt8>, limit: Int = reasonLimit) -> String {
        clean(String(decoding: Array(bytes), as: UTF8.self), limit: limit)
    }

    /// True when `text` has nothing the cleaner would replace (it may still be too long).
    public static func isClean(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        return scalars.indices.allSatisfy { index in
            replacement(for: scalars[index], between: index > 0 ? scalars[index - 1] : nil,
                        and: index + 1 < scalars.count ? scalars[index + 1] : nil) == nil
        }
    }

    /// nil: the scalar stays; else what stands in for it.
    static func replacement(for scalar: Unicode.Scalar, between before: Unicode.Scalar?,
                            and after: Unicode.Scalar?) -> String.UnicodeScalarView? {
        let value = scalar.value
        if value < 0x20 {
            // Control pictures: U+2400 + the control's value ("␛" for ESC, "␊" for LF).
            return String.UnicodeScalarView([Unicode.Scalar(0x2400 + value) ?? "\u{FFFD}"])
        }
        if value == 0x7F { return String.UnicodeScalarView(["\u{2421}"]) }
        if value < 0x80 { return nil }
        if value <= 0x9F { return visible(value) }
        switch scalar.properties.generalCategory {
        case .format:
            // The zero-width joiner inside an emoji sequence (a family, a flag with a sign) is what draws it.
            // (A pictograph may carry its emoji-presentation selector U+FE0F before the joiner: 🏳️‍🌈.)
            if value == 0x200D, let before, let after, isPictograph(before) || before.value == 0xFE0F, isPictograph(after) {
                return nil
            }
            return visible(value)
        case .lineSeparator, .paragraphSeparator, .control, .surrogate:
            return visible(value)
        default:
            return nil
        }
    }

    /// An emoji proper (not a digit or '#', which are emoji only as keycap bases).
    private static func isPictograph(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0x2000 && scalar.properties.isEmoji
    }

    /// "[U+202E]": printable, and says what was there.
    private static func visible(_ value: UInt32) -> String.UnicodeScalarView {
        var hex = String(value, radix: 16, uppercase: true)
        while hex.count < 4 { hex = "0" + hex }
        return "[U+\(hex)]".unicodeScalars
    }
}
