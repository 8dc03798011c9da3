public import NIOCore
public import Pixels

extension PixelFormat {
    /// The 16-byte PIXEL_FORMAT structure (RFC 6143 §7.4).
    public static let wireLength = 16

    /// Reads a PIXEL_FORMAT; nil when fewer than 16 bytes are readable. Any values are accepted here
    /// (use `unsupportedReason` to decide whether to serve it); a bpp that is not 8/16/32 is malformed.
    public static func read(from buffer: inout ByteBuffer) throws -> PixelFormat? {
        try buffer.rfbTransaction { b -> PixelFormat? in
            guard b.readableBytes >= wireLength,
                  let bpp = b.rfbU8(), let depth = b.rfbU8(), let be = b.rfbU8(), let tc = b.rfbU8(),
                  let rm = b.rfbU16(), let gm = b.rfbU16(), let bm = b.rfbU16(),
                  let rs = b.rfbU8(), let gs = b.rfbU8(), let bs = b.rfbU8(), b.rfbSkip(3)
            else { return nil }
            guard bpp == 8 || bpp == 16 || bpp == 32 else {
                throw RFBError.malformed("pixel format with \(bpp) bits per pixel")
            }
            return PixelFormat(bitsPerPixel: Int(bpp), depth: Int(depth), bigEndian: be != 0, trueColour: tc != 0,
                               redMax: Int(rm), greenMax: Int(gm), blueMax: Int(bm),
                               redShift: Int(rs), greenShift: Int(gs), blueShift: Int(bs))
        }
    }

    /// Writes the 16-byte PIXEL_FORMAT. Fields are truncated to their wire widths (U8 / U16).
    public func write(into buffer: inout ByteBuffer) {
        buffer.rfbWriteU8(UInt8(truncatingIfNeeded: bitsPerPixel))
        buffer.rfbWriteU8(UInt8(truncatingIfNeeded: depth))
        buffer.rfbWriteU8(bigEndian ? 1 : 0)
        buffer.rfbWriteU8(trueColour ? 1 : 0)
        buffer.rfbWriteU16(UInt16(truncatingIfNeeded: redMax))
        buffer.rfbWriteU16(UInt16(truncatingIfNeeded: greenMax))
        buffer.rfbWriteU16(UInt16(truncatingIfNeeded: blueMax))
        buffer.rfbWriteU8(UInt8(truncatingIfNeeded: redShift))
        buffer.rfbWriteU8(UInt8(truncatingIfNeeded: greenShift))
        buffer.rfbWriteU8(UInt8(truncatingIfNeeded: blueShift))
        buffer.rfbWritePadding(3)
    }
}
