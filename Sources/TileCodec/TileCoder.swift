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
    /// (Pixels are stored 4 bytes at a time and advanced by 3: the slack takes the last spare byte.)
    private let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: TileCoder.tileBound + 8)
    static let tileBound = 4 + 1 + 8 + 2 + 1 + 127 * 3 + 4096 * 4
    /// The coded pixels (pad byte cleared), what the decoder holds there, and for the predicted kind the
    /// colour-transformed pixels and the residuals; each 4096 pixels, row after coded row.
    private let values = UnsafeMutablePointer<UInt32>.allocate(capacity: 4096)
    private let refs = UnsafeMutablePointer<UInt32>.allocate(capacity: 4096)
    private let transformed = UnsafeMutablePointer<UInt32>.allocate(capacity: 4096)
    private let residuals = UnsafeMutablePointer<UInt32>.allocate(capacity: 4096)
    private let palette = TilePalette()
    var out: [UInt8] = []
    /// The payload version being written (`TileDelta.version1`, `version2` or `version3`): version 2 adds
    /// the grey kind, version 3 the dual kind.
    var version = TileDelta.version1
    var tiles = 0
    /// Bytes of predicted-kind data written since `reset` (photographs: see `TileDeltaEncoder`).
    var predictedBytes = 0
    /// The union of the tiles written since `reset`.
    var covered = Rect(x: 0, y: 0, width: 0, height: 0)

    func release() {
        for p in [reference, values, refs, transformed, residuals] { p.deallocate() }
        bytes.deallocate()
    }

    mutating func reset() {
        out.removeAll(keepingCapacity: true)
        tiles = 0
        predictedBytes = 0
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
        // The coded rows (those that differ), and the coded columns: from the first to the last pixel
        // that differs in any coded row. One pass; a row's pixel mask only where memcmp saw a difference.
        var mask: UInt64 = 0, differs: UInt64 = 0
        for yy in 0..<t.height {
            let c = cur + (t.y + yy) * width + t.x, r = ref + yy * rs
            guard memcmp(r, c, w * 4) != 0 else { continue }
            mask |= UInt64(1) << UInt64(yy)
            differs |= RunBits.differing(c, r, count: w)
        }
        guard mask != 0 else { return }
        tiles += 1
        covered = covered.union(t)
        let all: UInt64 = t.height == 64 ? ~0 : (UInt64(1) << UInt64(t.height)) - 1
        let cx = differs.trailingZeroBitCount, cEnd = 64 - differs.leadingZeroBitCount
        let cw = cEnd - cx
        // Gather the coded pixels.
        let v = values, rv = refs
        var n = 0
        var rowsLeft = mask
        while rowsLeft != 0 {
            let yy = rowsLeft.trailingZeroBitCount
            rowsLeft &= rowsLeft &- 1
            let src = cur + (t.y + yy) * width + t.x + cx, rrow = ref + yy * rs + cx
            for x in 0..<cw {
                v[n + x] = src[x] & 0x00FF_FFFF
                rv[n + x] = rrow[x] & 0x00FF_FFFF
            }
            n += cw
        }
        let codedRows = n / cw
        // Measure every kind: runs and colours, and XOR (3 bytes a differing pixel, 2 a run of zeros).
        let (runs, overflow) = palette.scanRuns(v, n)
        let paletteRLECost = runs.paletteRLECost, plainRLECost = runs.plainRLECost(pixelSize: 3)
        var xorCost = 0, zeroCarry: UInt64 = 0
        var base = 0
        while base < n {
            let count = min(64, n - base)
            let zeros = ~RunBits.differing(v + base, rv + base, count: count) & RunBits.low(count)
            xorCost &+= 3 &* (count &- zeros.nonzeroBitCount) &+ 2 &* (zeros & ~(zeros &<< 1 | zeroCarry)).nonzeroBitCount
            zeroCarry = zeros &>> 63
            base += 64
        }
        let b = bytes
        var o = 0
        @inline(__always) func put(_ v: UInt8) { b[o] = v; o += 1 }
        @inline(__always) func pixel(_ p: UInt32) {
            UnsafeMutableRawPointer(b).storeBytes(of: p.littleEndian, toByteOffset: o, as: UInt32.self)
            o += 3
        }
        @inline(__always) func runLength(_ length: Int) { o += RunCounts.storeRunLength(length, at: b + o) }
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
            pixel(v[0])
            out.append(contentsOf: UnsafeBufferPointer(start: b, count: o))
            return
        }
        var best = TileDelta.Kind.raw, bestCost = 3 * n
        // The predictor pays off for many-coloured content; skip it where runs or a palette will win.
        // Version 2: a grey tile (anti-aliased text, grey UI) is always weighed as the grey kind, at the
        // predictor's estimate over one channel (measured: its bytes repeat wherever a glyph does, which
        // zstd finds; far fewer bytes than palette RLE or predicted on recorded text, see SPEC.md).
        // Version 3: a tile where two channels are equal everywhere (black text beside links of the
        // default blue, red or green marks on grey) is weighed as the dual kind, at the predictor's
        // estimate (where the third channel costs about nothing), in place of the predicted kind.
        let equal = version >= TileDelta.version2 ? Self.equalChannels(v, n) : .none
        let grey = equal == .all
        let pair: TileDelta.Pair? = if case .pair(let p) = equal, version >= TileDelta.version3 { p } else { nil }
        let dual = pair != nil
        if overflow || paletteRLECost + 3 * count > n || grey || dual {
            let predictedCost = predictedEstimate(n, cw, grey: grey)
            if predictedCost < bestCost { best = grey ? .grey : dual ? .dual : .predicted; bestCost = predictedCost }
        }
        if xorCost < bestCost { best = .xor; bestCost = xorCost }
        // Version 3: grey and dual tiles are never run-length coded. Their raw levels repeat byte for byte
        // wherever a glyph repeats, which runs break up (measured on the recorded applications, README
        // "Benchmarks": browser 0.595 -> 0.577 of ZRLE's bytes, writer 0.593 -> 0.580, pdf 0.556 -> 0.553,
        // the desktop corpus unchanged or smaller). Version 2 keeps its choices (its golden vectors).
        let levels = version >= TileDelta.version3 && (grey || dual)
        if plainRLECost < bestCost && !levels { best = .plainRLE; bestCost = plainRLECost }
        var bits = 0
        if !overflow {
            let prle = 1 + 3 * count + paletteRLECost
            if prle < bestCost && !levels { best = .paletteRLE; bestCost = prle }
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
        switch best {
        case .raw:
            for k in 0..<n { pixel(v[k]) }
        case .predicted:
            let res = residuals
            for k in 0..<n { pixel(res[k]) }
            predictedBytes += 3 * n
        case .grey:
            // Version 2: one byte a pixel, its grey level (= blue = green = red), no prediction.
            for k in 0..<n { b[o + k] = UInt8(truncatingIfNeeded: v[k]) }
            o += n
        case .dual:
            // Version 3: which two channels are equal, then per pixel their level and the third channel.
            let p = pair ?? .redGreen  // not reached without a pair: `dual` is chosen only with one
            put(p.rawValue)
            let (shared, other) = p.shifts
            for k in 0..<n {
                b[o + 2 * k] = UInt8(truncatingIfNeeded: v[k] >> shared)
                b[o + 2 * k + 1] = UInt8(truncatingIfNeeded: v[k] >> other)
            }
            o += 2 * n
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
        out.append(contentsOf: UnsafeBufferPointer(start: b, count: o))
    }

    /// A guess at the compressed size of the predicted form: about the significant bits of each channel
    /// residual, measured on every 4th coded row and scaled up. Leaves the colour-transformed pixels in
    /// `transformed` and the residuals of the sampled rows in `residuals`.
    /// With `grey` only the green residuals count: the guess for the grey kind (one byte a pixel).
    private func predictedEstimate(_ n: Int, _ w: Int, grey: Bool) -> Int {
        let rows = n / w
        TilePredictor.transform(values, into: transformed, count: n)
        var bits = 0, sampled = 0
        var y = 0
        while y < rows {
            TilePredictor.residualRow(transformed, y, w, into: residuals)
            let r = residuals + y * w
            for x in 0..<w {
                let p = r[x]
                bits &+= Self.cost(UInt8(truncatingIfNeeded: p >> 8))
                if !grey {
                    bits &+= Self.cost(UInt8(truncatingIfNeeded: p)) &+ Self.cost(UInt8(truncatingIfNeeded: p >> 16))
                }
            }
            sampled += 1
            y += 4
        }
        return sampled == 0 ? .max : bits * rows / (sampled * 8)
    }

    /// Fills the rest of `residuals` with the predicted form of the coded pixels, after
    /// `predictedEstimate` (the predicted kind is only chosen after it).
    private func fillResiduals(_ n: Int, _ w: Int) {
        for y in 0..<(n / w) where y % 4 != 0 {
            TilePredictor.residualRow(transformed, y, w, into: residuals)
        }
    }

    /// Which channels are equal in every one of the `n` pixels: all three (grey), one pair, or none.
    private static func equalChannels(_ v: UnsafePointer<UInt32>, _ n: Int) -> EqualChannels {
        // Byte 0 of `p ^ p >> 8` is blue ^ green, byte 1 green ^ red; byte 0 of `p ^ p >> 16` blue ^ red.
        var near: UInt32 = 0, far: UInt32 = 0
        for k in 0..<n {
            let p = v[k]
            near |= p ^ (p >> 8)
            far |= p ^ (p >> 16)
        }
        let redGreen = near & 0xFF00 == 0, greenBlue = near & 0xFF == 0, redBlue = far & 0xFF == 0
        if redGreen && greenBlue { return .all }
        return redGreen ? .pair(.redGreen) : greenBlue ? .pair(.greenBlue) : redBlue ? .pair(.redBlue) : .none
    }

    /// What `equalChannels` found: nothing equal, one pair (a dual tile in version 3), or all three (grey).
    private enum EqualChannels: Equatable {
        case none, pair(TileDelta.Pair), all
    }

    @inline(__always)
    private static func cost(_ c: UInt8) -> Int {
        let m = c & 0x80 != 0 ? ~c : c
        return m == 0 ? 1 : 10 - m.leadingZeroBitCount
    }
}
