import Dispatch
public import Pixels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds content that moved between two frames (vertical scrolls, dragged windows, any 2-D shift) inside
/// the changed tiles, and describes it as copies that are exact and correctly ordered.
///
/// 0. Cheap guesses first: the last update's offset (`hints`), then a vertical scroll voted by narrow
///    column strips (`stripScrollVote`). A guess that explains at least 9 in 10 of a sample of the changed
///    row segments is the only candidate, and step 1 is skipped; otherwise the guesses are tried after
///    the voted offsets.
/// 1. Candidate offsets by voting: content-defined anchors (a gear hash over 16 pixels with its top
///    6 bits zero, in non-uniform windows) are collected in the previous frame over the changed tiles
///    (rows 4k); anchors on rows 16k...16k+3 of the changed tiles of the current frame that are unique
///    in the previous frame (alone, or paired with the anchor before them on the row) vote for
///    `source - destination`.
/// 2. For each candidate, best voted first, every changed 64-pixel row segment of a changed tile is
///    compared exactly with the previous frame at that offset (a matching prefix or suffix of at least 16
///    pixels also counts, for region edges that do not fall on the tile grid).
/// 3. Matching segments are merged into rectangles (vertically, then horizontally); small ones dropped.
/// 4. The copies are ordered so that each is applied before any copy that writes over its source
///    (a cycle is broken by dropping its smallest copy). Applied in order on `previous`, every copied
///    pixel becomes the pixel of `current` — each copy was verified pixel for pixel.
public struct MotionDetector: Sendable {
    /// Copies smaller than this many pixels are not worth their header.
    public var minimumArea = 128
    /// How many voted offsets are tried.
    public var maximumCandidates = 8
    /// Offsets need at least this many anchor votes.
    public var minimumVotes = 3
    /// Make the copies of each offset maximal rectangles (`MotionSearch.maximal`), so one scrolled area
    /// is one copy (each CopyRect costs a header and a viewer call; a fast terminal scroll was 13-27 of
    /// them), and drop copies of a single colour. Off by default: tile-delta's golden vectors hold the
    /// copies as they are.
    public var mergesCopies = false
    /// When a guess (the last update's offset or the strip vote) explains at least 3 in 4 of the sampled
    /// changed rows, take what it leaves as new content: try only the other guesses there, no anchor vote.
    /// A terminal printing fast leaves its new lines unexplained in every update (a quarter of the rows
    /// when three batches of 5 lines gather in a 60-line terminal), and voting over the whole changed area
    /// for them costs more than the rest of the update. Off by default (tile-delta's golden vectors).
    public var largeGuessSuffices = false

    static let window = 16
    static let tile = 64
    /// Changed areas of at least this many pixels are scanned in parallel.
    static let parallelArea = 256 * 1024

    public init() {}

    /// Voting is skipped when a guess (the best hint, or the strip vote) leaves at most 1 in this many
    /// sampled changed rows unexplained.
    static let hintsSuffice = 10

    /// Copies that turn `previous` into `current` over part of the tiles marked in `changed`.
    ///
    /// `hints`: offsets (source - destination) of recent copies, best first, e.g. `offsets(of:)` the copies
    /// of the last update; when the first explains at least 9 in 10 of the changed row segments (sampled),
    /// it is the only candidate and no voting is done; otherwise they are tried after the voted ones.
    public func detect(previous: Framebuffer, current: Framebuffer, changed: TileMap,
                       hints: [(dx: Int, dy: Int)] = []) -> [CopyOperation] {
        guard previous.width == current.width, previous.height == current.height,
              changed.width == current.width, changed.height == current.height,
              changed.tileSize == Self.tile, !changed.isEmpty else { return [] }
        return previous.pixels.withUnsafeBufferPointer { pp in
            current.pixels.withUnsafeBufferPointer { cp in
                guard let p = pp.baseAddress, let c = cp.baseAddress else { return [] }
                var search = MotionSearch(prev: p, cur: c, width: current.width, height: current.height,
                                          changed: changed, settings: self)
                return search.run(hints: hints)
            }
        }
    }
}

extension MotionDetector {
    /// The distinct offsets (source - destination) of `copies`, largest copied area first, at most
    /// `limit`: the hints for the next update's `detect`.
    public static func offsets(of copies: [CopyOperation], limit: Int = 4) -> [(dx: Int, dy: Int)] {
        var area: [Int: Int] = [:]
        for c in copies {
            let key = (c.source.x - c.destinationX + 131_072) << 20 | (c.source.y - c.destinationY + 131_072)
            area[key, default: 0] += c.source.area
        }
        return area.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit)
            .map { (dx: ($0.key >> 20) - 131_072, dy: ($0.key & 0xF_FFFF) - 131_072) }
    }
}

/// The working state of one `MotionDetector.detect` call.
struct MotionSearch {
    let prev: UnsafePointer<UInt32>, cur: UnsafePointer<UInt32>
    let width: Int, height: Int
    let changed: TileMap
    let settings: MotionDetector
    let columns: Int
    // Per row segment (y * columns + column): -4 unchanged and inside a copy already, -3 not in a changed
    // tile, -2 same as previous at the same place, -1 changed and not yet explained, k >= 0 explained by
    // candidate k over xa..<xb (with a fused sweep, candidate 0 also takes unchanged rows it matches).
    var state: [Int8]
    var xa: [Int32], xb: [Int32]

    init(prev: UnsafePointer<UInt32>, cur: UnsafePointer<UInt32>, width: Int, height: Int, changed: TileMap,
         settings: MotionDetector) {
        self.prev = prev; self.cur = cur; self.width = width; self.height = height
        self.changed = changed; self.settings = settings
        columns = changed.columns
        state = [Int8](repeating: -3, count: height * columns)
        xa = [Int32](repeating: 0, count: height * columns)
        xb = [Int32](repeating: 0, count: height * columns)
    }

    mutating func run(hints: [(dx: Int, dy: Int)]) -> [CopyOperation] {
        let area = changedBounds()
        guard !area.isEmpty else { return [] }
        let parallel = area.area >= MotionDetector.parallelArea
        // Cheap guesses first, each accepted alone when, on a sample of the changed rows, it explains
        // nearly all of them: the last update's offset (a steady scroll repeats it), then a vertical
        // scroll voted by column strips (a scroll by a new amount). Otherwise the anchor scan votes, and
        // the guesses are tried after the voted offsets.
        let hinted = Array(hints.filter { $0.dx != 0 || $0.dy != 0 }.prefix(settings.maximumCandidates))
        var guess: (dx: Int, dy: Int)? = nil, partial: (dx: Int, dy: Int)? = nil, partialIsLarge = false
        /// Records `offset` as the guess or the partial guess; returns whether it explains at least a
        /// quarter of the sample.
        @discardableResult
        func judge(_ offset: (dx: Int, dy: Int)) -> Bool {
            let (explained, total) = sampledExplanation(offset)
            guard total > 0 else { return false }
            if explained * MotionDetector.hintsSuffice >= total * (MotionDetector.hintsSuffice - 1) {
                guess = offset
            } else if partial == nil && offset.dx == 0 && explained * 2 >= total {
                partial = offset
                partialIsLarge = explained * 4 >= total * 3
            }
            return explained * 4 >= total
        }
        if let h = hinted.first { judge(h) }
        var strip: (dx: Int, dy: Int)? = nil
        // The strip vote is kept as a candidate only when it explains a fair share: during a window drag
        // it can vote for some vertical offset that then costs a matching pass and finds little.
        if guess == nil, let s = stripScrollVote(area), !(hinted.first.map { $0 == s } ?? false), judge(s) {
            strip = s
        }
        var candidates: [(dx: Int, dy: Int)]
        let others = hinted + (strip.map { [$0] } ?? [])
        if let guess {
            candidates = [guess]
            match(candidates, from: 0, classifying: true, fused: true, parallel: parallel)
        } else if let partial {
            // A guess that explains at least half: take it first, then vote only for what it left (the
            // anchors of the current frame are looked for only in those tiles).
            // (Classified first, not fused: a fused sweep would let it take unchanged rows it happens to
            // match, such as blank lines inside another moved region, cutting that move into pieces.)
            candidates = [partial]
            match(candidates, from: 0, classifying: true, parallel: parallel)
            let left = unexplainedTiles()
            guard !left.isEmpty else { return copies(candidates, area) }
            let voted = settings.largeGuessSuffices && partialIsLarge ? [] : vote(area, destinations: left)
            for c in voted + others where !candidates.contains(where: { $0 == c }) {
                candidates.append(c)
            }
            match(candidates, from: 1, classifying: false, parallel: parallel)
        } else {
            candidates = vote(area)
            for h in others where !candidates.contains(where: { $0 == h }) { candidates.append(h) }
            guard !candidates.isEmpty else { return [] }
            match(candidates, from: 0, classifying: true, parallel: parallel)
        }
        return copies(candidates, area)
    }

    /// The copies of the matched segments of each candidate, merged into rectangles and ordered.
    mutating func copies(_ candidates: [(dx: Int, dy: Int)], _ area: Rect) -> [CopyOperation] {
        var used = [Bool](repeating: false, count: candidates.count)
        for st in state where st >= 0 && Int(st) < used.count { used[Int(st)] = true }
        var ops: [CopyOperation] = []
        for (k, offset) in candidates.enumerated() where used[k] {
            var rects = merge(runs(k, offset, within: area))
            if settings.mergesCopies { rects = maximal(rects, k, offset) }
            for r in rects where r.area >= settings.minimumArea && !(settings.mergesCopies && isUniform(r)) {
                ops.append(CopyOperation(source: Rect(x: r.x + offset.dx, y: r.y + offset.dy, width: r.width, height: r.height),
                                         destinationX: r.x, destinationY: r.y))
            }
        }
        return Self.order(ops)
    }

    func changedBounds() -> Rect {
        var r = Rect(x: 0, y: 0, width: 0, height: 0)
        for row in 0..<changed.rows {
            for column in 0..<columns where changed.isMarked(column: column, row: row) {
                r = r.union(changed.rect(column: column, row: row))
            }
        }
        return r
    }

    // MARK: Voting

    /// `destinations`: only these tiles' rows of the current frame look for their anchors (all changed
    /// tiles when nil); the whole-row vote is then skipped too.
    func vote(_ area: Rect, destinations: TileMap? = nil) -> [(dx: Int, dy: Int)] {
        let w = MotionDetector.window
        guard area.width > w else { return [] }
        // Rows to scan, both inside the changed tile spans (content that moves leaves a changed place
        // behind, so sources lie there too): every `step`-th row in the previous frame; rows 0..<step of
        // every step * step in the current one (one of each `step` consecutive rows lands on a scanned row
        // of the previous frame whatever the vertical offset). Sampling large areas more sparsely (8)
        // saved little and lost window moves of the corpus.
        let step = 4
        let prevRows = Self.rowSpans(of: changed, width: width) { $0 % step == 0 }
        let curRows = Self.rowSpans(of: destinations ?? changed, width: width) { $0 % (step * step) < step }
        let parts = area.area >= MotionDetector.parallelArea ? ChangeDetector.bands : 1
        var found = [[Anchor]](repeating: [], count: 2 * parts)
        found.withUnsafeMutableBufferPointer { out in
            let scan = AnchorScan(prev: prev, cur: cur, width: width, prevRows: prevRows, curRows: curRows, out: out,
                                  parts: parts)
            if parts > 1 {
                DispatchQueue.concurrentPerform(iterations: parts) { scan.run(part: $0) }
            } else {
                scan.run(part: 0)
            }
        }
        var table = AnchorTable(expected: found[0..<parts].reduce(0) { $0 + $1.count })
        for part in 0..<parts { for a in found[part] { table.insert(a.hash, x: Int(a.x), y: Int(a.y)) } }
        // Offsets packed as one key each, then counted by sorting.
        var keys: [Int] = []
        keys.reserveCapacity(found[parts...].reduce(0) { $0 + $1.count })
        for part in parts..<(2 * parts) {
            for a in found[part] {
                guard let (sx, sy) = table.unique(a.hash) else { continue }
                let dx = sx - Int(a.x), dy = sy - Int(a.y)
                if dx != 0 || dy != 0 { keys.append((dx + 131_072) << 20 | (dy + 131_072)) }
            }
        }
        keys.sort()
        var best: [(key: Int, votes: Int)] = []
        var i = 0
        while i < keys.count {
            var j = i + 1
            while j < keys.count && keys[j] == keys[i] { j += 1 }
            if j - i >= settings.minimumVotes { best.append((keys[i], j - i)) }
            i = j
        }
        // Vertical scrolls also vote by whole rows: anchors of 16 pixels repeat all over small-font text
        // (a few characters), so they can miss a terminal scroll that whole-row hashes see at once.
        // Only when the anchors found no strong offset: the row pass reads the whole area twice.
        let strong = destinations != nil || best.contains { $0.votes >= 8 }
        for (dy, votes) in strong ? [] : rowScrollVotes(area) {
            let key = 131_072 << 20 | (dy + 131_072)
            if let k = best.firstIndex(where: { $0.key == key }) { best[k].votes += votes } else { best.append((key, votes)) }
        }
        best.sort { $0.votes != $1.votes ? $0.votes > $1.votes : $0.key < $1.key }
        return best.prefix(settings.maximumCandidates).map { (dx: ($0.key >> 20) - 131_072, dy: ($0.key & 0xF_FFFF) - 131_072) }
    }

    /// The rows `keep` selects of each horizontal span of marked tiles of `tiles`.
    static func rowSpans(of tiles: TileMap, width: Int, keep: (Int) -> Bool) -> [RowSpan] {
        var spans: [RowSpan] = []
        for row in 0..<tiles.rows {
            let tr = tiles.rect(column: 0, row: row)
            var column = 0
            while column < tiles.columns {
                guard tiles.isMarked(column: column, row: row) else { column += 1; continue }
                let start = column
                while column < tiles.columns && tiles.isMarked(column: column, row: row) { column += 1 }
                let x0 = start * MotionDetector.tile, x1 = min(width, column * MotionDetector.tile)
                for y in tr.y..<tr.maxY where keep(y) { spans.append(RowSpan(y: y, x0: x0, x1: x1)) }
            }
        }
        return spans
    }

    /// Vertical offsets voted by rows of the changed area: a changed row of the current frame whose
    /// pixels (over the area's width) equal exactly one row of the previous frame votes for that shift.
    /// Hash equality only proposes a candidate; every copy is verified pixel by pixel afterwards.
    func rowScrollVotes(_ area: Rect) -> [(dy: Int, votes: Int)] {
        guard area.width >= MotionDetector.window, area.height >= 2 else { return [] }
        // A sample of each row: one pair of pixels in every four (pad bytes masked), two lanes. Rows of
        // text differ all along, so the sample tells them apart; a collision only proposes a candidate
        // that the exact comparison then rejects.
        func hash(_ base: UnsafePointer<UInt32>, _ y: Int) -> UInt64 {
            let row = UnsafeRawPointer(base + y * width + area.x)
            let pairs = area.width / 2
            var a: UInt64 = 0xCBF2_9CE4_8422_2325, b: UInt64 = 0x8422_2325_CBF2_9CE4
            var i = 0
            while i + 4 < pairs {
                a = (a ^ (row.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self) & 0x00FF_FFFF_00FF_FFFF)) &* 0x0000_0100_0000_01B3
                b = (b ^ (row.loadUnaligned(fromByteOffset: i * 8 + 16, as: UInt64.self) & 0x00FF_FFFF_00FF_FFFF)) &* 0x0000_0100_0000_01B3
                i += 4
            }
            return a ^ (b &* 0x9E37_79B9_7F4A_7C15)
        }
        var previousRows: [UInt64: Int] = [:]   // hash -> y, or -1 when the row occurs more than once
        previousRows.reserveCapacity(area.height)
        for y in area.y..<area.maxY {
            let h = hash(prev, y)
            previousRows[h] = previousRows[h] == nil ? y : -1
        }
        var votes: [Int: Int] = [:]
        for y in area.y..<area.maxY {
            let h = hash(cur, y)
            guard let sy = previousRows[h], sy >= 0, sy != y else { continue }
            votes[sy - y, default: 0] += 1
        }
        return votes.filter { $0.value >= settings.minimumVotes }.map { (dy: $0.key, votes: $0.value) }
    }

    // MARK: Matching

    /// Classifies every row segment of the changed tiles (when `classifying`), then tries candidates
    /// `first...` on the ones still unexplained; tile rows are cut into bands run in parallel when the
    /// area is large.
    mutating func match(_ candidates: [(dx: Int, dy: Int)], from first: Int, classifying: Bool, fused: Bool = false,
                        parallel: Bool) {
        let rows = changed.rows
        let (prev, cur, width, height, columns, changed) = (self.prev, self.cur, self.width, self.height, self.columns, self.changed)
        state.withUnsafeMutableBufferPointer { st in
            xa.withUnsafeMutableBufferPointer { a in
                xb.withUnsafeMutableBufferPointer { b in
                    let job = MatchJob(prev: prev, cur: cur, width: width, height: height, columns: columns,
                                       changed: changed, state: st, xa: a, xb: b, candidates: candidates,
                                       classifying: classifying, first: first, fused: fused)
                    if parallel && rows >= 2 {
                        let bands = min(rows, ChangeDetector.bands)
                        DispatchQueue.concurrentPerform(iterations: bands) { i in
                            job.run(tileRows: (rows * i / bands)..<(rows * (i + 1) / bands))
                        }
                    } else {
                        job.run(tileRows: 0..<rows)
                    }
                }
            }
        }
    }

    /// How many of a sample (every 8th row) of the changed row segments `offset` explains, of how many;
    /// compares the sampled rows itself (nothing is classified or marked yet).
    func sampledExplanation(_ offset: (dx: Int, dy: Int)) -> (explained: Int, total: Int) {
        var total = 0, explained = 0
        for row in 0..<changed.rows {
            for column in 0..<columns where changed.isMarked(column: column, row: row) {
                let t = changed.rect(column: column, row: row)
                let lo = max(t.x, -offset.dx), hi = min(t.maxX, width - offset.dx)
                for y in stride(from: t.y, to: t.maxY, by: 8) {
                    let o = y * width + t.x
                    guard memcmp(prev + o, cur + o, t.width * 4) != 0 else { continue }
                    total += 1
                    let sy = y + offset.dy
                    guard hi - lo >= MotionDetector.window, sy >= 0, sy < height,
                          MatchJob.matchedSpan(cur + y * width, prev + sy * width + offset.dx, lo, hi) != nil else { continue }
                    explained += 1
                }
            }
        }
        return (explained, total)
    }

    /// The changed tiles that still have a changed row segment no candidate explained.
    func unexplainedTiles() -> TileMap {
        var left = TileMap(width: width, height: height, tileSize: MotionDetector.tile)
        for row in 0..<changed.rows {
            for column in 0..<columns where changed.isMarked(column: column, row: row) {
                let t = changed.rect(column: column, row: row)
                if (t.y..<t.maxY).contains(where: { state[$0 * columns + column] == -1 }) { left.mark(column: column, row: row) }
            }
        }
        return left
    }

    /// Vertical runs of segments explained by candidate `k` (same x range), through unchanged segments
    /// that also match at `offset` over the run's columns (compared here, only where a run reaches them);
    /// leading and trailing unchanged rows are trimmed, and the unchanged rows a run took are not reused.
    mutating func runs(_ k: Int, _ offset: (dx: Int, dy: Int), within area: Rect) -> [Rect] {
        var out: [Rect] = []
        for column in (area.x / MotionDetector.tile)..<((area.maxX + MotionDetector.tile - 1) / MotionDetector.tile) {
            var open = false
            var a: Int32 = 0, b: Int32 = 0, first = 0, last = 0
            func close() {
                if open {
                    out.append(Rect(x: Int(a), y: first, width: Int(b - a), height: last - first + 1))
                    for y in first...last where state[y * columns + column] == -2 { state[y * columns + column] = -4 }
                }
                open = false
            }
            for y in area.y..<area.maxY {
                let s = y * columns + column
                let st = state[s]
                if st == Int8(k) {
                    if open && xa[s] == a && xb[s] == b { last = y; continue }
                    close()
                    open = true; a = xa[s]; b = xb[s]; first = y; last = y
                } else if open && st == -2 && unchangedRowMatches(y, Int(a), Int(b), offset) {
                    continue
                } else {
                    close()
                }
            }
            close()
        }
        return out
    }

    /// Whether row `y` over `a..<b` of the current frame equals the previous frame at `offset`.
    private func unchangedRowMatches(_ y: Int, _ a: Int, _ b: Int, _ offset: (dx: Int, dy: Int)) -> Bool {
        let sy = y + offset.dy
        guard sy >= 0, sy < height, a + offset.dx >= 0, b + offset.dx <= width, a < b else { return false }
        return memcmp(cur + y * width + a, prev + sy * width + a + offset.dx, (b - a) * 4) == 0
    }

    /// The copies of one offset (candidate `k`) made maximal (`MotionDetector.mergesCopies`). The runs
    /// of the matching pass follow the 64-pixel tile grid and stop where a tile did not change, so a
    /// terminal scroll (ragged line ends) came out as one copy per stretch of tiles. Here rects whose
    /// columns overlap or touch form one cluster (one moved area; two windows moved by the same offset
    /// stay two), and each cluster is rebuilt row by row in `maximalCluster`. Every pixel a copy gains
    /// is compared exactly with the previous frame at the offset.
    func maximal(_ rects: [Rect], _ k: Int, _ offset: (dx: Int, dy: Int)) -> [Rect] {
        guard rects.count > 1 else { return rects }
        // Rects whose columns overlap or touch form one cluster (one moved area); separate areas that
        // moved by the same offset (two windows) are merged each on its own.
        var out: [Rect] = []
        var cluster: [Rect] = [], right = Int.min
        for r in rects.sorted(by: { $0.x < $1.x }) {
            if !cluster.isEmpty && r.x > right {
                out += maximalCluster(cluster, k, offset)
                cluster = []
            }
            cluster.append(r)
            right = max(cluster.count == 1 ? r.maxX : right, r.maxX)
        }
        return out + maximalCluster(cluster, k, offset)
    }

    /// `maximal` for one cluster: each row's matched interval is the hull of the rects crossing it when
    /// the gaps between them also match at the offset (else its widest part), widened to the cluster's
    /// edges where those pixels match as well. Each run of matched rows takes the interval that covers
    /// the most pixels (width x rows containing it, among its most frequent row intervals), not the
    /// interval of its first rows: a terminal's top rows that match only from the second tile column on
    /// made the whole scroll start at x=64, so the first column was sent as pixels in every update. Rows
    /// that do not contain it are merged on their own. Rectangles of fewer than `window` rows are
    /// dropped (blank rows match at many offsets; those pixels go to the pixel encoding), the rest are
    /// trimmed to the rows that differ in place (a copy of unchanged pixels is a header for nothing).
    func maximalCluster(_ rects: [Rect], _ k: Int, _ offset: (dx: Int, dy: Int)) -> [Rect] {
        guard rects.count > 1 else { return rects }
        let box = rects.dropFirst().reduce(rects[0]) { $0.union($1) }
        let (dx, dy) = offset
        let byX = rects.sorted { $0.x < $1.x }
        func interval(_ y: Int) -> Range<Int>? {
            var best: Range<Int>? = nil, current: Range<Int>? = nil
            for r in byX where r.y <= y && y < r.maxY {
                guard let c = current else { current = r.x..<r.maxX; continue }
                if r.x <= c.upperBound {
                    current = c.lowerBound..<max(c.upperBound, r.maxX)
                } else if memcmp(cur + y * width + c.upperBound, prev + (y + dy) * width + c.upperBound + dx,
                                 (r.x - c.upperBound) * 4) == 0 {
                    current = c.lowerBound..<r.maxX
                } else {
                    if best.map({ $0.count < c.count }) ?? true { best = c }
                    current = r.x..<r.maxX
                }
            }
            if let c = current, best.map({ $0.count < c.count }) ?? true { best = c }
            // Out to the cluster's edges when those pixels match too (tiles that did not change there).
            guard var b = best else { return nil }
            func matches(_ x0: Int, _ x1: Int) -> Bool {
                x0 >= x1 || memcmp(cur + y * width + x0, prev + (y + dy) * width + x0 + dx, (x1 - x0) * 4) == 0
            }
            if b.lowerBound > box.x && matches(box.x, b.lowerBound) { b = box.x..<b.upperBound }
            if b.upperBound < box.maxX && matches(b.upperBound, box.maxX) { b = b.lowerBound..<box.maxX }
            return b
        }
        // Each run of rows with a matched interval is cut into rectangles by `place`.
        let spans = (box.y..<box.maxY).map(interval)
        var out: [Rect] = []
        /// Rows `rows` (all matched) become rectangles of the width that covers the most pixels: among
        /// the most frequent row intervals, the one with the largest width x rows containing it. The runs
        /// of rows that contain it become rectangles of that width; the runs that do not are placed again
        /// on their own (each pass takes at least one row, so this ends).
        func place(_ rows: Range<Int>) {
            guard rows.count >= MotionDetector.window else { return }
            var frequency: [Range<Int>: Int] = [:]
            for y in rows { if let s = spans[y - box.y] { frequency[s, default: 0] += 1 } }
            let common = frequency.sorted { $0.value != $1.value ? $0.value > $1.value
                                                                 : ($0.key.lowerBound, $0.key.upperBound) < ($1.key.lowerBound, $1.key.upperBound) }
                .prefix(8).map(\.key)
            func contains(_ y: Int, _ i: Range<Int>) -> Bool {
                guard let s = spans[y - box.y] else { return false }
                return s.lowerBound <= i.lowerBound && i.upperBound <= s.upperBound
            }
            var best = common[0], bestArea = 0
            for i in common {
                let area = i.count * rows.reduce(0) { contains($1, i) ? $0 + 1 : $0 }
                if area > bestArea { best = i; bestArea = area }
            }
            var a = rows.lowerBound
            while a < rows.upperBound {
                let inside = contains(a, best)
                var b = a + 1
                while b < rows.upperBound && contains(b, best) == inside { b += 1 }
                if !inside {
                    place(a..<b)
                } else if b - a >= MotionDetector.window,
                          let kept = changedRows(of: Rect(x: best.lowerBound, y: a, width: best.count, height: b - a)) {
                    out.append(kept)
                }
                a = b
            }
        }
        var y = box.y
        while y < box.maxY {
            guard spans[y - box.y] != nil else { y += 1; continue }
            var end = y + 1
            while end < box.maxY && spans[end - box.y] != nil { end += 1 }
            place(y..<end)
            y = end
        }
        return merge(out)
    }

    /// Whether `rect` of the current frame is one colour: ZRLE sends that as a solid tile in a few bytes,
    /// so a copy of it (blank rows match blank rows at many offsets) is a header for nothing. Stops at the
    /// first pixel of another colour.
    func isUniform(_ rect: Rect) -> Bool {
        let first = cur[rect.y * width + rect.x]
        for y in rect.y..<rect.maxY {
            let row = cur + y * width
            for x in rect.x..<rect.maxX where row[x] != first { return false }
        }
        return true
    }

    /// `rect` trimmed to its first and last rows that differ between the frames in place; nil if none do.
    func changedRows(of rect: Rect) -> Rect? {
        func differs(_ y: Int) -> Bool { memcmp(cur + y * width + rect.x, prev + y * width + rect.x, rect.width * 4) != 0 }
        guard let top = (rect.y..<rect.maxY).first(where: differs) else { return nil }
        let bottom = (top..<rect.maxY).last(where: differs) ?? top
        return Rect(x: rect.x, y: top, width: rect.width, height: bottom - top + 1)
    }

    /// Joins rects with the same rows that touch side by side.
    func merge(_ rects: [Rect]) -> [Rect] {
        let sorted = rects.sorted { ($0.y, $0.height, $0.x) < ($1.y, $1.height, $1.x) }
        var out: [Rect] = []
        for r in sorted {
            if let last = out.last, last.y == r.y, last.height == r.height, last.maxX == r.x {
                out[out.count - 1] = Rect(x: last.x, y: last.y, width: last.width + r.width, height: last.height)
            } else {
                out.append(r)
            }
        }
        return out
    }

    // MARK: Ordering

    /// Orders copies so that none is applied after another one has written over its source; breaks
    /// cycles by dropping the smallest copy left.
    static func order(_ ops: [CopyOperation]) -> [CopyOperation] {
        let n = ops.count
        guard n > 1 else { return ops }
        // before[j] lists the copies that must come before j (they read where j writes).
        var mustPrecede = [[Int]](repeating: [], count: n)
        var pending = [Int](repeating: 0, count: n)
        for a in 0..<n {
            for b in 0..<n where a != b && ops[a].source.intersects(ops[b].destination) {
                mustPrecede[a].append(b)
                pending[b] += 1
            }
        }
        var done = [Bool](repeating: false, count: n)
        var out: [CopyOperation] = []
        out.reserveCapacity(n)
        var left = n
        func emit(_ i: Int, keep: Bool) {
            done[i] = true
            left -= 1
            if keep { out.append(ops[i]) }
            for b in mustPrecede[i] { pending[b] -= 1 }
        }
        while left > 0 {
            var progressed = false
            for i in 0..<n where !done[i] && pending[i] == 0 {
                emit(i, keep: true)
                progressed = true
            }
            if !progressed {
                // A cycle: drop the smallest remaining copy. Its readers no longer need to wait for it,
                // but whoever it had to precede still waits for nothing from it.
                var victim = -1
                for i in 0..<n where !done[i] && (victim < 0 || ops[i].source.area < ops[victim].source.area) { victim = i }
                emit(victim, keep: false)
            }
        }
        return out
    }
}
