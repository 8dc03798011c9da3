/// A bounds-checked cursor over bytes; every read throws `CodecError` instead of reading past the end.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset == bytes.count }

    @inline(__always)
    mutating func u8() throws -> UInt8 {
        guard offset < bytes.count else { throw CodecError("truncated: wanted 1 byte at \(offset)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() throws -> Int {
        try need(2)
        defer { offset += 2 }
        return Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
    }

    mutating func u32() throws -> Int {
        try need(4)
        defer { offset += 4 }
        return Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
    }

    mutating func u64() throws -> UInt64 {
        try need(8)
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(bytes[offset + i]) }
        offset += 8
        return v
    }

    /// Checks that `count` more bytes exist.
    @inline(__always)
    func need(_ count: Int) throws {
        guard count >= 0, count <= bytes.count - offset else {
            throw CodecError("truncated: wanted \(count) bytes at \(offset), have \(bytes.count - offset)")
        }
    }

    /// Skips `count` bytes (after `need`), returning where they start.
    @inline(__always)
    mutating func take(_ count: Int) throws -> Int {
        try need(count)
        defer { offset += count }
        return offset
    }

    /// Reads a ZRLE-style run length: 1 + the sum of bytes, where 255 means "another byte follows".
    /// Throws when the run exceeds `limit`.
    @inline(__always)
    mutating func runLength(limit: Int) throws -> Int {
        var length = 1
        while true {
            let b = try u8()
            length += Int(b)
            guard length <= limit else { throw CodecError("run of \(length) exceeds the \(limit) pixels left") }
            if b != 255 { return length }
        }
    }
}

extension Array where Element == UInt8 {
    @inline(__always) mutating func appendU16(_ v: Int) {
        append(UInt8(truncatingIfNeeded: v >> 8)); append(UInt8(truncatingIfNeeded: v))
    }
    @inline(__always) mutating func appendU32(_ v: Int) {
        append(UInt8(truncatingIfNeeded: v >> 24)); append(UInt8(truncatingIfNeeded: v >> 16))
        append(UInt8(truncatingIfNeeded: v >> 8)); append(UInt8(truncatingIfNeeded: v))
    }
    @inline(__always) mutating func appendU64(_ v: UInt64) {
        for s in stride(from: 56, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: v >> UInt64(s))) }
    }
    /// Overwrites 4 bytes at `offset` with `v` big-endian.
    mutating func patchU32(at offset: Int, _ v: Int) {
        self[offset] = UInt8(truncatingIfNeeded: v >> 24); self[offset + 1] = UInt8(truncatingIfNeeded: v >> 16)
        self[offset + 2] = UInt8(truncatingIfNeeded: v >> 8); self[offset + 3] = UInt8(truncatingIfNeeded: v)
    }
}
