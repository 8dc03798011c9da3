import TerminalEditing
import XCTest

final class WordWrapTests: XCTestCase {
    func testShortLinesAreUnchanged() {
        XCTAssertEqual(WordWrap.lines("hello world", width: 80, indent: 9), ["hello world"])
        XCTAssertEqual(WordWrap.lines("", width: 80), [""])
        XCTAssertEqual(WordWrap.lines("  two  spaces", width: 80), ["  two  spaces"])
        XCTAssertEqual(WordWrap.lines("a\nb", width: 80, indent: 2), ["a", "b"])
    }

    func testLongLinesBreakAtSpacesWithContinuationsIndented() {
        let line = "12:01:02 <bob> the quick brown fox jumps over the lazy dog"
        XCTAssertEqual(WordWrap.lines(line, width: 30, indent: 9),
                       ["12:01:02 <bob> the quick brown", "         fox jumps over the", "         lazy dog"])
        // Trailing spaces and the spaces at a break go.
        XCTAssertEqual(WordWrap.lines("aaa bbb   ", width: 3), ["aaa", "bbb"])
        XCTAssertEqual(WordWrap.lines("aaa     bbb", width: 5), ["aaa", "bbb"])
    }

    func testOnlyAWordLongerThanALineIsSplit() {
        let url = "https://example.com/a/very/long/path/indeed"
        let lines = WordWrap.lines("see \(url) ok", width: 20, indent: 2)
        XCTAssertEqual(lines.first, "see")
        XCTAssertTrue(lines.allSatisfy { DisplayWidth.of($0) <= 20 }, "\(lines)")
        XCTAssertTrue(lines.dropFirst().allSatisfy { $0.hasPrefix("  ") }, "\(lines)")
        XCTAssertEqual(lines, ["see", "  https://example.co", "  m/a/very/long/path", "  /indeed ok"])
        // Width 1: still every character, one a line.
        XCTAssertEqual(WordWrap.lines("abc", width: 1, indent: 4), ["a", "b", "c"])
    }

    func testWideCharactersCountTwoColumns() {
        XCTAssertEqual(WordWrap.lines("日本語 テキスト", width: 5), ["日本", "語", "テキ", "スト"])
        XCTAssertEqual(WordWrap.lines("😀😀😀", width: 4), ["😀😀", "😀"])
        XCTAssertEqual(WordWrap.lines("café crème brûlée", width: 10), ["café crème", "brûlée"])
        XCTAssertEqual(WordWrap.lines("cafe\u{301} cre\u{300}me", width: 10), ["cafe\u{301} cre\u{300}me"])
    }

    func testEveryLineFitsAndNoWordIsLost() {
        var generator = SystemRandomNumberGenerator()
        let words = ["a", "bb", "hello", "日本", "😀", "supercalifragilistic", "x", "é"]
        for width in 1...30 {
            for _ in 0..<20 {
                let text = (0..<Int.random(in: 1...15, using: &generator))
                    .map { _ in words.randomElement(using: &generator)! }.joined(separator: " ")
                let indent = Int.random(in: 0...10, using: &generator)
                let lines = WordWrap.lines(text, width: width, indent: indent)
                for line in lines {
                    // A single wide character may exceed a width of 1.
                    XCTAssertTrue(DisplayWidth.of(line) <= width || line.drop(while: { $0 == " " }).count == 1,
                                  "\(line.debugDescription) in \(lines) width \(width)")
                    XCTAssertFalse(line.hasSuffix(" "), "\(lines)")
                }
                let rejoined = lines.joined().replacingOccurrences(of: " ", with: "")
                XCTAssertEqual(rejoined, text.replacingOccurrences(of: " ", with: ""), "\(lines) width \(width)")
                // A word that fits on a line is never split.
                for word in Set(text.split(separator: " ")) where DisplayWidth.of(word) <= width - min(indent, width / 2) {
                    XCTAssertTrue(lines.contains { $0.split(separator: " ").contains(word) }, "\(word) in \(lines) width \(width)")
                }
            }
        }
    }

    func testDisplayWidth() {
        XCTAssertEqual(DisplayWidth.of("a"), 1)
        XCTAssertEqual(DisplayWidth.of("e\u{301}"), 1)
        XCTAssertEqual(DisplayWidth.of("日"), 2)
        XCTAssertEqual(DisplayWidth.of("ｱ"), 1)           // halfwidth katakana
        XCTAssertEqual(DisplayWidth.of("Ａ"), 2)           // fullwidth A
        XCTAssertEqual(DisplayWidth.of("😀"), 2)
        XCTAssertEqual(DisplayWidth.of("\u{2764}"), 1)     // ❤ as text
        XCTAssertEqual(DisplayWidth.of("\u{2764}\u{FE0F}"), 2)
        XCTAssertEqual(DisplayWidth.of("🇫🇷"), 2)
        XCTAssertEqual(DisplayWidth.of("👨‍👩‍👧"), 2)
        XCTAssertEqual(DisplayWidth.of("\u{200B}"), 0)
        XCTAssertEqual(DisplayWidth.of("a日😀b"), 6)
    }
}
