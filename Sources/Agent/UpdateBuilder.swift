public import NIOCore
public import Pixels
public import RFBProtocol
import TileCodec

/// What the viewer asked for, as the update builder needs it.
public struct UpdateSettings: Sendable, Equatable {
    /// The pixel encoding: tile-delta, ZRLE or Raw (the first of those the viewer listed).
    public var encoding: Int32
    public var format: PixelFormat
    public var copyRect: Bool
    public var cursor: Bool
    /// The viewer wants the pointer position (PointerPos), to draw the requester's pointer.
    public var pointerPosition: Bool
    public var desktopSize: Bool
    public var extendedDesktopSize: Bool
    /// The zlib level the viewer asked for with a CompressLevel pseudo-encoding (the last one listed, as
    /// TigerVNC reads it), or nil: then ZRLE uses `UpdateBuilder.defaultZRLELevel`.
    public var compressLevel: Int?
    /// The tile-delta payload version to send: 3 when the viewer listed `RFBEncoding.tileDeltaVersion3`,
    /// 2 when it listed `RFBEncoding.tileDeltaVersion2`, else 1 (what every tile-delta viewer decodes).
    public var tileDeltaVersion: UInt8

    public init(encoding: Int32 = RFBEncoding.raw, format: PixelFormat = .native, copyRect: Bool = false,
                cursor: Bool = false, pointerPosition: Bool = false, desktopSize: Bool = false,
                extendedDesktopSize: Bool = false, compressLevel: Int? = nil, tileDeltaVersion: UInt8 = 1) {
        self.compressLevel = compressLevel
        self.tileDeltaVersion = tileDeltaVersion
        self.encoding = encoding
        self.format = format
        self.copyRect = copyRect
        self.cursor = cursor
        self.pointerPosition = pointerPosition
        self.desktopSize = desktopSize
        self.extendedDesktopSize = extendedDesktopSize
    }

    /// The encodings the agent serves, in the order it prefers them when the viewer lists several.
    public static let servedPixelEncodings: [Int32] = [RFBEncoding.tileDelta, RFBEncoding.zrle, RFBEncoding.raw]

    /// Settings from a viewer's SetEncodings list and pixel format. Tile-delta is used only with the
    /// native pixel format (its wire pixels are native); otherwise the viewer's next choice.
    public init(encodings: [Int32], format: PixelFormat) {
        let usable = encodings.filter { e in
            Self.servedPixelEncodings.contains(e) && (e != RFBEncoding.tileDelta || format == .native)
        }
        self.init(encoding: usable.first ?? RFBEncoding.raw, format: format,
                  copyRect: encodings.contains(RFBEncoding.copyRect), cursor: encodings.contains(RFBEncoding.cursor),
                  pointerPosition: encodings.contains(RFBEncoding.pointerPos),
                  desktopSize: encodings.contains(RFBEncoding.desktopSize),
                  extendedDesktopSize: encodings.contains(RFBEncoding.extendedDesktopSize),
                  compressLevel: encodings.last { (RFBEncoding.compressLevel0...RFBEncoding.compressLevel9).contains($0) }
                    .map { Int($0 - RFBEncoding.compressLevel0) },
                  tileDeltaVersion: encodings.contains(RFBEncoding.tileDeltaVersion3) ? 3
                    : encodings.contains(RFBEncoding.tileDeltaVersion2) ? 2 : 1)
    }
}

/// Builds FramebufferUpdates for one viewer: keeps the picture the viewer holds, compares it exactly
/// with the live screen under the damage, finds moved regions (sent as CopyRect, or inside tile-delta),
/// and encodes only the tiles that really changed. Pure: no I/O, one instance per connection (it owns
/// the connection's zlib and zstd streams, so updates must be sent in the order they are built).
public final class UpdateBuilder {
    /// The picture the viewer holds after every update built so far.
    public private(set) var viewerFramebuffer: Framebuffer
    private let zrle: ZRLEEncoder
    /// ZRLE's level when the viewer's current SetEncodings names none (a later list without a
    /// CompressLevel goes back to it).
    private let zrleLevel: Int
    /// Made at the first tile-delta update, with `zstdLevel` or the level for the version then sent
    /// (`TileDelta.defaultLevel`); kept for the connection (its zstd stream), whatever version follows.
    private var tileDelta: TileDeltaEncoder?
    private let zstdLevel: Int?
    /// Copies merged into maximal rectangles (a terminal scroll is one CopyRect, not one per stretch of
    /// tiles); a scroll that explains most of the change is not searched further (the new lines).
    private let motion: MotionDetector = {
        var m = MotionDetector()
        m.mergesCopies = true
        m.largeGuessSuffices = true
        return m
    }()
    /// The offsets of the last update's copies, tried first on the next one.
    private var motionHints: [(dx: Int, dy: Int)] = []

    /// Statistics, for the status line and benchmarks.
    public private(set) var updatesBuilt = 0
    public private(set) var bytesBuilt = 0
    /// What the last update held, for `REMOTE_ASSIST_TRACE`.
    public private(set) var lastSummary = ""
    /// Fill `lastSummary` (costs a pass over the rectangles of each update; off unless tracing).
    public var keepsSummary = false
    /// With `keepsSummary`: how long the last update spent comparing the viewer's picture with the screen
    /// (changed tiles, motion, changed bounds; inside the encoder for tile-delta), and the rest of its build.
    public private(set) var lastDetectTime = Duration.zero
    public private(set) var lastEncodeTime = Duration.zero

    /// ZRLE's zlib level when the viewer names none. Level 1, by measurement (2026-11-21): on the desktop
    /// corpus 10 % more bytes than level 6 (3.44 vs 3.13 MB) for a fifth less ZRLE encode time (504 vs
    /// 636 ms); in the session bench's window drag 0.98-1.05 vs 1.13-1.25 agent CPU s for 5.24 vs
    /// 5.05 MB (x11vnc: 15.8 MB), in its terminal scroll 1.07 vs 1.11 s for 0.59 vs 0.54 MB.
    public static let defaultZRLELevel = 1

    public init(width: Int, height: Int, zrleLevel: Int = UpdateBuilder.defaultZRLELevel, zstdLevel: Int? = nil) {
        viewerFramebuffer = Framebuffer(width: width, height: height)
        self.zrleLevel = zrleLevel
        zrle = ZRLEEncoder(level: zrleLevel)
        self.zstdLevel = zstdLevel
    }

    /// One update answering a request for `area`, or nil when there is nothing to send.
    ///
    /// - `damage`: where the screen may have changed since the previous update (compared exactly).
    /// - `incremental`: false sends every pixel of `area` (no CopyRect, as RFC 6143 requires).
    /// - `leading`: pseudo-rectangles that must come first (e.g. the SessionEnd confirmation).
    /// - `cursor`: a new pointer image to send (when the viewer asked for Cursor).
    /// A size change must go through `resize(...)` first.
    public func build(live: Framebuffer, damage: [Rect], area: Rect, incremental: Bool, settings: UpdateSettings,
                      leading: [Rectangle] = [], cursor: CursorImage? = nil,
                      pointer: (x: Int, y: Int)? = nil) throws -> ByteBuffer? {
        precondition(live.width == viewerFramebuffer.width && live.height == viewerFramebuffer.height,
                     "resize before building an update of a new size")
        let area = area.intersection(live.bounds)
        var rects = leading
        let started = keepsSummary ? ContinuousClock.now : nil
        lastDetectTime = .zero
        defer { if let started { lastEncodeTime = .now - started - lastDetectTime } }

        if !area.isEmpty {
            if settings.encoding == RFBEncoding.tileDelta {
                rects += try tileDeltaRects(live: live, damage: damage, area: area, incremental: incremental,
                                            version: settings.tileDeltaVersion)
            } else {
                rects += try classicRects(live: live, damage: damage, area: area, incremental: incremental,
                                          settings: settings)
            }
        }
        if let cursor, settings.cursor, let rect = try cursorRect(cursor, format: settings.format) {
            rects.append(rect)
        }
        if let pointer, settings.pointerPosition {
            rects.append(try Rectangle.pointerPosition(x: min(max(0, pointer.x), max(0, live.width - 1)),
                                                      y: min(max(0, pointer.y), max(0, live.height - 1))))
        }
        guard !rects.isEmpty else { return nil }
        return try serialize(rects)
    }

    /// The screen changed size: returns the update that tells the viewer (DesktopSize or
    /// ExtendedDesktopSize), or nil when the viewer cannot follow a resize (the caller then ends the
    /// session). The viewer's picture is now unknown: the next request is answered in full.
    public func resize(width: Int, height: Int, settings: UpdateSettings) throws -> ByteBuffer? {
        viewerFramebuffer = Framebuffer(width: width, height: height)
        if settings.extendedDesktopSize {
            let screen = Screen(id: 0, x: 0, y: 0, width: UInt16(clamping: width), height: UInt16(clamping: height))
            return try serialize([try Rectangle.extendedDesktopSize(reason: .server, status: .noError, width: width,
                                                                    height: height, screens: [screen])])
        }
        if settings.desktopSize { return try serialize([try Rectangle.desktopSize(width: width, height: height)]) }
        return nil
    }

    // MARK: - Encodings

    private func tileDeltaRects(live: Framebuffer, damage: [Rect], area: Rect, incremental: Bool,
                                version: UInt8) throws -> [Rectangle] {
        let tileDelta = self.tileDelta ?? zstdLevel.map { TileDeltaEncoder(level: $0) }
            ?? TileDeltaEncoder(defaultsFor: version)
        self.tileDelta = tileDelta
        tileDelta.version = version
        let update: TileDeltaUpdate?
        if incremental {
            update = tileDelta.encode(previous: viewerFramebuffer, current: live, damage: damage.map { $0.intersection(area) })
        } else {
            var all = TileMap(width: live.width, height: live.height)
            all.mark(area)
            update = tileDelta.encode(previous: viewerFramebuffer, current: live, changed: all, copies: [])
        }
        guard let update else { return [] }
        // Mirror the decoder: every changed tile becomes `live` — whole 64x64 tiles, which reach outside
        // `area` when the viewer asked for less than whole tiles (copies land inside changed tiles).
        for r in update.changed { viewerFramebuffer.copy(r, from: live) }
        return [Rectangle(header: try RectangleHeader(update.rect, encoding: RFBEncoding.tileDelta),
                          body: ByteBuffer(bytes: update.body))]
    }

    private func classicRects(live: Framebuffer, damage: [Rect], area: Rect, incremental: Bool,
                              settings: UpdateSettings) throws -> [Rectangle] {
        var rects: [Rectangle] = []
        var changed: TileMap
        let detecting = keepsSummary ? ContinuousClock.now : nil
        if incremental {
            changed = ChangeDetector.changedTiles(previous: viewerFramebuffer, current: live,
                                                  damage: damage.map { $0.intersection(area) })
            if let detecting { lastDetectTime += .now - detecting }
            guard !changed.isEmpty else { return [] }
            if settings.copyRect {
                let copies = motion.detect(previous: viewerFramebuffer, current: live, changed: changed, hints: motionHints)
                motionHints = MotionDetector.offsets(of: copies)
                if !copies.isEmpty {
                    for c in copies {
                        rects.append(try Rectangle.copyRect(c.destination, sourceX: c.source.x, sourceY: c.source.y))
                    }
                    viewerFramebuffer.apply(copies)
                    // Each copy is exact, so a tile inside a copy's destination now equals the screen:
                    // only the other changed tiles are compared again (a scroll copy covers most of them).
                    var left = changed
                    for c in copies { Self.unmarkTiles(inside: c.destination, of: &left) }
                    changed = ChangeDetector.changedTiles(previous: viewerFramebuffer, current: live,
                                                          damage: left.markedSpans)
                }
                if let detecting { lastDetectTime = .now - detecting }
            }
        } else {
            changed = TileMap(width: live.width, height: live.height)
            changed.mark(area)
        }
        for span in changed.markedSpans {
            // Incremental: only the part of the tiles that really differs from the viewer's picture.
            guard let r = incremental ? changedBounds(of: span.intersection(area), viewerFramebuffer, live)
                                      : span.intersection(area) else { continue }
            if settings.encoding == RFBEncoding.zrle {
                rects.append(Rectangle(header: try RectangleHeader(r, encoding: RFBEncoding.zrle),
                                       body: ByteBuffer(bytes: zrle.encode(live, rect: r, format: settings.format,
                                                                                 level: settings.compressLevel ?? zrleLevel))))
            } else {
                guard let raw = RawEncoding.encode(live, rect: r, format: settings.format) else {
                    throw RFBError.invalidArgument("cannot serve pixel format \(settings.format)")
                }
                rects.append(try Rectangle.raw(r, pixels: ByteBuffer(bytes: raw), format: settings.format))
            }
            viewerFramebuffer.copy(r, from: live)
        }
        return rects
    }

    /// Clears the marks of the tiles of `map` that lie wholly inside `rect`.
    static func unmarkTiles(inside rect: Rect, of map: inout TileMap) {
        let t = map.tileSize
        let c0 = (rect.x + t - 1) / t, r0 = (rect.y + t - 1) / t
        // A tile ends inside when its right (bottom) edge is inside; edge tiles are clipped to the map.
        var c1 = rect.maxX / t, r1 = rect.maxY / t
        if rect.maxX == map.width { c1 = map.columns }
        if rect.maxY == map.height { r1 = map.rows }
        guard c0 < min(c1, map.columns), r0 < min(r1, map.rows) else { return }
        for row in r0..<min(r1, map.rows) {
            for column in c0..<min(c1, map.columns) { map.mark(column: column, row: row, false) }
        }
    }

    /// The Cursor pseudo-rectangle: pixels in the viewer's format, mask bit set where alpha >= 50%.
    private func cursorRect(_ cursor: CursorImage, format: PixelFormat) throws -> Rectangle? {
        guard cursor.width > 0, cursor.height > 0, cursor.width <= 256, cursor.height <= 256,
              cursor.argb.count == cursor.width * cursor.height,
              let translator = PixelTranslator(format: format) else { return nil }
        var pixels: [UInt8] = []
        pixels.reserveCapacity(cursor.argb.count * format.bytesPerPixel)
        let maskRow = (cursor.width + 7) / 8
        var mask = [UInt8](repeating: 0, count: maskRow * cursor.height)
        for y in 0..<cursor.height {
            for x in 0..<cursor.width {
                let p = cursor.argb[y * cursor.width + x]
                translator.append(p & 0x00FF_FFFF, to: &pixels)
                if p >> 24 >= 0x80 { mask[y * maskRow + x / 8] |= 0x80 >> UInt8(x % 8) }
            }
        }
        return try Rectangle.cursor(hotspotX: min(cursor.hotX, cursor.width - 1), hotspotY: min(cursor.hotY, cursor.height - 1),
                                    width: cursor.width, height: cursor.height, pixels: ByteBuffer(bytes: pixels),
                                    mask: mask, format: format)
    }

    private func serialize(_ rects: [Rectangle]) throws -> ByteBuffer {
        guard rects.count <= Int(UInt16.max) else { throw RFBError.invalidArgument("\(rects.count) rectangles in one update") }
        var out = ByteBuffer()
        out.reserveCapacity(4 + rects.reduce(0) { $0 + 12 + $1.body.readableBytes })
        try ServerMessage.framebufferUpdate(rectangleCount: UInt16(rects.count)).write(into: &out)
        for r in rects { r.write(into: &out) }
        updatesBuilt += 1
        bytesBuilt += out.readableBytes
        if keepsSummary { summarize(rects, bytes: out.readableBytes) }
        return out
    }

    private func summarize(_ rects: [Rectangle], bytes: Int) {
        let copies = rects.filter { $0.header.encoding == RFBEncoding.copyRect }
        let pixels = rects.filter { $0.header.encoding != RFBEncoding.copyRect && $0.header.encoding >= 0 }
        lastSummary = "\(copies.count) copies (\(copies.reduce(0) { $0 + $1.header.rect.area }) px"
            + copies.prefix(8).map { c -> String in
                let r = c.header.rect
                let (sx, sy) = c.body.getInteger(at: c.body.readerIndex, as: UInt32.self).map { (Int($0 >> 16), Int($0 & 0xFFFF)) } ?? (0, 0)
                return " \(r.width)x\(r.height)+\(r.x)+\(r.y) by \(sx - r.x),\(sy - r.y)"
            }.joined(separator: ";") + "), "
            + "\(pixels.count) pixel rects (\(pixels.reduce(0) { $0 + $1.header.rect.area }) px), \(bytes) bytes"
    }
}
