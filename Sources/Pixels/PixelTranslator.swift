/// Converts native `0x00RRGGBB` pixels to another true-colour format's pixel values and bytes, and back.
/// Build once per format change; the per-pixel work is shifts and masks only.
public struct PixelTranslator: Sendable {
    public let format: PixelFormat
    // Visible to inlined code in other modules: `value` runs once per pixel in the encoders.
    @usableFromInline let rShift: Int, gShift: Int, bShift: Int
    @usableFromInline let rBits: Int, gBits: Int, bBits: Int
    public let isIdentity: Bool

    /// Fails when the format cannot be served (see `PixelFormat.unsupportedReason`).
    public init?(format: PixelFormat) {
        guard format.unsupportedReason == nil else { return nil }
        self.format = format
        rShift = format.redShift; gShift = format.greenShift; bShift = format.blueShift
        rBits = format.redMax.nonzeroBitCount; gBits = format.greenMax.nonzeroBitCount
        bBits = format.blueMax.nonzeroBitCount
        isIdentity = format.bitsPerPixel == 32 && !format.bigEndian && rBits == 8 && gBits == 8 && bBits == 8
            && rShift == 16 && gShift == 8 && bShift == 0
    }

    /// The pixel value (not yet in byte order) of a native pixel.
    @inlinable @inline(__always)
    public func value(_ p: UInt32) -> UInt32 {
        if isIdentity { return p & 0x00FF_FFFF }
        let r = (p >> 16) & 0xFF, g = (p >> 8) & 0xFF, b = p & 0xFF
        return (Self.narrow(r, bits: rBits) << UInt32(rShift)) | (Self.narrow(g, bits: gBits) << UInt32(gShift))
            | (Self.narrow(b, bits: bBits) << UInt32(bShift))
    }

    /// `value` of `count` native pixels from `source` into `destination`, with the format tests hoisted
    /// out of the loop (the encoders translate whole tile rows).
    public func values(of source: UnsafePointer<UInt32>, into destination: UnsafeMutablePointer<UInt32>, count: Int) {
        if isIdentity {
            for i in 0..<count { destination[i] = source[i] & 0x00FF_FFFF }
        } else if rBits == 8 && gBits == 8 && bBits == 8 {
            let rs = UInt32(rShift), gs = UInt32(gShift), bs = UInt32(bShift)
            for i in 0..<count {
                let p = source[i]
                destination[i] = ((p >> 16) & 0xFF) << rs | ((p >> 8) & 0xFF) << gs | (p & 0xFF) << bs
            }
        } else {
            for i in 0..<count { destination[i] = value(source[i]) }
        }
    }

    /// An 8-bit channel scaled to `bits` bits (truncation below 8 bits, bit replication above).
    @inlinable @inline(__always)
    static func narrow(_ c: UInt32, bits: Int) -> UInt32 {
        if bits <= 8 { return c >> UInt32(8 - bits) }
        var out: UInt32 = 0
        var filled = 0
        while filled < bits {
            let shift = bits - filled - 8
            out |= shift >= 0 ? c << UInt32(shift) : c >> UInt32(-shift)
            filled += 8
        }
        return out & ((1 << UInt32(bits)) - 1)
    }

    /// The native pixel of a value in this format. Channels narrower than 8 bits are widened by bit
    /// replication so that full scale maps to 255.
    @inline(__always)
    public func native(_ v: UInt32) -> UInt32 {
        if isIdentity { return v & 0x00FF_FFFF }
        return (Self.widen((v >> UInt32(rShift)) & ((1 << UInt32(rBits)) - 1), bits: rBits) << 16)
            | (Self.widen((v >> UInt32(gShift)) & ((1 << UInt32(gBits)) - 1), bits: gBits) << 8)
            | Self.widen((v >> UInt32(bShift)) & ((1 << UInt32(bBits)) - 1), bits: bBits)
    }

    @inline(__always)
    static func widen(_ c: UInt32, bits: Int) -> UInt32 {
        if bits >= 8 { return (c >> UInt32(bits - 8)) & 0xFF }
        var out: UInt32 = 0
        var filled = 0
        while filled < 8 {
            let shift = 8 - filled - bits
            out |= shift >= 0 ? c << UInt32(shift) : c >> UInt32(-shift)
            filled += bits
        }
        return out & 0xFF
    }

    /// Appends `pixel` as `format.bytesPerPixel` bytes in the format's byte order.
    @inline(__always)
    public func append(_ pixel: UInt32, to out: inout [UInt8]) {
        let v = value(pixel)
        switch format.bitsPerPixel {
        case 8: out.append(UInt8(truncatingIfNeeded: v))
        case 16:
            if format.bigEndian { out.append(UInt8(truncatingIfNeeded: v >> 8)); out.append(UInt8(truncatingIfNeeded: v)) }
            else { out.append(UInt8(truncatingIfNeeded: v)); out.append(UInt8(truncatingIfNeeded: v >> 8)) }
        default:
            if format.bigEndian {
                out.append(UInt8(truncatingIfNeeded: v >> 24)); out.append(UInt8(truncatingIfNeeded: v >> 16))
                out.append(UInt8(truncatingIfNeeded: v >> 8)); out.append(UInt8(truncatingIfNeeded: v))
            } else {
                out.append(UInt8(truncatingIfNeeded: v)); out.append(UInt8(truncatingIfNeeded: v >> 8))
                out.append(UInt8(truncatingIfNeeded: v >> 16)); out.append(UInt8(truncatingIfNeeded: v >> 24))
            }
        }
    }

    /// Reads one pixel of `format.bytesPerPixel` bytes at `offset` (the caller checked the length).
    @inline(__always)
    public func read(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        let v: UInt32
        switch format.bitsPerPixel {
        case 8: v = UInt32(bytes[offset])
        case 16:
            let a = UInt32(bytes[offset]), b = UInt32(bytes[offset + 1])
            v = format.bigEndian ? (a << 8 | b) : (b << 8 | a)
        default:
            let a = UInt32(bytes[offset]), b = UInt32(bytes[offset + 1])
            let c = UInt32(bytes[offset + 2]), d = UInt32(bytes[offset + 3])
            v = format.bigEndian ? (a << 24 | b << 16 | c << 8 | d) : (d << 24 | c << 16 | b << 8 | a)
        }
        return native(v)
    }
}
