public import Pixels

/// The pixel formats the decoder target picks from with one byte; the same byte with the top bit set
/// means "the 16-byte PIXEL_FORMAT follows in the input", so any format can be tried.
public enum FuzzFormats {
    public static let table: [PixelFormat] = [
        .native, .rgb565, .bgr233,
        PixelFormat(bitsPerPixel: 32, depth: 24, bigEndian: true, trueColour: true, redMax: 255, greenMax: 255,
                    blueMax: 255, redShift: 16, greenShift: 8, blueShift: 0),
        PixelFormat(bitsPerPixel: 32, depth: 24, bigEndian: false, trueColour: true, redMax: 255, greenMax: 255,
                    blueMax: 255, redShift: 24, greenShift: 16, blueShift: 8),
        PixelFormat(bitsPerPixel: 32, depth: 32, bigEndian: false, trueColour: true, redMax: 255, greenMax: 255,
                    blueMax: 255, redShift: 16, greenShift: 8, blueShift: 0),
        PixelFormat(bitsPerPixel: 16, depth: 16, bigEndian: true, trueColour: true, redMax: 31, greenMax: 63,
                    blueMax: 31, redShift: 11, greenShift: 5, blueShift: 0),
        PixelFormat(bitsPerPixel: 16, depth: 15, bigEndian: false, trueColour: true, redMax: 31, greenMax: 31,
                    blueMax: 31, redShift: 10, greenShift: 5, blueShift: 0),
    ]

    /// Marks "explicit PIXEL_FORMAT follows".
    public static let explicitFlag: UInt8 = 0x80

    /// The selector byte of a table format, or nil when `format` is not in the table.
    public static func selector(of format: PixelFormat) -> UInt8? {
        table.firstIndex(of: format).map { UInt8($0) }
    }
}
