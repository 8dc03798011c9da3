import Pixels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Encodes single tiles of a tile-delta update. One per thread: it owns its scratch buffers and output,
/// so the per-tile work does not allocate.
struct TileCoder {
    /// Scratch for the tile as the decoder holds it after the copies (when a copy reaches the tile).
    /// Owned by the coder; `release` frees it.
    private let reference = UnsafeMutablePointer<UInt32>.allocate(capacity: 4096)
    /// Scratch for one tile's bytes: header (column, row, kind, masks) then at most a 127-colour palette
    /// and 4 bytes a pixel (plain RLE of single pixels).
    private let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: TileCoder.tileBound)
    static let tileBound = 4 + 1 + 8 + 2 + 1 + 127 * 3 + 4096 * 4
    private var values = [UInt32](repeating: 0, count: 4096)
    private var refs = [UInt32](repeating: 0, count: 4096)
    private var residuals = [UInt32](repeating: 0, count: 4096)
    private var palette = TilePalette()
    var out: [UInt8] = []
    var tiles = 0
    /// The union of the tiles written since `reset`.
    var covered = Rect(x: 0, y: 0, width: 0, height: 0)

    func release() {
        reference.deallocate()
        bytes.deallocate()
    }

    mutating func reset() {
        out.removeAll(keepingCapacity: true)
        tiles = 0
        covered = Rect(x: 0, y: 0, width: 0, height: 0)
    }

    /// Appends tile (`column`, `row`) = `t` unless, after `copies`, it already equals `current`.
    mutating func encode(column: Int, row: Int, _ t: Rect, prev: UnsafePointer<UInt32>, cur: UnsafePointer<UInt32>,
                         width: Int, copies: [CopyOperation]) {
        let w = t.width
        // What the decoder holds for this tile after the copies: the previous pixels, except where a copy
        // wrote (copies are exact, so there it holds the current pixels).
        var ref = prev + t.y * width + t.x, rs = width
        // A copy over the whole tile leaves it equal to `current` (copies are exact): nothing to code.
        if copies.contains(where: { $0.destination.contains(t) }) { return }
        if copies.contains(where: { $0.destination.intersects(t) }) {
            for yy in 0..<t.height {
                (reference + yy * w).update(from: prev + (t.y + yy) * width + t.x, count: w)
            }
            for c in copies {
                let d = c.destination.intersection(t)
                guard !d.isEmpty else { continue }
                for y in d.y..<d.maxY {
                    (reference + (y - t.y) * w + (d.x - t.x)).update(from: cur + y * width + d.x, count: d.width)
                }
            }
            ref = UnsafePointer(reference)
            rs = w
        }
        var mask: UInt64 = 0
        for yy in 0..<t.height where memcmp(ref + yy * rs, cur + (t.y + yy) * width + t.x, w * 4) != 0 {
            mask |= UInt64(1) << UInt64(yy)
        }
        guard mask != 0 else { return }
        tiles += 1
        covered = covered.union(t)
        let all: UInt64 = t.height == 64 ? ~0 : (UInt64(1) << UInt64(t.height)) - 1
        // The coded columns: from the first to the last pixel that differs in any coded row.
        var cx = w, cEnd = 0
        for yy in 0..<t.height where mask & (UInt64(1) << UInt64(yy)) != 0 {
            let src = cur + (t.y + yy) * width + t.x, rrow = ref + yy * rs
            var a = 0
            while a < cx && src[a] == rrow[a] { a += 1 }
            cx = min(cx, a)
            var b = w
            while b > cEnd && src[b - 1] == rrow[b - 1] { b -= 1 }
            cEnd = max(cEnd, b)
        }
        let cw = cEnd - cx
        // Gather the coded pixels.
        var n = 0
        values.withUnsafeMutableBufferPointer { v in
            refs.withUnsafeMutableBufferPointer { rv in
                for yy in 0..<t.height where mask & (UInt64(1) << UInt64(yy)) != 0 {
                    let src = cur + (t.y + yy) * width + t.x, rrow = ref + yy * rs
                    for x in cx..<cEnd {
                        v[n] = src[x] & 0x00FF_FFFF
                        rv[n] = rrow[x] & 0x00FF_FFFF
                        n += 1
                    }
                }
            }
        }
        let codedRows = n / cw
        // Measure every kind.
        var xorCost = 0
        var (paletteRLECost, plainRLECost, overflow) = (0, 0, false)
        values.withUnsafeBufferPointer { v in
            refs.withUnsafeBufferPointer { rv in
                guard let base = v.baseAddress else { return }
                (paletteRLECost, plainRLECost, overflow) = palette.measureRuns(base, n, pixelSize: 3)
                var zeroRun = false
                for k in 0..<n {
                    let z = v[k] == rv[k]
                    if !z { xorCost += 3 } else if !zeroRun { xorCost += 2 }
                    zeroRun = z
                }
            }
        }
        let b = bytes
        var o = 0
        @inline(__always) func put(_ v: UInt8) { b[o] = v; o += 1 }
        @inline(__always) func pixel(_ p: UInt32) {
            b[o] = UInt8(truncatingIfNeeded: p); b[o + 1] = UInt8(truncatingIfNeeded: p >> 8)
            b[o + 2] = UInt8(truncatingIfNeeded: p >> 16); o += 3
        }
        @inline(__always) func runLength(_ length: Int) {
            var rest = length - 1
            while rest >= 255 { put(255); rest -= 255 }
            put(UInt8(truncatingIfNeeded: rest))
        }
        put(UInt8(truncatingIfNeeded: column >> 8)); put(UInt8(truncatingIfNeeded: column))
        put(UInt8(truncatingIfNeeded: row >> 8)); put(UInt8(truncatingIfNeeded: row))
        let flag: UInt8 = (mask == all ? 0 : TileDelta.rowMaskFlag) | (cw == w ? 0 : TileDelta.columnsFlag)
        func masks() {
            if flag & TileDelta.rowMaskFlag != 0 {
                for shift in stride(from: 56, through: 0, by: -8) { put(UInt8(truncatingIfNeeded: mask >> UInt64(shift))) }
            }
            if flag & TileDelta.columnsFlag != 0 { put(UInt8(cx)); put(UInt8(cw)) }
        }
        let count = palette.count
        if !overflow && count == 1 {
            put(TileDelta.Kind.solid.rawValue | flag)
            masks()
            pixel(values[0])
            out.append(contentsOf: UnsafeBufferPointer(start: b, count: o))
            return
        }
        var best = TileDelta.Kind.raw, bestCost = 3 * n
        // The predictor pays off for many-coloured content; skip it where runs or a palette will win.
        if overflow || paletteRLECost + 3 * count > n {
            let predictedCost = predictedEstimate(n, cw)
            if predictedCost < bestCost { best = .predicted; bestCost = predictedCost }
        }
        if xorCost < bestCost { best = .xor; bestCost = xorCost }
        if plainRLECost < bestCost { best = .plainRLE; bestCost = plainRLECost }
        var bits = 0
        if !overflow {
            let prle = 1 + 3 * count + paletteRLECost
            if prle < bestCost { best = .paletteRLE; bestCost = prle }
            if count <= 16 {
                bits = count <= 2 ? 1 : count <= 4 ? 2 : 4
                let packed = 1 + 3 * count + codedRows * ((cw * bits + 7) / 8)
                if packed <= bestCost { best = .packedPalette; bestCost = packed }
            }
        }
        put(best.rawValue | flag)
        masks()
        if best == .paletteRLE || best == .packedPalette { palette.sortColours() }
        if best == .predicted { fillResiduals(n, cw) }
        values.withUnsafeBufferPointer { v in
            refs.withUnsafeBufferPointer { rv in
                residuals.withUnsafeBufferPointer { res in
                    switch best {
                    case .raw:
                        for k in 0..<n { pixel(v[k]) }
                    case .predicted:
                        for k in 0..<n { pixel(res[k]) }
                    case .xor:
                        for k in 0..<n { pixel(v[k] ^ rv[k]) }
                    case .plainRLE:
                        var i = 0
                        while i < n {
                            var j = i + 1
                            while j < n && v[j] == v[i] { j += 1 }
                            pixel(v[i])
                            runLength(j - i)
                            i = j
                        }
                    case .paletteRLE:
                        put(UInt8(count))
                        for k in 0..<count { pixel(palette.colours[k]) }
                        var i = 0
                        while i < n {
                            var j = i + 1
                            while j < n && v[j] == v[i] { j += 1 }
                            let index = UInt8(palette.index(of: v[i]) ?? 0)
                            if j - i == 1 { put(index) } else { put(index | 0x80); runLength(j - i) }
                            i = j
                        }
                    case .packedPalette:
                        put(UInt8(count))
                        for k in 0..<count { pixel(palette.colours[k]) }
                        for yy in 0..<codedRows {
                            var acc: UInt32 = 0, filled = 0
                            for x in 0..<cw {
                                acc = acc << UInt32(bits) | UInt32(palette.index(of: v[yy * cw + x]) ?? 0)
                                filled += bits
                                if filled == 8 { put(UInt8(acc)); acc = 0; filled = 0 }
                            }
                            if filled > 0 { put(UInt8(truncatingIfNeeded: acc << UInt32(8 - filled))) }
                        }
                    case .solid:
                        break
                    }
                }
            }
        }
        out.append(contentsOf: UnsafeBufferPointer(start: b, count: o))
    }

    /// A guess at the compressed size of the predicted form: about the significant bits of each channel
    /// residual, measured on every 4th coded row and scaled up.
    private func predictedEstimate(_ n: Int, _ w: Int) -> Int {
        values.withUnsafeBufferPointer { v in
            let rows = n / w
            var bits = 0, sampled = 0
            var y = 0
            while y < rows {
                for x in 0..<w {
                    let r = Self.residual(v, y * w + x, x, y, w)
                    bits += Self.cost(UInt8(truncatingIfNeeded: r)) + Self.cost(UInt8(truncatingIfNeeded: r >> 8))
                        + Self.cost(UInt8(truncatingIfNeeded: r >> 16))
                }
                sampled += 1
                y += 4
            }
            return sampled == 0 ? .max : bits * rows / (sampled * 8)
        }
    }

    /// Fills `residuals` with the predicted form of the coded pixels.
    private mutating func fillResiduals(_ n: Int, _ w: Int) {
        values.withUnsafeBufferPointer { v in
            residuals.withUnsafeMutableBufferPointer { res in
                for y in 0..<(n / w) {
                    for x in 0..<w { res[y * w + x] = Self.residual(v, y * w + x, x, y, w) }
                }
            }
        }
    }

    /// The residual of coded pixel `k` (at `x`, `y` of the coded grid `w` wide): transformed pixel minus
    /// the prediction from its transformed neighbours.
    @inline(__always)
    private static func residual(_ v: UnsafeBufferPointer<UInt32>, _ k: Int, _ x: Int, _ y: Int, _ w: Int) -> UInt32 {
        let t = subtractGreen(v[k])
        let pred: UInt32
        if y == 0 {
            pred = x == 0 ? 0 : subtractGreen(v[k - 1])
        } else if x == 0 {
            pred = subtractGreen(v[k - w])
        } else {
            pred = medPixel(subtractGreen(v[k - 1]), subtractGreen(v[k - w]), subtractGreen(v[k - w - 1]))
        }
        return channelDifference(t, pred)
    }

    @inline(__always)
    private static func cost(_ c: UInt8) -> Int {
        let m = c & 0x80 != 0 ? ~c : c
        return m == 0 ? 1 : 10 - m.leadingZeroBitCount
    }
}
