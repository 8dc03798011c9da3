import PNGSnapshot
import Pixels

/// libFuzzer entry: the bytes are a PNG file for `PNGCodec.decode` (with its size limits). A picture
/// that decodes must keep the internal layout, and small ones must survive our encoder and decoder.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let picture = try? PNGCodec.decode(bytes) else { return 0 }
    precondition(picture.pixels.count == picture.width * picture.height, "pixel count does not match the size")
    precondition(picture.pixels.allSatisfy { $0 & 0xFF00_0000 == 0 }, "a decoded pixel has a non-zero pad byte")
    guard picture.width * picture.height <= 1 << 16 else { return 0 }
    do {
        let again = try PNGCodec.decode(try PNGCodec.encode(picture))
        precondition(again == picture, "the picture changed on a round trip through our encoder")
    } catch {
        preconditionFailure("our own PNG of a decoded picture does not decode: \(error)")
    }
    return 0
}
