/// Content-defined anchors for `MotionDetector`'s offset voting.

struct RowSpan { var y: Int, x0: Int, x1: Int }
struct Anchor { var hash: UInt64, x: Int32, y: Int32 }

/// Finds anchors in rows of both frames; part `p` of `parts` takes every `parts`-th row, so the cores
/// share the work evenly. Results: out[0..<parts] previous frame, out[parts..<2*parts] current frame.
struct AnchorScan: @unchecked Sendable {
    let prev: UnsafePointer<UInt32>, cur: UnsafePointer<UInt32>
    let width: Int
    let prevRows: [RowSpan], curRows: [RowSpan]
    let out: UnsafeMutableBufferPointer<[Anchor]>
    let parts: Int

    func run(part: Int) {
        var a: [Anchor] = [], b: [Anchor] = []
        a.reserveCapacity(prevRows.count * (prevRows.first.map { $0.x1 - $0.x0 } ?? 0) / (32 * parts) + 16)
        b.reserveCapacity(a.capacity / 2)
        var i = part
        while i < prevRows.count {
            let r = prevRows[i]
            Self.collect(prev, r, self, into: &a)
            i += parts
        }
        i = part
        while i < curRows.count {
            let r = curRows[i]
            Self.collect(cur, r, self, into: &b)
            i += parts
        }
        out[part] = a
        out[parts + part] = b
    }

    /// Appends the anchors of one row span, and for each anchor after the first also a pair anchor: its
    /// hash mixed with the previous anchor's hash and their distance. Small-font text has few distinct
    /// 16-pixel windows (a window's anchor repeats wherever its letters do), but pairs of neighbouring
    /// anchors are far more often unique, so they still vote for a moved text window.
    @inline(__always)
    static func collect(_ frame: UnsafePointer<UInt32>, _ r: RowSpan, _ scan: AnchorScan, into list: inout [Anchor]) {
        var last: (hash: UInt64, x: Int)? = nil
        scan.scan(frame, r) { h, x in
            list.append(Anchor(hash: h, x: Int32(x), y: Int32(r.y)))
            if let last {
                let pair = (last.hash ^ UInt64(x - last.x) &* 0xA076_1D64_78BD_642F) &* 0xE703_7ED1_A0B4_28DB ^ h
                list.append(Anchor(hash: pair, x: Int32(x), y: Int32(r.y)))
            }
            last = (h, x)
        }
    }

    /// Calls `found` with the hash and x of every anchor of a row span. The hash is a gear hash: each step
    /// shifts in 4 bits, so after 16 pixels the oldest has left it. Anchors are the positions whose hash
    /// has its top 6 bits zero, in windows that are not uniform. Uniform runs (blank lines, margins) are
    /// skipped at the cost of a compare per pixel: a window of 16 equal pixels `c` hashes to c·K·G.
    @inline(__always)
    func scan(_ frame: UnsafePointer<UInt32>, _ span: RowSpan, _ found: (UInt64, Int) -> Void) {
        let w = MotionDetector.window
        let x0 = span.x0, x1 = span.x1
        guard x1 - x0 >= w else { return }
        let row = frame + span.y * width
        var h: UInt64 = 0
        var same = 0  // how many pixels before the newest one equal it
        for i in 0..<(w - 1) {
            h = h << 4 &+ UInt64(row[x0 + i]) &* Self.gear
            same = i > 0 && row[x0 + i] == row[x0 + i - 1] ? same + 1 : 0
        }
        var e = x0 + w - 1  // the newest pixel of the window
        while e < x1 {
            let p = row[e]
            h = h << 4 &+ UInt64(p) &* Self.gear
            same = p == row[e - 1] ? same + 1 : 0
            if same >= w - 1 {
                // A uniform window: jump to the last window that is still uniform.
                var f = e + 1
                while f < x1 && row[f] == p { f += 1 }
                e = f - 1
                h = UInt64(p) &* Self.gear &* Self.uniformFactor
                e += 1
                continue
            }
            if h >> 58 == 0 { found(h, e - w + 1) }
            e += 1
        }
    }

    static let gear: UInt64 = 0x9E37_79B9_7F4A_7C15
    /// The sum of 16^i for i in 0..<16 (mod 2^64): a uniform window of colour c hashes to c * gear * this.
    static let uniformFactor: UInt64 = 0x1111_1111_1111_1111
}

/// Anchor hashes of the previous frame: where each was seen first and whether it was seen again.
struct AnchorTable {
    private var keys: [UInt64]
    private var xs: [Int32], ys: [Int32]
    private var seen: [UInt8]
    private let mask: Int

    init(expected: Int) {
        var size = 1024
        while size < expected * 2 { size <<= 1 }
        keys = [UInt64](repeating: 0, count: size)
        xs = [Int32](repeating: 0, count: size)
        ys = [Int32](repeating: 0, count: size)
        seen = [UInt8](repeating: 0, count: size)
        mask = size - 1
    }

    @inline(__always)
    private func slot(_ h: UInt64) -> (Int, Bool) {
        var i = Int(truncatingIfNeeded: (h &* 0xD6E8_FEB8_6659_FD93) >> 40) & mask
        var probes = 0
        while seen[i] != 0 {
            if keys[i] == h { return (i, true) }
            i = (i + 1) & mask
            probes += 1
            if probes > mask { return (-1, false) }
        }
        return (i, false)
    }

    mutating func insert(_ h: UInt64, x: Int, y: Int) {
        let (i, found) = slot(h)
        guard i >= 0 else { return }
        if found {
            seen[i] = 2
        } else {
            keys[i] = h; xs[i] = Int32(x); ys[i] = Int32(y); seen[i] = 1
        }
    }

    func unique(_ h: UInt64) -> (Int, Int)? {
        let (i, found) = slot(h)
        guard found, seen[i] == 1 else { return nil }
        return (Int(xs[i]), Int(ys[i]))
    }
}
