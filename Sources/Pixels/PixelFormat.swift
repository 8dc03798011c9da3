/// A true-colour pixel layout as RFB describes it (RFC 6143 §7.4): bits per pixel, depth, byte order,
/// and per channel a maximum and a shift. Colour-map formats are represented (`trueColour == false`)
/// only so they can be recognised and refused.
public struct PixelFormat: Hashable, Sendable, CustomStringConvertible {
    public var bitsPerPixel: Int
    public var depth: Int
    public var bigEndian: Bool
    public var trueColour: Bool
    public var redMax: Int
    public var greenMax: Int
    public var blueMax: Int
    public var redShift: Int
    public var greenShift: Int
    public var blueShift: Int

    public init(bitsPerPixel: Int, depth: Int, bigEndian: Bool, trueColour: Bool,
                redMax: Int, greenMax: Int, blueMax: Int, redShift: Int, greenShift: Int, blueShift: Int) {
        self.bitsPerPixel = bitsPerPixel
        self.depth = depth
        self.bigEndian = bigEndian
        self.trueColour = trueColour
        self.redMax = redMax
        self.greenMax = greenMax
        self.blueMax = blueMax
        self.redShift = redShift
        self.greenShift = greenShift
        self.blueShift = blueShift
    }

    /// The internal layout of `Framebuffer`: 32 bpp, depth 24, little-endian, 0x00RRGGBB.
    public static let native = PixelFormat(bitsPerPixel: 32, depth: 24, bigEndian: false, trueColour: true,
                                           redMax: 255, greenMax: 255, blueMax: 255,
                                           redShift: 16, greenShift: 8, blueShift: 0)
    /// 16 bpp RGB565, little-endian.
    public static let rgb565 = PixelFormat(bitsPerPixel: 16, depth: 16, bigEndian: false, trueColour: true,
                                           redMax: 31, greenMax: 63, blueMax: 31,
                                           redShift: 11, greenShift: 5, blueShift: 0)
    /// 8 bpp BGR233.
    public static let bgr233 = PixelFormat(bitsPerPixel: 8, depth: 8, bigEndian: false, trueColour: true,
                                           redMax: 7, greenMax: 7, blueMax: 3,
                                           redShift: 0, greenShift: 3, blueShift: 6)

    public var bytesPerPixel: Int { bitsPerPixel / 8 }

    /// Why this format cannot be served, or nil when it can: true colour, 8/16/32 bpp, each channel a
    /// contiguous mask of `max+1` values (a power of two) that fits in the pixel.
    public var unsupportedReason: String? {
        guard trueColour else { return "colour-map pixel formats are not supported" }
        guard [8, 16, 32].contains(bitsPerPixel) else { return "\(bitsPerPixel) bits per pixel is not supported" }
        for (name, maxV, shift) in [("red", redMax, redShift), ("green", greenMax, greenShift), ("blue", blueMax, blueShift)] {
            guard maxV > 0, maxV <= 0xFFFF, (maxV & (maxV + 1)) == 0 else {
                return "\(name)-max \(maxV) is not 2^n-1"
            }
            guard shift >= 0, shift + (maxV.nonzeroBitCount) <= bitsPerPixel else {
                return "\(name) channel does not fit in \(bitsPerPixel) bits"
            }
        }
        return nil
    }

    /// True when a 32 bpp pixel of this format has all colour bits in its low three bytes (ZRLE's CPIXEL
    /// may then drop the high byte) — or `highBytes` when they all sit in the high three.
    public var fitsInLowThreeBytes: Bool {
        bitsPerPixel == 32 && depth <= 24 && colourMask & 0xFF00_0000 == 0
    }
    public var fitsInHighThreeBytes: Bool {
        bitsPerPixel == 32 && depth <= 24 && colourMask & 0x0000_00FF == 0
    }

    /// The bits any colour may occupy.
    public var colourMask: UInt32 {
        UInt32(truncatingIfNeeded: (redMax << redShift) | (greenMax << greenShift) | (blueMax << blueShift))
    }

    public var description: String {
        "\(bitsPerPixel)bpp depth \(depth) \(bigEndian ? "BE" : "LE") \(trueColour ? "true-colour" : "colour-map") "
            + "max \(redMax)/\(greenMax)/\(blueMax) shift \(redShift)/\(greenShift)/\(blueShift)"
    }
}
