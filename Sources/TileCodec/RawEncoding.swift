public import Pixels

/// RFB Raw encoding (number 0): the pixels of a rectangle, row by row, in the client's pixel format.
public enum RawEncoding {
    public static let number: Int32 = 0

    /// The Raw body of `rect` of `fb` in `format` (any true-colour format `PixelTranslator` accepts).
    /// The rect is clipped to the framebuffer; nil when the format cannot be served.
    public static func encode(_ fb: Framebuffer, rect: Rect, format: PixelFormat) -> [UInt8]? {
        guard let wire = WirePixel(format: format) else { return nil }
        let r = rect.intersection(fb.bounds)
        var out = [UInt8]()
        out.reserveCapacity(r.area * wire.size)
        fb.pixels.withUnsafeBufferPointer { p in
            for y in r.y..<r.maxY {
                let row = y * fb.width
                for x in r.x..<r.maxX { wire.append(p[row + x], to: &out) }
            }
        }
        return out
    }

    /// The body length Raw needs for `rect` in `format`.
    public static func bodyLength(rect: Rect, format: PixelFormat) -> Int { rect.area * format.bytesPerPixel }

    /// Writes a Raw body into `rect` of `fb`. Throws when the format cannot be served, the rect is not
    /// inside the framebuffer, or the byte count is not exactly `width * height * bytesPerPixel`.
    public static func decode(_ bytes: [UInt8], rect: Rect, format: PixelFormat, into fb: inout Framebuffer) throws {
        guard let wire = WirePixel(format: format) else { throw CodecError("unsupported pixel format \(format)") }
        guard rect.x >= 0, rect.y >= 0, fb.bounds.contains(rect) else {
            throw CodecError("rect \(rect) is outside the \(fb.width)x\(fb.height) framebuffer")
        }
        guard bytes.count == rect.area * wire.size else {
            throw CodecError("raw rect \(rect) needs \(rect.area * wire.size) bytes, got \(bytes.count)")
        }
        let w = fb.width
        bytes.withUnsafeBytes { src in
            fb.pixels.withUnsafeMutableBufferPointer { dst in
                var o = 0
                for y in rect.y..<rect.maxY {
                    let row = y * w
                    for x in rect.x..<rect.maxX {
                        dst[row + x] = wire.read(src, at: o)
                        o += wire.size
                    }
                }
            }
        }
    }
}
