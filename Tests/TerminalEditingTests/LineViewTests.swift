import TerminalEditing
import XCTest

final class LineViewTests: XCTestCase {
    private let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123")   // 30 columns

    func testALineThatFitsIsShownWholeWithTheCursorInPlace() {
        var view = LineView()
        let frame = view.frame(prompt: "> ", characters: Array("hello"), cursor: 3, width: 80)
        XCTAssertEqual(frame, LineView.Frame(text: "> hello", cursorColumn: 5))
        XCTAssertEqual(view.frame(prompt: "[bob · viewing] > ", characters: [], cursor: 0, width: 80),
                       LineView.Frame(text: "[bob · viewing] > ", cursorColumn: 18))
        // Wide characters count two columns.
        XCTAssertEqual(view.frame(prompt: "> ", characters: Array("日本x"), cursor: 2, width: 80).cursorColumn, 6)
    }

    func testALongLineScrollsSidewaysAndNeverFillsTheLastColumn() {
        var view = LineView()
        // Width 20: 19 usable columns, 17 for the text after "> ".
        let end = view.frame(prompt: "> ", characters: alphabet, cursor: 30, width: 20)
        XCTAssertEqual(end, LineView.Frame(text: "> opqrstuvwxyz0123", cursorColumn: 18))
        // Moving left inside the window does not scroll.
        let left = view.frame(prompt: "> ", characters: alphabet, cursor: 29, width: 20)
        XCTAssertEqual(left, LineView.Frame(text: "> opqrstuvwxyz0123", cursorColumn: 17))
        // Past the left edge it scrolls, with some context before the cursor.
        let back = view.frame(prompt: "> ", characters: alphabet, cursor: 13, width: 20)
        XCTAssertEqual(back.text, "> ijklmnopqrstuvwxy")
        XCTAssertEqual(back.cursorColumn, 2 + 5)
        // Home shows the start.
        XCTAssertEqual(view.frame(prompt: "> ", characters: alphabet, cursor: 0, width: 20),
                       LineView.Frame(text: "> abcdefghijklmnopq", cursorColumn: 2))
        // Deleting to a line that fits shows it whole again.
        XCTAssertEqual(view.frame(prompt: "> ", characters: Array("abc"), cursor: 3, width: 20),
                       LineView.Frame(text: "> abc", cursorColumn: 5))
    }

    func testALongPromptIsShortenedToItsEnd() {
        var view = LineView()
        let prompt = "[alice · viewing · 12 fps · 340 kbit/s · 2 questions waiting] > "
        let frame = view.frame(prompt: prompt, characters: Array("hi"), cursor: 2, width: 40)
        XCTAssertTrue(frame.text.hasPrefix("…"), frame.text)
        XCTAssertTrue(frame.text.hasSuffix("waiting] > hi"), frame.text)
        XCTAssertLessThanOrEqual(DisplayWidth.of(frame.text), 39)
        XCTAssertEqual(frame.cursorColumn, DisplayWidth.of(frame.text))
    }

    /// Whatever is typed and wherever the cursor goes: the frame fits in the width minus one column, and
    /// at the cursor column the frame shows the line's text around the cursor.
    func testEveryFrameFitsAndPutsTheCursorAtTheEditorCursor() {
        var generator = SystemRandomNumberGenerator()
        let pieces: [Character] = ["a", "b", " ", "é", "日", "😀", "x", "\u{1F1EB}\u{1F1F7}"]
        for width in [2, 3, 5, 10, 20, 33, 80] {
            for prompt in ["> ", "[bob · viewing · 3 fps] > ", ""] {
                var view = LineView()
                var line: [Character] = []
                var cursor = 0
                for _ in 0..<300 {
                    switch Int.random(in: 0..<10, using: &generator) {
                    case 0..<5: line.insert(pieces.randomElement(using: &generator)!, at: cursor); cursor += 1
                    case 5: if cursor > 0 { line.remove(at: cursor - 1); cursor -= 1 }
                    case 6, 7: cursor = max(0, cursor - 1)
                    case 8: cursor = min(line.count, cursor + 1)
                    default: cursor = Bool.random(using: &generator) ? 0 : line.count
                    }
                    let frame = view.frame(prompt: prompt, characters: line, cursor: cursor, width: width)
                    let context = "width \(width) prompt \(prompt.debugDescription) line \(String(line).debugDescription) cursor \(cursor): \(frame)"
                    XCTAssertLessThanOrEqual(DisplayWidth.of(frame.text), max(1, width - 1), context)
                    XCTAssertLessThanOrEqual(frame.cursorColumn, max(1, width - 1), context)
                    // Split the frame at the cursor column: after it comes the line from the cursor on.
                    var columns = 0
                    var split = frame.text.startIndex
                    while columns < frame.cursorColumn, split < frame.text.endIndex {
                        columns += DisplayWidth.of(frame.text[split])
                        split = frame.text.index(after: split)
                    }
                    XCTAssertEqual(columns, frame.cursorColumn, context)
                    let after = String(frame.text[split...])
                    XCTAssertTrue(String(line[cursor...]).hasPrefix(after), context)
                    if width >= 10, cursor < line.count, DisplayWidth.of(line[cursor]) <= width - 1 - DisplayWidth.of(prompt) {
                        XCTAssertFalse(after.isEmpty, "the character at the cursor is visible: \(context)")
                    }
                    // Before it: the line up to the cursor, or its end, after (part of) the prompt.
                    let before = String(frame.text[..<split])
                    let typed = String(line[..<cursor])
                    let promptParts = (0...typed.count).map { String(typed.suffix($0)) }.filter { before.hasSuffix($0) }
                        .map { String(before.dropLast($0.count)) }
                    XCTAssertTrue(promptParts.contains { part in
                        part == prompt || part.isEmpty || part.hasPrefix("…") && prompt.hasSuffix(part.dropFirst())
                    }, context)
                }
            }
        }
    }
}
