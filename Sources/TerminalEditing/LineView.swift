/// What the bottom line of the terminal shows: the prompt and the line being typed, never wider than
/// the terminal, with the cursor where the editor's cursor is. A line too long for the terminal
/// scrolls horizontally: the view keeps its scroll position between frames and moves it only when the
/// cursor would leave it (to the right: just enough; to the left: a third of the width more, for
/// context), so the text does not jump at every key. A prompt that would leave the text less than half
/// the width (at most 40 columns) is then shortened to its end, after "…".
///
/// The last column of the terminal is never written, so the cursor at the end of the line never makes
/// the terminal wrap. Columns are counted with ``DisplayWidth``; a wide character that would straddle
/// the right edge is left out. Pure.
public struct LineView: Sendable, Equatable {
    /// The first column of the line (not counting the prompt) that is visible.
    public private(set) var scroll = 0

    public struct Frame: Sendable, Equatable {
        /// Prompt and visible text, to be written at the start of the cleared line.
        public var text: String
        /// The column (0-based, from the left edge) where the cursor goes.
        public var cursorColumn: Int

        public init(text: String, cursorColumn: Int) {
            self.text = text
            self.cursorColumn = cursorColumn
        }
    }

    public init() {}

    public mutating func frame(prompt: String, characters: [Character], cursor: Int, width: Int) -> Frame {
        let usable = max(1, width - 1)
        let widths = characters.map(DisplayWidth.of)
        var starts = [0]   // starts[i]: the column where character i starts; starts[count]: the end
        starts.reserveCapacity(widths.count + 1)
        for w in widths { starts.append(starts[starts.count - 1] + w) }
        let cursor = min(max(0, cursor), characters.count)
        let lineColumns = starts[starts.count - 1]
        let cursorAt = starts[cursor]
        let promptColumns = DisplayWidth.of(prompt)

        if promptColumns + lineColumns <= usable {
            scroll = 0
            return Frame(text: prompt + String(characters), cursorColumn: promptColumns + cursorAt)
        }

        // Too long: shorten the prompt if it leaves the text too little room, then scroll the text.
        let minimumText = max(1, min(40, usable / 2))
        var shownPrompt = prompt
        var shownPromptColumns = promptColumns
        if promptColumns > usable - minimumText {
            let keep = usable - minimumText - 1   // columns of the prompt's end kept after "…"
            if keep <= 0 {
                shownPrompt = ""
                shownPromptColumns = 0
            } else {
                var tail: [Character] = []
                var columns = 0
                for character in prompt.reversed() {
                    let w = DisplayWidth.of(character)
                    if columns + w > keep { break }
                    tail.insert(character, at: 0)
                    columns += w
                }
                shownPrompt = "…" + String(tail)
                shownPromptColumns = columns + 1
            }
        }
        let textWidth = max(1, usable - shownPromptColumns)

        /// The first character start at or after `column`.
        func startAtOrAfter(_ column: Int) -> Int { starts.first { $0 >= column } ?? lineColumns }
        /// The start of the character that covers `column`.
        func startAtOrBefore(_ column: Int) -> Int { starts.last { $0 <= column } ?? 0 }

        scroll = startAtOrBefore(min(scroll, lineColumns))   // the line may have changed since
        // The line got shorter: show as much of it as fits.
        if scroll > 0 && lineColumns + 1 - scroll < textWidth {
            scroll = startAtOrAfter(max(0, lineColumns + 1 - textWidth))
        }
        // The cells under the cursor: the character there (a wide one has two), or the one after the end.
        let cursorEnd = cursorAt + (cursor < characters.count ? max(1, widths[cursor]) : 1)
        if cursorAt < scroll {
            scroll = startAtOrBefore(max(0, cursorAt - textWidth / 3))
        } else if cursorEnd > scroll + textWidth {
            scroll = min(cursorAt, startAtOrAfter(cursorEnd - textWidth))
        }

        var visible = ""
        for (index, character) in characters.enumerated()
        where starts[index] >= scroll && starts[index] + widths[index] <= scroll + textWidth {
            visible.append(character)
        }
        return Frame(text: shownPrompt + visible, cursorColumn: shownPromptColumns + cursorAt - scroll)
    }
}
