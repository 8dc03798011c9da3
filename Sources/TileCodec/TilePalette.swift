/// A small open-addressing set of up to 127 colours kept in insertion order, reused tile after tile
/// without allocating. A class over raw tables: each coder owns one, and writes cost no copy-on-write
/// checks.
final class TilePalette {
    static let capacity = 127
    /// The colours, in insertion order (or ascending after `sortColours`); `count` of them are valid.
    let colours = UnsafeMutablePointer<UInt32>.allocate(capacity: TilePalette.capacity)
    private(set) var count = 0
    private let keys = UnsafeMutablePointer<UInt32>.allocate(capacity: 256)
    private let slots = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)  // palette index + 1; 0 = empty
    private let used = UnsafeMutablePointer<Int>.allocate(capacity: TilePalette.capacity)  // slot of each colour

    init() {
        colours.initialize(repeating: 0, count: TilePalette.capacity)
        keys.initialize(repeating: 0, count: 256)
        slots.initialize(repeating: 0, count: 256)
        used.initialize(repeating: 0, count: TilePalette.capacity)
    }

    deinit {
        colours.deallocate(); keys.deallocate(); slots.deallocate(); used.deallocate()
    }

    func reset() {
        for k in 0..<count { slots[used[k]] = 0 }
        count = 0
    }

    /// Renumbers the colours in ascending order, so tiles with the same colours use the same indices
    /// (their index bytes then repeat from tile to tile, which the stream compressor can exploit).
    func sortColours() {
        let n = count, c = colours
        // Insertion sort in place: at most 127 colours, and usually a few.
        for i in 1..<max(1, n) {
            let v = c[i]
            var j = i
            while j > 0 && c[j - 1] > v { c[j] = c[j - 1]; j -= 1 }
            c[j] = v
        }
        reset()
        for i in 0..<n { _ = insert(c[i]) }
        precondition(count == n)
    }

    @inline(__always)
    static func hash(_ c: UInt32) -> Int { Int((c &* 0x9E37_79B1) >> 24) }

    @inline(__always)
    func index(of c: UInt32) -> Int? {
        var h = Self.hash(c)
        while true {
            let s = slots[h]
            if s == 0 { return nil }
            if keys[h] == c { return Int(s) - 1 }
            h = (h + 1) & 255
        }
    }

    /// Adds a colour not yet present; false when the palette is full.
    @inline(__always)
    func insert(_ c: UInt32) -> Bool {
        guard count < Self.capacity else { return false }
        var h = Self.hash(c)
        while slots[h] != 0 { h = (h + 1) & 255 }
        keys[h] = c
        slots[h] = UInt8(count + 1)
        used[count] = h
        colours[count] = c
        count += 1
        return true
    }

    /// What the run-based forms of `n` pixel values would cost, in bytes before compression, gathering
    /// the colours on the way (at most `capacity`; `overflow` when there are more): palette RLE (index
    /// byte, plus run-length bytes for runs longer than one) and plain RLE (`pixelSize` bytes a run plus
    /// its run-length bytes). Resets the palette first.
    @inline(__always)
    func measureRuns(_ v: UnsafePointer<UInt32>, _ n: Int, pixelSize: Int)
        -> (paletteRLECost: Int, plainRLECost: Int, overflow: Bool) {
        let (counts, overflow) = scanRuns(v, n)
        return (counts.paletteRLECost, counts.plainRLECost(pixelSize: pixelSize), overflow)
    }

    /// Counts the runs of `v[0..<n]` from run-start bit masks and gathers the colours of the runs in the
    /// order they first appear (at most `capacity`; `overflow` when there are more). Resets the palette.
    @inline(__always)
    func scanRuns(_ v: UnsafePointer<UInt32>, _ n: Int) -> (RunCounts, overflow: Bool) {
        reset()
        var counts = RunCounts(), overflow = false
        var lastStart = 0, lastPixelStarts = false
        // The colours of the last two runs: text alternates between two, so most runs are found here
        // without a hash lookup (the run just before always has another colour).
        var last: UInt32 = 0, beforeLast: UInt32 = 0, seen = 0
        var base = 0
        while base < n {
            let count = min(64, n - base)
            let s = RunBits.runStarts(v, base: base, count: count)
            counts.runs += s.nonzeroBitCount
            // A run of one pixel: the next pixel starts a run too (or it is the last pixel).
            counts.singles += (s & (s &>> 1)).nonzeroBitCount
            if lastPixelStarts && s & 1 != 0 { counts.singles += 1 }
            lastPixelStarts = (s &>> UInt64(count - 1)) & 1 != 0
            if s != 0 {
                // Runs inside a word are shorter than 64; only one reaching in from before can be long.
                let length = base + s.trailingZeroBitCount - lastStart
                if length > 255 { counts.longExtra += (length - 1) / 255 }
                lastStart = base + 63 - s.leadingZeroBitCount
                var m = s
                while !overflow && m != 0 {
                    let c = v[base + m.trailingZeroBitCount]
                    m &= m &- 1
                    if !(seen >= 2 && c == beforeLast) && index(of: c) == nil && !insert(c) { overflow = true }
                    beforeLast = last; last = c; seen += 1
                }
            }
            base += 64
        }
        if lastPixelStarts { counts.singles += 1 }
        let length = n - lastStart
        if length > 255 { counts.longExtra += (length - 1) / 255 }
        return (counts, overflow)
    }
}
