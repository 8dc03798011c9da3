import Dispatch
public import Pixels

/// The tile-delta encoder of one connection (it holds the connection's zstd stream, so updates must be
/// encoded in the order they are sent).
///
/// Per update: exact changed tiles (`ChangeDetector`) → moved content as copies (`MotionDetector`) →
/// per changed tile, the rows that still differ after the copies, coded as the cheapest of solid, packed
/// palette, palette RLE, plain RLE, XOR against what the viewer holds, predicted, grey (from version 2),
/// dual (version 3) or raw → one zstd flush (in a new zstd frame when the update is a large photograph,
/// see `photoPayload`).
/// Pixels are native (32 bpp depth 24 little-endian, shifts 16/8/0); the pad byte of input pixels is
/// ignored (masked), and decoded pixels have it 0.
public final class TileDeltaEncoder {
    /// zstd level, chosen by measurement on the desktop corpus (`remote-assist-bench codec --zstd-level N`,
    /// 2026-11-21): level 1 gave 1.47 MB at 2.7 ms median encode, level 3 1.39 MB at 3.0 ms, level 9
    /// 1.56 MB (before column ranges) at 6.8 ms. Level 1 is the default: the zstd step is only about 0.26 ms
    /// of an update, but level 3 doubles it and the encode-time budget is tight.
    public let level: Int
    /// The payload version to send: `TileDelta.version1` unless the viewer listed
    /// `RFBEncoding.tileDeltaVersion2` or `tileDeltaVersion3` (it may change between updates: each
    /// payload names its version).
    public var version: UInt8 = TileDelta.version1 {
        didSet { precondition((TileDelta.version1...TileDelta.version3).contains(version), "tile-delta version 1, 2 or 3") }
    }
    public var motion = MotionDetector()
    /// The offsets of the last update's copies, tried first on the next one.
    private var motionHints: [(dx: Int, dy: Int)] = []
    /// Code tiles in parallel (in `ChangeDetector.bands` pieces over the cores) when an update is large.
    public var parallel = true
    /// Updates with at least this many changed tiles are coded in parallel.
    public static let parallelTiles = 24

    private let zstd: ZstdCompressor
    /// The zstd settings the stream was made with.
    private let chosen: ZstdCompressor.Settings
    /// Photographic updates (`photoPayload` bytes or more, at least 7 in 8 of them predicted-kind
    /// residuals) are compressed at zstd level 1 when the stream's level is higher: in a new zstd frame,
    /// which the decoder reads as the same stream. Measured 2026-12-05 (`remote-assist-bench codec`,
    /// README "Tile-delta version 3"): level 3 spends about 2 ms more a slide than level 1 on the
    /// slideshow's 1.2 MB of residuals and saves nothing there (0.560 of ZRLE's bytes against 0.546), while
    /// text needs it. The price of a switch is the history: the next frame cannot refer to an earlier one,
    /// so smaller pictures (a web page's images, 285 kB updates of the desktop corpus's browser, where a
    /// 256 KiB threshold cost 4 % of its bytes) stay in the level-3 frame.
    public static let photoPayload = 512 * 1024
    private static let photoSettings = ZstdCompressor.Settings(level: 1)
    private var coders: UnsafeMutableBufferPointer<TileCoder>
    /// The uncompressed payload of the last update (the wire format inside the zstd stream).
    private(set) var payload: [UInt8] = []
    /// The zstd level of the frame being written (`photoPayload` explains when it differs from `level`).
    public var zstdLevel: Int { zstd.settings.level }
    /// The size of the last update before compression (for statistics).
    public var lastPayloadCount: Int { payload.count }

    /// The stream uses zstd's long-distance matching (`ZstdCompressor`), measured 2026-12-05 with
    /// `remote-assist-bench codec`: on the recorded apps writer 142,904 -> 135,143 bytes, pdf 230,073 ->
    /// 225,931, editor and slideshow unchanged; on the desktop corpus terminal 354,534 -> 338,733, browser
    /// 579,637 -> 577,521, window-move 489,071 -> 485,909. The payload is the same; only the compressed
    /// bytes differ.
    /// `tableLog`, `minMatch`: zstd's hash and chain table sizes and shortest match
    /// (`TileDelta.defaultTableLog`, `defaultMinMatch`), nil for the level's own.
    public init(level: Int = 1, longDistanceMatching: Bool = true, tableLog: Int? = nil, minMatch: Int? = nil) {
        self.level = level
        zstd = ZstdCompressor(level: level, longDistanceMatching: longDistanceMatching, tableLog: tableLog,
                              minMatch: minMatch)
        chosen = zstd.settings
        coders = .allocate(capacity: ChangeDetector.bands)
        _ = coders.initialize(from: (0..<ChangeDetector.bands).map { _ in TileCoder() })
    }

    /// An encoder with the zstd settings the agent uses for `version` (`TileDelta.defaultLevel`, ...).
    public convenience init(defaultsFor version: UInt8) {
        self.init(level: TileDelta.defaultLevel(version: version), tableLog: TileDelta.defaultTableLog(version: version),
                  minMatch: TileDelta.defaultMinMatch(version: version))
        self.version = version
    }

    deinit {
        for i in 0..<coders.count { coders[i].release() }
        coders.deinitialize()
        coders.deallocate()
    }

    /// Encodes what changed from `previous` (what the viewer holds) to `current` inside `damage`; nil when
    /// nothing did. Both frames must have the same size (send a DesktopSize change and a full update
    /// otherwise: `previous` may then be a black frame of the new size).
    public func encode(previous: Framebuffer, current: Framebuffer, damage: [Rect]) -> TileDeltaUpdate? {
        precondition(previous.width == current.width && previous.height == current.height,
                     "tile-delta needs frames of one size")
        let changed = ChangeDetector.changedTiles(previous: previous, current: current, damage: damage)
        guard !changed.isEmpty else { return nil }
        var motion = self.motion
        if version >= TileDelta.version2 { motion.minimumVotes = max(motion.minimumVotes, TileDelta.version2MinimumVotes) }
        let copies = motion.detect(previous: previous, current: current, changed: changed, hints: motionHints)
        motionHints = MotionDetector.offsets(of: copies)
        return encode(previous: previous, current: current, changed: changed, copies: copies)
    }

    /// Encodes the given changed tiles and copies (copies must be exact and ordered, as `MotionDetector`
    /// returns them). Exposed so a caller that already ran the detectors does not run them twice.
    public func encode(previous: Framebuffer, current: Framebuffer, changed: TileMap,
                       copies: [CopyOperation]) -> TileDeltaUpdate? {
        var tiles: [(column: Int, row: Int)] = []
        for row in 0..<changed.rows {
            for column in 0..<changed.columns where changed.isMarked(column: column, row: row) {
                tiles.append((column, row))
            }
        }
        let width = current.width
        let threads = parallel && tiles.count >= Self.parallelTiles ? coders.count : 1
        let coders = self.coders
        previous.pixels.withUnsafeBufferPointer { pp in
            current.pixels.withUnsafeBufferPointer { cp in
                guard let p = pp.baseAddress, let c = cp.baseAddress else { return }
                let job = TileJob(prev: p, cur: c, width: width, tiles: tiles, changed: changed, copies: copies,
                                  coders: coders, threads: threads, version: version)
                if threads > 1 {
                    DispatchQueue.concurrentPerform(iterations: threads) { job.run(part: $0) }
                } else {
                    job.run(part: 0)
                }
            }
        }
        let tileCount = (0..<threads).reduce(0) { $0 + coders[$1].tiles }
        guard tileCount > 0 || !copies.isEmpty else { return nil }
        var rect = Rect(x: 0, y: 0, width: 0, height: 0)
        for c in copies { rect = rect.union(c.destination) }
        payload.removeAll(keepingCapacity: true)
        payload.append(version)
        payload.appendU16(copies.count)
        for c in copies {
            payload.appendU16(c.source.x); payload.appendU16(c.source.y)
            payload.appendU16(c.source.width); payload.appendU16(c.source.height)
            payload.appendU16(c.destinationX); payload.appendU16(c.destinationY)
        }
        payload.appendU32(tileCount)
        for part in 0..<threads {
            payload.append(contentsOf: coders[part].out)
            rect = rect.union(coders[part].covered)
        }
        var body: [UInt8] = [0, 0, 0, 0]
        body.appendU32(payload.count)
        let predicted = (0..<threads).reduce(0) { $0 + coders[$1].predictedBytes }
        zstd.compress(payload, into: &body, settings: zstdSettings(payload: payload.count, predicted: predicted))
        body.patchU32(at: 0, body.count - 4)
        return TileDeltaUpdate(rect: rect, body: body, copies: copies.count, tiles: tileCount,
                               changed: changed.markedSpans)
    }
}

extension TileDeltaEncoder {
    /// The zstd settings for an update of `payload` bytes of which `predicted` are predicted-kind data.
    private func zstdSettings(payload: Int, predicted: Int) -> ZstdCompressor.Settings {
        let photo = chosen.level > Self.photoSettings.level && payload >= Self.photoPayload && predicted * 8 >= payload * 7
        return photo ? Self.photoSettings : chosen
    }
}

/// One thread's share of the tiles.
private struct TileJob: @unchecked Sendable {
    let prev: UnsafePointer<UInt32>, cur: UnsafePointer<UInt32>
    let width: Int
    let tiles: [(column: Int, row: Int)]
    let changed: TileMap
    let copies: [CopyOperation]
    let coders: UnsafeMutableBufferPointer<TileCoder>
    let threads: Int
    let version: UInt8

    func run(part: Int) {
        // Tiles alternate between the parts (neighbouring tiles cost alike, so this balances the load);
        // the decoder does not depend on the order of tiles.
        coders[part].reset()
        coders[part].version = version
        for i in stride(from: part, to: tiles.count, by: threads) {
            let (column, row) = tiles[i]
            coders[part].encode(column: column, row: row, changed.rect(column: column, row: row),
                                prev: prev, cur: cur, width: width, copies: copies)
        }
    }
}
