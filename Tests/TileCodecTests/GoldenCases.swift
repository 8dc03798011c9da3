import Foundation
import Pixels
@testable import TileCodec

/// The definitions behind the golden vector files (used only when regenerating them).
enum GoldenCases {
    static func fb(_ w: Int, _ h: Int, _ f: (Int, Int) -> UInt32) -> Framebuffer {
        var out = Framebuffer(width: w, height: h)
        for y in 0..<h { for x in 0..<w { out[x, y] = f(x, y) } }
        return out
    }

    static func write(_ codec: String, _ name: String, _ lines: [String]) throws {
        let path = VectorFile.directory(codec) + "/" + name + ".vec"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    // MARK: tile-delta

    static func positive(_ name: String, _ comment: String, _ prev: Framebuffer, _ cur: Framebuffer,
                         damage: [Rect]? = nil, version: UInt8 = TileDelta.version1) throws {
        let encoder = TileDeltaEncoder()
        encoder.version = version
        let d = damage ?? [cur.bounds]
        guard let u = encoder.encode(previous: prev, current: cur, damage: d) else { fatalError("\(name): no update") }
        var decoded = prev
        try TileDeltaDecoder().decode(body: u.body, rect: u.rect, into: &decoded)
        // Only a damage that leaves out a change may leave a different picture (td-08).
        if damage == nil && decoded != cur { fatalError("\(name): the update does not decode to the current picture") }
        try write("tile-delta", name, ["# \(comment)", "size \(cur.width) \(cur.height)",
                                       "previous " + VectorFile.pixels(prev), "current " + VectorFile.pixels(cur)]
                  + (decoded != cur ? ["decoded " + VectorFile.pixels(decoded)] : [])
                  + d.map { "damage \($0.x) \($0.y) \($0.width) \($0.height)" }
                  + ["rect \(u.rect.x) \(u.rect.y) \(u.rect.width) \(u.rect.height)",
                     "payload " + VectorFile.hex(encoder.payload), "body " + VectorFile.hex(u.body)])
    }

    /// Like `positive`, but the recorded body carries the payload in two zstd frames: the first part in a
    /// frame that is ended, the rest in a new frame at another level (what `TileDeltaEncoder` does around
    /// photographic updates). Decoders must read on across the frame boundary.
    static func twoFrames(_ name: String, _ comment: String, _ prev: Framebuffer, _ cur: Framebuffer) throws {
        let encoder = TileDeltaEncoder()
        encoder.version = TileDelta.version3
        guard let u = encoder.encode(previous: prev, current: cur, damage: [cur.bounds]) else { fatalError("\(name): no update") }
        let payload = encoder.payload, half = payload.count / 2
        let zstd = ZstdCompressor(level: 3)
        var body: [UInt8] = [0, 0, 0, 0]
        body.appendU32(payload.count)
        zstd.compress(Array(payload[..<half]), into: &body)
        zstd.compress(Array(payload[half...]), into: &body, settings: ZstdCompressor.Settings(level: 1))
        body.patchU32(at: 0, body.count - 4)
        try write("tile-delta", name, ["# \(comment)", "size \(cur.width) \(cur.height)",
                                       "previous " + VectorFile.pixels(prev), "current " + VectorFile.pixels(cur),
                                       "damage 0 0 \(cur.width) \(cur.height)",
                                       "rect \(u.rect.x) \(u.rect.y) \(u.rect.width) \(u.rect.height)",
                                       "payload " + VectorFile.hex(payload), "body " + VectorFile.hex(body)])
    }

    static func decodeOnly(_ name: String, _ comment: String, _ prev: Framebuffer, _ cur: Framebuffer, rect: Rect,
                           payload: [UInt8]) throws {
        try write("tile-delta", name, ["# \(comment)", "decode-only", "size \(cur.width) \(cur.height)",
                                       "previous " + VectorFile.pixels(prev), "current " + VectorFile.pixels(cur),
                                       "rect \(rect.x) \(rect.y) \(rect.width) \(rect.height)",
                                       "payload " + VectorFile.hex(payload)])
    }

    static func negative(_ name: String, _ comment: String, size: (Int, Int), rect: Rect, payload: [UInt8],
                         body: [UInt8]? = nil, error: String) throws {
        let prev = Framebuffer(width: size.0, height: size.1)
        var lines = ["# \(comment)", "size \(size.0) \(size.1)", "previous " + VectorFile.pixels(prev),
                     "rect \(rect.x) \(rect.y) \(rect.width) \(rect.height)", "payload " + VectorFile.hex(payload)]
        if let body { lines.append("body " + VectorFile.hex(body)) }
        lines.append("error \(error)")
        try write("tile-delta", name, lines)
    }

    /// A payload with no copies and the given tiles' bytes.
    static func payload(copies: [[Int]] = [], tiles: Int, _ tileBytes: [UInt8], version: UInt8 = 1) -> [UInt8] {
        var p: [UInt8] = [version]
        p.appendU16(copies.count)
        for c in copies { for v in c { p.appendU16(v) } }
        p.appendU32(tiles)
        return p + tileBytes
    }

    static func writeTileDelta() throws {
        let black8x4 = Framebuffer(width: 8, height: 4)
        try positive("td-01-solid", "one tile becomes solid red (kind 1)", black8x4, Framebuffer(width: 8, height: 4, fill: 0xFF0000))
        try positive("td-02-packed-palette", "two colours, 1-bit packed rows (kind 2)", black8x4,
                     fb(8, 4) { x, y in (x + y) % 3 == 0 ? 0x00FF00 : 0x0000FF })
        try positive("td-03-row-mask", "only row 2 changes: row mask 0x4 (kind byte with bit 7)", black8x4,
                     fb(8, 4) { _, y in y == 2 ? 0x123456 : 0 })
        try positive("td-04-palette-rle", "runs over 3 colours across two tiles, 70x3 (kind 3)", Framebuffer(width: 70, height: 3),
                     fb(70, 3) { x, y in x < 20 ? 0xAA0000 : x < 50 ? 0x00BB00 : (y == 1 ? 0x0000CC : 0xAA0000) })
        try positive("td-05-predicted", "a smooth gradient, predicted (kind 6)", black8x4,
                     fb(8, 4) { x, y in UInt32(x * 8) << 16 | UInt32(y * 8 + x) << 8 | UInt32(200 - x - y) })
        var rng = SeededRandom(5)
        let noisy = fb(8, 8) { _, _ in rng.colour() }
        var touched = noisy
        touched[0, 1] ^= 0x010101
        touched[7, 6] ^= 0x800000
        try positive("td-06-xor", "two far-apart pixels of a noisy tile change: rows 1 and 6 coded, XOR (kind 4)", noisy, touched)
        try positive("td-12-columns", "a change in columns 2-4 of rows 1-2: row mask and column range", black8x4,
                     fb(8, 4) { x, y in (1...2).contains(y) && (2...4).contains(x) ? UInt32(0x10 * (x + y)) : 0 })
        try positive("td-07-edge", "1x1 frame", Framebuffer(width: 1, height: 1), Framebuffer(width: 1, height: 1, fill: 0xABCDEF))
        try positive("td-08-damage", "damage limits the compare: the change at x=100 is outside it", Framebuffer(width: 130, height: 2),
                     fb(130, 2) { x, _ in x == 3 || x == 100 ? 0xFFFFFF : 0 }, damage: [Rect(x: 0, y: 0, width: 10, height: 2)])
        try positive("td-09-plain-rle", "many colours in long runs (kind 5)", Framebuffer(width: 64, height: 2),
                     fb(64, 2) { x, y in UInt32((y * 64 + x) / 3 * 0x010203) & 0xFFFFFF })
        // Version 2 (the viewer listed "RAT2"): grey tiles as kind 7, everything else as in version 1.
        try positive("td-13-v2-predicted", "version 2: the gradient of td-05, predicted (kind 6) exactly as in version 1",
                     black8x4, fb(8, 4) { x, y in UInt32(x * 8) << 16 | UInt32(y * 8 + x) << 8 | UInt32(200 - x - y) },
                     version: 2)
        try positive("td-14-v2-grey", "version 2: 32 grey levels, one byte a pixel (grey, kind 7)", black8x4,
                     fb(8, 4) { x, y in UInt32(17 + x * 7 + y * 29) &* 0x01_0101 }, version: 2)
        try positive("td-15-v2-grey-rows", "version 2: grey in rows 1-3, columns 1-6 of a 70-wide frame, and a solid tile",
                     Framebuffer(width: 70, height: 4),
                     fb(70, 4) { x, y in x >= 64 ? 0x336699 : (y >= 1 && (1...6).contains(x) ? UInt32(x * 37 + y * 11) &* 0x01_0101 : 0) },
                     version: 2)
        // Version 3 (the viewer listed "RAT3"): tiles with two equal channels as kind 8.
        try positive("td-16-v3-dual", "version 3: a link's blue on white, red = green: dual (kind 8), pair 0", black8x4,
                     fb(8, 4) { x, y in let g = UInt32(250 - x * 29 - y * 3); return g << 16 | g << 8 | (238 + UInt32(x + y)) },
                     version: 3)
        try positive("td-17-v3-dual-rows", "version 3: red marks (green = blue, pair 1) in rows 1-2, columns 1-5, of a 70-wide frame; a grey tile beside",
                     Framebuffer(width: 70, height: 4),
                     fb(70, 4) { x, y in
                         if x >= 64 { return UInt32(x * 3 + y) &* 0x01_0101 }
                         guard (1...2).contains(y), (1...5).contains(x) else { return 0 }
                         let g = UInt32(x * 23 + y * 7)
                         return (200 + UInt32(x * 5 + y)) << 16 | g << 8 | g
                     }, version: 3)
        try positive("td-18-v3-dual-red-blue", "version 3: green on magenta-grey, red = blue: dual (kind 8), pair 2", black8x4,
                     fb(8, 4) { x, y in let rb = UInt32(30 + x * 9 + y * 40); return rb << 16 | UInt32(128 + x * 13 - y) << 8 | rb },
                     version: 3)
        try twoFrames("td-19-v3-two-frames", "version 3: the payload of td-16 in two zstd frames (the first ended, a new one begun, as the encoder does for photographs)",
                      black8x4, fb(8, 4) { x, y in let g = UInt32(250 - x * 29 - y * 3); return g << 16 | g << 8 | (238 + UInt32(x + y)) })
        // Decode-only: a copy (the encoder finds copies only in larger pictures).
        let left = fb(8, 4) { x, y in x < 4 ? UInt32(x * 16 + y) << 8 : 0 }
        let copied = fb(8, 4) { x, y in UInt32((x % 4) * 16 + y) << 8 }
        var tile: [UInt8] = []
        _ = tile
        try decodeOnly("td-10-copy", "copy 4x4+0+0 to 4,0 and no tiles (hand-written payload)", left, copied,
                       rect: Rect(x: 4, y: 0, width: 4, height: 4), payload: payload(copies: [[0, 0, 4, 4, 4, 0]], tiles: 0, []))
        tile = [0, 0, 0, 0, 0x81]; tile.appendU64(0b0110); tile += [0x33, 0x22, 0x11]
        try decodeOnly("td-11-solid-rows", "solid 0x112233 on rows 1 and 2 only (hand-written)", black8x4,
                       fb(8, 4) { _, y in y == 1 || y == 2 ? 0x112233 : 0 }, rect: Rect(x: 0, y: 0, width: 8, height: 4),
                       payload: payload(tiles: 1, tile))

        let r84 = Rect(x: 0, y: 0, width: 8, height: 4)
        let solid: [UInt8] = [0, 0, 0, 0, 1, 1, 2, 3]
        try negative("td-e01-version", "version 255 is unknown", size: (8, 4), rect: r84,
                     payload: payload(tiles: 1, solid, version: 255), error: "version")
        try negative("td-e02-copy-source", "copy source beyond the right edge", size: (8, 4), rect: r84,
                     payload: payload(copies: [[6, 0, 4, 4, 0, 0]], tiles: 0, []), error: "copy source")
        try negative("td-e03-copy-destination", "copy destination outside the rect", size: (8, 4), rect: Rect(x: 0, y: 0, width: 4, height: 4),
                     payload: payload(copies: [[0, 0, 4, 4, 4, 0]], tiles: 0, []), error: "copy destination")
        try negative("td-e04-tile-outside", "tile column 1 of an 8-wide frame", size: (8, 4), rect: r84,
                     payload: payload(tiles: 1, [0, 1, 0, 0, 1, 1, 2, 3]), error: "outside the framebuffer")
        try negative("td-e05-kind", "tile kind 7", size: (8, 4), rect: r84,
                     payload: payload(tiles: 1, [0, 0, 0, 0, 7, 1, 2, 3]), error: "unknown tile kind")
        try negative("td-e06-palette-index", "3-colour packed palette with index 3", size: (8, 4), rect: r84,
                     payload: payload(tiles: 1, [0, 0, 0, 0, 2, 3, 1, 1, 1, 2, 2, 2, 3, 3, 3] + [UInt8](repeating: 0xFF, count: 8)),
                     error: "palette index")
        try negative("td-e07-run", "plain RLE run of 33 pixels in a 32-pixel tile", size: (8, 4), rect: r84,
                     payload: payload(tiles: 1, [0, 0, 0, 0, 5, 1, 2, 3, 32]), error: "run of 33")
        try negative("td-e08-truncated", "raw tile with one byte missing", size: (8, 4), rect: r84,
                     payload: payload(tiles: 1, [0, 0, 0, 0, 0] + [UInt8](repeating: 7, count: 95)), error: "truncated")
        try negative("td-e09-trailing", "a byte after the last tile", size: (8, 4), rect: r84,
                     payload: payload(tiles: 1, solid + [0]), error: "left after")
        var badMask: [UInt8] = [0, 0, 0, 0, 0x81]; badMask.appendU64(0x10); badMask += [1, 2, 3]
        try negative("td-e10-row-mask", "row mask bit 4 in a 4-row tile", size: (8, 4), rect: r84,
                     payload: payload(tiles: 1, badMask), error: "row mask")
        try negative("td-e16-columns", "column range 6+3 in an 8-wide tile", size: (8, 4), rect: r84,
                     payload: payload(tiles: 1, [0, 0, 0, 0, 0x41, 6, 3, 1, 2, 3]), error: "column range")
        try negative("td-e11-tile-count", "two tiles declared in a one-tile rect", size: (8, 4), rect: r84,
                     payload: payload(tiles: 2, solid + solid), error: "cannot fit")
        let good = GoldenVectorTests.tileDeltaBody(payload(tiles: 1, solid))
        var lying = good
        lying.patchU32(at: 0, good.count - 3)
        try negative("td-e12-length", "U32 length one more than the bytes that follow", size: (8, 4), rect: r84,
                     payload: payload(tiles: 1, solid), body: lying, error: "bytes follow")
        var huge = good
        huge.patchU32(at: 4, 1 << 30)
        try negative("td-e13-declared-size", "declared payload size 1 GiB for an 8x4 rect", size: (8, 4), rect: r84,
                     payload: payload(tiles: 1, solid), body: huge, error: "out of range")
        var short = good
        short.patchU32(at: 4, 9)
        try negative("td-e14-size-mismatch", "declared payload size 9, the data holds 15", size: (8, 4), rect: r84,
                     payload: payload(tiles: 1, solid), body: short, error: "more than the declared")
        try negative("td-e17-v2-grey-truncated", "version 2 grey tile of 32 pixels with 31 bytes", size: (8, 4), rect: r84,
                     payload: payload(tiles: 1, [0, 0, 0, 0, 7] + [UInt8](repeating: 1, count: 31), version: 2), error: "truncated")
        try negative("td-e18-v2-predicted-truncated", "version 2 predicted tile of 32 pixels with 95 bytes", size: (8, 4),
                     rect: r84, payload: payload(tiles: 1, [0, 0, 0, 0, 6] + [UInt8](repeating: 1, count: 95), version: 2),
                     error: "truncated")
        try negative("td-e19-v2-kind", "tile kind 8 in version 2", size: (8, 4), rect: r84,
                     payload: payload(tiles: 1, [0, 0, 0, 0, 8, 1, 2, 3], version: 2), error: "unknown tile kind")
        var greyMask: [UInt8] = [0, 0, 0, 0, 0xC7]; greyMask.appendU64(0b0110); greyMask += [2, 7] + [UInt8](repeating: 9, count: 14)
        try negative("td-e20-v2-grey-columns", "version 2 grey tile, column range 2+7 in an 8-wide tile", size: (8, 4),
                     rect: r84, payload: payload(tiles: 1, greyMask, version: 2), error: "column range")
        try negative("td-e21-v3-dual-pair", "version 3 dual tile naming channel pair 3", size: (8, 4), rect: r84,
                     payload: payload(tiles: 1, [0, 0, 0, 0, 8, 3] + [UInt8](repeating: 1, count: 64), version: 3),
                     error: "channel pair")
        try negative("td-e22-v3-dual-truncated", "version 3 dual tile of 32 pixels with 63 bytes", size: (8, 4), rect: r84,
                     payload: payload(tiles: 1, [0, 0, 0, 0, 8, 0] + [UInt8](repeating: 1, count: 63), version: 3),
                     error: "truncated")
        try negative("td-e23-v3-kind", "tile kind 9 in version 3", size: (8, 4), rect: r84,
                     payload: payload(tiles: 1, [0, 0, 0, 0, 9, 1, 2, 3], version: 3), error: "unknown tile kind")
        try negative("td-e15-rect", "rect beyond the framebuffer", size: (8, 4), rect: Rect(x: 4, y: 0, width: 8, height: 4),
                     payload: payload(tiles: 1, solid), error: "outside")
    }

    // MARK: ZRLE

    static func formatLine(_ f: PixelFormat) -> String {
        "format \(f.bitsPerPixel) \(f.depth) \(f.bigEndian ? 1 : 0) \(f.redMax) \(f.greenMax) \(f.blueMax) \(f.redShift) \(f.greenShift) \(f.blueShift)"
    }

    static func zrle(_ name: String, _ comment: String, _ format: PixelFormat, _ cur: Framebuffer) throws {
        let encoder = ZRLEEncoder()
        let body = encoder.encode(cur, rect: cur.bounds, format: format)
        var decoded = Framebuffer(width: cur.width, height: cur.height)
        try ZRLEDecoder().decode(body: Array(body[4...]), rect: cur.bounds, format: format, into: &decoded)
        try write("zrle", name, ["# \(comment)", formatLine(format), "size \(cur.width) \(cur.height)",
                                 "current " + VectorFile.pixels(cur), "decoded " + VectorFile.pixels(decoded),
                                 "rect 0 0 \(cur.width) \(cur.height)", "plain " + VectorFile.hex(encoder.plain),
                                 "body " + VectorFile.hex(Array(body[4...]))])
    }

    static func zrleNegative(_ name: String, _ comment: String, plain: [UInt8], size: (Int, Int) = (4, 2), error: String) throws {
        try write("zrle", name, ["# \(comment)", formatLine(.native), "size \(size.0) \(size.1)",
                                 "rect 0 0 \(size.0) \(size.1)", "plain " + VectorFile.hex(plain), "error \(error)"])
    }

    static func writeZRLE() throws {
        let native = PixelFormat.native
        let be24 = PixelFormat(bitsPerPixel: 32, depth: 24, bigEndian: true, trueColour: true, redMax: 255, greenMax: 255,
                               blueMax: 255, redShift: 16, greenShift: 8, blueShift: 0)
        let leHigh = PixelFormat(bitsPerPixel: 32, depth: 24, bigEndian: false, trueColour: true, redMax: 255, greenMax: 255,
                                 blueMax: 255, redShift: 24, greenShift: 16, blueShift: 8)
        let beHigh = PixelFormat(bitsPerPixel: 32, depth: 24, bigEndian: true, trueColour: true, redMax: 255, greenMax: 255,
                                 blueMax: 255, redShift: 24, greenShift: 16, blueShift: 8)
        let depth32 = PixelFormat(bitsPerPixel: 32, depth: 32, bigEndian: false, trueColour: true, redMax: 255, greenMax: 255,
                                  blueMax: 255, redShift: 16, greenShift: 8, blueShift: 0)
        let be565 = PixelFormat(bitsPerPixel: 16, depth: 16, bigEndian: true, trueColour: true, redMax: 31, greenMax: 63,
                                blueMax: 31, redShift: 11, greenShift: 5, blueShift: 0)
        let one = Framebuffer(width: 1, height: 1, fill: 0x112233)
        try zrle("z-01-solid-native", "solid, CPIXEL = first 3 wire bytes (LE, colour in the low 3)", native, one)
        try zrle("z-02-solid-be24", "solid, CPIXEL = last 3 wire bytes (BE, colour in the low 3)", be24, one)
        try zrle("z-03-solid-le-high", "solid, CPIXEL = last 3 wire bytes (LE, colour in the high 3)", leHigh, one)
        try zrle("z-04-solid-be-high", "solid, CPIXEL = first 3 wire bytes (BE, colour in the high 3)", beHigh, one)
        try zrle("z-05-solid-depth32", "depth 32: 4-byte CPIXEL", depth32, one)
        try zrle("z-06-packed-2", "2 colours, 1 bit per pixel, rows byte-aligned, 10 wide", native,
                 fb(10, 2) { x, y in (x + y) % 2 == 0 ? 0xFF0000 : 0x0000FF })
        try zrle("z-07-packed-4", "3 colours, 2 bits per pixel", native, fb(5, 2) { x, _ in [0x000000, 0x808080, 0xFFFFFF][x % 3] })
        try zrle("z-08-packed-16", "9 colours, 4 bits per pixel", native, fb(64, 2) { x, _ in UInt32((x % 9) * 0x111111) })
        try zrle("z-09-palette-rle", "palette RLE: long runs and a single pixel (bare index)", native,
                 fb(64, 4) { x, y in x < 40 ? 0x102030 : (x == 40 && y == 0 ? 0xFFFFFF : 0x405060) })
        try zrle("z-10-plain-rle", "plain RLE (128): 300-pixel run needs a 255 continuation byte", native,
                 fb(130, 3) { x, y in UInt32(((y * 130 + x) / 300 + 1) * 0x0F0E0D + (y * 130 + x < 300 ? 0 : x / 2 * 0x010000)) & 0xFFFFFF })
        var rng = SeededRandom(8)
        try zrle("z-11-raw", "noise: raw (0)", native, fb(4, 4) { _, _ in rng.colour() })
        try zrle("z-12-rgb565-be", "16 bpp big-endian, two tiles wide (65x1)", be565, fb(65, 1) { x, _ in UInt32(x * 0x040404) })
        try zrle("z-13-bgr233", "8 bpp", .bgr233, fb(3, 3) { x, y in [0xFF0000, 0x00FF00, 0x0000FF][(x + y) % 3] })

        try zrleNegative("z-e01-subencoding", "sub-encoding 17 is undefined", plain: [17], error: "unknown ZRLE sub-encoding")
        try zrleNegative("z-e02-129", "sub-encoding 129 is undefined", plain: [129, 0], error: "unknown ZRLE sub-encoding")
        try zrleNegative("z-e03-index", "packed palette of 3 with index 3", plain: [3, 1, 1, 1, 2, 2, 2, 3, 3, 3, 0xFF, 0xFF],
                         error: "palette index")
        try zrleNegative("z-e04-run", "plain RLE run of 9 in an 8-pixel tile", plain: [128, 1, 2, 3, 8], error: "run of 9")
        try zrleNegative("z-e05-truncated", "raw tile cut short", plain: [0, 1, 2, 3], error: "truncated")
        try zrleNegative("z-e06-trailing", "a byte after the last tile", plain: [1, 1, 2, 3, 0], error: "left after")
        try zrleNegative("z-e07-rle-index", "palette RLE of 2 with index 5", plain: [130, 1, 1, 1, 2, 2, 2, 5], error: "palette index")
    }

    static func writeAll() throws {
        for codec in ["tile-delta", "zrle"] {
            for f in VectorFile.files(codec) { try FileManager.default.removeItem(atPath: f) }
        }
        try writeTileDelta()
        try writeZRLE()
    }
}
