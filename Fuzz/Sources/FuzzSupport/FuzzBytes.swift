/// Reads fuzzer input front to back; every read past the end returns nil.
public struct FuzzBytes: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public init(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        guard let data, size > 0 else { self.init([]); return }
        self.init(Array(UnsafeBufferPointer(start: data, count: size)))
    }

    public var remaining: Int { bytes.count - offset }
    public var isAtEnd: Bool { offset >= bytes.count }

    public mutating func u8() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func u16() -> UInt16? {
        guard let hi = u8(), let lo = u8() else { return nil }
        return UInt16(hi) << 8 | UInt16(lo)
    }

    /// Up to `count` bytes (fewer at the end of the input).
    public mutating func take(upTo count: Int) -> ArraySlice<UInt8> {
        let n = max(0, min(count, remaining))
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    /// Everything not read yet.
    public mutating func rest() -> ArraySlice<UInt8> { take(upTo: remaining) }
}
