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

/// The encoder's fast forms of the predicted kind: the colour transform done once per tile, then the
/// residuals a row at a time, 4 pixels a step on byte lanes. Equal to `channelDifference(subtractGreen(p),
/// predictPixel(...))` on the transformed pixels (the tile-delta tests replay golden vectors through it).
enum TilePredictor {
    /// `subtractGreen` of `count` pixels with pad bytes 0.
    @inline(__always)
    static func transform(_ v: UnsafePointer<UInt32>, into t: UnsafeMutablePointer<UInt32>, count: Int) {
        for k in 0..<count {
            let p = v[k], g = (p >> 8) & 0xFF
            // Red and blue minus green on 16-bit lanes: the 0x100 above each lane takes any borrow.
            t[k] = (((p | 0x0100_0100) &- (g << 16 | g)) & 0x00FF_00FF) | (p & 0xFF00)
        }
    }

    /// Residuals of coded row `y` (`w` pixels, rows laid out one after another) of transformed pixels `t`.
    @inline(__always)
    static func residualRow(_ t: UnsafePointer<UInt32>, _ y: Int, _ w: Int, into res: UnsafeMutablePointer<UInt32>) {
        let row = t + y * w, out = res + y * w
        if y == 0 {
            out[0] = row[0]
            for x in 1..<max(1, w) { out[x] = difference(row[x], row[x - 1]) }
            return
        }
        let up = row - w
        out[0] = difference(row[0], up[0])
        let rr = UnsafeRawPointer(row), ur = UnsafeRawPointer(up), or = UnsafeMutableRawPointer(out)
        var x = 1
        while x + 4 <= w {
            // MED on each byte lane: min(left, up) when upLeft >= both, max when upLeft <= both, else
            // left + up - upLeft (then within the two, so exact mod 256).
            let current = rr.loadUnaligned(fromByteOffset: x * 4, as: SIMD16<UInt8>.self)
            let a = rr.loadUnaligned(fromByteOffset: x * 4 - 4, as: SIMD16<UInt8>.self)
            let b = ur.loadUnaligned(fromByteOffset: x * 4, as: SIMD16<UInt8>.self)
            let c = ur.loadUnaligned(fromByteOffset: x * 4 - 4, as: SIMD16<UInt8>.self)
            let low = pointwiseMin(a, b), high = pointwiseMax(a, b)
            var p = a &+ b &- c
            p.replace(with: high, where: pointwiseMin(c, low) .== c)
            p.replace(with: low, where: pointwiseMax(c, high) .== c)
            or.storeBytes(of: current &- p, toByteOffset: x * 4, as: SIMD16<UInt8>.self)
            x += 4
        }
        while x < w {
            out[x] = difference(row[x], medPixel(row[x - 1], up[x], up[x - 1]))
            x += 1
        }
    }

    /// `channelDifference` of pixels with pad bytes 0, on the three byte lanes at once.
    @inline(__always)
    static func difference(_ p: UInt32, _ q: UInt32) -> UInt32 {
        (((p | 0x8080_8080) &- (q & 0x7F7F_7F7F)) ^ ((p ^ ~q) & 0x8080_8080)) & 0x00FF_FFFF
    }
}
