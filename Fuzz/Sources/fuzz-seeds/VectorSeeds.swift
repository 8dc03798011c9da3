import Foundation
import FuzzSupport
import Pixels

/// The golden vectors of `codecs/` (`key value...` lines; see codecs/tile-delta/vectors/README.md),
/// read just far enough to turn them into decoder inputs.
struct GoldenVector {
    let name: String
    var fields: [String: [String]] = [:]

    init(path: URL) throws {
        name = path.deletingPathExtension().lastPathComponent
        for line in try String(contentsOf: path, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
            let words = line.split(separator: " ").map(String.init)
            if let key = words.first, fields[key] == nil { fields[key] = Array(words.dropFirst()) }
        }
    }

    func ints(_ key: String) -> [Int] { (fields[key] ?? []).compactMap { Int($0) } }

    func hex(_ key: String) -> [UInt8]? {
        guard let words = fields[key] else { return nil }
        let digits = Array(words.joined().utf8)
        var out: [UInt8] = []
        var i = 0
        while i + 1 < digits.count {
            guard let byte = UInt8(String(decoding: digits[i...(i + 1)], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
            i += 2
        }
        return out
    }

    /// `format bpp depth big-endian rmax gmax bmax rshift gshift bshift`, native when absent.
    var format: PixelFormat? {
        guard fields["format"] != nil else { return .native }
        let v = ints("format")
        guard v.count == 9 else { return nil }
        return PixelFormat(bitsPerPixel: v[0], depth: v[1], bigEndian: v[2] != 0, trueColour: true, redMax: v[3],
                           greenMax: v[4], blueMax: v[5], redShift: v[6], greenShift: v[7], blueShift: v[8])
    }

    /// The vector as a decoder input with one record, when it has a body.
    func decoderInput(_ kind: DecoderInput.Kind) -> DecoderInput? {
        let size = ints("size"), r = ints("rect")
        guard size.count == 2, r.count == 4, size[0] <= 256, size[1] <= 256, let format, let body = hex("body") else {
            return nil
        }
        let record = DecoderInput.Record(x: UInt16(r[0]), y: UInt16(r[1]), width: UInt16(r[2]), height: UInt16(r[3]),
                                         body: body)
        return DecoderInput(kind: kind, width: size[0], height: size[1], format: format, records: [record])
    }

    static func all(in folder: URL) throws -> [GoldenVector] {
        try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "vec" }.sorted { $0.path < $1.path }.map(GoldenVector.init(path:))
    }
}
