#if canImport(Glibc)
import Glibc
#endif
import CLibPNG
public import Pixels

/// Framebuffer <-> PNG (8-bit RGB) through libpng.
public enum PNGCodec {
    /// Which PNG row filters libpng may try. `none` is the fast default: on a 1080p desktop frame it
    /// writes 2-3x faster than libpng's adaptive filtering, for files a little larger.
    public enum Filter: String, Sendable, CaseIterable {
        case none, sub, up, average, paeth, all

        var mask: Int32 {
            switch self {
            case .none: return 0x08
            case .sub: return 0x10
            case .up: return 0x20
            case .average: return 0x40
            case .paeth: return 0x80
            case .all: return 0xF8
            }
        }
    }

    public struct Options: Sendable, Equatable {
        /// zlib level 0...9.
        public var level: Int
        public var filter: Filter
        public init(level: Int = 1, filter: Filter = .none) {
            self.level = min(9, max(0, level))
            self.filter = filter
        }
        public static let fast = Options()
    }

    public struct PNGError: Error, CustomStringConvertible, Equatable {
        public let reason: String
        public var description: String { reason }
    }

    /// The largest PNG we read: files and pixel counts above these are refused before decoding.
    public static let maxFileBytes = 256 << 20
    public static let maxPixels: UInt64 = 64 << 20

    public static func encode(_ framebuffer: Framebuffer, options: Options = .fast) throws -> [UInt8] {
        guard framebuffer.width > 0, framebuffer.height > 0 else { throw PNGError(reason: "cannot write an empty picture") }
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        var message = [CChar](repeating: 0, count: 256)
        let rc = framebuffer.pixels.withUnsafeBytes { px in
            message.withUnsafeMutableBufferPointer { err in
                ra_png_encode_bgrx(px.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt32(framebuffer.width),
                                   UInt32(framebuffer.height), framebuffer.width * 4, Int32(options.level),
                                   options.filter.mask, &out, &length, err.baseAddress, err.count)
            }
        }
        guard rc == 0, let data = out else { throw PNGError(reason: "PNG encoding failed: \(text(message))") }
        defer { free(data) }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }

    public static func decode(_ bytes: [UInt8]) throws -> Framebuffer {
        var width: UInt32 = 0, height: UInt32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let header = bytes.withUnsafeBufferPointer { b in
            message.withUnsafeMutableBufferPointer { err in
                ra_png_read_header(b.baseAddress, b.count, UInt32(Framebuffer.maxSide), maxPixels, &width, &height,
                                   err.baseAddress, err.count)
            }
        }
        guard header == 0 else { throw PNGError(reason: "invalid PNG: \(text(message))") }
        guard width > 0, height > 0 else { throw PNGError(reason: "invalid PNG: empty picture") }
        var framebuffer = Framebuffer(width: Int(width), height: Int(height))
        let rc = bytes.withUnsafeBufferPointer { b in
            framebuffer.pixels.withUnsafeMutableBytes { px in
                message.withUnsafeMutableBufferPointer { err in
                    ra_png_decode_bgrx(b.baseAddress, b.count, width, height,
                                       px.baseAddress!.assumingMemoryBound(to: UInt8.self), Int(width) * 4,
                                       err.baseAddress, err.count)
                }
            }
        }
        guard rc == 0 else { throw PNGError(reason: "invalid PNG: \(text(message))") }
        return framebuffer
    }

    /// Writes `framebuffer` to `path` atomically (a reader sees the old file or the new one, never half).
    public static func write(_ framebuffer: Framebuffer, to path: String, options: Options = .fast) throws {
        try AtomicFile.write(try encode(framebuffer, options: options), to: path)
    }

    public static func read(_ path: String) throws -> Framebuffer {
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(path, limit: maxFileBytes) } catch let e as AtomicFile.FileError {
            throw PNGError(reason: "cannot read \(path): \(e.reason)")
        }
        do { return try decode(bytes) } catch let e as PNGError { throw PNGError(reason: "\(path): \(e.reason)") }
    }

    private static func text(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
