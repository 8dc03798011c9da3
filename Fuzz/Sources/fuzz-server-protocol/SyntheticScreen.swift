import Pixels

/// What the agent "captures" for update number `n`: a gradient background, a block that moves a few
/// pixels each update (motion detection, CopyRect), text-like stripes that scroll, and one noisy tile.
enum SyntheticScreen {
    static func frame(_ n: Int, width: Int, height: Int) -> Framebuffer {
        var fb = Framebuffer(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let stripe = (y + 3 * n) % 8 < 2 && x > width / 2 ? UInt32(0x20_2020) : 0
                fb[x, y] = (UInt32(x * 2) << 16 | UInt32(y * 2) << 8 | 0x40) ^ stripe
            }
        }
        let bx = (7 * n) % max(1, width - 24), by = (5 * n) % max(1, height - 16)
        fb.fill(Rect(x: bx, y: by, width: 24, height: 16), with: 0xC0_3050)
        var state = UInt32(truncatingIfNeeded: n &* 747_796_405 &+ 1)
        for y in 0..<min(16, height) {
            for x in 0..<min(16, width) {
                state = state &* 1_664_525 &+ 1_013_904_223
                fb[x, y] = state >> 8
            }
        }
        return fb
    }
}
