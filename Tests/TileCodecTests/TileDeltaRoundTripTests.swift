import XCTest
import Pixels
@testable import TileCodec

final class TileDeltaRoundTripTests: XCTestCase {
    /// Encodes previous → current with full damage and decodes onto a copy of previous; asserts exact pixels.
    @discardableResult
    func roundTrip(_ previous: Framebuffer, _ current: Framebuffer, damage: [Rect]? = nil,
                   encoder: TileDeltaEncoder = TileDeltaEncoder(), decoder: TileDeltaDecoder = TileDeltaDecoder(),
                   file: StaticString = #filePath, line: UInt = #line) -> TileDeltaUpdate? {
        var fb = Patterns.masked(previous)
        let update = encoder.encode(previous: previous, current: current, damage: damage ?? [current.bounds])
        if let update {
            XCTAssertEqual(Int(update.body[0]) << 24 | Int(update.body[1]) << 16 | Int(update.body[2]) << 8 | Int(update.body[3]),
                           update.body.count - 4, "U32 length prefix", file: file, line: line)
            XCTAssertTrue(current.bounds.contains(update.rect), file: file, line: line)
            XCTAssertNoThrow(try decoder.decode(body: update.body, rect: update.rect, into: &fb), file: file, line: line)
        }
        let expected = Patterns.masked(current)
        if let d = fb.firstDifference(from: expected) {
            XCTFail("first difference at \(d.x),\(d.y): got \(String(d.mine, radix: 16)) want \(String(d.theirs, radix: 16))",
                    file: file, line: line)
        }
        return update
    }

    func testLongDistanceMatchingFindsAPageSeenMegabytesAgo() {
        // A text page shown again after six other pages: level 1's hash table has forgotten it, zstd's
        // long-distance matcher (on by default) has not; both streams decode exactly.
        let pages = (0..<7).map { Patterns.text(1280, 720, seed: UInt64(20 + $0)) }
        var last: [Bool: Int] = [:]
        for longDistance in [false, true] {
            let encoder = TileDeltaEncoder(level: 1, longDistanceMatching: longDistance), decoder = TileDeltaDecoder()
            // Each page over a blank screen, so the repeated page's payload is the first one's again.
            let blank = Framebuffer(width: 1280, height: 720)
            for page in pages + [pages[0]] {
                last[longDistance] = roundTrip(blank, page, encoder: encoder, decoder: decoder)?.body.count
            }
        }
        let without = last[false] ?? 0, with = last[true] ?? .max
        XCTAssertGreaterThan(without, 10_000, "without it the page is sent again")
        XCTAssertLessThan(with, without / 20, "with it the page is a few matches (\(with) vs \(without) bytes)")
    }

    func testNothingChangedGivesNil() {
        let a = Patterns.text(300, 200, seed: 1)
        XCTAssertNil(TileDeltaEncoder().encode(previous: a, current: a, damage: [a.bounds]))
    }

    func testDamageLimitsWhatIsSeen() {
        let a = Framebuffer(width: 200, height: 100)
        var b = a
        b[150, 50] = 0xFF0000
        XCTAssertNil(TileDeltaEncoder().encode(previous: a, current: b, damage: [Rect(x: 0, y: 0, width: 64, height: 64)]))
        let u = roundTrip(a, b, damage: [Rect(x: 150, y: 50, width: 1, height: 1)])
        XCTAssertEqual(u?.rect, Rect(x: 128, y: 0, width: 64, height: 64))
    }

    func testSizesAndEdges() {
        for (w, h) in [(1, 1), (2, 1), (1, 7), (63, 65), (64, 64), (65, 63), (129, 130), (4097, 3), (3, 200)] {
            let a = Patterns.noise(w, h, seed: UInt64(w * 7 + h))
            let b = Patterns.noise(w, h, seed: UInt64(w * 13 + h))
            var c = Patterns.text(w, h, seed: 9)
            Patterns.rectangles(&c, count: 5, seed: 3)
            let encoder = TileDeltaEncoder(), decoder = TileDeltaDecoder()
            roundTrip(a, b, encoder: encoder, decoder: decoder)
            roundTrip(b, c, encoder: encoder, decoder: decoder)
            roundTrip(c, Patterns.gradient(w, h), encoder: encoder, decoder: decoder)
        }
    }

    func testGeneratedContentOnOneStream() {
        let encoder = TileDeltaEncoder(), decoder = TileDeltaDecoder()
        var frames = [Patterns.gradient(700, 500), Patterns.text(700, 500, seed: 4)]
        var f = Patterns.text(700, 500, seed: 5)
        Patterns.rectangles(&f, count: 30, seed: 6)
        frames.append(f)
        frames.append(Patterns.noise(700, 500, seed: 7))
        frames.append(Patterns.text(700, 500, seed: 8))
        for i in 1..<frames.count { roundTrip(frames[i - 1], frames[i], encoder: encoder, decoder: decoder) }
    }

    func testScrollsBecomeCopies() {
        let encoder = TileDeltaEncoder(), decoder = TileDeltaDecoder()
        var previous = Patterns.text(640, 480, seed: 11)
        previous.fill(Rect(x: 0, y: 0, width: 640, height: 20), with: 0x3050A0)
        let area = Rect(x: 37, y: 20, width: 500, height: 430)
        for (i, dy) in [-12, 12, -1, 1, -37, 100, -200, 5].enumerated() {
            let current = Patterns.scrolled(previous, area: area, dy: dy, seed: UInt64(100 + i))
            let u = roundTrip(previous, current, encoder: encoder, decoder: decoder)
            XCTAssertGreaterThan(u?.copies ?? 0, 0, "scroll by \(dy) found no copy")
            if abs(dy) <= 37 {
                XCTAssertLessThan(u?.body.count ?? .max, 9000, "scroll by \(dy) costs \(u?.body.count ?? 0) bytes")
            }
            previous = current
        }
    }

    func testMovedWindowBecomesCopies() {
        let encoder = TileDeltaEncoder(), decoder = TileDeltaDecoder()
        let background = Patterns.gradient(800, 600)
        var window = Patterns.text(300, 200, seed: 21, background: 0xF0F0F0, ink: 0x101010)
        window.fill(Rect(x: 0, y: 0, width: 300, height: 18), with: 0x2040A0)
        for (i, (from, to)) in [((10, 10), (47, 33)), ((400, 300), (390, 310)), ((100, 100), (100, 170)),
                                ((600, 450), (-30, -20))].enumerated() {
            let (a, b) = Patterns.movedWindow(background: background, window: window, from: from, to: to)
            let u = roundTrip(a, b, encoder: encoder, decoder: decoder)
            if i < 3 { XCTAssertGreaterThan(u?.copies ?? 0, 0, "move \(from) -> \(to) found no copy") }
        }
    }

    func testPadBytesAreIgnored() {
        let a = Patterns.noise(130, 70, seed: 31, pad: true)
        var b = Patterns.text(130, 70, seed: 32)
        for i in stride(from: 0, to: b.pixels.count, by: 3) { b.pixels[i] |= 0xFF00_0000 }
        roundTrip(a, b)
    }

    func testTwoThreadsMatchOne() {
        let a = Patterns.text(1920, 1080, seed: 41)
        let b = Patterns.scrolled(a, area: Rect(x: 100, y: 50, width: 1500, height: 1000), dy: -24, seed: 42)
        let one = TileDeltaEncoder(); one.parallel = false
        let two = TileDeltaEncoder()
        // Threads take alternate tiles, so the payloads hold the same tiles in another order.
        let u1 = one.encode(previous: a, current: b, damage: [a.bounds])
        let p1 = one.payload
        let u2 = two.encode(previous: a, current: b, damage: [a.bounds])
        XCTAssertEqual(u1?.rect, u2?.rect)
        XCTAssertEqual(u1?.tiles, u2?.tiles)
        XCTAssertEqual(p1.count, two.payload.count)
        XCTAssertEqual(p1.sorted(), two.payload.sorted())
        let fresh = TileDeltaEncoder()
        fresh.parallel = false
        roundTrip(a, b, encoder: fresh)
        roundTrip(a, b)
    }

    /// A grey picture: every pixel has red = green = blue (anti-aliased text, grey UI).
    func grey(_ fb: Framebuffer) -> Framebuffer {
        var out = fb
        for i in 0..<out.pixels.count { out.pixels[i] = (out.pixels[i] >> 8 & 0xFF) &* 0x01_0101 }
        return out
    }

    /// Version 2 on one stream, with version 1 updates in between (each payload names its version):
    /// exact pixels every time, the version byte as set, and grey tiles as the grey kind.
    func testVersionTwoOnOneStream() throws {
        let encoder = TileDeltaEncoder(), decoder = TileDeltaDecoder()
        let w = 333, h = 211
        var f = Patterns.text(w, h, seed: 5)
        Patterns.rectangles(&f, count: 20, seed: 6)
        let frames = [Patterns.gradient(w, h), grey(Patterns.gradient(w, h)), Patterns.noise(w, h, seed: 3),
                      grey(Patterns.noise(w, h, seed: 4)), f, grey(f), Patterns.gradient(w, h)]
        for i in 1..<frames.count {
            for version in [TileDelta.version2, TileDelta.version1, TileDelta.version3, TileDelta.version2] {
                encoder.version = version
                // Back to the previous frame first, so every version codes the same change.
                var viewer = frames[i - 1]
                if let back = encoder.encode(previous: frames[i], current: frames[i - 1], damage: [frames[i].bounds]) {
                    var fb = frames[i]
                    try decoder.decode(body: back.body, rect: back.rect, into: &fb)
                    XCTAssertNil(fb.firstDifference(from: frames[i - 1]), "frame \(i) back, version \(version)")
                }
                let u = try XCTUnwrap(encoder.encode(previous: frames[i - 1], current: frames[i], damage: [frames[i].bounds]))
                XCTAssertEqual(encoder.payload.first, version)
                try decoder.decode(body: u.body, rect: u.rect, into: &viewer)
                XCTAssertEqual(decoder.lastVersion, version)
                if let d = viewer.firstDifference(from: frames[i]) {
                    XCTFail("frame \(i), version \(version): first difference at \(d.x),\(d.y)")
                }
            }
        }
    }

    /// A smooth grey tile: version 2 sends it as the grey kind (one byte a pixel), in fewer payload bytes
    /// than version 1's predicted kind; a coloured smooth tile goes as the predicted kind in both.
    func testGreyTileIsTheGreyKindInVersionTwo() throws {
        let black = Framebuffer(width: 64, height: 64)
        let smooth = Patterns.gradient(64, 64)
        // Over 127 grey levels (no palette), changing smoothly.
        var greySmooth = black
        for y in 0..<64 { for x in 0..<64 { greySmooth[x, y] = UInt32((x * 3 + y * 2) & 0xFF) &* 0x01_0101 } }
        for (picture, v2Kind) in [(greySmooth, TileDelta.Kind.grey), (smooth, .predicted)] {
            var sizes: [UInt8: Int] = [:]
            for version in [TileDelta.version1, TileDelta.version2] {
                let payload = try oneTile(picture, over: black, version: version)
                XCTAssertEqual(payload[11], version == TileDelta.version1 ? TileDelta.Kind.predicted.rawValue : v2Kind.rawValue)
                sizes[version] = payload.count
            }
            XCTAssertEqual(sizes[TileDelta.version1], 12 + 3 * 4096)
            XCTAssertEqual(sizes[TileDelta.version2], 12 + (v2Kind == .grey ? 1 : 3) * 4096)
        }
    }

    /// Encodes `picture` over `previous` (one 64x64 tile, every row and column changed) as payload
    /// `version`, checks the payload's head and that the update decodes exactly; returns the payload (its
    /// byte 11 is the tile's kind byte).
    private func oneTile(_ picture: Framebuffer, over previous: Framebuffer, version: UInt8) throws -> [UInt8] {
        let encoder = TileDeltaEncoder()
        encoder.version = version
        let u = try XCTUnwrap(encoder.encode(previous: previous, current: picture, damage: [previous.bounds]))
        // version, 0 copies, 1 tile, column 0, row 0, then the kind byte (no masks: every row and column).
        XCTAssertEqual(Array(encoder.payload.prefix(11)), [version, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0])
        var fb = previous
        let decoder = TileDeltaDecoder()
        try decoder.decode(body: u.body, rect: u.rect, into: &fb)
        XCTAssertEqual(decoder.lastVersion, version)
        XCTAssertNil(fb.firstDifference(from: picture), "version \(version)")
        return encoder.payload
    }

    /// Tiles where two channels are equal everywhere (a link's blue beside black text: red = green; red
    /// marks: green = blue; green on magenta-grey: red = blue): version 3 sends them as the dual kind
    /// (its pair byte, then two bytes a pixel), versions 1 and 2 as the predicted kind; all exact.
    func testTwoEqualChannelsAreTheDualKindInVersionThree() throws {
        let black = Framebuffer(width: 64, height: 64)
        func picture(_ pixel: (UInt32, UInt32) -> UInt32) -> Framebuffer {
            var fb = black
            // Over 127 colours (no palette), changing smoothly; the two levels differ in most pixels.
            for y in 0..<64 { for x in 0..<64 { fb[x, y] = pixel(UInt32((x * 3 + y * 2) & 0xFF), UInt32((x + y * 5) & 0xFF)) } }
            return fb
        }
        let cases: [(Framebuffer, TileDelta.Pair)] = [
            (picture { a, b in a << 16 | a << 8 | b }, .redGreen),
            (picture { a, b in b << 16 | a << 8 | a }, .greenBlue),
            (picture { a, b in a << 16 | b << 8 | a }, .redBlue),
        ]
        for (picture, pair) in cases {
            for version in [TileDelta.version1, TileDelta.version2, TileDelta.version3] {
                let payload = try oneTile(picture, over: black, version: version)
                if version == TileDelta.version3 {
                    XCTAssertEqual(payload[11], TileDelta.Kind.dual.rawValue, "\(pair)")
                    XCTAssertEqual(payload[12], pair.rawValue)
                    XCTAssertEqual(payload.count, 13 + 2 * 4096)
                } else {
                    XCTAssertEqual(payload[11], TileDelta.Kind.predicted.rawValue, "\(pair), version \(version)")
                    XCTAssertEqual(payload.count, 12 + 3 * 4096)
                }
            }
        }
    }

    /// A grey tile of long runs (64 levels in bands, as in a grey interface): version 2 sends it run-length
    /// coded (plain RLE, about 4 bytes a row), version 3 as the grey kind (a byte a pixel), whose bytes
    /// repeat wherever the same picture does.
    func testGreyTileIsNotRunLengthCodedInVersionThree() throws {
        let white = Framebuffer(width: 64, height: 64, fill: 0xFF_FFFF)
        var bands = white
        for y in 0..<64 { for x in 0..<64 { bands[x, y] = UInt32(100 + y) &* 0x01_0101 } }
        var kinds: [UInt8: UInt8] = [:]
        for version in [TileDelta.version2, TileDelta.version3] {
            kinds[version] = try oneTile(bands, over: white, version: version)[11]
        }
        XCTAssertEqual(kinds, [TileDelta.version2: TileDelta.Kind.plainRLE.rawValue, TileDelta.version3: TileDelta.Kind.grey.rawValue])
    }

    /// A large photographic update on a level-3 stream goes in a new zstd frame at level 1, and the next
    /// text update in a new frame at level 3 again; one decoder reads all of them exactly.
    func testPhotographicUpdateGetsItsOwnZstdFrame() throws {
        let encoder = TileDeltaEncoder(defaultsFor: TileDelta.version3), decoder = TileDeltaDecoder()
        XCTAssertEqual(encoder.zstdLevel, 3)
        let w = 640, h = 400
        var text = Patterns.text(w, h, seed: 11)
        Patterns.rectangles(&text, count: 10, seed: 12)
        var text2 = text
        text2.fill(Rect(x: 10, y: 10, width: 40, height: 12), with: 0x20_4080)
        // Smooth colour over the whole frame: predicted tiles, 3 bytes a pixel (768,000 bytes).
        let photo = Patterns.gradient(w, h)
        let frames = [text, photo, text2, text]
        let magic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]
        var viewer = Framebuffer(width: w, height: h)
        var levels: [Int] = [], newFrames: [Bool] = []
        for (i, frame) in frames.enumerated() {
            let u = try XCTUnwrap(encoder.encode(previous: viewer, current: frame, damage: [frame.bounds]))
            levels.append(encoder.zstdLevel)
            // A zstd frame header after the 8-byte head: this update starts a new frame.
            let data = Array(u.body[8...])
            newFrames.append((0...(data.count - 4)).contains { Array(data[$0..<($0 + 4)]) == magic })
            try decoder.decode(body: u.body, rect: u.rect, into: &viewer)
            XCTAssertNil(viewer.firstDifference(from: frame), "update \(i)")
        }
        XCTAssertEqual(levels, [3, 1, 3, 3])
        XCTAssertEqual(newFrames, [true, true, true, false])
    }

    /// A long session on one stream: scrolls of random regions, moved blocks, rectangles, noise patches.
    func testRandomEditsOnOneStream() {
        let encoder = TileDeltaEncoder(), decoder = TileDeltaDecoder()
        var rng = SeededRandom(77)
        var frame = Patterns.text(333, 211, seed: 78)
        var viewer = frame
        for step in 0..<40 {
            var next = frame
            switch rng.int(0..<4) {
            case 0:
                let x = rng.int(0..<200), y = rng.int(0..<100)
                let area = Rect(x: x, y: y, width: rng.int(40..<(333 - x)), height: rng.int(40..<(211 - y)))
                next = Patterns.scrolled(frame, area: area, dy: rng.int(-30..<31), seed: UInt64(step))
            case 1:
                let w = rng.int(20..<120), h = rng.int(20..<100)
                let src = Rect(x: rng.int(0..<(333 - w)), y: rng.int(0..<(211 - h)), width: w, height: h)
                next.copyWithin(from: src, toX: rng.int(0..<(333 - w)), toY: rng.int(0..<(211 - h)))
            case 2:
                Patterns.rectangles(&next, count: rng.int(1..<6), seed: UInt64(step))
            default:
                let patch = Patterns.noise(40, 30, seed: UInt64(step))
                let x = rng.int(0..<293), y = rng.int(0..<181)
                for yy in 0..<30 { for xx in 0..<40 { next[x + xx, y + yy] = patch[xx, yy] } }
            }
            if let u = encoder.encode(previous: frame, current: next, damage: [next.bounds]) {
                XCTAssertNoThrow(try decoder.decode(body: u.body, rect: u.rect, into: &viewer), "step \(step)")
            }
            if let d = viewer.firstDifference(from: next) {
                return XCTFail("step \(step): first difference at \(d.x),\(d.y)")
            }
            frame = next
        }
    }
}
