import Pixels

/// Converts rows of an X image (32 bits per pixel, any channel masks, either byte order) into the
/// internal `0x00RRGGBB` layout. The pad byte is cleared: real servers leave 0xFF there where XRender drew.
struct PixelConverter: Sendable, Equatable {
    let redMask: UInt32, greenMask: UInt32, blueMask: UInt32
    let imageIsBigEndian: Bool

    private let rShift: Int, gShift: Int, bShift: Int
    /// The layout is already 0x??RRGGBB in host order: only the pad byte needs clearing.
    let isNativeOrder: Bool

    init?(redMask: UInt32, greenMask: UInt32, blueMask: UInt32, bigEndian: Bool) {
        for m in [redMask, greenMask, blueMask] {
            // Each mask: 8 contiguous bits (depth 24/32 TrueColor).
            guard m.nonzeroBitCount == 8, (m >> UInt32(m.trailingZeroBitCount)) == 0xFF else { return nil }
        }
        self.redMask = redMask; self.greenMask = greenMask; self.blueMask = blueMask
        imageIsBigEndian = bigEndian
        rShift = redMask.trailingZeroBitCount
        gShift = greenMask.trailingZeroBitCount
        bShift = blueMask.trailingZeroBitCount
        let hostIsBigEndian = 1.bigEndian == 1
        isNativeOrder = rShift == 16 && gShift == 8 && bShift == 0 && bigEndian == hostIsBigEndian
    }

    /// Converts `count` pixels from `src` to `dst`.
    @inline(__always)
    func convertRow(_ src: UnsafePointer<UInt32>, _ dst: UnsafeMutablePointer<UInt32>, count: Int) {
        if isNativeOrder {
            for i in 0..<count { dst[i] = src[i] & 0x00FF_FFFF }
            return
        }
        let hostIsBigEndian = 1.bigEndian == 1
        let swap = imageIsBigEndian != hostIsBigEndian
        for i in 0..<count {
            let v = swap ? src[i].byteSwapped : src[i]
            dst[i] = (((v >> UInt32(rShift)) & 0xFF) << 16) | (((v >> UInt32(gShift)) & 0xFF) << 8)
                | ((v >> UInt32(bShift)) & 0xFF)
        }
    }
}
