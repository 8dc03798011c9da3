import Foundation
import XCTest
import Pixels
@testable import TileCodec

/// Replays codecs/tile-delta/vectors/*.vec and codecs/zrle/vectors/*.vec. Set REGENERATE_VECTORS=1 to
/// rewrite the positive vectors from `GoldenCases` (then review the diff: it changes the wire format).
final class GoldenVectorTests: XCTestCase {
    /// A tile-delta body around an uncompressed payload, compressed by a fresh stream.
    static func tileDeltaBody(_ payload: [UInt8]) -> [UInt8] {
        var body: [UInt8] = [0, 0, 0, 0]
        body.appendU32(payload.count)
        ZstdCompressor(level: 3).compress(payload, into: &body)
        body.patchU32(at: 0, body.count - 4)
        return body
    }

    /// A ZRLE body (after the U32 length) around uncompressed tile data, from a fresh zlib stream.
    static func zrleBody(_ plain: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        Deflater(level: 6).compress(plain, into: &out)
        return out
    }

    func testTileDeltaVectors() throws {
        let files = VectorFile.files("tile-delta")
        XCTAssertGreaterThanOrEqual(files.count, 20, "golden vectors missing")
        for path in files {
            let v = try VectorFile(path: path)
            guard let previous = v.framebuffer("previous"), let rect = v.rect("rect") else {
                XCTFail("\(v.name): needs size, previous, rect"); continue
            }
            if v.has("error") {
                let body = v.has("body") ? v.hex("body") : Self.tileDeltaBody(v.hex("payload"))
                var fb = previous
                XCTAssertThrowsError(try TileDeltaDecoder().decode(body: body, rect: rect, into: &fb), v.name) { error in
                    let want = v.words("error").joined(separator: " ")
                    XCTAssertTrue("\(error)".contains(want), "\(v.name): error '\(error)' does not say '\(want)'")
                }
                continue
            }
            guard let current = v.framebuffer("current") else { XCTFail("\(v.name): no current"); continue }
            if !v.has("decode-only") {
                // The payload's first byte is its version: the encoder writes that version.
                let encoder = TileDeltaEncoder()
                encoder.version = v.hex("payload").first ?? TileDelta.version1
                let update = encoder.encode(previous: previous, current: current, damage: v.rects("damage"))
                XCTAssertEqual(update?.rect, rect, v.name)
                XCTAssertEqual(VectorFile.hex(encoder.payload), VectorFile.hex(v.hex("payload")), "\(v.name): payload")
            }
            for body in [v.hex("body"), Self.tileDeltaBody(v.hex("payload"))] where !body.isEmpty {
                var fb = previous
                XCTAssertNoThrow(try TileDeltaDecoder().decode(body: body, rect: rect, into: &fb), v.name)
                XCTAssertEqual(fb, v.framebuffer("decoded") ?? current, "\(v.name): decoded pixels")
            }
        }
    }

    func testZRLEVectors() throws {
        let files = VectorFile.files("zrle")
        XCTAssertGreaterThanOrEqual(files.count, 12, "golden vectors missing")
        for path in files {
            let v = try VectorFile(path: path)
            let f = v.ints("format")
            guard f.count == 9, let rect = v.rect("rect") else { XCTFail("\(v.name): needs format, rect"); continue }
            let format = PixelFormat(bitsPerPixel: f[0], depth: f[1], bigEndian: f[2] != 0, trueColour: true,
                                     redMax: f[3], greenMax: f[4], blueMax: f[5],
                                     redShift: f[6], greenShift: f[7], blueShift: f[8] )
            let size = v.ints("size")
            var fb = Framebuffer(width: size[0], height: size[1])
            if v.has("error") {
                let body = Self.zrleBody(v.hex("plain"))
                XCTAssertThrowsError(try ZRLEDecoder().decode(body: body, rect: rect, format: format, into: &fb), v.name) { error in
                    let want = v.words("error").joined(separator: " ")
                    XCTAssertTrue("\(error)".contains(want), "\(v.name): error '\(error)' does not say '\(want)'")
                }
                continue
            }
            guard let current = v.framebuffer("current"), let expected = v.framebuffer("decoded") else {
                XCTFail("\(v.name): needs current, decoded"); continue
            }
            let encoder = ZRLEEncoder()
            let body = encoder.encode(current, rect: rect, format: format)
            XCTAssertEqual(VectorFile.hex(encoder.plain), VectorFile.hex(v.hex("plain")), "\(v.name): tile data")
            XCTAssertEqual(body.count - 4, Int(body[0]) << 24 | Int(body[1]) << 16 | Int(body[2]) << 8 | Int(body[3]))
            for b in [v.hex("body"), Self.zrleBody(v.hex("plain"))] {
                var out = Framebuffer(width: size[0], height: size[1])
                XCTAssertNoThrow(try ZRLEDecoder().decode(body: b, rect: rect, format: format, into: &out), v.name)
                XCTAssertEqual(out, expected, "\(v.name): decoded pixels")
            }
        }
    }

    func testRegenerateVectors() throws {
        guard ProcessInfo.processInfo.environment["REGENERATE_VECTORS"] != nil else { return }
        try GoldenCases.writeAll()
    }
}
