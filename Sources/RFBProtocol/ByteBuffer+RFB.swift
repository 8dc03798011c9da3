import NIOCore

extension ByteBuffer {
    /// Runs `body` on a copy and commits the consumed bytes only when it produced a value: a parse that
    /// needs more bytes (returns nil) leaves `self` untouched. Errors propagate; `self` is then untouched.

    mutating func rfbTransaction<T>(_ body: (inout ByteBuffer) throws -> T?) rethrows -> T? {
        var copy = self
        guard let value = try body(&copy) else { return nil }
        self = copy
        return value
    }

    mutating func rfbU8() -> UInt8? { readInteger(as: UInt8.self) }
    mutating func rfbU16() -> UInt16? { readInteger(endianness: .big, as: UInt16.self) }
    mutating func rfbU32() -> UInt32? { readInteger(endianness: .big, as: UInt32.self) }
    mutating func rfbS32() -> Int32? { readInteger(endianness: .big, as: Int32.self) }

    /// Skips `count` padding bytes; nil when they are not all here yet.
    mutating func rfbSkip(_ count: Int) -> Bool {
        guard readableBytes >= count else { return false }
        moveReaderIndex(forwardBy: count)
        return true
    }

    /// Reads a U32 length, checks it against `limit` at once (before waiting for the bytes), then the bytes.
    /// Returns nil while the length or the bytes are incomplete.
    mutating func rfbLengthPrefixedBytes(what: String, limit: Int) throws -> [UInt8]? {
        guard let length = rfbU32() else { return nil }
        guard Int(length) <= limit else { throw RFBError.tooLarge(what: what, length: Int(length), limit: limit) }
        return readBytes(length: Int(length))
    }

    mutating func rfbWriteU8(_ v: UInt8) { writeInteger(v) }
    mutating func rfbWriteU16(_ v: UInt16) { writeInteger(v, endianness: .big) }
    mutating func rfbWriteU32(_ v: UInt32) { writeInteger(v, endianness: .big) }
    mutating func rfbWriteS32(_ v: Int32) { writeInteger(v, endianness: .big) }
    mutating func rfbWritePadding(_ count: Int) { writeRepeatingByte(0, count: count) }
}

/// Decodes UTF-8 strictly: nil when `bytes` is not valid UTF-8.
func rfbStrictUTF8(_ bytes: [UInt8]) -> String? {
    let s = String(decoding: bytes, as: UTF8.self)
    return s.utf8.elementsEqual(bytes) ? s : nil
}

/// Decodes text that should be UTF-8 but may come from a peer that uses Latin-1 (reason strings, names):
/// valid UTF-8 is kept, anything else is read as Latin-1, so no byte is lost or rejected.
func rfbLenientText(_ bytes: [UInt8]) -> String {
    if let s = rfbStrictUTF8(bytes) { return s }
    return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
}

/// Checks that a value fits in a U16 wire field.
func rfbU16Field(_ value: Int, _ what: String) throws -> UInt16 {
    guard let v = UInt16(exactly: value) else { throw RFBError.invalidArgument("\(what) \(value) does not fit in 16 bits") }
    return v
}
