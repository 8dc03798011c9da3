import TerminalEditing
import XCTest

final class LineEditorTests: XCTestCase {
    private let left = "\u{1B}[D", right = "\u{1B}[C", up = "\u{1B}[A", down = "\u{1B}[B"

    /// Feeds `keys` (one read) and returns the submitted lines.
    @discardableResult
    private func type(_ editor: inout LineEditor, _ keys: String) -> [LineEditor.Event] {
        editor.feed(Array(keys.utf8))
    }

    private func edited(_ keys: String) -> (line: String, cursor: Int) {
        var editor = LineEditor()
        type(&editor, keys)
        return (editor.line, editor.cursor)
    }

    func testTypingInsertsAndEnterSubmits() {
        var editor = LineEditor()
        XCTAssertEqual(type(&editor, "hello"), [])
        XCTAssertEqual(editor.line, "hello")
        XCTAssertEqual(editor.cursor, 5)
        XCTAssertEqual(type(&editor, "\r"), [.submit("hello")])
        XCTAssertEqual(editor.line, "")
        XCTAssertEqual(editor.cursor, 0)
        XCTAssertEqual(type(&editor, "a\nb\r"), [.submit("a"), .submit("b")])
    }

    func testArrowsMoveTheCursorAndTypingInsertsThere() {
        XCTAssertEqual(edited("helo" + left + left + "l").line, "hello")
        XCTAssertEqual(edited("helo" + left + left + "l").cursor, 3)
        XCTAssertEqual(edited("ac" + left + "b" + right + "d").line, "abcd")
        // At the ends the cursor stays put.
        XCTAssertEqual(edited(left + "b" + left + left + left + "a").line, "ab")
        XCTAssertEqual(edited("a" + right + right + "b").line, "ab")
        // Application mode (ESC O) and Ctrl-B/Ctrl-F.
        XCTAssertEqual(edited("ac\u{1B}OD" + "b").line, "abc")
        XCTAssertEqual(edited("ac\u{02}b\u{06}d").line, "abcd")
    }

    func testHomeAndEndInEverySpelling() {
        for home in ["\u{1B}[H", "\u{1B}OH", "\u{1B}[1~", "\u{1B}[7~", "\u{01}"] {
            for end in ["\u{1B}[F", "\u{1B}OF", "\u{1B}[4~", "\u{1B}[8~", "\u{05}"] {
                XCTAssertEqual(edited("bc" + home + "a" + end + "d").line, "abcd", "\(home.debugDescription) \(end.debugDescription)")
            }
        }
    }

    func testDeletingKeys() {
        XCTAssertEqual(edited("abc\u{7F}").line, "ab")
        XCTAssertEqual(edited("abc\u{08}").line, "ab")
        XCTAssertEqual(edited("abc" + left + "\u{7F}").line, "ac")
        XCTAssertEqual(edited("\u{7F}a").line, "a")                           // nothing before the cursor
        XCTAssertEqual(edited("abc" + left + left + "\u{1B}[3~").line, "ac")   // Delete
        XCTAssertEqual(edited("abc\u{1B}[3~").line, "abc")                     // at the end: nothing
        XCTAssertEqual(edited("abc" + left + "\u{04}").line, "ab")             // Ctrl-D on a line deletes
        XCTAssertEqual(edited("abc def" + left + left + "\u{15}").line, "ef")  // Ctrl-U: to the start
        XCTAssertEqual(edited("abc def" + left + left + "\u{0B}").line, "abc d") // Ctrl-K: to the end
        XCTAssertEqual(edited("say  hello there  \u{17}").line, "say  hello ")  // Ctrl-W: a word and its spaces
        XCTAssertEqual(edited("say hello\u{17}\u{17}").line, "")
        XCTAssertEqual(edited("say hello" + left + left + "\u{17}").line, "say lo")
        XCTAssertEqual(edited("say hello\u{1B}\u{7F}").line, "say ")           // Alt-Backspace
    }

    func testWordMoves() {
        XCTAssertEqual(edited("one two three\u{1B}[1;5D\u{1B}[1;5DX").line, "one Xtwo three")
        XCTAssertEqual(edited("one two\u{01}\u{1B}[1;5CX").line, "oneX two")
        XCTAssertEqual(edited("one two\u{1B}bX").line, "one Xtwo")
        XCTAssertEqual(edited("one two\u{01}\u{1B}fX").line, "oneX two")
    }

    func testCtrlDOnAnEmptyLineEndsInput() {
        var editor = LineEditor()
        XCTAssertEqual(type(&editor, "a\r\u{04}b\r"), [.submit("a"), .endOfInput])
        XCTAssertEqual(editor.line, "", "nothing is read after the end")
    }

    func testUnknownSequencesAreConsumedWhole() {
        // F5, Insert, a mouse report, a bracketed-paste marker, shifted arrows, Alt-x, ESC ESC [D.
        for sequence in ["\u{1B}[15~", "\u{1B}[2~", "\u{1B}[<0;12;5M", "\u{1B}[200~", "\u{1B}[1;2A",
                         "\u{1B}OP", "\u{1B}x"] {
            XCTAssertEqual(edited("ab" + sequence + "c").line, "abc", sequence.debugDescription)
        }
        // ESC ESC [D (Alt-Left in some terminals): the second ESC starts the sequence, the left arrow.
        XCTAssertEqual(edited("ab\u{1B}\u{1B}[Dc").line, "acb")
        // A sequence cut off by a control key: the key still counts.
        var editor = LineEditor()
        XCTAssertEqual(type(&editor, "ab\u{1B}[1\r"), [.submit("ab")])
        // An overlong sequence does not grow without bound and ends at its final byte.
        XCTAssertEqual(edited("a\u{1B}[" + String(repeating: "1;", count: 1000) + "Hb").line, "ab")
    }

    func testSequencesAndCharactersSplitAcrossReads() {
        let keys = Array("helo\u{1B}[D\u{1B}[Dl\u{1B}[1~>é€😀\u{1B}OF!\r".utf8)
        // Every way of cutting the input in two, and one byte a read.
        for cut in 0...keys.count {
            var editor = LineEditor()
            let events = editor.feed(keys[..<cut]) + editor.feed(keys[cut...])
            XCTAssertEqual(events, [.submit(">é€😀hello!")], "cut at \(cut)")
        }
        var editor = LineEditor()
        var events: [LineEditor.Event] = []
        for byte in keys {
            events += editor.feed([byte])
            if byte == 0x1B { XCTAssertTrue(editor.isAwaitingMore) }
        }
        XCTAssertEqual(events, [.submit(">é€😀hello!")])
    }

    func testMultibyteCharactersAreEditedWhole() {
        // Left and Backspace move over characters, not bytes.
        XCTAssertEqual(edited("aé😀" + left + left + "b").line, "abé😀")
        XCTAssertEqual(edited("aé😀\u{7F}").line, "aé")
        XCTAssertEqual(edited("日本語" + left + "\u{7F}").line, "日語")
        XCTAssertEqual(edited("日本語" + left + "\u{7F}").cursor, 1)
        // A combining accent joins the letter before it: one character.
        let combined = edited("e\u{301}x" + left + left + "a")
        XCTAssertEqual(combined.line, "ae\u{301}x")
        XCTAssertEqual(combined.cursor, 1)
        var editor = LineEditor()
        type(&editor, "e\u{301}")
        XCTAssertEqual(editor.characters.count, 1)
        // A flag is two regional indicators, one character.
        type(&editor, "🇫🇷")
        XCTAssertEqual(editor.characters.count, 2)
        // Broken UTF-8 is dropped, and C1 controls are not inserted.
        XCTAssertEqual(edited("a\u{80}b").line, "ab")
        var broken = LineEditor()
        _ = broken.feed([0x61, 0xC3, 0x62, 0xFF, 0xE2, 0x82, 0x63])   // a, cut é, b, invalid, cut €, c
        XCTAssertEqual(broken.line, "abc")
        XCTAssertEqual(edited("a\u{85}b").line, "ab")
        XCTAssertEqual(edited("a\tb\u{0C}").line, "ab")
    }

    func testHistoryWalksSubmittedLinesAndKeepsTheDraft() {
        var editor = LineEditor()
        type(&editor, "first\rsecond\r")
        type(&editor, "draft")
        type(&editor, up)
        XCTAssertEqual(editor.line, "second")
        XCTAssertEqual(editor.cursor, 6)
        type(&editor, up)
        XCTAssertEqual(editor.line, "first")
        type(&editor, up)
        XCTAssertEqual(editor.line, "first", "stops at the oldest")
        type(&editor, down)
        XCTAssertEqual(editor.line, "second")
        type(&editor, down)
        XCTAssertEqual(editor.line, "draft", "past the newest: what was being typed")
        type(&editor, down)
        XCTAssertEqual(editor.line, "draft")
        // A recalled line can be edited and sent again; Ctrl-P/Ctrl-N and ESC O A/B too.
        type(&editor, "\u{15}\u{10}\u{10}" + left + "!\r")
        XCTAssertEqual(editor.history, ["first", "second", "firs!t"])
        type(&editor, "\u{1B}OA")
        XCTAssertEqual(editor.line, "firs!t")
        type(&editor, "\u{0E}")
        XCTAssertEqual(editor.line, "")
    }

    func testHistoryIsBoundedAndSkipsBlankAndRepeatedLines() {
        var editor = LineEditor(historyLimit: 3)
        for line in ["a", "b", "b", "  ", "", "c", "d"] { type(&editor, line + "\r") }
        XCTAssertEqual(editor.history, ["b", "c", "d"])
        XCTAssertEqual(LineEditor().historyLimit, 100)
        var big = LineEditor()
        for n in 0..<250 { type(&big, "line \(n)\r") }
        XCTAssertEqual(big.history.count, 100)
        XCTAssertEqual(big.history.first, "line 150")
    }

    func testLinesAreNotRecordedWhenTheCallerSaysSo() {
        var editor = LineEditor()
        type(&editor, "chat\r")
        editor.recordsHistory = false
        type(&editor, "y\r")
        editor.recordsHistory = true
        XCTAssertEqual(editor.history, ["chat"])
        type(&editor, up)
        XCTAssertEqual(editor.line, "chat")
    }

    func testUpWithNoHistoryChangesNothing() {
        XCTAssertEqual(edited("ab" + up + down + "c").line, "abc")
    }
}
