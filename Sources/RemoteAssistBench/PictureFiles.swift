import Foundation
import Pixels

/// The pictures the benchmark compares: the X server's own screen dump (`xwd -root`, an independent
/// capture) and what each client decoded (the libvncclient probe's PPM, our viewer's PNG).
enum PictureFiles {
    /// A 32 bits-per-pixel ZPixmap XWD file (what `xwd -root` writes for a 24-bit TrueColor screen).
    static func readXWD(_ path: String) throws -> Framebuffer {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func field(_ i: Int) throws -> Int {
            let o = i * 4
            guard o + 4 <= bytes.count else { throw BenchError("\(path): short XWD header") }
            return Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
        }
        let headerSize = try field(0), format = try field(2), width = try field(4), height = try field(5)
        let lsbFirst = try field(7) == 0, bitsPerPixel = try field(11), stride = try field(12)
        let masks = (try field(14), try field(15), try field(16)), colours = try field(19)
        guard try field(1) == 7, format == 2, bitsPerPixel == 32, width > 0, height > 0, stride >= width * 4,
              width <= Framebuffer.maxSide, height <= Framebuffer.maxSide else {
            throw BenchError("\(path): not a 32 bpp ZPixmap XWD file")
        }
        let start = headerSize + colours * 12
        guard start + stride * height <= bytes.count else { throw BenchError("\(path): truncated XWD file") }
        func shift(_ mask: Int) -> Int { mask == 0 ? 0 : mask.trailingZeroBitCount }
        let (rs, gs, bs) = (shift(masks.0), shift(masks.1), shift(masks.2))
        var pixels = [UInt32](repeating: 0, count: width * height)
        for y in 0..<height {
            var o = start + y * stride
            for x in 0..<width {
                let v = lsbFirst
                    ? Int(bytes[o]) | Int(bytes[o + 1]) << 8 | Int(bytes[o + 2]) << 16 | Int(bytes[o + 3]) << 24
                    : Int(bytes[o + 3]) | Int(bytes[o + 2]) << 8 | Int(bytes[o + 1]) << 16 | Int(bytes[o]) << 24
                let r = (v & masks.0) >> rs, g = (v & masks.1) >> gs, b = (v & masks.2) >> bs
                pixels[y * width + x] = UInt32(r & 0xFF) << 16 | UInt32(g & 0xFF) << 8 | UInt32(b & 0xFF)
                o += 4
            }
        }
        guard let fb = Framebuffer(width: width, height: height, pixels: pixels) else { throw BenchError("\(path): bad size") }
        return fb
    }

    /// A binary PPM (P6, maxval 255) as the probe writes it.
    static func readPPM(_ path: String) throws -> Framebuffer {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var i = 0
        func token() -> String {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
            let s = i
            while i < bytes.count, !(bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09) { i += 1 }
            return String(decoding: bytes[s..<i], as: UTF8.self)
        }
        guard token() == "P6", let width = Int(token()), let height = Int(token()), token() == "255",
              width > 0, height > 0, width <= Framebuffer.maxSide, height <= Framebuffer.maxSide else {
            throw BenchError("\(path): not a P6 PPM")
        }
        i += 1
        guard i + width * height * 3 <= bytes.count else { throw BenchError("\(path): truncated PPM") }
        var pixels = [UInt32](repeating: 0, count: width * height)
        for p in 0..<width * height {
            let o = i + p * 3
            pixels[p] = UInt32(bytes[o]) << 16 | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2])
        }
        guard let fb = Framebuffer(width: width, height: height, pixels: pixels) else { throw BenchError("\(path): bad size") }
        return fb
    }

    /// How far a client's picture is from the screen: differing pixels and their bounding box.
    struct Difference: Codable, Sendable {
        var pixels: Int
        var box: String?
        var exact: Bool { pixels == 0 }
    }

    static func compare(_ client: Framebuffer, _ screen: Framebuffer) -> Difference {
        guard client.width == screen.width, client.height == screen.height else {
            return Difference(pixels: screen.width * screen.height,
                              box: "size \(client.width)x\(client.height) vs \(screen.width)x\(screen.height)")
        }
        var count = 0
        var (minX, minY, maxX, maxY) = (Int.max, Int.max, -1, -1)
        for y in 0..<screen.height {
            let row = y * screen.width
            for x in 0..<screen.width where client.pixels[row + x] & 0xFF_FFFF != screen.pixels[row + x] & 0xFF_FFFF {
                count += 1
                minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
            }
        }
        return Difference(pixels: count, box: count == 0 ? nil : "\(maxX - minX + 1)x\(maxY - minY + 1)+\(minX)+\(minY)")
    }
}
