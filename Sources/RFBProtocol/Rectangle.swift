public import NIOCore
public import Pixels

/// A FramebufferUpdate rectangle header: U16 x, y, width, height, S32 encoding.
/// For pseudo-encodings the fields mean other things (Cursor: x, y = hotspot; ExtendedDesktopSize:
/// x = reason, y = status).
public struct RectangleHeader: Hashable, Sendable {
    public static let wireLength = 12

    public var x: UInt16
    public var y: UInt16
    public var width: UInt16
    public var height: UInt16
    public var encoding: Int32

    public init(x: UInt16, y: UInt16, width: UInt16, height: UInt16, encoding: Int32) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.encoding = encoding
    }

    public init(_ rect: Rect, encoding: Int32) throws {
        self.init(x: try rfbU16Field(rect.x, "x"), y: try rfbU16Field(rect.y, "y"),
                  width: try rfbU16Field(rect.width, "width"), height: try rfbU16Field(rect.height, "height"),
                  encoding: encoding)
    }

    public var rect: Rect { Rect(x: Int(x), y: Int(y), width: Int(width), height: Int(height)) }

    static func read(from b: inout ByteBuffer) -> RectangleHeader? {
        guard let x = b.rfbU16(), let y = b.rfbU16(), let w = b.rfbU16(), let h = b.rfbU16(), let e = b.rfbS32()
        else { return nil }
        return RectangleHeader(x: x, y: y, width: w, height: h, encoding: e)
    }

    public func write(into buffer: inout ByteBuffer) {
        buffer.rfbWriteU16(x)
        buffer.rfbWriteU16(y)
        buffer.rfbWriteU16(width)
        buffer.rfbWriteU16(height)
        buffer.rfbWriteS32(encoding)
    }
}

/// One rectangle of a FramebufferUpdate, undecoded: its header and exactly the bytes that follow the
/// header on the wire (for ZRLE, tile-delta and DesktopName that includes the leading U32 length;
/// `lengthPrefixedPayload` strips it).
public struct Rectangle: Hashable, Sendable {
    public var header: RectangleHeader
    public var body: ByteBuffer

    public init(header: RectangleHeader, body: ByteBuffer = ByteBuffer()) {
        self.header = header
        self.body = body
    }

    /// For ZRLE, tile-delta and DesktopName: the bytes after the U32 length; nil for other encodings.
    public var lengthPrefixedPayload: ByteBuffer? {
        switch header.encoding {
        case RFBEncoding.zrle, RFBEncoding.tileDelta, RFBEncoding.desktopName:
            guard body.readableBytes >= 4 else { return nil }
            return body.getSlice(at: body.readerIndex + 4, length: body.readableBytes - 4)
        default:
            return nil
        }
    }

    public func write(into buffer: inout ByteBuffer) {
        header.write(into: &buffer)
        buffer.writeImmutableBuffer(body)
    }

    // MARK: Server-side builders

    /// Raw pixels, already in the client's pixel format: `pixels` must hold width*height*bytesPerPixel bytes.
    public static func raw(_ rect: Rect, pixels: ByteBuffer, format: PixelFormat) throws -> Rectangle {
        guard pixels.readableBytes == rect.area * format.bytesPerPixel else {
            throw RFBError.invalidArgument("raw rectangle \(rect) needs \(rect.area * format.bytesPerPixel) bytes, got \(pixels.readableBytes)")
        }
        return Rectangle(header: try RectangleHeader(rect, encoding: RFBEncoding.raw), body: pixels)
    }

    /// CopyRect: copy the area of the same size at (sourceX, sourceY) to `rect`.
    public static func copyRect(_ rect: Rect, sourceX: Int, sourceY: Int) throws -> Rectangle {
        var body = ByteBuffer()
        body.rfbWriteU16(try rfbU16Field(sourceX, "source x"))
        body.rfbWriteU16(try rfbU16Field(sourceY, "source y"))
        return Rectangle(header: try RectangleHeader(rect, encoding: RFBEncoding.copyRect), body: body)
    }

    /// ZRLE: U32 length + zlib data.
    public static func zrle(_ rect: Rect, data: ByteBuffer) throws -> Rectangle {
        try lengthPrefixed(rect, encoding: RFBEncoding.zrle, data: data)
    }

    /// Tile-delta ("RATD"): U32 length + data, framed like ZRLE.
    public static func tileDelta(_ rect: Rect, data: ByteBuffer) throws -> Rectangle {
        try lengthPrefixed(rect, encoding: RFBEncoding.tileDelta, data: data)
    }

    static func lengthPrefixed(_ rect: Rect, encoding: Int32, data: ByteBuffer) throws -> Rectangle {
        guard data.readableBytes + 4 <= RFBLimits.maxRectangleBodyLength else {
            throw RFBError.invalidArgument("rectangle body of \(data.readableBytes) bytes")
        }
        var body = ByteBuffer()
        body.reserveCapacity(data.readableBytes + 4)
        body.rfbWriteU32(UInt32(data.readableBytes))
        body.writeImmutableBuffer(data)
        return Rectangle(header: try RectangleHeader(rect, encoding: encoding), body: body)
    }

    /// Cursor shape: `pixels` width*height pixels in the client's format, `mask` floor((w+7)/8)*h bytes,
    /// MSB leftmost.
    public static func cursor(hotspotX: Int, hotspotY: Int, width: Int, height: Int,
                              pixels: ByteBuffer, mask: [UInt8], format: PixelFormat) throws -> Rectangle {
        guard pixels.readableBytes == width * height * format.bytesPerPixel,
              mask.count == (width + 7) / 8 * height else {
            throw RFBError.invalidArgument("cursor \(width)x\(height) body sizes do not match")
        }
        var body = pixels
        body.writeBytes(mask)
        let header = RectangleHeader(x: try rfbU16Field(hotspotX, "hotspot x"), y: try rfbU16Field(hotspotY, "hotspot y"),
                                     width: try rfbU16Field(width, "width"), height: try rfbU16Field(height, "height"),
                                     encoding: RFBEncoding.cursor)
        return Rectangle(header: header, body: body)
    }

    /// DesktopSize: the framebuffer is now width x height (comes last in its update).
    public static func desktopSize(width: Int, height: Int) throws -> Rectangle {
        Rectangle(header: RectangleHeader(x: 0, y: 0, width: try rfbU16Field(width, "width"),
                                          height: try rfbU16Field(height, "height"), encoding: RFBEncoding.desktopSize))
    }

    /// PointerPos: the pointer is at (x, y) of the framebuffer.
    public static func pointerPosition(x: Int, y: Int) throws -> Rectangle {
        Rectangle(header: RectangleHeader(x: try rfbU16Field(x, "pointer x"), y: try rfbU16Field(y, "pointer y"),
                                          width: 0, height: 0, encoding: RFBEncoding.pointerPos))
    }

    /// LastRect: ends an update announced with 65535 rectangles.
    public static let lastRect = Rectangle(header: RectangleHeader(x: 0, y: 0, width: 0, height: 0, encoding: RFBEncoding.lastRect))

    /// The SessionEnd confirmation: encoding "RASE", all fields 0, no body.
    public static let sessionEndConfirmation =
        Rectangle(header: RectangleHeader(x: 0, y: 0, width: 0, height: 0, encoding: RFBEncoding.sessionEnd))

    /// The file-transfer confirmation: encoding "RAFT", all fields 0, no body.
    public static let fileTransferConfirmation =
        Rectangle(header: RectangleHeader(x: 0, y: 0, width: 0, height: 0, encoding: RFBEncoding.fileTransfer))

    /// ExtendedDesktopSize: x = reason, y = status, width/height = framebuffer size, then the screens.
    public static func extendedDesktopSize(reason: ExtendedDesktopSize.Reason, status: ExtendedDesktopSize.Status,
                                           width: Int, height: Int, screens: [Screen]) throws -> Rectangle {
        guard screens.count <= 255 else { throw RFBError.invalidArgument("\(screens.count) screens (at most 255)") }
        var body = ByteBuffer()
        body.rfbWriteU8(UInt8(screens.count))
        body.rfbWritePadding(3)
        for s in screens { s.write(into: &body) }
        let header = RectangleHeader(x: reason.rawValue, y: status.rawValue, width: try rfbU16Field(width, "width"),
                                     height: try rfbU16Field(height, "height"), encoding: RFBEncoding.extendedDesktopSize)
        return Rectangle(header: header, body: body)
    }

    /// DesktopName: U32 length + UTF-8 name (at most `maxDesktopNameLength` bytes).
    public static func desktopName(_ name: String) throws -> Rectangle {
        let bytes = Array(name.utf8)
        guard bytes.count <= RFBLimits.maxDesktopNameLength else {
            throw RFBError.invalidArgument("desktop name of \(bytes.count) bytes (at most \(RFBLimits.maxDesktopNameLength))")
        }
        var body = ByteBuffer()
        body.rfbWriteU32(UInt32(bytes.count))
        body.writeBytes(bytes)
        return Rectangle(header: RectangleHeader(x: 0, y: 0, width: 0, height: 0, encoding: RFBEncoding.desktopName), body: body)
    }
}

/// The content of an ExtendedDesktopSize rectangle.
public struct ExtendedDesktopSize: Hashable, Sendable {
    /// Rectangle x: why the size is being reported.
    public struct Reason: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let server = Reason(rawValue: 0)
        public static let thisClient = Reason(rawValue: 1)
        public static let otherClient = Reason(rawValue: 2)
    }
    /// Rectangle y: the result of a SetDesktopSize.
    public struct Status: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let noError = Status(rawValue: 0)
        public static let prohibited = Status(rawValue: 1)
        public static let outOfResources = Status(rawValue: 2)
        public static let invalidLayout = Status(rawValue: 3)
    }

    public var reason: Reason
    public var status: Status
    public var width: Int
    public var height: Int
    public var screens: [Screen]

    /// Decodes an ExtendedDesktopSize rectangle as framed by `FramebufferUpdateReader`.
    public init(_ rectangle: Rectangle) throws {
        guard rectangle.header.encoding == RFBEncoding.extendedDesktopSize else {
            throw RFBError.invalidArgument("not an ExtendedDesktopSize rectangle")
        }
        var b = rectangle.body
        guard let n = b.rfbU8(), b.rfbSkip(3), let screens = Screen.readList(count: Int(n), from: &b) else {
            throw RFBError.malformed("truncated ExtendedDesktopSize body")
        }
        reason = Reason(rawValue: rectangle.header.x)
        status = Status(rawValue: rectangle.header.y)
        width = Int(rectangle.header.width)
        height = Int(rectangle.header.height)
        self.screens = screens
    }
}

/// Writing a whole FramebufferUpdate.
public enum FramebufferUpdate {
    /// Header (count = rectangles.count) followed by every rectangle.
    public static func write(_ rectangles: [Rectangle], into buffer: inout ByteBuffer) throws {
        guard rectangles.count < 65_535 else {
            throw RFBError.invalidArgument("\(rectangles.count) rectangles in one update (use 65535 + LastRect)")
        }
        try ServerMessage.framebufferUpdate(rectangleCount: UInt16(rectangles.count)).write(into: &buffer)
        for r in rectangles { r.write(into: &buffer) }
    }
}
