public import Pixels

/// One binary WebSocket message of the frame feed (server to page). The wire format is specified in
/// `Sources/LiveView/Assets/FEED.md`: a type byte, big-endian 16-bit fields, RGBA pixels.
public enum FeedMessage: Sendable, Equatable {
    /// The picture is now `width` x `height`, opaque black.
    case resize(width: Int, height: Int)
    /// Move the pixels of `source` to (`toX`, `toY`), as if read completely before any write.
    case copy(source: Rect, toX: Int, toY: Int)
    /// New pixels for `rect`: `rgba` holds width * height * 4 bytes, row by row.
    case pixels(rect: Rect, rgba: [UInt8])
    /// `rect` is one colour (`0x00RRGGBB`).
    case fill(rect: Rect, colour: UInt32)
    /// The remote pointer's image (RGBA, alpha 0 or 255) and hot spot; an empty image hides it.
    case cursor(hotX: Int, hotY: Int, width: Int, height: Int, rgba: [UInt8])
    /// Where the remote pointer's hot spot is.
    case pointer(x: Int, y: Int)
    /// The end of one picture: what came before it since the last `frame` is one consistent update.
    case frame(number: UInt32)

    public enum Kind: UInt8, Sendable {
        case resize = 1, copy = 2, pixels = 3, fill = 4, cursor = 5, pointer = 6, frame = 7
    }

    /// The bytes of the message.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        func u16(_ v: Int) { out.append(UInt8(truncatingIfNeeded: v >> 8)); out.append(UInt8(truncatingIfNeeded: v)) }
        func rect(_ r: Rect) { u16(r.x); u16(r.y); u16(r.width); u16(r.height) }
        switch self {
        case .resize(let w, let h):
            out.append(Kind.resize.rawValue); u16(w); u16(h)
        case .copy(let source, let x, let y):
            out.append(Kind.copy.rawValue); rect(source); u16(x); u16(y)
        case .pixels(let r, let rgba):
            out.reserveCapacity(9 + rgba.count)
            out.append(Kind.pixels.rawValue); rect(r); out.append(contentsOf: rgba)
        case .fill(let r, let colour):
            out.append(Kind.fill.rawValue); rect(r)
            out += [UInt8(colour >> 16 & 0xFF), UInt8(colour >> 8 & 0xFF), UInt8(colour & 0xFF), 0xFF]
        case .cursor(let hx, let hy, let w, let h, let rgba):
            out.append(Kind.cursor.rawValue); u16(hx); u16(hy); u16(w); u16(h); out.append(contentsOf: rgba)
        case .pointer(let x, let y):
            out.append(Kind.pointer.rawValue); u16(x); u16(y)
        case .frame(let n):
            out.append(Kind.frame.rawValue)
            out += [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
        }
        return out
    }

    public struct DecodeError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Parses one message, checking every length (the page's JavaScript does the same checks).
    public static func decode(_ bytes: [UInt8]) throws -> FeedMessage {
        guard let first = bytes.first, let kind = Kind(rawValue: first) else {
            throw DecodeError(description: "unknown feed message type \(bytes.first.map { "\($0)" } ?? "(empty)")")
        }
        func u16(_ i: Int) -> Int { Int(bytes[i]) << 8 | Int(bytes[i + 1]) }
        func need(_ n: Int) throws {
            guard bytes.count == n else { throw DecodeError(description: "\(kind) message of \(bytes.count) bytes, expected \(n)") }
        }
        func rect() -> Rect { Rect(x: u16(1), y: u16(3), width: u16(5), height: u16(7)) }
        switch kind {
        case .resize:
            try need(5)
            return .resize(width: u16(1), height: u16(3))
        case .copy:
            try need(13)
            return .copy(source: rect(), toX: u16(9), toY: u16(11))
        case .pixels:
            guard bytes.count >= 9 else { throw DecodeError(description: "pixels message too short") }
            let r = rect()
            try need(9 + r.area * 4)
            return .pixels(rect: r, rgba: Array(bytes[9...]))
        case .fill:
            try need(13)
            return .fill(rect: rect(), colour: UInt32(bytes[9]) << 16 | UInt32(bytes[10]) << 8 | UInt32(bytes[11]))
        case .cursor:
            guard bytes.count >= 9 else { throw DecodeError(description: "cursor message too short") }
            let w = u16(5), h = u16(7)
            try need(9 + w * h * 4)
            return .cursor(hotX: u16(1), hotY: u16(3), width: w, height: h, rgba: Array(bytes[9...]))
        case .pointer:
            try need(5)
            return .pointer(x: u16(1), y: u16(3))
        case .frame:
            try need(5)
            return .frame(number: UInt32(bytes[1]) << 24 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 8 | UInt32(bytes[4]))
        }
    }
}
