import NIOCore

/// One screen of ExtendedDesktopSize / SetDesktopSize: U32 id, U16 x, U16 y, U16 width, U16 height, U32 flags.
public struct Screen: Hashable, Sendable {
    public static let wireLength = 16

    public var id: UInt32
    public var x: UInt16
    public var y: UInt16
    public var width: UInt16
    public var height: UInt16
    public var flags: UInt32

    public init(id: UInt32, x: UInt16, y: UInt16, width: UInt16, height: UInt16, flags: UInt32 = 0) {
        self.id = id
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.flags = flags
    }

    static func read(from b: inout ByteBuffer) -> Screen? {
        guard let id = b.rfbU32(), let x = b.rfbU16(), let y = b.rfbU16(),
              let w = b.rfbU16(), let h = b.rfbU16(), let f = b.rfbU32() else { return nil }
        return Screen(id: id, x: x, y: y, width: w, height: h, flags: f)
    }

    /// Reads `count` screens; nil until all are here.
    static func readList(count: Int, from b: inout ByteBuffer) -> [Screen]? {
        guard b.readableBytes >= count * wireLength else { return nil }
        var screens: [Screen] = []
        screens.reserveCapacity(count)
        for _ in 0..<count {
            guard let s = read(from: &b) else { return nil }
            screens.append(s)
        }
        return screens
    }

    func write(into buffer: inout ByteBuffer) {
        buffer.rfbWriteU32(id)
        buffer.rfbWriteU16(x)
        buffer.rfbWriteU16(y)
        buffer.rfbWriteU16(width)
        buffer.rfbWriteU16(height)
        buffer.rfbWriteU32(flags)
    }
}
