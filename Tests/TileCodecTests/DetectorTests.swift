import XCTest
import Pixels
@testable import TileCodec

final class DetectorTests: XCTestCase {
    func testChangedTilesAreExact() {
        let a = Patterns.text(300, 200, seed: 1)
        var b = a
        b[0, 0] ^= 1           // tile 0,0
        b[299, 199] ^= 0x100   // last tile (clipped edge)
        b[130, 70] ^= 0x010000 // tile 2,1
        let map = ChangeDetector.changedTiles(previous: a, current: b, damage: [a.bounds])
        XCTAssertEqual(map.markedRects, [Rect(x: 0, y: 0, width: 64, height: 64), Rect(x: 128, y: 64, width: 64, height: 64),
                                         Rect(x: 256, y: 192, width: 44, height: 8)])
        let partial = ChangeDetector.changedTiles(previous: a, current: b, damage: [Rect(x: 100, y: 60, width: 50, height: 20)])
        XCTAssertEqual(partial.markedRects, [Rect(x: 128, y: 64, width: 64, height: 64)])
        XCTAssertTrue(ChangeDetector.changedTiles(previous: a, current: a, damage: [a.bounds]).isEmpty)
    }

    func testChangedTilesOnTwoThreadsMatchesOneTile() {
        let a = Patterns.noise(1920, 1080, seed: 2)
        var b = a
        var rng = SeededRandom(3)
        var want = Set<Rect>()
        let grid = TileMap(width: 1920, height: 1080)
        for _ in 0..<40 {
            let x = rng.int(0..<1920), y = rng.int(0..<1080)
            b[x, y] ^= 0x0F0F0F
            want.insert(grid.rect(column: x / 64, row: y / 64))
        }
        XCTAssertEqual(Set(ChangeDetector.changedTiles(previous: a, current: b, damage: [a.bounds]).markedRects), want)
    }

    func testMotionFindsVerifiedOrderedCopies() {
        let a = Patterns.text(640, 480, seed: 5)
        for dy in [-30, -1, 1, 17] {
            let b = Patterns.scrolled(a, area: Rect(x: 40, y: 30, width: 520, height: 400), dy: dy, seed: 6)
            let changed = ChangeDetector.changedTiles(previous: a, current: b, damage: [a.bounds])
            let copies = MotionDetector().detect(previous: a, current: b, changed: changed)
            XCTAssertFalse(copies.isEmpty, "scroll \(dy)")
            var applied = a
            applied.apply(copies)
            for c in copies {
                XCTAssertEqual(c.destinationX - c.source.x, 0, "a vertical scroll gives vertical copies")
                XCTAssertEqual(c.source.y - c.destinationY, -dy)
                XCTAssertTrue(applied.equalPixels(in: c.destination, to: b), "copy \(c) is not exact")
            }
        }
    }

    func testMotionOrderingWithCrossingCopies() {
        // Two blocks swap places: a cycle, so one copy must be dropped; what is kept must still be exact.
        var a = Framebuffer(width: 256, height: 64)
        let left = Patterns.text(128, 64, seed: 7), right = Patterns.noise(128, 64, seed: 8)
        for y in 0..<64 { for x in 0..<128 { a[x, y] = left[x, y]; a[128 + x, y] = right[x, y] } }
        var b = a
        for y in 0..<64 { for x in 0..<128 { b[x, y] = right[x, y]; b[128 + x, y] = left[x, y] } }
        let changed = ChangeDetector.changedTiles(previous: a, current: b, damage: [a.bounds])
        let copies = MotionDetector().detect(previous: a, current: b, changed: changed)
        var applied = a
        applied.apply(copies)
        for c in copies { XCTAssertTrue(applied.equalPixels(in: c.destination, to: b), "copy \(c) is not exact") }
        let u = TileDeltaEncoder().encode(previous: a, current: b, damage: [a.bounds])
        var fb = a
        XCTAssertNoThrow(try TileDeltaDecoder().decode(body: u?.body ?? [], rect: u?.rect ?? a.bounds, into: &fb))
        XCTAssertEqual(fb, b)
    }
}
