public import NIOCore
public import Pixels

/// Frames the rectangles of one FramebufferUpdate (client side) without decoding pixels.
///
/// Create it after `ServerMessage.read` returned `.framebufferUpdate(rectangleCount:)`, then call
/// `next(from:)` until `isComplete`. Each call returns one rectangle once its header and whole body are
/// readable (nil: need more bytes, nothing consumed). Every header is checked as soon as it is readable,
/// before waiting for the body: pixel rectangles must lie inside the framebuffer (whose size follows
/// DesktopSize / ExtendedDesktopSize rectangles earlier in the same update), bodies must not exceed
/// `RFBLimits.maxRectangleBodyLength`, and only the encodings we ask for are accepted.
public struct FramebufferUpdateReader: Sendable {
    public let pixelFormat: PixelFormat
    /// The rectangle count from the header; 65535 means "until LastRect".
    public let announcedCount: UInt16
    public private(set) var framebufferWidth: Int
    public private(set) var framebufferHeight: Int
    public private(set) var rectanglesRead = 0
    public private(set) var isComplete: Bool

    public init(rectangleCount: UInt16, pixelFormat: PixelFormat, framebufferWidth: Int, framebufferHeight: Int) throws {
        guard rectangleCount == 65_535 || Int(rectangleCount) <= RFBLimits.maxRectanglesPerUpdate else {
            throw RFBError.tooLarge(what: "FramebufferUpdate rectangle count", length: Int(rectangleCount),
                                    limit: RFBLimits.maxRectanglesPerUpdate)
        }
        guard [8, 16, 32].contains(pixelFormat.bitsPerPixel) else {
            throw RFBError.unsupportedPixelFormat("\(pixelFormat.bitsPerPixel) bits per pixel")
        }
        self.pixelFormat = pixelFormat
        self.announcedCount = rectangleCount
        self.framebufferWidth = framebufferWidth
        self.framebufferHeight = framebufferHeight
        self.isComplete = rectangleCount == 0
    }

    public mutating func next(from buffer: inout ByteBuffer) throws -> Rectangle? {
        guard !isComplete else { return nil }
        guard let rect = try buffer.rfbTransaction({ b in try readRectangle(&b) }) else { return nil }
        rectanglesRead += 1
        switch rect.header.encoding {
        case RFBEncoding.lastRect:
            isComplete = true
        case RFBEncoding.desktopSize:
            framebufferWidth = Int(rect.header.width)
            framebufferHeight = Int(rect.header.height)
        case RFBEncoding.extendedDesktopSize where rect.header.y == ExtendedDesktopSize.Status.noError.rawValue:
            framebufferWidth = Int(rect.header.width)
            framebufferHeight = Int(rect.header.height)
        default:
            break
        }
        if announcedCount != 65_535, rectanglesRead == Int(announcedCount) { isComplete = true }
        if !isComplete, rectanglesRead >= RFBLimits.maxRectanglesPerUpdate {
            throw RFBError.tooLarge(what: "FramebufferUpdate rectangle count", length: rectanglesRead + 1,
                                    limit: RFBLimits.maxRectanglesPerUpdate)
        }
        return rect
    }

    private func readRectangle(_ b: inout ByteBuffer) throws -> Rectangle? {
        guard let h = RectangleHeader.read(from: &b) else { return nil }
        let w = Int(h.width), ht = Int(h.height)
        let bpp = pixelFormat.bytesPerPixel
        let bodyLength: Int
        switch h.encoding {
        case RFBEncoding.raw:
            try checkInside(h)
            bodyLength = w * ht * bpp
        case RFBEncoding.copyRect:
            try checkInside(h)
            bodyLength = 4
        case RFBEncoding.zrle, RFBEncoding.tileDelta:
            try checkInside(h)
            guard let n = b.getInteger(at: b.readerIndex, endianness: .big, as: UInt32.self) else { return nil }
            bodyLength = 4 + Int(n)
        case RFBEncoding.cursor:
            bodyLength = w * ht * bpp + (w + 7) / 8 * ht
        case RFBEncoding.desktopSize:
            try RFBLimits.checkFramebufferSize(width: w, height: ht)
            bodyLength = 0
        case RFBEncoding.lastRect, RFBEncoding.pointerPos:
            bodyLength = 0
        case RFBEncoding.sessionEnd:
            guard h.x == 0, h.y == 0, h.width == 0, h.height == 0 else {
                throw RFBError.malformed("SessionEnd confirmation rectangle with non-zero fields")
            }
            bodyLength = 0
        case RFBEncoding.fileTransfer:
            guard h.x == 0, h.y == 0, h.width == 0, h.height == 0 else {
                throw RFBError.malformed("file-transfer confirmation rectangle with non-zero fields")
            }
            bodyLength = 0
        case RFBEncoding.extendedDesktopSize:
            if h.y == ExtendedDesktopSize.Status.noError.rawValue { try RFBLimits.checkFramebufferSize(width: w, height: ht) }
            guard let n = b.getInteger(at: b.readerIndex, as: UInt8.self) else { return nil }
            bodyLength = 4 + Int(n) * Screen.wireLength
        case RFBEncoding.desktopName:
            guard let n = b.getInteger(at: b.readerIndex, endianness: .big, as: UInt32.self) else { return nil }
            guard Int(n) <= RFBLimits.maxDesktopNameLength else {
                throw RFBError.tooLarge(what: "desktop name", length: Int(n), limit: RFBLimits.maxDesktopNameLength)
            }
            bodyLength = 4 + Int(n)
        default:
            throw RFBError.unsupportedEncoding(h.encoding)
        }
        guard bodyLength <= RFBLimits.maxRectangleBodyLength else {
            throw RFBError.tooLarge(what: "rectangle body (encoding \(h.encoding))", length: bodyLength,
                                    limit: RFBLimits.maxRectangleBodyLength)
        }
        guard let body = b.readSlice(length: bodyLength) else { return nil }
        if h.encoding == RFBEncoding.copyRect {
            var s = body
            guard let sx = s.rfbU16(), let sy = s.rfbU16() else { return nil }
            guard Int(sx) + w <= framebufferWidth, Int(sy) + ht <= framebufferHeight else {
                throw RFBError.rectangleOutsideFramebuffer(x: Int(sx), y: Int(sy), width: w, height: ht,
                                                           framebufferWidth: framebufferWidth,
                                                           framebufferHeight: framebufferHeight)
            }
        }
        return Rectangle(header: h, body: body)
    }

    private func checkInside(_ h: RectangleHeader) throws {
        guard Int(h.x) + Int(h.width) <= framebufferWidth, Int(h.y) + Int(h.height) <= framebufferHeight else {
            throw RFBError.rectangleOutsideFramebuffer(x: Int(h.x), y: Int(h.y), width: Int(h.width), height: Int(h.height),
                                                       framebufferWidth: framebufferWidth,
                                                       framebufferHeight: framebufferHeight)
        }
    }
}
