// Decoding of the `predicted` tile kind of tile-delta, fused into one pass per coded row: residuals read
// straight from the payload, the median edge predictor without branches on byte lanes, the colour
// transform undone and the pixels stored into the framebuffer. Exactly the inverse of
// `TilePredictor.residualRow` (the tile-delta tests check it against `predictPixel` and `addGreen`).

/// The three channels of a pixel on byte lanes, in payload order (blue, green, red) and lane 3 zero.
typealias PixelLanes = SIMD4<UInt8>

extension TilePredictor {
    /// Decodes `rows` coded rows of `w` pixels whose 3-byte residuals start at `src` (row after row) into
    /// the framebuffer `fb` (`stride` pixels a row): coded row k is framebuffer row `rowsY[k]`, columns
    /// `x..<x + w`. `scratch` holds 4096 pixels (the transformed tile). The caller has checked that the
    /// residuals and the destination are in bounds; one byte after the last residual must be readable
    /// (residuals are loaded 4 bytes at a time, the 4th byte masked off).
    static func decode(residuals src: UnsafeRawPointer, rows: Int, width w: Int, rowsY: UnsafePointer<Int>,
                       into fb: UnsafeMutablePointer<UInt32>, stride: Int, x: Int,
                       scratch t: UnsafeMutablePointer<PixelLanes>) {
        guard rows > 0, w > 0 else { return }
        firstRow(src, w, t, fb + rowsY[0] * stride + x)
        // Then two rows at a time (the loops are separate functions so that each stays small enough for
        // the optimizer to inline every lane operation).
        var k = 1
        while k + 1 < rows {
            rowPair(src + 3 * k * w, w, t + k * w, fb + rowsY[k] * stride + x, fb + rowsY[k + 1] * stride + x)
            k += 2
        }
        if k < rows { row(src + 3 * k * w, w, t + k * w, fb + rowsY[k] * stride + x) }
    }

    /// Coded row 0: the left neighbour (0 for the first pixel).
    @inline(never)
    static func firstRow(_ r: UnsafeRawPointer, _ w: Int, _ t: UnsafeMutablePointer<PixelLanes>,
                         _ out: UnsafeMutablePointer<UInt32>) {
        var left = PixelLanes()
        for j in 0..<w {
            left &+= residual(r, j)
            t[j] = left
            out[j] = untransformed(left)
        }
    }

    /// Coded rows k and k + 1 (k >= 1; `t` points at transformed row k, row k - 1 is just before it): the
    /// lower row's chain runs on the upper row's values still in registers, so the two serial chains
    /// overlap.
    @inline(never)
    static func rowPair(_ r0: UnsafeRawPointer, _ w: Int, _ t: UnsafeMutablePointer<PixelLanes>,
                        _ out0: UnsafeMutablePointer<UInt32>, _ out1: UnsafeMutablePointer<UInt32>) {
        let up = UnsafePointer(t - w), row1 = t + w, r1 = r0 + 3 * w
        var a0 = up[0] &+ residual(r0, 0)
        var a1 = a0 &+ residual(r1, 0)
        t[0] = a0; row1[0] = a1
        out0[0] = untransformed(a0); out1[0] = untransformed(a1)
        var c0 = up[0]
        for j in 1..<max(1, w) {
            let b0 = up[j], c1 = a0
            a0 = median(a0, b0, c0) &+ residual(r0, j)
            a1 = median(a1, a0, c1) &+ residual(r1, j)
            c0 = b0
            t[j] = a0; row1[j] = a1
            out0[j] = untransformed(a0); out1[j] = untransformed(a1)
        }
    }

    /// One coded row k >= 1 (`t` points at transformed row k).
    @inline(never)
    static func row(_ r: UnsafeRawPointer, _ w: Int, _ t: UnsafeMutablePointer<PixelLanes>,
                    _ out: UnsafeMutablePointer<UInt32>) {
        let up = UnsafePointer(t - w)
        var a = up[0] &+ residual(r, 0)
        t[0] = a
        out[0] = untransformed(a)
        for j in 1..<max(1, w) {
            a = median(a, up[j], up[j - 1]) &+ residual(r, j)
            t[j] = a
            out[j] = untransformed(a)
        }
    }

    /// Residual `j` of a row starting at `src`: 3 payload bytes on lanes 0-2, lane 3 zero.
    @inline(__always)
    static func residual(_ src: UnsafeRawPointer, _ j: Int) -> PixelLanes {
        src.loadUnaligned(fromByteOffset: 3 * j, as: PixelLanes.self) & PixelLanes(255, 255, 255, 0)
    }

    /// `addGreen` on lanes, as the framebuffer's 0x00RRGGBB pixel.
    @inline(__always)
    static func untransformed(_ v: PixelLanes) -> UInt32 {
        let g = v[1]
        return UInt32(littleEndian: unsafeBitCast(v &+ PixelLanes(g, 0, g, 0), to: UInt32.self))
    }

    /// `predictChannel` on every lane without branches: left + up - upLeft, clamped to between left and
    /// up. The sum is formed with saturating steps (up - upLeft split by sign), which the clamp makes
    /// exact: a sum below 0 or above 255 lies outside [min, max] anyway.
    @_transparent
    static func median(_ a: PixelLanes, _ b: PixelLanes, _ c: PixelLanes) -> PixelLanes {
        let low = lanesMin(a, b), high = lanesMax(a, b)
        let bc = lanesMin(b, c)
        let rise = b &- bc, fall = c &- bc
        var p = a &+ lanesMin(rise, ~a)  // becomes a saturating add
        p &-= lanesMin(p, fall)  // a saturating subtract
        return lanesMin(lanesMax(p, low), high)
    }

    // Lane by lane rather than the standard library's generic `pointwiseMin`, which the optimizer does
    // not always inline (a call per lane operation); written this way it becomes one vector instruction.
    @inline(__always)
    static func lanesMin(_ a: PixelLanes, _ b: PixelLanes) -> PixelLanes {
        PixelLanes(min(a.x, b.x), min(a.y, b.y), min(a.z, b.z), min(a.w, b.w))
    }

    @inline(__always)
    static func lanesMax(_ a: PixelLanes, _ b: PixelLanes) -> PixelLanes {
        PixelLanes(max(a.x, b.x), max(a.y, b.y), max(a.z, b.z), max(a.w, b.w))
    }
}
