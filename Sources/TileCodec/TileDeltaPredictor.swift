// The `predicted` tile kind of tile-delta: colour transform, median edge predictor, channel arithmetic.

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
