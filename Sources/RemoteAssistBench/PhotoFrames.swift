import Pixels

/// Deterministic photo-like frames for the decode benchmark (no image files needed): smooth lighting
/// gradients, soft-edged "objects" from interpolated value noise, fine texture and per-pixel sensor noise,
/// so palettes overflow and the tile-delta encoder picks its `predicted` kind, as on a real photograph.
enum PhotoFrames {
    /// Photo number `seed` at `width` x `height` (the same seed always gives the same pixels).
    static func photo(seed: UInt32, width: Int, height: Int) -> Framebuffer {
        var fb = Framebuffer(width: width, height: height)
        var rng = seed &* 0x9E37_79B9 | 1
        func next() -> UInt32 {
            rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5
            return rng
        }
        func unit() -> Float { Float(next() & 0xFFFF) / 65_535 }
        // Lighting: per channel a base level and linear gradients across the frame.
        let base = (0..<3).map { _ in 60 + 120 * unit() }
        let gx = (0..<3).map { _ in (unit() - 0.5) * 90 }, gy = (0..<3).map { _ in (unit() - 0.5) * 90 }
        // Objects: value noise on a coarse grid (cells of 96 px), smoothly interpolated, per channel.
        let cell = 96, cols = width / cell + 2, rows = height / cell + 2
        let grid = (0..<(3 * cols * rows)).map { _ in (unit() - 0.5) * 110 }
        // Texture: a finer grid (cells of 7 px) of smaller amplitude, shared by the channels.
        let fine = 7, fcols = width / fine + 2, frows = height / fine + 2
        let texture = (0..<(fcols * frows)).map { _ in (unit() - 0.5) * 28 }
        func smooth(_ t: Float) -> Float { t * t * (3 - 2 * t) }
        func lerp(_ g: [Float], _ offset: Int, _ stride: Int, _ x: Int, _ y: Int, _ size: Int) -> Float {
            let cx = x / size, cy = y / size
            let tx = smooth(Float(x % size) / Float(size)), ty = smooth(Float(y % size) / Float(size))
            let i = offset + cy * stride + cx
            let top = g[i] + (g[i + 1] - g[i]) * tx, bottom = g[i + stride] + (g[i + stride + 1] - g[i + stride]) * tx
            return top + (bottom - top) * ty
        }
        fb.pixels.withUnsafeMutableBufferPointer { p in
            for y in 0..<height {
                let fy = Float(y) / Float(max(1, height))
                for x in 0..<width {
                    let fx = Float(x) / Float(max(1, width))
                    let tex = lerp(texture, 0, fcols, x, y, fine)
                    var pixel: UInt32 = 0
                    for c in 0..<3 {
                        let object = lerp(grid, c * cols * rows, cols, x, y, cell)
                        let noise = Float(Int(next() & 15) - 8) * 0.75
                        let v = base[c] + gx[c] * fx + gy[c] * fy + object + tex + noise
                        pixel |= UInt32(max(0, min(255, v.rounded()))) << UInt32(8 * c)
                    }
                    p[y * width + x] = pixel
                }
            }
        }
        return fb
    }
}
