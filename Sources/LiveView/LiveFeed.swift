public import Pixels
public import Viewer

/// One page's share of the frame feed: the changes it has not been sent yet, coalesced, so that a page
/// that falls behind skips intermediate pictures but always gets the latest. Pure: the socket handler
/// adds each picture and, whenever the socket can take more, takes the messages that bring the page's
/// canvas to the newest picture.
///
/// Invariant: applying the pending moves, then painting the pending damage from `latest`, turns the
/// page's canvas into `latest`. A move is always forwarded (a scroll stays a copy for a page that is
/// behind); where its source overlaps pending damage (pixels the page does not have yet), the moved
/// part of that damage is added at the destination, so it is painted from `latest` too.
public struct LiveFeed: Sendable {
    public private(set) var latest: Framebuffer?
    private var pointer: PointerOverlay?
    private var sentCursor: CursorImage?
    private var cursorSent = false
    private var sentPosition: (x: Int, y: Int)?
    /// Resizes and moves, in order, to send before the damage.
    private var moves: [FrameChange] = []
    private var damage: [Rect] = []
    private var number = 0
    private var needsFull = true
    private var dirty = false

    /// More damage rectangles than this are merged into their bounding box.
    public static let damageLimit = 128
    /// A pixels message carries at most this many pixels (a larger rectangle goes in bands of rows).
    public static let pixelsPerMessage = 1 << 16

    public init() {}

    /// True when there is something to send.
    public var hasPending: Bool { dirty && latest != nil }

    public mutating func add(_ picture: LivePicture) {
        defer {
            latest = picture.framebuffer
            pointer = picture.pointer
            number = picture.number
            dirty = true
        }
        guard !needsFull else { return }
        for change in picture.changes {
            switch change {
            case .resize:
                moves = [change]
                damage = []
            case .copy(let source, let x, let y):
                if moves.count >= Self.damageLimit {
                    // A page far behind on moves alone: repaint it whole (keeping its size).
                    moves = moves.filter { if case .resize = $0 { return true }; return false }.suffix(1)
                    damage = [Rect(x: 0, y: 0, width: picture.framebuffer.width, height: picture.framebuffer.height)]
                } else {
                    moves.append(change)
                    let dx = x - source.x, dy = y - source.y
                    for stale in damage {
                        let moved = stale.intersection(source)
                        if !moved.isEmpty { addDamage(Rect(x: moved.x + dx, y: moved.y + dy, width: moved.width, height: moved.height)) }
                    }
                }
            case .paint(let rect):
                addDamage(rect)
            }
        }
    }

    private mutating func addDamage(_ rect: Rect) {
        guard !rect.isEmpty else { return }
        if damage.contains(where: { $0.contains(rect) }) { return }
        damage.removeAll { rect.contains($0) }
        // Tiles arrive row by row: a tile next to the last rectangle, of its height, extends it; a band
        // under one of its width extends that.
        if let last = damage.last, last.y == rect.y, last.height == rect.height, last.maxX == rect.x {
            damage[damage.count - 1] = last.union(rect)
        } else if let i = damage.lastIndex(where: { $0.x == rect.x && $0.width == rect.width && $0.maxY == rect.y }) {
            damage[i] = damage[i].union(rect)
        } else {
            damage.append(rect)
        }
        if damage.count > Self.damageLimit {
            damage = [damage.reduce(Rect(x: 0, y: 0, width: 0, height: 0)) { $0.union($1) }]
        }
    }

    /// The messages that bring the page to the latest picture (empty when nothing changed).
    public mutating func take() -> [FeedMessage] {
        guard let latest, dirty else { return [] }
        var out: [FeedMessage] = []
        if needsFull {
            out.append(.resize(width: latest.width, height: latest.height))
            out += Self.paint(latest.bounds, of: latest)
            needsFull = false
        } else {
            for move in moves {
                switch move {
                case .resize(let w, let h): out.append(.resize(width: w, height: h))
                case .copy(let source, let x, let y): out.append(.copy(source: source, toX: x, toY: y))
                case .paint: break
                }
            }
            for rect in damage { out += Self.paint(rect.intersection(latest.bounds), of: latest) }
        }
        moves = []
        damage = []
        if let pointer {
            if !cursorSent || sentCursor != pointer.cursor {
                let c = pointer.cursor
                out.append(.cursor(hotX: c.hotX, hotY: c.hotY, width: c.width, height: c.height, rgba: Self.rgba(cursor: c)))
                sentCursor = c
                cursorSent = true
            }
            if sentPosition.map({ $0 != (pointer.x, pointer.y) }) ?? true {
                out.append(.pointer(x: max(0, min(pointer.x, 65_535)), y: max(0, min(pointer.y, 65_535))))
                sentPosition = (pointer.x, pointer.y)
            }
        }
        out.append(.frame(number: UInt32(truncatingIfNeeded: number)))
        dirty = false
        return out
    }

    /// `rect` of `picture` as fill and pixels messages, in bands of at most ``pixelsPerMessage``.
    public static func paint(_ rect: Rect, of picture: Framebuffer) -> [FeedMessage] {
        guard !rect.isEmpty else { return [] }
        let rowsPerBand = max(1, pixelsPerMessage / rect.width)
        var out: [FeedMessage] = []
        var y = rect.y
        while y < rect.maxY {
            let band = Rect(x: rect.x, y: y, width: rect.width, height: min(rowsPerBand, rect.maxY - y))
            out.append(bandMessage(band, of: picture))
            y = band.maxY
        }
        return out
    }

    private static func bandMessage(_ band: Rect, of picture: Framebuffer) -> FeedMessage {
        picture.pixels.withUnsafeBufferPointer { p in
            let w = picture.width
            let first = p[band.y * w + band.x]
            var solid = true
            rows: for y in band.y..<band.maxY {
                for x in band.x..<band.maxX where p[y * w + x] != first { solid = false; break rows }
            }
            if solid { return .fill(rect: band, colour: first & 0x00FF_FFFF) }
            var rgba = [UInt8](repeating: 0xFF, count: band.area * 4)
            rgba.withUnsafeMutableBufferPointer { out in
                var i = 0
                for y in band.y..<band.maxY {
                    for x in band.x..<band.maxX {
                        let px = p[y * w + x]
                        out[i] = UInt8(truncatingIfNeeded: px >> 16)
                        out[i + 1] = UInt8(truncatingIfNeeded: px >> 8)
                        out[i + 2] = UInt8(truncatingIfNeeded: px)
                        i += 4
                    }
                }
            }
            return .pixels(rect: band, rgba: rgba)
        }
    }

    static func rgba(cursor: CursorImage) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(cursor.argb.count * 4)
        for px in cursor.argb {
            out += [UInt8(truncatingIfNeeded: px >> 16), UInt8(truncatingIfNeeded: px >> 8), UInt8(truncatingIfNeeded: px),
                    px >> 24 >= 0x80 ? 0xFF : 0]
        }
        return out
    }
}
