/// Pixel comparisons as bit masks, 64 pixels a word: the cost measurements of the tile coders read runs
/// and XOR zeros from these with popcounts instead of walking pixel by pixel (8 pixels a step, no
/// data-dependent branches, so short runs of text no longer cost a mispredicted branch each).
enum RunBits {
    /// Bit k set where `a[k] != b[k]`, for k in 0..<count (count <= 64); higher bits 0. Reads exactly
    /// `count` pixels of each.
    @inline(__always)
    static func differing(_ a: UnsafePointer<UInt32>, _ b: UnsafePointer<UInt32>, count: Int) -> UInt64 {
        let weights = SIMD8<UInt32>(1, 2, 4, 8, 16, 32, 64, 128)
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var bits: UInt64 = 0
        var k = 0
        while k + 8 <= count {
            let x = ra.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<UInt32>.self)
            let y = rb.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<UInt32>.self)
            let group = SIMD8<UInt32>(repeating: 0).replacing(with: weights, where: x .!= y).wrappedSum()
            bits |= UInt64(group) &<< UInt64(k)
            k += 8
        }
        while k < count {
            if a[k] != b[k] { bits |= 1 &<< UInt64(k) }
            k += 1
        }
        return bits
    }

    /// Bit k set where pixel `base + k` of `v` starts a run (it is the first pixel, or differs from the
    /// pixel before it), for k in 0..<count.
    @inline(__always)
    static func runStarts(_ v: UnsafePointer<UInt32>, base: Int, count: Int) -> UInt64 {
        if base > 0 { return differing(v + base, v + base - 1, count: count) }
        return count > 1 ? differing(v + 1, v, count: count - 1) &<< 1 | 1 : 1
    }

    /// The mask of the low `count` bits (count in 1...64).
    @inline(__always)
    static func low(_ count: Int) -> UInt64 { count >= 64 ? ~0 : (1 &<< UInt64(count)) &- 1 }
}

/// Runs of equal pixels in a sequence: how many, how many of one pixel, and the extra run-length bytes
/// that runs longer than 256 pixels need (RLE lengths are bytes of 255 and a last byte below 255).
struct RunCounts {
    var runs = 0
    var singles = 0
    /// Sum over runs of (length - 1) / 255.
    var longExtra = 0

    /// Palette RLE: an index byte a run, plus its length bytes when the run is longer than one pixel.
    var paletteRLECost: Int { 2 * runs - singles + longExtra }
    /// Plain RLE: the pixel, then its length bytes.
    func plainRLECost(pixelSize: Int) -> Int { runs * (pixelSize + 1) + longExtra }

    /// Writes a run length as ZRLE and tile-delta code it (`length >= 1`: bytes summing to `length - 1`,
    /// 255s continue); returns how many bytes.
    @inline(__always)
    static func storeRunLength(_ length: Int, at out: UnsafeMutablePointer<UInt8>) -> Int {
        var rest = length - 1, o = 0
        while rest >= 255 { out[o] = 255; o += 1; rest -= 255 }
        out[o] = UInt8(truncatingIfNeeded: rest)
        return o + 1
    }
}
