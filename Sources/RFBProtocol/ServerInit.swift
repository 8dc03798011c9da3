public import NIOCore
public import Pixels

/// ServerInit: U16 width, U16 height, PIXEL_FORMAT, U32 name length, name.
public struct ServerInit: Hashable, Sendable {
    public var width: Int
    public var height: Int
    public var pixelFormat: PixelFormat
    public var name: String

    public init(width: Int, height: Int, pixelFormat: PixelFormat, name: String) {
        self.width = width
        self.height = height
        self.pixelFormat = pixelFormat
        self.name = name
    }

    /// Nil until complete; throws when the name is longer than `maxDesktopNameLength` (before waiting).
    public static func read(from buffer: inout ByteBuffer) throws -> ServerInit? {
        try buffer.rfbTransaction { b -> ServerInit? in
            guard let w = b.rfbU16(), let h = b.rfbU16(), let pf = try PixelFormat.read(from: &b),
                  let name = try b.rfbLengthPrefixedBytes(what: "desktop name", limit: RFBLimits.maxDesktopNameLength)
            else { return nil }
            return ServerInit(width: Int(w), height: Int(h), pixelFormat: pf, name: rfbLenientText(name))
        }
    }

    /// Throws when the size does not fit in U16 or the name is longer than `maxDesktopNameLength` bytes.
    public func write(into buffer: inout ByteBuffer) throws {
        let nameBytes = Array(name.utf8)
        guard nameBytes.count <= RFBLimits.maxDesktopNameLength else {
            throw RFBError.invalidArgument("desktop name of \(nameBytes.count) bytes (at most \(RFBLimits.maxDesktopNameLength))")
        }
        buffer.rfbWriteU16(try rfbU16Field(width, "framebuffer width"))
        buffer.rfbWriteU16(try rfbU16Field(height, "framebuffer height"))
        pixelFormat.write(into: &buffer)
        buffer.rfbWriteU32(UInt32(nameBytes.count))
        buffer.writeBytes(nameBytes)
    }
}

/// SecurityResult values.
enum SecurityResult {
    static let ok: UInt32 = 0
    static let failed: UInt32 = 1
}
