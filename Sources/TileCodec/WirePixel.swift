public import Pixels

/// How one pixel of a client `PixelFormat` is laid out in bytes: full PIXELs (Raw) or ZRLE's
/// compressed CPIXELs. Built once per format; `append` and `read` are shifts and masks.
///
/// CPIXEL rule (RFC 6143 §7.7.6, as TigerVNC and libvncserver apply it): for 32 bpp true colour with depth
/// <= 24, when every colour bit fits in the least significant 3 bytes of the pixel *value*, or in the
/// most significant 3, a CPIXEL is the 3 of the 4 wire bytes that carry them. In wire order that is the
/// first three bytes for (fits-low, little-endian) and (fits-high, big-endian), the last three for
/// (fits-low, big-endian) and (fits-high, little-endian). When both fit, the first rule wins.
public struct WirePixel: Sendable {
    public let translator: PixelTranslator
    /// Bytes per (C)PIXEL on the wire.
    public let size: Int
    /// For 3-byte CPIXELs: true when the CPIXEL is wire bytes 1...3 (dropping byte 0).
    let dropFirstByte: Bool

    /// A full PIXEL layout (Raw, CopyRect-free formats). Nil for formats that cannot be served.
    public init?(format: PixelFormat) {
        guard let t = PixelTranslator(format: format) else { return nil }
        translator = t
        size = format.bytesPerPixel
        dropFirstByte = false
    }

    /// ZRLE's CPIXEL layout for `format`. Nil for formats that cannot be served.
    public init?(compressedFor format: PixelFormat) {
        guard let t = PixelTranslator(format: format) else { return nil }
        translator = t
        let low = format.fitsInLowThreeBytes, high = format.fitsInHighThreeBytes
        if (low && !format.bigEndian) || (high && format.bigEndian) {
            size = 3; dropFirstByte = false
        } else if (low && format.bigEndian) || (high && !format.bigEndian) {
            size = 3; dropFirstByte = true
        } else {
            size = format.bytesPerPixel; dropFirstByte = false
        }
    }

    /// The 4 wire bytes of a 32 bpp value packed little-endian-first into a UInt32 (byte 0 in the low bits).
    @inline(__always)
    private func wireWord(_ v: UInt32) -> UInt32 {
        translator.format.bigEndian ? v.byteSwapped : v
    }

    /// Appends the native pixel `p` in this layout.
    @inline(__always)
    public func append(_ p: UInt32, to out: inout [UInt8]) {
        appendValue(translator.value(p), to: &out)
    }

    /// Appends a pixel value already in the client format (`translator.value`).
    @inline(__always)
    public func appendValue(_ v: UInt32, to out: inout [UInt8]) {
        switch size {
        case 1:
            out.append(UInt8(truncatingIfNeeded: v))
        case 2:
            if translator.format.bigEndian {
                out.append(UInt8(truncatingIfNeeded: v >> 8)); out.append(UInt8(truncatingIfNeeded: v))
            } else {
                out.append(UInt8(truncatingIfNeeded: v)); out.append(UInt8(truncatingIfNeeded: v >> 8))
            }
        case 3:
            var w = wireWord(v)
            if dropFirstByte { w >>= 8 }
            out.append(UInt8(truncatingIfNeeded: w)); out.append(UInt8(truncatingIfNeeded: w >> 8))
            out.append(UInt8(truncatingIfNeeded: w >> 16))
        default:
            let w = wireWord(v)
            out.append(UInt8(truncatingIfNeeded: w)); out.append(UInt8(truncatingIfNeeded: w >> 8))
            out.append(UInt8(truncatingIfNeeded: w >> 16)); out.append(UInt8(truncatingIfNeeded: w >> 24))
        }
    }

    /// Writes a pixel value already in the client format at `out` (`size` bytes).
    @inline(__always)
    public func store(_ v: UInt32, at out: UnsafeMutablePointer<UInt8>) {
        switch size {
        case 1:
            out[0] = UInt8(truncatingIfNeeded: v)
        case 2:
            if translator.format.bigEndian {
                out[0] = UInt8(truncatingIfNeeded: v >> 8); out[1] = UInt8(truncatingIfNeeded: v)
            } else {
                out[0] = UInt8(truncatingIfNeeded: v); out[1] = UInt8(truncatingIfNeeded: v >> 8)
            }
        case 3:
            var w = wireWord(v)
            if dropFirstByte { w >>= 8 }
            out[0] = UInt8(truncatingIfNeeded: w); out[1] = UInt8(truncatingIfNeeded: w >> 8)
            out[2] = UInt8(truncatingIfNeeded: w >> 16)
        default:
            let w = wireWord(v)
            out[0] = UInt8(truncatingIfNeeded: w); out[1] = UInt8(truncatingIfNeeded: w >> 8)
            out[2] = UInt8(truncatingIfNeeded: w >> 16); out[3] = UInt8(truncatingIfNeeded: w >> 24)
        }
    }

    /// The native pixel stored at `offset` (the caller checked that `size` bytes exist).
    @inline(__always)
    public func read(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        switch size {
        case 1:
            return translator.native(UInt32(bytes[offset]))
        case 2:
            let a = UInt32(bytes[offset]), b = UInt32(bytes[offset + 1])
            return translator.native(translator.format.bigEndian ? (a << 8 | b) : (b << 8 | a))
        case 3:
            var w = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            if dropFirstByte { w <<= 8 }
            return translator.native(wireWord(w))
        default:
            let w = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
                | UInt32(bytes[offset + 3]) << 24
            return translator.native(wireWord(w))
        }
    }
}
