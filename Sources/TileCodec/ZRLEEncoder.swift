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
    /// Scratch: one tile's client pixel values, and its encoded bytes (at most `tileBound`).
    private let values = UnsafeMutablePointer<UInt32>.allocate(capacity: 64 * 64)
    private let tileBytes = UnsafeMutablePointer<UInt8>.allocate(capacity: ZRLEEncoder.tileBound)
    private let palette = TilePalette()

    /// The most bytes one tile can take: subencoding byte, a 127-colour palette of 4-byte CPIXELs, and
    /// per pixel at most a CPIXEL plus a run-length byte (plain RLE of single pixels).
    static let tileBound = 1 + 127 * 4 + 64 * 64 * 5

    /// `level` is the zlib level (0...9); 6 is zlib's default and what TigerVNC and x11vnc use.
    public init(level: Int = 6) {
        deflater = Deflater(level: level)
    }

    deinit {
        values.deallocate()
        tileBytes.deallocate()
    }

    /// The rectangle body as sent after the 12-byte rectangle header: U32 big-endian length, then the
    /// zlib data of all tiles (ending in a Z_SYNC_FLUSH). The rect is clipped to the framebuffer.
    /// Precondition: `format` is a servable true-colour format (check `PixelFormat.unsupportedReason`).
    /// `level`: the zlib level from now on (nil keeps the current one); the stream carries on.
    public func encode(_ fb: Framebuffer, rect: Rect, format: PixelFormat, level: Int? = nil) -> [UInt8] {
        if let level { deflater.setLevel(level) }
        guard let wire = WirePixel(compressedFor: format) else {
            preconditionFailure("ZRLE asked for an unsupported pixel format \(format)")
        }
        let r = rect.intersection(fb.bounds)
        // Work on locals moved out of the object: appends and look-ups on stored properties of a class
        // pay a dynamic exclusivity check each, which dominated the tile loop.
        var plain = self.plain
        self.plain = []
        plain.removeAll(keepingCapacity: true)
        let palette = self.palette
        let (values, tileBytes) = (self.values, self.tileBytes)
        fb.pixels.withUnsafeBufferPointer { pixels in
            guard let base = pixels.baseAddress else { return }
            var ty = r.y
            while ty < r.maxY {
                let th = min(Self.tileSize, r.maxY - ty)
                var tx = r.x
                while tx < r.maxX {
                    let tw = min(Self.tileSize, r.maxX - tx)
                    let n = Self.encodeTile(base, fb.width, Rect(x: tx, y: ty, width: tw, height: th), wire, values,
                                            tileBytes, palette)
                    plain.append(contentsOf: UnsafeBufferPointer(start: tileBytes, count: n))
                    tx += tw
                }
                ty += th
            }
        }
        var out: [UInt8] = [0, 0, 0, 0]
        out.reserveCapacity(plain.count / 4 + 64)
        deflater.compress(plain, into: &out)
        out.patchU32(at: 0, out.count - 4)
        self.plain = plain
        return out
    }

    /// Encodes tile `t` of the frame at `pixels` (`stride` pixels a row) into `out`; returns its length.
    private static func encodeTile(_ pixels: UnsafePointer<UInt32>, _ stride: Int, _ t: Rect, _ wire: WirePixel,
                                   _ v: UnsafeMutablePointer<UInt32>, _ out: UnsafeMutablePointer<UInt8>,
                                   _ palette: TilePalette) -> Int {
        let n = t.area
        let c = wire.size
        // Translate to client values, row by row.
        for y in t.y..<t.maxY {
            wire.translator.values(of: pixels + y * stride + t.x, into: v + (y - t.y) * t.width, count: t.width)
        }
        // Runs and palette in one pass.
        let (paletteRLECost, plainRLECost, overflow) = palette.measureRuns(v, n, pixelSize: c)
        var i = 0
        let count = palette.count
        if !overflow && count == 1 {
            out[0] = 1
            wire.store(v[0], at: out + 1)
            return 1 + c
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
        out[0] = UInt8(best)
        var o = 1
        switch best {
        case 0:
            for k in 0..<n { wire.store(v[k], at: out + o); o += c }
        case 128:
            i = 0
            while i < n {
                var j = i + 1
                while j < n && v[j] == v[i] { j += 1 }
                wire.store(v[i], at: out + o); o += c
                o += RunCounts.storeRunLength(j - i, at: out + o)
                i = j
            }
        case 2...16:
            for k in 0..<count { wire.store(palette.colours[k], at: out + o); o += c }
            let bits = count <= 2 ? 1 : count <= 4 ? 2 : 4
            for y in 0..<t.height {
                var acc: UInt32 = 0, filled = 0
                for x in 0..<t.width {
                    acc = acc << UInt32(bits) | UInt32(palette.index(of: v[y * t.width + x]) ?? 0)
                    filled += bits
                    if filled == 8 { out[o] = UInt8(acc); o += 1; acc = 0; filled = 0 }
                }
                if filled > 0 { out[o] = UInt8(truncatingIfNeeded: acc << UInt32(8 - filled)); o += 1 }
            }
        default:
            for k in 0..<count { wire.store(palette.colours[k], at: out + o); o += c }
            i = 0
            while i < n {
                var j = i + 1
                while j < n && v[j] == v[i] { j += 1 }
                let index = UInt8(palette.index(of: v[i]) ?? 0)
                if j - i == 1 {
                    out[o] = index; o += 1
                } else {
                    out[o] = index | 0x80; o += 1
                    o += RunCounts.storeRunLength(j - i, at: out + o)
                }
                i = j
            }
        }
        return o
    }
}
