/// Text cut into lines of at most `width` columns (``DisplayWidth``), at spaces: a word moves whole to
/// the next line; only a word longer than a line is split inside (at character boundaries). Lines after
/// the first of a paragraph start with `indent` spaces (at most half the width), so a wrapped chat line
/// stays one recognisable block under its time stamp. The spaces at a break are dropped; spaces
/// between words on one line are kept as they were. "\n" starts a new paragraph (its first line is not
/// indented). Pure.
public enum WordWrap {
    public static func lines(_ text: String, width: Int, indent: Int = 0) -> [String] {
        let width = max(1, width)
        let indent = min(max(0, indent), width / 2)
        var result: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var wrapper = Wrapper(width: width, indent: indent)
            for (spaces, word) in tokens(paragraph) { wrapper.add(spaces: spaces, word: word) }
            result += wrapper.finish()
        }
        return result
    }

    /// Each word with the spaces before it; trailing spaces come as a last token with an empty word.
    private static func tokens(_ text: Substring) -> [(spaces: Int, word: [Character])] {
        var tokens: [(spaces: Int, word: [Character])] = []
        var spaces = 0
        var word: [Character] = []
        for character in text {
            if character == " " {
                if !word.isEmpty { tokens.append((spaces, word)); spaces = 0; word = [] }
                spaces += 1
            } else {
                word.append(character)
            }
        }
        if !word.isEmpty || spaces > 0 { tokens.append((spaces, word)) }
        return tokens
    }

    private struct Wrapper {
        let width: Int
        let indent: Int
        var done: [String] = []
        var line = ""
        var columns = 0
        /// Whether the line has a word (or the paragraph's leading spaces) after its indent.
        var hasContent = false

        init(width: Int, indent: Int) {
            self.width = width
            self.indent = indent
        }

        mutating func add(spaces: Int, word: [Character]) {
            guard !word.isEmpty else { return }   // trailing spaces
            let wordColumns = DisplayWidth.of(word)
            if columns + spaces + wordColumns <= width {
                // On this line, after its spaces (or, first in the paragraph, its leading spaces).
                append(String(repeating: " ", count: spaces), spaces)
                append(String(word), wordColumns)
            } else if !hasContent && columns + wordColumns <= width {
                append(String(word), wordColumns)   // leading spaces that do not fit are dropped
            } else if hasContent && indent + wordColumns <= width {
                breakLine()
                append(String(word), wordColumns)
            } else {
                // Longer than a line: it starts on a line of its own and is cut where the width ends.
                if hasContent { breakLine() }
                for character in word {
                    let w = DisplayWidth.of(character)
                    if hasContent && columns + w > width { breakLine() }
                    append(String(character), w)
                }
            }
        }

        private mutating func append(_ text: String, _ textColumns: Int) {
            line += text
            columns += textColumns
            if !text.isEmpty { hasContent = true }
        }

        private mutating func breakLine() {
            done.append(line)
            line = String(repeating: " ", count: indent)
            columns = indent
            hasContent = false
        }

        mutating func finish() -> [String] { done + [line] }
    }
}
