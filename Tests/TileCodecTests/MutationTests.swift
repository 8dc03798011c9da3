import XCTest
import Pixels
@testable import TileCodec

/// Thousands of corrupted, truncated and extended encodings: decoders must throw or decode, never trap,
/// hang or read out of bounds (run under the address sanitizer to check the last part too).
final class MutationTests: XCTestCase {
    func mutate(_ bytes: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        var b = bytes
        switch rng.int(0..<5) {
        case 0 where !b.isEmpty: b.removeLast(rng.int(1..<(b.count + 1)))
        case 1 where !b.isEmpty: for _ in 0..<rng.int(1..<4) { b[rng.int(0..<b.count)] ^= UInt8(truncatingIfNeeded: 1 << rng.int(0..<8)) }
        case 2 where !b.isEmpty: b[rng.int(0..<b.count)] = UInt8(truncatingIfNeeded: rng.next())
        case 3: b.insert(contentsOf: (0..<rng.int(1..<9)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: rng.int(0..<(b.count + 1)))
        default: if !b.isEmpty { b[rng.int(0..<b.count)] = [0x00, 0xFF, 0x7F, 0x80][rng.int(0..<4)] }
        }
        return b
    }

    func testTileDeltaMutations() {
        let a = Patterns.text(150, 90, seed: 1)
        var b = Patterns.scrolled(a, area: Rect(x: 0, y: 0, width: 150, height: 90), dy: -13, seed: 2)
        Patterns.rectangles(&b, count: 3, seed: 3)
        b.fill(Rect(x: 100, y: 70, width: 50, height: 20), with: 0x123456)
        let encoder = TileDeltaEncoder()
        guard let u = encoder.encode(previous: a, current: b, damage: [a.bounds]) else { return XCTFail("no update") }
        let payload = encoder.payload
        var rng = SeededRandom(42)
        var errors = 0
        for i in 0..<3000 {
            // Half mutate the compressed body, half the payload (re-compressed) to reach the parser.
            let body = i % 2 == 0 ? mutate(u.body, &rng) : GoldenVectorTests.tileDeltaBody(mutate(payload, &rng))
            var fb = a
            do { try TileDeltaDecoder().decode(body: body, rect: u.rect, into: &fb) } catch { errors += 1 }
        }
        XCTAssertGreaterThan(errors, 2000)
    }

    func testZRLEMutations() {
        var picture = Patterns.text(150, 90, seed: 4)
        Patterns.rectangles(&picture, count: 6, seed: 5)
        let formats: [PixelFormat] = [.native, .rgb565, .bgr233, ZRLETests.formats[1]]
        var rng = SeededRandom(43)
        var errors = 0
        for (k, format) in formats.enumerated() {
            let encoder = ZRLEEncoder()
            let body = Array(encoder.encode(picture, rect: picture.bounds, format: format)[4...])
            let plain = encoder.plain
            for i in 0..<800 {
                let mutated = i % 2 == 0 ? mutate(body, &rng) : GoldenVectorTests.zrleBody(mutate(plain, &rng))
                var fb = Framebuffer(width: 150, height: 90)
                let rect = k == 3 && i % 7 == 0 ? Rect(x: 1, y: 1, width: 149, height: 89) : picture.bounds
                do { try ZRLEDecoder().decode(body: mutated, rect: rect, format: format, into: &fb) } catch { errors += 1 }
            }
        }
        XCTAssertGreaterThan(errors, 2000)
    }

    func testRandomBytesAndEmptyBodies() {
        var rng = SeededRandom(44)
        var fb = Framebuffer(width: 64, height: 64)
        for n in 0..<400 {
            let junk = (0..<(n % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            XCTAssertThrowsError(try TileDeltaDecoder().decode(body: junk, rect: fb.bounds, into: &fb))
            _ = try? ZRLEDecoder().decode(body: junk, rect: fb.bounds, format: .native, into: &fb)
        }
        // A decoder that failed stays failed (its stream state is unknown).
        let d = TileDeltaDecoder()
        XCTAssertThrowsError(try d.decode(body: [0, 0, 0, 4, 0, 0, 0, 9], rect: fb.bounds, into: &fb))
        let ok = TileDeltaEncoder().encode(previous: Framebuffer(width: 64, height: 64), current: Framebuffer(width: 64, height: 64, fill: 1),
                                           damage: [fb.bounds])
        XCTAssertThrowsError(try d.decode(body: ok?.body ?? [], rect: fb.bounds, into: &fb))
    }
}
