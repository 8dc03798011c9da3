import Pixels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The smallest rectangle inside `rect` that holds every pixel where `a` and `b` differ, or nil when
/// they are equal there. Rows are compared with `memcmp` first; only differing rows are scanned, and
/// only outside the columns already known to differ. Used to send changed tiles trimmed to what really
/// changed (a 32x32 change in a 64x64 tile of wallpaper sends 32x32 pixels, not 64x64).
func changedBounds(of rect: Rect, _ a: Framebuffer, _ b: Framebuffer) -> Rect? {
    let r = rect.intersection(a.bounds).intersection(b.bounds)
    guard !r.isEmpty, a.width == b.width else { return nil }
    let width = a.width
    var minX = Int.max, maxX = -1, minY = -1, maxY = -1
    a.pixels.withUnsafeBufferPointer { ap in
        b.pixels.withUnsafeBufferPointer { bp in
            guard let pa = ap.baseAddress, let pb = bp.baseAddress else { return }
            for y in r.y..<r.maxY {
                let row = y * width
                guard memcmp(pa + row + r.x, pb + row + r.x, r.width &* 4) != 0 else { continue }
                if minY < 0 { minY = y }
                maxY = y
                var x = r.x
                while x < min(minX, r.maxX) && pa[row + x] == pb[row + x] { x += 1 }
                if x < minX { minX = x }
                var e = r.maxX - 1
                while e > max(maxX, r.x) && pa[row + e] == pb[row + e] { e -= 1 }
                if e > maxX { maxX = e }
            }
        }
    }
    guard minY >= 0 else { return nil }
    return Rect(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1)
}
