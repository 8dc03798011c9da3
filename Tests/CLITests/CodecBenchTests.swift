import Foundation
import PNGSnapshot
import Pixels
import TestSupport
import XCTest

/// `remote-assist-bench codec` on a small generated corpus (the real binary, PNG frames on disk): every
/// codec round-trips every update, the JSON carries the fields scripts read, and copies pay off on a
/// scroll. A folder without sequences is refused with a clear message.
final class CodecBenchTests: XCTestCase {
    /// The fields read from a sequence entry and from `overall` (the ones only one of them has are optional).
    struct Figures: Decodable {
        var name: String?
        var frames: Int
        var tileDeltaBytes: Int
        var zrleBytes: Int
        var zrlePlainBytes: Int
        var roundtripExact: Bool
        var tileDeltaEncodeMsMedian: Double
        var zrlePlainEncodeMsMedian: Double
        var tileDeltaDecodeMsMedian: Double
        var zrleDecodeMsMedian: Double
        var zrlePlainDecodeMsMedian: Double
        var memcmpMs: Double?
        var unchangedDetectMs: Double?
        var tileDeltaEncodeTimeOverZrle: Double?
    }
    struct Report: Decodable {
        var sequences: [Figures]
        var overall: Figures
    }

    /// Lines of "text" (each row its own pattern) scrolled by `offset` rows in a 320x240 frame.
    private func scrolled(_ offset: Int) -> Framebuffer {
        var fb = Framebuffer(width: 320, height: 240, fill: 0xFFFFFF)
        for y in 0..<240 {
            let line = y + offset
            guard line % 12 < 9 else { continue }
            for x in 8..<(8 + (line * 37) % 280) where (x * 7 + line * 13) % 5 < 2 { fb[x, y] = 0x202020 }
        }
        return fb
    }

    /// A 96x64 window of photo-like noise (zlib cannot shrink it much) at (x, y) on a grey desktop.
    private func window(_ x: Int, _ y: Int) -> Framebuffer {
        var fb = Framebuffer(width: 320, height: 240, fill: 0x3C3C50)
        for wy in 0..<64 {
            for wx in 0..<96 {
                let h = UInt32(truncatingIfNeeded: (wx &* 0x9E37_79B1) ^ (wy &* 0x85EB_CA77)) &* 0xC2B2_AE35
                fb[x + wx, y + wy] = (h >> 8) & 0x00FF_FFFF
            }
        }
        return fb
    }

    func testCodecBenchReportsEveryCodecAndRoundTripsExactly() throws {
        let bench = buildProductsDirectory.appendingPathComponent("remote-assist-bench").path
        let corpus = try makeTemporaryDirectory("codec-corpus")
        defer { try? FileManager.default.removeItem(at: corpus) }
        let sequences: [(String, [Framebuffer])] = [
            ("scroll", (0..<5).map { scrolled($0 * 13) }),
            ("drag", (0..<5).map { window(20 + $0 * 31, 30 + $0 * 17) }),
        ]
        for (name, frames) in sequences {
            let folder = corpus.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for (i, frame) in frames.enumerated() {
                try PNGCodec.write(frame, to: folder.appendingPathComponent(String(format: "frame-%04d.png", i)).path)
            }
        }
        let result = try runProcess(bench, ["codec", "--corpus", corpus.path, "--json", "--runs", "2"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try JSONDecoder.snakeCase.decode(Report.self, from: Data(result.stdout.utf8))
        XCTAssertEqual(report.sequences.map(\.name), ["drag", "scroll"])
        XCTAssertEqual(report.overall.name, "overall")
        XCTAssertEqual(report.overall.frames, 10)
        XCTAssertTrue(report.overall.roundtripExact)
        for s in report.sequences {
            let name = s.name ?? "?"
            XCTAssertTrue(s.roundtripExact, name)
            XCTAssertGreaterThan(s.tileDeltaBytes, 0, name)
            XCTAssertLessThan(s.tileDeltaBytes, s.zrlePlainBytes, "\(name): tile-delta beats plain ZRLE")
            XCTAssertLessThan(s.zrleBytes, s.zrlePlainBytes, "\(name): the CopyRects pay off")
            XCTAssertGreaterThan(s.tileDeltaEncodeMsMedian, 0, name)
            XCTAssertGreaterThan(s.zrlePlainEncodeMsMedian, 0, name)
            // Every update here changes something, so each decode median times real decoding (not just
            // the timer on an update that sent nothing, which once read 0.0003 ms).
            XCTAssertGreaterThan(s.tileDeltaDecodeMsMedian, 0.001, name)
            XCTAssertGreaterThan(s.zrleDecodeMsMedian, 0.001, name)
            XCTAssertGreaterThan(s.zrlePlainDecodeMsMedian, 0.001, name)
        }
        XCTAssertEqual(report.overall.tileDeltaBytes, report.sequences.reduce(0) { $0 + $1.tileDeltaBytes })
        XCTAssertGreaterThan(report.overall.memcmpMs ?? 0, 0)
        XCTAssertGreaterThan(report.overall.unchangedDetectMs ?? 0, 0)
        XCTAssertGreaterThan(report.overall.tileDeltaEncodeTimeOverZrle ?? 0, 0)
    }

    /// `remote-assist-bench decode` on small generated photos: both codecs decode every update exactly and
    /// report one sample per update and run.
    func testDecodeBenchTimesEveryPhotoUpdate() throws {
        struct Decode: Decodable {
            var updates: Int
            var tileDeltaDecodeMsMedian: Double
            var tileDeltaDecodeMsP95: Double
            var tileDeltaDecodeSamples: Int
            var zrleDecodeMsMedian: Double
            var zrleDecodeSamples: Int
            var roundtripExact: Bool
        }
        let bench = buildProductsDirectory.appendingPathComponent("remote-assist-bench").path
        let result = try runProcess(bench, ["decode", "--width", "200", "--height", "130", "--updates", "3",
                                            "--runs", "2", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try JSONDecoder.snakeCase.decode(Decode.self, from: Data(result.stdout.utf8))
        XCTAssertTrue(report.roundtripExact)
        XCTAssertEqual(report.tileDeltaDecodeSamples, 6)
        XCTAssertEqual(report.zrleDecodeSamples, 6)
        XCTAssertGreaterThan(report.tileDeltaDecodeMsMedian, 0.001)
        XCTAssertGreaterThanOrEqual(report.tileDeltaDecodeMsP95, report.tileDeltaDecodeMsMedian)
        XCTAssertGreaterThan(report.zrleDecodeMsMedian, 0.001)
    }

    func testAFolderWithoutSequencesIsRefused() throws {
        let bench = buildProductsDirectory.appendingPathComponent("remote-assist-bench").path
        let empty = try makeTemporaryDirectory("codec-empty")
        defer { try? FileManager.default.removeItem(at: empty) }
        let result = try runProcess(bench, ["codec", "--corpus", empty.path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("no sequence folders with PNG frames"), result.stderr)
    }
}

extension JSONDecoder {
    static var snakeCase: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }
}
