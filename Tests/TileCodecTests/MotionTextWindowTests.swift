import Pixels
import TileCodec
import XCTest

/// A terminal window of small-font text (words from a small vocabulary, so every 16-pixel window of a
/// glyph row repeats many times) dragged diagonally over a noisy wallpaper: single anchors are rarely
/// unique there, pairs of neighbouring anchors are; the move must be found and the copy exact.
final class MotionTextWindowTests: XCTestCase {
    private static let words = ["remote", "assist", "screen", "tile", "delta", "viewer", "agent", "zlib", "frame",
                                "the", "of", "and", "a", "to", "copy", "rect", "run", "[ok]", "error:", "42"]

    /// A 6x13 bitmap per character, derived from the character (deterministic).
    private static func glyph(_ c: Character) -> [Bool] {
        var seed = UInt64(c.unicodeScalars.first?.value ?? 0) &* 0x9E37_79B9_7F4A_7C15 | 1
        var bits = [Bool](repeating: false, count: 6 * 13)
        guard c != " " else { return bits }
        for y in 2..<11 {
            for x in 0..<5 {
                seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
                bits[y * 6 + x] = seed & 3 == 0
            }
        }
        return bits
    }

    private static func desktop(windowAt origin: (x: Int, y: Int)) -> Framebuffer {
        let width = 960, height = 640
        var fb = Framebuffer(width: width, height: height)
        var seed: UInt64 = 12345
        for y in 0..<height {
            for x in 0..<width {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                let noise = UInt32((seed >> 60) & 7)
                fb[x, y] = (UInt32(40 + x / 8) + noise) << 16 | (UInt32(60 + y / 8) + noise) << 8 | (120 + noise)
            }
        }
        var lineSeed: UInt64 = 7
        let columns = 100, rows = 28
        for row in 0..<rows {
            var text = ""
            while text.count < columns - 8 {
                lineSeed = lineSeed &* 6364136223846793005 &+ 1442695040888963407
                text += Self.words[Int((lineSeed >> 33) % UInt64(Self.words.count))] + " "
            }
            let chars = Array("line \(row): " + text)
            for column in 0..<columns {
                let bits = glyph(column < chars.count ? chars[column] : " ")
                for gy in 0..<13 {
                    for gx in 0..<6 {
                        fb[origin.x + column * 6 + gx, origin.y + row * 13 + gy] = bits[gy * 6 + gx] ? 0x000000 : 0xFFFFFF
                    }
                }
            }
        }
        return fb
    }

    func testDraggedTerminalWindowIsFoundAndExact() {
        let previous = Self.desktop(windowAt: (100, 120))
        let current = Self.desktop(windowAt: (114, 112))
        let changed = ChangeDetector.changedTiles(previous: previous, current: current, damage: [previous.bounds])
        let copies = MotionDetector().detect(previous: previous, current: current, changed: changed)
        XCTAssertFalse(copies.isEmpty, "the window move must be found")
        XCTAssertTrue(copies.allSatisfy { $0.source.x - $0.destinationX == -14 && $0.source.y - $0.destinationY == 8 },
                      "\(copies)")
        let copiedArea = copies.reduce(0) { $0 + $1.source.area }
        XCTAssertGreaterThan(copiedArea, 600 * 364 * 9 / 10, "most of the window comes from the copy")
        assertExact(copies, previous, current)
    }

    /// A stale hint (the offset of an earlier update) that explains nothing must not hide the real move.
    func testStaleHintStillFindsTheMove() {
        let previous = Self.desktop(windowAt: (100, 120))
        let current = Self.desktop(windowAt: (114, 112))
        let changed = ChangeDetector.changedTiles(previous: previous, current: current, damage: [previous.bounds])
        let copies = MotionDetector().detect(previous: previous, current: current, changed: changed,
                                             hints: [(dx: 0, dy: 13), (dx: -7, dy: 4)])
        let moved = copies.filter { $0.source.x - $0.destinationX == -14 && $0.source.y - $0.destinationY == 8 }
        XCTAssertGreaterThan(moved.reduce(0) { $0 + $1.source.area }, 600 * 364 * 9 / 10, "\(copies)")
        assertExact(copies, previous, current)
    }

    /// The hint of the last update explains the next step of the same move: found, exact, and the
    /// offsets of the copies are what the next hint would be.
    func testHintOfTheLastUpdateExplainsTheNextStep() {
        let previous = Self.desktop(windowAt: (114, 112))
        let current = Self.desktop(windowAt: (128, 104))
        let changed = ChangeDetector.changedTiles(previous: previous, current: current, damage: [previous.bounds])
        let copies = MotionDetector().detect(previous: previous, current: current, changed: changed,
                                             hints: [(dx: -14, dy: 8)])
        XCTAssertGreaterThan(copies.reduce(0) { $0 + $1.source.area }, 600 * 364 * 9 / 10, "\(copies)")
        XCTAssertEqual(MotionDetector.offsets(of: copies).first?.dx, -14)
        XCTAssertEqual(MotionDetector.offsets(of: copies).first?.dy, 8)
        assertExact(copies, previous, current)
    }

    /// Applied in order on `previous`, every copy leaves exactly `current`'s pixels at its destination.
    private func assertExact(_ copies: [CopyOperation], _ previous: Framebuffer, _ current: Framebuffer,
                             file: StaticString = #filePath, line: UInt = #line) {
        var applied = previous
        applied.apply(copies)
        for c in copies {
            XCTAssertTrue(applied.equalPixels(in: c.destination, to: current), "copy \(c) is exact", file: file, line: line)
        }
    }
}
