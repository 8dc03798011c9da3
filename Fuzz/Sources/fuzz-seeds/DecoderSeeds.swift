import Foundation
import FuzzSupport
import Pixels
import RFBProtocol
import TileCodec

/// Seeds of `fuzz-decoders`: every golden vector with a body, the negative ZRLE vectors framed by a
/// stored zlib stream, and inputs made by our encoders (ZRLE in each table format, tile-delta, Raw,
/// CopyRect, Cursor, the pseudo-encodings and a mixed sequence on one connection).
enum DecoderSeeds {
    static let t = "fuzz-decoders"

    static func picture(width: Int, height: Int, _ n: Int) -> Framebuffer {
        var fb = Framebuffer(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width { fb[x, y] = (x / 8 + y / 8 + n) % 3 == 0 ? 0xFF_FFFF : UInt32(((x / 4) * 40) << 16 | ((y / 4) * 30) << 8 | n) & 0xFF_FFFF }
        }
        return fb
    }

    /// Smooth pictures (predicted tiles), grey when `n` is odd (the grey kind of tile-delta version 2).
    static func smooth(width: Int, height: Int, _ n: Int) -> Framebuffer {
        var fb = Framebuffer(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let v = UInt32((x * 3 + y * 5 + n * 11) & 0xFF)
                fb[x, y] = n % 2 == 1 ? v &* 0x01_0101 : v << 16 | UInt32((x * 7 + y) & 0xFF) << 8 | UInt32((y * 3 + x * n) & 0xFF)
            }
        }
        return fb
    }

    /// The updates `encoder` (on one thread) makes from a black frame through `frames`, as one
    /// connection's tile-delta input.
    static func tileDeltaSequence(_ encoder: TileDeltaEncoder, _ frames: [Framebuffer]) -> [UInt8] {
        encoder.parallel = false
        guard let first = frames.first else { return [] }
        var previous = Framebuffer(width: first.width, height: first.height)
        var records: [DecoderInput.Record] = []
        for current in frames {
            if let update = encoder.encode(previous: previous, current: current, damage: [current.bounds]) {
                records.append(record(update.rect, update.body))
            }
            previous = current
        }
        return DecoderInput(kind: .tileDelta, width: first.width, height: first.height, format: .native,
                            records: records).serialized()
    }

    /// `fb` with two channels made equal (pair 0: red = green, 1: green = blue, 2: red = blue): the dual
    /// kind of tile-delta version 3.
    static func dual(_ fb: Framebuffer, pair: Int) -> Framebuffer {
        var out = fb
        for i in 0..<out.pixels.count {
            let p = out.pixels[i]
            out.pixels[i] = pair == 0 ? (p & 0xFFFF) | (p & 0xFF00) << 8 : pair == 1 ? (p & 0xFF_FF00) | (p >> 8 & 0xFF)
                : (p & 0xFFFF) | (p & 0xFF) << 16
        }
        return out
    }

    /// A tile-delta body (U32 length, U32 payload size, zstd data) around `payload`, from a fresh stream.
    static func tileDeltaBody(_ payload: [UInt8]) -> [UInt8] {
        var compressed: [UInt8] = []
        ZstdCompressor(level: 3).compress(payload, into: &compressed)
        let be = { (v: Int) -> [UInt8] in [UInt8((v >> 24) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        return be(4 + compressed.count) + be(payload.count) + compressed
    }

    static func record(_ rect: Rect, _ body: [UInt8], selector: UInt8 = 0) -> DecoderInput.Record {
        DecoderInput.Record(selector: selector, x: UInt16(rect.x), y: UInt16(rect.y), width: UInt16(rect.width),
                            height: UInt16(rect.height), body: body)
    }

    static func selector(_ encoding: Int32, in list: [Int32]) -> UInt8 {
        UInt8(list.firstIndex(of: encoding) ?? 0)
    }

    static func write(_ w: inout SeedWriter, codecs: URL) throws {
        for v in try GoldenVector.all(in: codecs.appendingPathComponent("zrle/vectors")) {
            if let input = v.decoderInput(.zrle) {
                try w.write(t, "vector-\(v.name)", input.serialized())
            } else if let plain = v.hex("plain"), var input = GoldenVector.withBody(v, StoredDeflate.zlib(plain))?.decoderInput(.zrle) {
                input.kind = .zrle
                try w.write(t, "vector-\(v.name)", input.serialized())
            }
        }
        for v in try GoldenVector.all(in: codecs.appendingPathComponent("tile-delta/vectors")) {
            if let input = v.decoderInput(.tileDelta) {
                try w.write(t, "vector-\(v.name)", input.serialized())
            } else if let payload = v.hex("payload"), let input = GoldenVector.withBody(v, tileDeltaBody(payload))?.decoderInput(.tileDelta) {
                try w.write(t, "vector-\(v.name)", input.serialized())
            }
        }

        let w64 = 80, h64 = 70
        let all = Rect(x: 0, y: 0, width: w64, height: h64)
        for (i, format) in FuzzFormats.table.enumerated() {
            let zrle = ZRLEEncoder()
            let part = Rect(x: 5, y: 3, width: 70, height: 66)
            let records = [record(all, Array(zrle.encode(picture(width: w64, height: h64, 0), rect: all, format: format).dropFirst(4))),
                           record(part, Array(zrle.encode(picture(width: w64, height: h64, 1), rect: part, format: format).dropFirst(4)))]
            try w.write(t, "zrle-format-\(i)", DecoderInput(kind: .zrle, width: w64, height: h64, format: format, records: records).serialized())
            let small = Rect(x: 3, y: 2, width: 24, height: 18)
            if let raw = RawEncoding.encode(picture(width: w64, height: h64, 2), rect: small, format: format) {
                try w.write(t, "raw-format-\(i)", DecoderInput(kind: .raw, width: w64, height: h64, format: format,
                                                                 records: [record(small, raw)]).serialized())
            }
        }

        let td = TileDeltaEncoder()
        td.parallel = false
        var previous = Framebuffer(width: w64, height: h64)
        var tdRecords: [DecoderInput.Record] = []
        for n in 0..<3 {
            let current = picture(width: w64, height: h64, n)
            if let update = td.encode(previous: previous, current: current, damage: [all]) {
                tdRecords.append(record(update.rect, update.body))
            }
            previous = current
        }
        try w.write(t, "tile-delta-encoder", DecoderInput(kind: .tileDelta, width: w64, height: h64, format: .native,
                                                          records: tdRecords).serialized())
        // Version 2 (as sent to a viewer that lists RAT2): predicted and grey tiles, then a change in a few rows.
        var v2 = (0..<3).map { smooth(width: w64, height: h64, $0) }
        v2.append(v2[2])
        v2[3].fill(Rect(x: 5, y: 9, width: 50, height: 3), with: 0x40_4040)
        let td2 = TileDeltaEncoder()
        td2.version = TileDelta.version2
        try w.write(t, "tile-delta-encoder-v2", tileDeltaSequence(td2, v2))
        // Version 3 (as sent to a viewer that lists RAT3): dual tiles (each channel pair), a grey picture,
        // then a change in a few rows.
        var v3 = (0..<3).map { dual(smooth(width: w64, height: h64, $0), pair: $0) } + [smooth(width: w64, height: h64, 3)]
        v3.append(v3[3])
        v3[4].fill(Rect(x: 5, y: 9, width: 50, height: 3), with: 0x40_8040)
        try w.write(t, "tile-delta-encoder-v3", tileDeltaSequence(TileDeltaEncoder(defaultsFor: TileDelta.version3), v3))

        try w.write(t, "copyrect", DecoderInput(kind: .copyRect, width: 64, height: 48, format: .native, records: [
            record(Rect(x: 0, y: 0, width: 16, height: 16), [0, 8, 0, 4]),
            record(Rect(x: 10, y: 10, width: 30, height: 20), [0, 0, 0, 0]),
        ]).serialized())

        for (i, format) in FuzzFormats.table.prefix(3).enumerated() {
            let cw = 12, ch = 9
            var body: [UInt8] = []
            for p in 0..<(cw * ch) { format.bytesPerPixel == 1 ? body.append(UInt8(p)) : body.append(contentsOf: repeatElement(UInt8(p), count: format.bytesPerPixel)) }
            body += (0..<((cw + 7) / 8 * ch)).map { UInt8(truncatingIfNeeded: $0 * 37) }
            try w.write(t, "cursor-format-\(i)", DecoderInput(kind: .cursor, width: 32, height: 32, format: format,
                                                              records: [record(Rect(x: 3, y: 4, width: cw, height: ch), body)]).serialized())
        }

        let pseudo = DecoderInput.pseudoEncodings
        try w.write(t, "pseudo", DecoderInput(kind: .pseudo, width: 40, height: 30, format: .native, records: [
            record(Rect(x: 5, y: 6, width: 0, height: 0), [], selector: selector(RFBEncoding.pointerPos, in: pseudo)),
            record(Rect(x: 0, y: 0, width: 20, height: 10), [], selector: selector(RFBEncoding.desktopSize, in: pseudo)),
            record(Rect(x: 0, y: 0, width: 20, height: 10), [1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 20, 0, 10, 0, 0, 0, 0],
                   selector: selector(RFBEncoding.extendedDesktopSize, in: pseudo)),
            record(Rect(x: 0, y: 0, width: 0, height: 0), [0, 0, 0, 4] + Array("name".utf8), selector: selector(RFBEncoding.desktopName, in: pseudo)),
            record(Rect(x: 0, y: 0, width: 0, height: 0), [], selector: selector(RFBEncoding.sessionEnd, in: pseudo)),
            record(Rect(x: 0, y: 0, width: 0, height: 0), [], selector: selector(RFBEncoding.lastRect, in: pseudo)),
        ]).serialized())

        // One connection: Raw, CopyRect, ZRLE twice (one zlib stream), tile-delta, Cursor.
        let list = DecoderInput.allEncodings
        let zrle = ZRLEEncoder()
        let fb = picture(width: w64, height: h64, 4)
        let a = Rect(x: 0, y: 0, width: 20, height: 20), b = Rect(x: 40, y: 30, width: 40, height: 40)
        var mixed: [DecoderInput.Record] = [
            record(a, RawEncoding.encode(fb, rect: a, format: .native) ?? [], selector: selector(RFBEncoding.raw, in: list)),
            record(Rect(x: 40, y: 0, width: 20, height: 20), [0, 0, 0, 0], selector: selector(RFBEncoding.copyRect, in: list)),
            record(a, zrle.encode(fb, rect: a, format: .native), selector: selector(RFBEncoding.zrle, in: list)),
            record(b, zrle.encode(fb, rect: b, format: .native), selector: selector(RFBEncoding.zrle, in: list)),
        ]
        if let first = tdRecords.first { mixed.append(DecoderInput.Record(selector: selector(RFBEncoding.tileDelta, in: list), x: first.x, y: first.y, width: first.width, height: first.height, body: first.body)) }
        mixed.append(record(Rect(x: 1, y: 1, width: 2, height: 2), [UInt8](repeating: 0x7F, count: 16) + [0xC0, 0x40],
                            selector: selector(RFBEncoding.cursor, in: list)))
        try w.write(t, "mixed-connection", DecoderInput(kind: .mixed, width: w64, height: h64, format: .native, records: mixed).serialized())
    }
}

extension GoldenVector {
    /// A copy whose `body` is `body`.
    static func withBody(_ v: GoldenVector, _ body: [UInt8]) -> GoldenVector? {
        var copy = v
        copy.fields["body"] = [body.map { String(format: "%02x", $0) }.joined()]
        return copy
    }
}
