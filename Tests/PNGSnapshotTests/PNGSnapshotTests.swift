import Foundation
import PNGSnapshot
import Pixels
import XCTest

final class PNGSnapshotTests: XCTestCase {
    private func sample(width: Int, height: Int) -> Framebuffer {
        var fb = Framebuffer(width: width, height: height)
        var seed: UInt32 = 12345
        for y in 0..<height {
            for x in 0..<width {
                seed = seed &* 1_103_515_245 &+ 12345
                fb[x, y] = (x < width / 2) ? UInt32(x * 255 / max(1, width)) << 16 | UInt32(y & 0xFF) : (seed >> 8) & 0xFFFFFF
            }
        }
        return fb
    }

    func testRoundTripIsPixelIdenticalForEveryFilterAndLevel() throws {
        let fb = sample(width: 97, height: 61)
        for filter in PNGCodec.Filter.allCases {
            for level in [0, 1, 6, 9] {
                let png = try PNGCodec.encode(fb, options: .init(level: level, filter: filter))
                XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
                let back = try PNGCodec.decode(png)
                XCTAssertEqual(back, fb, "filter \(filter) level \(level)")
            }
        }
    }

    func testOneByOneAndWide() throws {
        for (w, h) in [(1, 1), (4097, 3), (3, 700)] {
            let fb = sample(width: w, height: h)
            XCTAssertEqual(try PNGCodec.decode(try PNGCodec.encode(fb)), fb)
        }
    }

    func testWriteIsAtomicAndReadable() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("png-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("latest.png").path
        let a = sample(width: 64, height: 64)
        try PNGCodec.write(a, to: path)
        XCTAssertEqual(try PNGCodec.read(path), a)
        var b = a
        b.fill(Rect(x: 0, y: 0, width: 10, height: 10), with: 0xFF00FF)
        try PNGCodec.write(b, to: path)
        XCTAssertEqual(try PNGCodec.read(path), b)
        // Only the final file remains: no temporary files left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["latest.png"])
    }

    func testFailedWriteKeepsThePreviousFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("png-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertThrowsError(try PNGCodec.write(sample(width: 8, height: 8), to: dir.appendingPathComponent("no/such/dir.png").path)) {
            XCTAssertTrue("\($0)".contains("No such file or directory"), "\($0)")
        }
    }

    func testTruncatedPNGIsAnErrorAtEveryLength() throws {
        let png = try PNGCodec.encode(sample(width: 40, height: 30), options: .init(level: 6, filter: .all))
        for length in stride(from: 0, to: png.count, by: max(1, png.count / 200)) {
            XCTAssertThrowsError(try PNGCodec.decode(Array(png.prefix(length))), "length \(length)")
        }
    }

    func testCorruptPNGIsAnError() throws {
        let png = try PNGCodec.encode(sample(width: 40, height: 30))
        var failures = 0
        for i in stride(from: 8, to: png.count, by: 7) {
            var bad = png
            bad[i] ^= 0x5A
            if (try? PNGCodec.decode(bad)) == nil { failures += 1 }
        }
        // Every flipped byte lands in a CRC-protected chunk: each must be detected.
        XCTAssertEqual(failures, (png.count - 8 + 6) / 7)
        XCTAssertThrowsError(try PNGCodec.decode([UInt8](repeating: 0, count: 100))) {
            XCTAssertTrue("\($0)".contains("not a PNG"), "\($0)")
        }
    }

    func testHugeDeclaredSizeIsRefusedBeforeAllocating() throws {
        var png = try PNGCodec.encode(sample(width: 4, height: 4))
        // IHDR width/height at bytes 16..23: claim 60000 x 60000 (3.6 Gpixel) and fix the CRC.
        let huge: [UInt8] = [0, 0, 0xEA, 0x60, 0, 0, 0xEA, 0x60]
        png.replaceSubrange(16..<24, with: huge)
        let crc = crc32(Array(png[12..<29]))
        png.replaceSubrange(29..<33, with: [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)])
        XCTAssertThrowsError(try PNGCodec.decode(png)) { XCTAssertTrue("\($0)".contains("too many pixels"), "\($0)") }
    }

    private func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return c ^ 0xFFFF_FFFF
    }
}
