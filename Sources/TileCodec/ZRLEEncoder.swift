public import Pixels

/// RFB ZRLE encoding (number 16) for one connection: holds the connection's single zlib deflate stream,
/// so rectangles must be encoded strictly in the order they are sent.
///
/// Per 64x64 tile (left to right, top to bottom) it writes the cheapest of: solid (1), packed palette
/// (2-16 colours), palette RLE (up to 127 colours), plain RLE (128) and raw (0), measured in bytes before
/// compression. Pixels are CPIXELs of the client format (see `WirePixel`); the pad byte of input pixels
/// is ignored (only the colour channels are translated).
public final class ZRLEEncoder {
    public static let number: Int32 = 16
    public static let tileSize = 64

    private let deflater: Deflater
    /// The uncompressed ZRLE data of the last rect (tile by tile), for tests and statistics.
    private(set) var plain: [UInt8] = []
    private var values = [UInt32](repeating: 0, count: 64 * 64)
    private var palette = TilePalette()

    /// `level` is the zlib level (0...9); 6 is zlib's default and what TigerVNC and x11vnc use.
    public init(level: Int = 6) {
        deflater = Deflater(level: level)
    }

    /// The rectangle body as sent after the 12-byte rectangle header: U32 big-endian length, then the
    /// zlib data of all tiles (ending in a Z_SYNC_FLUSH). The rect is clipped to the framebuffer.
    /// Precondition: `format` is a servable true-colour format (check `PixelFormat.unsupportedReason`).
    public func encode(_ fb: Framebuffer, rect: Rect, format: PixelFormat) -> [UInt8] {
        guard let wire = WirePixel(compressedFor: format) else {
            preconditionFailure("ZRLE asked for an unsupported pixel format \(format)")
        }
        let r = rect.intersection(fb.bounds)
        // Work on locals moved out of the object: appends and look-ups on stored properties of a class
        // pay a dynamic exclusivity check each, which dominated the tile loop.
        var plain = self.plain
        self.plain = []
        plain.removeAll(keepingCapacity: true)
        var palette = self.palette
        self.palette = TilePalette.empty
        var values = self.values
        self.values = []
        defer {
            self.palette = palette
            self.values = values
        }
        var ty = r.y
        while ty < r.maxY {
            let th = min(Self.tileSize, r.maxY - ty)
            var tx = r.x
            while tx < r.maxX {
                let tw = min(Self.tileSize, r.maxX - tx)
                Self.encodeTile(fb, Rect(x: tx, y: ty, width: tw, height: th), wire, &plain, &palette, &values)
                tx += tw
            }
            ty += th
        }
        var out: [UInt8] = [0, 0, 0, 0]
        out.reserveCapacity(plain.count / 4 + 64)
        deflater.compress(plain, into: &out)
        out.patchU32(at: 0, out.count - 4)
        self.plain = plain
        return out
    }

    private static func encodeTile(_ fb: Framebuffer, _ t: Rect, _ wire: WirePixel, _ plain: inout [UInt8],
                                   _ palette: inout TilePalette, _ values: inout [UInt32]) {
        let n = t.area
        let c = wire.size
        // Translate to client values and gather runs and palette in one pass.
        palette.reset()
        var runs = 0, paletteRLECost = 0, plainRLECost = 0
        var overflow = false
        values.withUnsafeMutableBufferPointer { v in
            fb.pixels.withUnsafeBufferPointer { p in
                var i = 0
                for y in t.y..<t.maxY {
                    let row = y * fb.width
                    for x in t.x..<t.maxX { v[i] = wire.translator.value(p[row + x]); i += 1 }
                }
            }
            var i = 0
            while i < n {
                let colour = v[i]
                var j = i + 1
                while j < n && v[j] == colour { j += 1 }
                let len = j - i
                runs += 1
                let lenBytes = (len - 1) / 255 + 1
                paletteRLECost += len == 1 ? 1 : 1 + lenBytes
                plainRLECost += c + lenBytes
                if !overflow && palette.index(of: colour) == nil && !palette.insert(colour) { overflow = true }
                i = j
            }
        }
        let count = palette.count
        if !overflow && count == 1 {
            plain.append(1)
            wire.appendValue(values[0], to: &plain)
            return
        }
        var best = 0, bestCost = n * c
        if plainRLECost < bestCost { best = 128; bestCost = plainRLECost }
        if !overflow {
            let prle = count * c + paletteRLECost
            if prle < bestCost { best = 128 + count; bestCost = prle }
            if count <= 16 {
                let bits = count <= 2 ? 1 : count <= 4 ? 2 : 4
                let packed = count * c + t.height * ((t.width * bits + 7) / 8)
                if packed <= bestCost { best = count; bestCost = packed }
            }
        }
        plain.append(UInt8(best))
        values.withUnsafeBufferPointer { v in
            switch best {
            case 0:
                for i in 0..<n { wire.appendValue(v[i], to: &plain) }
            case 128:
                var i = 0
                while i < n {
                    var j = i + 1
                    while j < n && v[j] == v[i] { j += 1 }
                    wire.appendValue(v[i], to: &plain)
                    plain.appendRunLength(j - i)
                    i = j
                }
            case 2...16:
                for k in 0..<count { wire.appendValue(palette.colours[k], to: &plain) }
                let bits = count <= 2 ? 1 : count <= 4 ? 2 : 4
                for y in 0..<t.height {
                    var acc: UInt32 = 0, filled = 0
                    for x in 0..<t.width {
                        acc = acc << UInt32(bits) | UInt32(palette.index(of: v[y * t.width + x]) ?? 0)
                        filled += bits
                        if filled == 8 { plain.append(UInt8(acc)); acc = 0; filled = 0 }
                    }
                    if filled > 0 { plain.append(UInt8(truncatingIfNeeded: acc << UInt32(8 - filled))) }
                }
            default:
                for k in 0..<count { wire.appendValue(palette.colours[k], to: &plain) }
                var i = 0
                while i < n {
                    var j = i + 1
                    while j < n && v[j] == v[i] { j += 1 }
                    let index = UInt8(palette.index(of: v[i]) ?? 0)
                    if j - i == 1 {
                        plain.append(index)
                    } else {
                        plain.append(index | 0x80)
                        plain.appendRunLength(j - i)
                    }
                    i = j
                }
            }
        }
    }
}
