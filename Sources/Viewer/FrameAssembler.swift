import NIOCore
public import Pixels
public import RFBProtocol
import TileCodec

/// Rebuilds the remote desktop from FramebufferUpdate rectangles, in order. Pure: one per connection
/// (it holds the connection's zlib and zstd streams). Every rectangle is checked before use.
public final class FrameAssembler {
    public private(set) var framebuffer: Framebuffer
    /// The remote pointer image, when the server sends one.
    public private(set) var cursor: CursorImage?
    /// Where the remote pointer is, when the server says (PointerPos).
    public private(set) var pointer: (x: Int, y: Int)?

    /// The pointer to draw over the picture, when both its image and its position are known.
    public var pointerOverlay: PointerOverlay? {
        guard let cursor, let pointer else { return nil }
        return PointerOverlay(cursor: cursor, x: pointer.x, y: pointer.y)
    }
    private let zrle = ZRLEDecoder()
    private let tileDelta = TileDeltaDecoder()
    /// The payload version of the last tile-delta update (0 before the first).
    public var tileDeltaVersion: UInt8 { tileDelta.lastVersion }
    public private(set) var rectanglesApplied = 0
    /// Record what each rectangle changed (for a live view) in ``changes``.
    public var recordsChanges = false
    /// The changes since ``takeChanges()`` was last called (only while ``recordsChanges``).
    public private(set) var changes: [FrameChange] = []

    public init(width: Int, height: Int) {
        framebuffer = Framebuffer(width: width, height: height)
    }

    /// The framebuffer changed size: its contents are gone (black until repainted).
    public func resize(width: Int, height: Int) {
        framebuffer = Framebuffer(width: width, height: height)
        if recordsChanges { changes.append(.resize(width: width, height: height)) }
    }

    /// The changes recorded since the last call, and a fresh list.
    public func takeChanges() -> [FrameChange] {
        defer { changes = [] }
        return changes
    }

    private func record(_ change: FrameChange) {
        if recordsChanges { changes.append(change) }
    }

    /// Applies one rectangle framed by `ClientSession` in `format`.
    public func apply(_ rectangle: Rectangle, format: PixelFormat) throws {
        let header = rectangle.header
        let rect = header.rect
        switch header.encoding {
        case RFBEncoding.raw:
            try requireInside(rect)
            let bytes = rectangle.body.getBytes(at: rectangle.body.readerIndex, length: rectangle.body.readableBytes) ?? []
            try RawEncoding.decode(bytes, rect: rect, format: format, into: &framebuffer)
            record(.paint(rect))
        case RFBEncoding.copyRect:
            try requireInside(rect)
            var body = rectangle.body
            guard let sx = body.readInteger(as: UInt16.self), let sy = body.readInteger(as: UInt16.self) else {
                throw RFBError.malformed("CopyRect body too short")
            }
            let source = Rect(x: Int(sx), y: Int(sy), width: rect.width, height: rect.height)
            guard framebuffer.bounds.contains(source) else {
                throw RFBError.malformed("CopyRect source \(source) is outside the framebuffer")
            }
            framebuffer.copyWithin(from: source, toX: rect.x, toY: rect.y)
            record(.copy(source: source, toX: rect.x, toY: rect.y))
        case RFBEncoding.zrle:
            try requireInside(rect)
            guard let payload = rectangle.lengthPrefixedPayload else { throw RFBError.malformed("ZRLE body too short") }
            try payload.withUnsafeReadableBytes { try zrle.decode(body: $0, rect: rect, format: format, into: &framebuffer) }
            record(.paint(rect))
        case RFBEncoding.tileDelta:
            try requireInside(rect)
            guard format == .native else { throw RFBError.malformed("tile-delta needs the native pixel format") }
            tileDelta.recordsChanges = recordsChanges
            try rectangle.body.withUnsafeReadableBytes { try tileDelta.decode(body: $0, rect: rect, into: &framebuffer) }
            // What it changed: its copies, then the tiles it wrote (not the whole rectangle, which is the
            // bounding box of tiles spread over the screen).
            for c in tileDelta.copiesDecoded where recordsChanges {
                record(.copy(source: c.source, toX: c.destinationX, toY: c.destinationY))
            }
            for t in tileDelta.tilesDecoded where recordsChanges { record(.paint(t)) }
        case RFBEncoding.cursor:
            cursor = try decodeCursor(rectangle, format: format)
        case RFBEncoding.pointerPos:
            pointer = (Int(header.x), Int(header.y))
        case RFBEncoding.desktopSize, RFBEncoding.extendedDesktopSize, RFBEncoding.lastRect,
             RFBEncoding.sessionEnd, RFBEncoding.fileTransfer, RFBEncoding.desktopName:
            break   // handled by ClientSession (size, name) or carrying no pixels
        default:
            throw RFBError.malformed("unsupported encoding \(header.encoding)")
        }
        rectanglesApplied += 1
    }

    private func requireInside(_ rect: Rect) throws {
        guard framebuffer.bounds.contains(rect) else {
            throw RFBError.malformed("rectangle \(rect) is outside the \(framebuffer.width)x\(framebuffer.height) framebuffer")
        }
    }

    /// The largest pointer image taken, per side. Pointer themes go up to 256 pixels on very dense
    /// screens; a bigger "cursor" would only make the viewer allocate (4 bytes a pixel, up to 4 times the
    /// body at 8 bits a pixel) for nothing a person could use.
    public static let maximumCursorSide = 512

    private func decodeCursor(_ rectangle: Rectangle, format: PixelFormat) throws -> CursorImage? {
        let w = Int(rectangle.header.width), h = Int(rectangle.header.height)
        guard w > 0, h > 0 else { return nil }
        guard w <= Self.maximumCursorSide, h <= Self.maximumCursorSide else {
            throw RFBError.malformed("a pointer image of \(w)x\(h) is larger than \(Self.maximumCursorSide)x\(Self.maximumCursorSide)")
        }
        guard let translator = PixelTranslator(format: format) else { throw RFBError.malformed("cursor in an unsupported format") }
        let bpp = format.bytesPerPixel, maskRow = (w + 7) / 8
        guard rectangle.body.readableBytes == w * h * bpp + maskRow * h else { throw RFBError.malformed("cursor body size") }
        return rectangle.body.withUnsafeReadableBytes { bytes in
            var argb = [UInt32](repeating: 0, count: w * h)
            let maskBase = w * h * bpp
            for y in 0..<h {
                for x in 0..<w {
                    let visible = bytes[maskBase + y * maskRow + x / 8] & (0x80 >> UInt8(x % 8)) != 0
                    argb[y * w + x] = translator.read(bytes, at: (y * w + x) * bpp) | (visible ? 0xFF00_0000 : 0)
                }
            }
            return CursorImage(width: w, height: h, hotX: Int(rectangle.header.x), hotY: Int(rectangle.header.y),
                               argb: argb, serial: 0)
        }
    }
}
