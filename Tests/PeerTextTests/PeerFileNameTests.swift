import PeerText
import XCTest

/// The name a peer's file gets on disk: one component, nothing hidden or invisible, bounded.
final class PeerFileNameTests: XCTestCase {
    func testHostileNames() {
        XCTAssertEqual(PeerFileName.reduce("../../.bashrc"), "bashrc")
        XCTAssertEqual(PeerFileName.reduce("/etc/passwd"), "passwd")
        XCTAssertEqual(PeerFileName.reduce("a/b"), "b")
        XCTAssertEqual(PeerFileName.reduce("C:\\Users\\bob\\report.log"), "report.log")
        XCTAssertEqual(PeerFileName.reduce(".."), PeerFileName.fallback)
        XCTAssertEqual(PeerFileName.reduce("."), PeerFileName.fallback)
        XCTAssertEqual(PeerFileName.reduce("dir/"), PeerFileName.fallback)
        XCTAssertEqual(PeerFileName.reduce(""), PeerFileName.fallback)
        XCTAssertEqual(PeerFileName.reduce("...hidden"), "hidden")
        XCTAssertEqual(PeerFileName.reduce("  . spaced  "), "spaced")
        XCTAssertEqual(PeerFileName.reduce("a..b"), "a.b")
        XCTAssertEqual(PeerFileName.reduce("re\u{1B}[31mport\u{7}.log"), "re[31mport.log")
        XCTAssertEqual(PeerFileName.reduce("evil\u{202E}gol.exe"), "evilgol.exe")
        XCTAssertEqual(PeerFileName.reduce("line\nbreak\r.txt"), "linebreak.txt")
        XCTAssertEqual(PeerFileName.reduce("nul\u{0}byte"), "nulbyte")
        XCTAssertEqual(PeerFileName.reduce("c1\u{9B}x"), "c1x")
        XCTAssertEqual(PeerFileName.reduce("zero\u{200B}width"), "zerowidth")
    }

    func testPrintableNamesAreKept() {
        for name in ["report.log", "räksmörgås.txt", "fix-config (final).conf", "日本語.md", "👩‍👩‍👧.png", "a b c"] {
            XCTAssertEqual(PeerFileName.reduce(name), name)
        }
    }

    func testLongNamesAreCutKeepingTheExtension() {
        let long = String(repeating: "x", count: 4090) + ".log"
        let reduced = PeerFileName.reduce(long)
        XCTAssertLessThanOrEqual(reduced.utf8.count, PeerFileName.byteLimit)
        XCTAssertTrue(reduced.hasSuffix(".log"))
        let wide = String(repeating: "é", count: 1000)
        let cut = PeerFileName.reduce(wide)
        XCTAssertLessThanOrEqual(cut.utf8.count, PeerFileName.byteLimit)
        XCTAssertTrue(cut.allSatisfy { $0 == "é" }, "never cut inside a character")
        XCTAssertEqual(PeerFileName.reduce(String(repeating: "/", count: 4096)), PeerFileName.fallback)
    }

    func testNumbering() {
        XCTAssertEqual(PeerFileName.numbered("report.log", 2), "report (2).log")
        XCTAssertEqual(PeerFileName.numbered("README", 3), "README (3)")
        XCTAssertEqual(PeerFileName.numbered("archive.tar.gz", 2), "archive.tar (2).gz")
        let long = PeerFileName.reduce(String(repeating: "y", count: 300) + ".txt")
        let numbered = PeerFileName.numbered(long, 1234)
        XCTAssertLessThanOrEqual(numbered.utf8.count, PeerFileName.byteLimit)
        XCTAssertTrue(numbered.hasSuffix(" (1234).txt"))
    }

    /// Whatever goes in, what comes out is one safe component (random bytes of every kind).
    func testRandomNamesAreAlwaysOneSafeComponent() {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["/", "\\", ".", "..", "\u{0}", "\u{1B}", "\u{202E}", "\u{2028}", " ", "a", "é", "\u{85}", "-", "😀"]
        for _ in 0..<2000 {
            let name = (0..<Int.random(in: 0...40, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined()
            let reduced = PeerFileName.reduce(name)
            XCTAssertFalse(reduced.isEmpty)
            XCTAssertFalse(reduced.contains("/") || reduced.contains("\\") || reduced.contains(".."), reduced)
            XCTAssertFalse(reduced.hasPrefix("."), reduced)
            XCTAssertTrue(PeerText.isClean(reduced), reduced)
            XCTAssertLessThanOrEqual(reduced.utf8.count, PeerFileName.byteLimit)
            XCTAssertEqual(PeerFileName.reduce(reduced), reduced, "reducing twice changes nothing")
        }
    }
}
