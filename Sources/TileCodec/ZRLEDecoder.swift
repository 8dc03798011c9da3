public import Pixels

/// RFB ZRLE decoding for one connection: holds the connection's single zlib inflate stream, so rectangles
/// must be decoded in the order they arrived. Every size, palette index and run is checked; bad input
/// throws `CodecError` (after which the connection should be closed: the zlib stream is then unusable).
public final class ZRLEDecoder {
    private let inflater = Inflater()
    private var plain: [UInt8] = []
    private var palette = [UInt32](repeating: 0, count: 128)

    public init() {}

    /// Decodes a ZRLE body (the bytes after the U32 length) into `rect` of `fb`.
    public func decode(body: [UInt8], rect: Rect, format: PixelFormat, into fb: inout Framebuffer) throws {
        try body.withUnsafeBytes { try decode(body: $0, rect: rect, format: format, into: &fb) }
    }

    /// Decodes a ZRLE body (the bytes after the U32 length) into `rect` of `fb`.
    public func decode(body: UnsafeRawBufferPointer, rect: Rect, format: PixelFormat, into fb: inout Framebuffer) throws {
        guard let wire = WirePixel(compressedFor: format) else { throw CodecError("unsupported pixel format \(format)") }
        guard rect.x >= 0, rect.y >= 0, fb.bounds.contains(rect) else {
            throw CodecError("rect \(rect) is outside the \(fb.width)x\(fb.height) framebuffer")
        }
        if rect.isEmpty && body.isEmpty { return }
        // The largest legal encoding of a tile is plain RLE of single-pixel runs (c + 1 bytes a pixel) or a
        // full palette header plus 2 bytes a pixel; bound the inflated size by that before inflating.
        let c = wire.size
        let tiles = ((rect.width + 63) / 64) * ((rect.height + 63) / 64)
        let limit = tiles * (1 + 127 * c) + rect.area * (c + 1)
        try inflater.decompress(body, limit: limit, into: &plain)
        try plain.withUnsafeBytes { bytes in
            var reader = ByteReader(bytes)
            var ty = rect.y
            while ty < rect.maxY {
                let th = min(64, rect.maxY - ty)
                var tx = rect.x
                while tx < rect.maxX {
                    let tw = min(64, rect.maxX - tx)
                    try decodeTile(&reader, Rect(x: tx, y: ty, width: tw, height: th), wire, &fb)
                    tx += tw
                }
                ty += th
            }
            guard reader.isAtEnd else { throw CodecError("\(reader.remaining) bytes left after the last ZRLE tile") }
        }
    }

    private func decodeTile(_ r: inout ByteReader, _ t: Rect, _ wire: WirePixel, _ fb: inout Framebuffer) throws {
        let sub = Int(try r.u8())
        let c = wire.size, n = t.area, w = fb.width
        switch sub {
        case 0:
            let start = try r.take(n * c)
            fb.pixels.withUnsafeMutableBufferPointer { d in
                var o = start
                for y in t.y..<t.maxY {
                    for x in t.x..<t.maxX { d[y * w + x] = wire.read(r.bytes, at: o); o += c }
                }
            }
        case 1:
            let p = wire.read(r.bytes, at: try r.take(c))
            fb.fill(t, with: p)
        case 2...16:
            try readPalette(&r, count: sub, wire)
            let bits = sub <= 2 ? 1 : sub <= 4 ? 2 : 4
            let rowBytes = (t.width * bits + 7) / 8
            let start = try r.take(rowBytes * t.height)
            let mask = (1 << bits) - 1
            try fb.pixels.withUnsafeMutableBufferPointer { d in
                for yy in 0..<t.height {
                    let rowStart = start + yy * rowBytes
                    for xx in 0..<t.width {
                        let bit = xx * bits
                        let byte = Int(r.bytes[rowStart + bit / 8])
                        let index = (byte >> (8 - bits - bit % 8)) & mask
                        guard index < sub else { throw CodecError("palette index \(index) >= palette size \(sub)") }
                        d[(t.y + yy) * w + t.x + xx] = palette[index]
                    }
                }
            }
        case 128:
            var i = 0
            while i < n {
                let p = wire.read(r.bytes, at: try r.take(c))
                let len = try r.runLength(limit: n - i)
                put(p, from: i, count: len, t, &fb)
                i += len
            }
        case 130...255:
            let size = sub - 128
            try readPalette(&r, count: size, wire)
            var i = 0
            while i < n {
                let b = Int(try r.u8())
                let index = b & 0x7F
                guard index < size else { throw CodecError("palette index \(index) >= palette size \(size)") }
                let len = b & 0x80 != 0 ? try r.runLength(limit: n - i) : 1
                put(palette[index], from: i, count: len, t, &fb)
                i += len
            }
        default:
            throw CodecError("unknown ZRLE sub-encoding \(sub)")
        }
    }

    private func readPalette(_ r: inout ByteReader, count: Int, _ wire: WirePixel) throws {
        let start = try r.take(count * wire.size)
        for k in 0..<count { palette[k] = wire.read(r.bytes, at: start + k * wire.size) }
    }

    /// Writes `count` pixels of colour `p` starting at raster index `i` of tile `t`.
    @inline(__always)
    private func put(_ p: UInt32, from i: Int, count: Int, _ t: Rect, _ fb: inout Framebuffer) {
        let w = fb.width
        fb.pixels.withUnsafeMutableBufferPointer { d in
            var yy = i / t.width, xx = i % t.width
            for _ in 0..<count {
                d[(t.y + yy) * w + t.x + xx] = p
                xx += 1
                if xx == t.width { xx = 0; yy += 1 }
            }
        }
    }
}
