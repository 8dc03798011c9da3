import PeerText
import XCTest

final class PeerTextTests: XCTestCase {
    /// The attacks seen against the terminal and the logs: each must come out with no control byte.
    static let attacks: [String] = [
        "\u{1B}]0;title\u{07}\u{1B}[2J\u{1B}[H",                      // set title, clear screen, home
        "\u{1B}]52;c;ZXZpbA==\u{07}",                                  // OSC 52 clipboard write
        "\u{1B}[1A\u{1B}[2Kverified: mallory",                         // rewrite the line above
        "innocent\rbob (SHA256:AAAA) asks for help. Accept? [y/N]",   // carriage return over a line
        "abc\u{08}\u{08}\u{08}xyz",                                     // backspaces
        "line one\nline two\r\n2026-01-01T00:00:00Z forged entry",     // new lines into a log
        "\u{202E}gnp.exe",                                              // right-to-left override
        "\u{9B}2J\u{9D}0;t\u{9C}",                                      // 8-bit CSI / OSC / ST
        "tab\there\u{7F}del\u{0}nul",
        "a\u{2028}b\u{2029}c\u{200B}d\u{FEFF}e\u{2066}f\u{2069}g\u{00AD}h",
    ]

    func testNoControlOrFormatCharacterSurvives() {
        for attack in Self.attacks {
            let clean = PeerText.clean(attack)
            for scalar in clean.unicodeScalars {
                XCTAssertFalse(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value), "\(attack.debugDescription) -> \(clean.debugDescription)")
                XCTAssertNotEqual(scalar.properties.generalCategory, .format, clean.debugDescription)
                XCTAssertNotEqual(scalar.properties.generalCategory, .lineSeparator, clean.debugDescription)
                XCTAssertNotEqual(scalar.properties.generalCategory, .paragraphSeparator, clean.debugDescription)
            }
            XCTAssertTrue(PeerText.isClean(clean))
            XCTAssertEqual(PeerText.clean(clean), clean, "idempotent")
        }
    }

    func testReplacementsAreVisible() {
        XCTAssertEqual(PeerText.clean("\u{1B}[2J"), "␛[2J")
        XCTAssertEqual(PeerText.clean("a\nb\rc"), "a␊b␍c")
        XCTAssertEqual(PeerText.clean("\u{202E}txt"), "[U+202E]txt")
        XCTAssertEqual(PeerText.clean("\u{9B}"), "[U+009B]")
        XCTAssertEqual(PeerText.clean("x\u{7F}"), "x␡")
    }

    func testPrintableTextIsUnchanged() {
        for text in ["hello, alice", "Grüße aus Köln — «ça va?» ¿qué?", "日本語のテキスト", "emoji 👍🏽 family 👨‍👩‍👧 flag 🇩🇪 🏳️‍🌈 🏴‍☠️ 👩🏽‍💻",
                     "math ∑ x² ≤ ∞", "", "   spaced   ", "a\u{0301}ccent", "עברית ומספרים 123"] {
            XCTAssertEqual(PeerText.clean(text), text)
            XCTAssertTrue(PeerText.isClean(text))
        }
    }

    func testLengthIsCapped() {
        let long = String(repeating: "a", count: 10_000)
        let clean = PeerText.clean(long, limit: 100)
        XCTAssertEqual(clean.unicodeScalars.count, 100)
        XCTAssertTrue(clean.hasSuffix("…"))
        XCTAssertEqual(PeerText.clean(clean, limit: 100), clean)
        // Replacements count against the cap too.
        let escapes = String(repeating: "\u{202E}", count: 1000)
        XCTAssertLessThanOrEqual(PeerText.clean(escapes, limit: 64).unicodeScalars.count, 64)
        XCTAssertEqual(PeerText.clean("exactly", limit: 7), "exactly")
        XCTAssertEqual(PeerText.clean("exactly!", limit: 7), "exactl…")
    }

    func testInvalidBytesBecomeReplacementCharacters() {
        let clean = PeerText.clean(bytes: [0x61, 0xFF, 0x1B, 0xC3, 0x28, 0x9B])
        XCTAssertEqual(clean, "a\u{FFFD}␛\u{FFFD}(\u{FFFD}")
    }

    /// Random scalars from every plane: the output never holds a control or format character.
    func testRandomInput() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0..<64, using: &generator) {
                let value = Bool.random(using: &generator) ? UInt32.random(in: 0..<0x300, using: &generator)
                    : UInt32.random(in: 0..<0x110000, using: &generator)
                if let scalar = Unicode.Scalar(value) { text.append(scalar) }
            }
            let clean = PeerText.clean(String(text), limit: 80)
            XCTAssertLessThanOrEqual(clean.unicodeScalars.count, 80)
            XCTAssertTrue(PeerText.isClean(clean), clean.debugDescription)
            XCTAssertEqual(PeerText.clean(clean, limit: 80), clean)
        }
    }
}
