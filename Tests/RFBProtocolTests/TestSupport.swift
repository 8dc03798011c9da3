import NIOCore
import XCTest

@testable import RFBProtocol

func buf(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

func bytes(_ b: ByteBuffer) -> [UInt8] { Array(b.readableBytesView) }

func u16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }

func u32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

func s32(_ v: Int32) -> [UInt8] { u32(UInt32(bitPattern: v)) }

func ascii(_ s: String) -> [UInt8] { Array(s.utf8) }

/// The native pixel format on the wire: 32 bpp, depth 24, little-endian, true colour, 255/255/255, 16/8/0.
let nativeFormatBytes: [UInt8] = [32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]

/// Reads a message from `input` fed one byte at a time: every prefix must give nil without consuming,
/// and the full input must give the message with nothing left over.
func readIncrementally<T>(_ input: [UInt8], _ read: (inout ByteBuffer) throws -> T?,
                          file: StaticString = #filePath, line: UInt = #line) throws -> T? {
    for n in 0..<input.count {
        var partial = buf(Array(input[0..<n]))
        let value = try read(&partial)
        XCTAssertNil(value, "a prefix of \(n) bytes produced a value", file: file, line: line)
        XCTAssertEqual(partial.readableBytes, n, "a prefix of \(n) bytes was consumed", file: file, line: line)
    }
    var whole = buf(input)
    let value = try read(&whole)
    XCTAssertEqual(whole.readableBytes, 0, "bytes left over", file: file, line: line)
    return value
}
