import Pixels

/// Constants of the tile-delta wire format (see `codecs/tile-delta/SPEC.md`).
public enum TileDelta {
    /// The encoding number: FourCC "RATD", outside every registered RFB block.
    public static let encodingNumber: Int32 = 0x5241_5444
    /// Version byte at the start of every decompressed payload.
    static let version: UInt8 = 1
    static let tileSize = 64
    /// Tile kinds (low 6 bits of the kind byte); bit 7 says a row mask follows, bit 6 a column range.
    enum Kind: UInt8 {
        case raw = 0, solid = 1, packedPalette = 2, paletteRLE = 3, xor = 4, plainRLE = 5, predicted = 6
    }
    static let rowMaskFlag: UInt8 = 0x80
    /// Bit 6 of the kind byte: U8 first column, U8 column count follow (after any row mask).
    static let columnsFlag: UInt8 = 0x40
    static let kindMask: UInt8 = 0x3F
    static let copyBytes = 12

    /// The largest payload a well-formed update of `rect` can declare: header, the most copies a U16
    /// count allows, and per tile of the rect its header, row mask, a full palette and 4 bytes a pixel
    /// (plain RLE of single-pixel runs, the most expensive kind).
    static func payloadLimit(for rect: Rect) -> Int {
        let tiles = ((rect.width + 63) / 64 + 1) * ((rect.height + 63) / 64 + 1)
        return 7 + 65_535 * copyBytes + tiles * (5 + 8 + 1 + 127 * 3) + rect.area * 4
    }
}

/// The predictor of the `predicted` tile kind, per 8-bit channel (LOCO-I / JPEG-LS median edge detector)
/// over the coded pixels laid out as `width`-wide rows: first row left neighbour, first column upper
/// neighbour, elsewhere the median of left, up and left + up - upper-left.
@inline(__always)
func predictChannel(left a: UInt32, up b: UInt32, upLeft c: UInt32) -> UInt32 {
    let mx = max(a, b), mn = min(a, b)
    if c >= mx { return mn }
    if c <= mn { return mx }
    return a + b - c
}

/// The predicted pixel (all three channels) at index `i` of coded pixels `v` that are `w` wide.
@inline(__always)
func predictPixel(_ v: UnsafePointer<UInt32>, _ i: Int, _ w: Int) -> UInt32 {
    let x = i % w
    if i < w { return x == 0 ? 0 : v[i - 1] }
    if x == 0 { return v[i - w] }
    return medPixel(v[i - 1], v[i - w], v[i - w - 1])
}

/// `predictChannel` on each of the three channels of left `a`, up `b`, upper-left `c`.
@inline(__always)
func medPixel(_ a: UInt32, _ b: UInt32, _ c: UInt32) -> UInt32 {
    predictChannel(left: a & 0xFF, up: b & 0xFF, upLeft: c & 0xFF)
        | predictChannel(left: (a >> 8) & 0xFF, up: (b >> 8) & 0xFF, upLeft: (c >> 8) & 0xFF) << 8
        | predictChannel(left: (a >> 16) & 0xFF, up: (b >> 16) & 0xFF, upLeft: (c >> 16) & 0xFF) << 16
}

/// Per-channel difference `p - q` (mod 256 in each channel).
@inline(__always)
func channelDifference(_ p: UInt32, _ q: UInt32) -> UInt32 {
    ((p &+ 0x100 &- (q & 0xFF)) & 0xFF)
        | ((((p >> 8) & 0xFF) &+ 0x100 &- ((q >> 8) & 0xFF)) & 0xFF) << 8
        | ((((p >> 16) & 0xFF) &+ 0x100 &- ((q >> 16) & 0xFF)) & 0xFF) << 16
}

/// Per-channel sum `p + q` (mod 256 in each channel).
@inline(__always)
func channelSum(_ p: UInt32, _ q: UInt32) -> UInt32 {
    ((p &+ q) & 0xFF) | ((((p >> 8) &+ (q >> 8)) & 0xFF) << 8) | ((((p >> 16) &+ (q >> 16)) & 0xFF) << 16)
}

/// The colour transform of the `predicted` kind: red and blue minus green (mod 256), green kept.
@inline(__always)
func subtractGreen(_ p: UInt32) -> UInt32 {
    let g = (p >> 8) & 0xFF
    return ((((p >> 16) & 0xFF) &+ 0x100 &- g) & 0xFF) << 16 | g << 8 | (((p & 0xFF) &+ 0x100 &- g) & 0xFF)
}

/// The inverse of `subtractGreen`.
@inline(__always)
func addGreen(_ t: UInt32) -> UInt32 {
    let g = (t >> 8) & 0xFF
    return ((((t >> 16) & 0xFF) &+ g) & 0xFF) << 16 | g << 8 | (((t & 0xFF) &+ g) & 0xFF)
}
