/// How many terminal columns text takes, sensibly rather than exactly (the terminal, its font and its
/// Unicode version have the last word):
///
/// - 2 for a character that starts with an East Asian wide or fullwidth letter (Hangul, CJK ideographs
///   and symbols, kana, fullwidth forms) or is an emoji shown as a picture (emoji presentation, or an
///   emoji followed by the variation selector U+FE0F, which covers flags and ZWJ families too);
/// - 0 for a character that is only a control, a format character (zero-width joiner, bidi marks) or a
///   combining mark on its own;
/// - 1 for everything else, including characters whose width is "ambiguous" in East Asian terminals.
///
/// A character here is a `Character` (grapheme cluster): "é" written as "e" + U+0301 is one column.
public enum DisplayWidth {
    public static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        let properties = first.properties
        switch properties.generalCategory {
        case .control, .format, .nonspacingMark, .enclosingMark, .lineSeparator, .paragraphSeparator:
            return 0
        default:
            break
        }
        if properties.isEmojiPresentation { return 2 }
        if properties.isEmoji && scalars.contains("\u{FE0F}") { return 2 }
        return isWide(first.value) ? 2 : 1
    }

    public static func of(_ text: some StringProtocol) -> Int {
        text.reduce(0) { $0 + of($1) }
    }

    public static func of(_ characters: some Sequence<Character>) -> Int {
        characters.reduce(0) { $0 + of($1) }
    }

    /// East Asian Wide (W) and Fullwidth (F) blocks, coarsely.
    private static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F,    // Hangul Jamo initial consonants
             0x2E80...0x303E,    // CJK radicals, Kangxi, ideographic description, CJK symbols and punctuation
             0x3041...0x33FF,    // Hiragana, Katakana, Bopomofo, Hangul compatibility Jamo, Kanbun, CJK compatibility
             0x3400...0x4DBF,    // CJK extension A
             0x4E00...0x9FFF,    // CJK unified ideographs
             0xA000...0xA4CF,    // Yi
             0xA960...0xA97F,    // Hangul Jamo extended A
             0xAC00...0xD7A3,    // Hangul syllables
             0xF900...0xFAFF,    // CJK compatibility ideographs
             0xFE10...0xFE19,    // vertical forms
             0xFE30...0xFE6F,    // CJK compatibility forms, small form variants
             0xFF00...0xFF60,    // fullwidth ASCII
             0xFFE0...0xFFE6,    // fullwidth signs
             0x20000...0x3FFFD:  // CJK extensions B and later
            return true
        default:
            return false
        }
    }
}
