import PNGSnapshot
import Pixels

/// Seeds of `fuzz-png`: our encoder's output at each filter, and hand-made PNGs of every colour type and
/// bit depth (stored deflate), interlaced, with a palette and with extra chunks.
enum PNGSeeds {
    static let t = "fuzz-png"

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        return be32(data.count) + typed + be32(Int(StoredDeflate.crc32(typed)))
    }

    static func be32(_ v: Int) -> [UInt8] {
        [UInt8((v >> 24) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    /// A PNG of `width` x `height` with filter-0 rows of `rowBytes` bytes (non-interlaced) or the given raw
    /// scanline data.
    static func png(width: Int, height: Int, depth: UInt8, colour: UInt8, interlace: UInt8 = 0,
                    scanlines: [UInt8], extra: [[UInt8]] = []) -> [UInt8] {
        let header = be32(width) + be32(height) + [depth, colour, 0, 0, interlace]
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        out += chunk("IHDR", header)
        for e in extra { out += e }
        out += chunk("IDAT", StoredDeflate.zlib(scanlines))
        out += chunk("IEND", [])
        return out
    }

    static func rows(width: Int, height: Int, bitsPerPixel: Int) -> [UInt8] {
        let rowBytes = (width * bitsPerPixel + 7) / 8
        var out: [UInt8] = []
        for y in 0..<height {
            out.append(0)
            out += (0..<rowBytes).map { UInt8(truncatingIfNeeded: $0 * 29 + y * 7) }
        }
        return out
    }

    static func write(_ w: inout SeedWriter) throws {
        var fb = Framebuffer(width: 13, height: 7, fill: 0x20_4060)
        fb.fill(Rect(x: 2, y: 1, width: 5, height: 4), with: 0xFF_8000)
        for filter in [PNGCodec.Filter.none, .paeth, .all] {
            try w.write(t, "ours-\(filter.rawValue)", try PNGCodec.encode(fb, options: PNGCodec.Options(level: 6, filter: filter)))
        }
        // Colour types: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA; channels per pixel 1, 3, 1, 2, 4.
        let channels: [UInt8: Int] = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4]
        let depths: [UInt8: [UInt8]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
        let palette = chunk("PLTE", (0..<48).map { UInt8(truncatingIfNeeded: $0 * 5) })
        for colour in [UInt8(0), 2, 3, 4, 6] {
            for depth in depths[colour] ?? [] {
                let bits = Int(depth) * (channels[colour] ?? 1)
                let extra = colour == 3 ? [palette, chunk("tRNS", [0, 255, 128])] : []
                let data = rows(width: 5, height: 4, bitsPerPixel: bits)
                try w.write(t, "type\(colour)-depth\(depth)", png(width: 5, height: 4, depth: depth, colour: colour,
                                                                     scanlines: colour == 3 ? data.map { $0 & (depth < 8 ? 0xFF : 0x0F) } : data,
                                                                     extra: extra))
            }
        }
        // Adam7 interlaced 8x8 RGB: the seven passes' scanlines, each row with filter byte 0.
        var passes: [UInt8] = []
        for (w0, h0) in [(1, 1), (1, 1), (2, 1), (2, 2), (4, 2), (4, 4), (8, 4)] {
            for y in 0..<h0 { passes.append(0); passes += (0..<(w0 * 3)).map { UInt8(truncatingIfNeeded: $0 * 11 + y) } }
        }
        try w.write(t, "interlaced-rgb", png(width: 8, height: 8, depth: 8, colour: 2, interlace: 1, scanlines: passes))
        try w.write(t, "text-and-gamma", png(width: 2, height: 2, depth: 8, colour: 2,
                                             scanlines: rows(width: 2, height: 2, bitsPerPixel: 24),
                                             extra: [chunk("gAMA", be32(45_455)), chunk("tEXt", Array("Comment\u{0}fuzz".utf8))]))
    }
}
