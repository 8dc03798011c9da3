import Pixels

/// A small deterministic generator (SplitMix64), so failures reproduce.
struct SeededRandom {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ range: Range<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func colour() -> UInt32 { UInt32(truncatingIfNeeded: next()) & 0x00FF_FFFF }
}

/// Generated desktop-like content for round trips.
enum Patterns {
    static func noise(_ w: Int, _ h: Int, seed: UInt64, pad: Bool = false) -> Framebuffer {
        var rng = SeededRandom(seed)
        var fb = Framebuffer(width: w, height: h)
        for i in 0..<fb.pixels.count {
            let v = UInt32(truncatingIfNeeded: rng.next())
            fb.pixels[i] = pad ? v : v & 0x00FF_FFFF
        }
        return fb
    }

    static func gradient(_ w: Int, _ h: Int) -> Framebuffer {
        var fb = Framebuffer(width: w, height: h)
        for y in 0..<h {
            for x in 0..<w {
                fb[x, y] = UInt32((x * 255) / max(1, w - 1)) << 16 | UInt32((y * 255) / max(1, h - 1)) << 8 | UInt32((x + y) & 0xFF)
            }
        }
        return fb
    }

    /// Text-like rows of 6x10 "glyphs" from a small font of random bitmaps, two colours plus a few accents.
    static func text(_ w: Int, _ h: Int, seed: UInt64, background: UInt32 = 0x1E1E1E, ink: UInt32 = 0xD0D0D0) -> Framebuffer {
        var rng = SeededRandom(seed)
        var glyphs: [[Bool]] = []
        for _ in 0..<40 { glyphs.append((0..<60).map { _ in rng.next() % 3 == 0 }) }
        var fb = Framebuffer(width: w, height: h, fill: background)
        var y = 2
        while y + 10 <= h {
            var x = 2
            let lineLength = rng.int(0..<max(1, w / 6))
            var count = 0
            while x + 6 <= w && count < lineLength {
                let g = rng.int(0..<glyphs.count)
                let colour = rng.int(0..<20) == 0 ? 0xE06C75 : ink
                if g != 0 {
                    for gy in 0..<10 { for gx in 0..<6 where glyphs[g][gy * 6 + gx] { fb[x + gx, y + gy] = UInt32(colour) } }
                }
                x += 6
                count += 1
            }
            y += 12
        }
        return fb
    }

    /// Random solid rectangles over `fb`.
    static func rectangles(_ fb: inout Framebuffer, count: Int, seed: UInt64) {
        var rng = SeededRandom(seed)
        guard fb.width > 0, fb.height > 0 else { return }
        for _ in 0..<count {
            let x = rng.int(0..<fb.width), y = rng.int(0..<fb.height)
            fb.fill(Rect(x: x, y: y, width: rng.int(1..<max(2, fb.width / 3)), height: rng.int(1..<max(2, fb.height / 3))),
                    with: rng.colour())
        }
    }

    /// `fb` with the region `area` scrolled by `dy` (positive: content moves down), new lines of fresh text.
    static func scrolled(_ fb: Framebuffer, area: Rect, dy: Int, seed: UInt64) -> Framebuffer {
        var out = fb
        let fresh = text(area.width, abs(dy), seed: seed, background: 0x202020, ink: 0x40FF40)
        for y in area.y..<area.maxY {
            let sy = y - dy
            for x in area.x..<area.maxX {
                if sy >= area.y && sy < area.maxY {
                    out[x, y] = fb[x, sy]
                } else {
                    let fy = dy > 0 ? y - area.y : y - (area.maxY + dy)
                    out[x, y] = fresh.height > 0 ? fresh[x - area.x, max(0, min(fresh.height - 1, fy))] : 0
                }
            }
        }
        return out
    }

    /// A window (`window` pixels) drawn at `from` in the first frame and at `to` in the second, over `background`.
    static func movedWindow(background: Framebuffer, window: Framebuffer, from: (Int, Int), to: (Int, Int))
        -> (Framebuffer, Framebuffer) {
        func draw(_ at: (Int, Int)) -> Framebuffer {
            var fb = background
            for y in 0..<window.height {
                for x in 0..<window.width {
                    let tx = at.0 + x, ty = at.1 + y
                    if tx >= 0 && ty >= 0 && tx < fb.width && ty < fb.height { fb[tx, ty] = window[x, y] }
                }
            }
            return fb
        }
        return (draw(from), draw(to))
    }

    static func masked(_ fb: Framebuffer) -> Framebuffer {
        var out = fb
        for i in 0..<out.pixels.count { out.pixels[i] &= 0x00FF_FFFF }
        return out
    }
}
