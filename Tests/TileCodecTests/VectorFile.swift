import Foundation
import Pixels

/// A golden vector file: `key value...` lines, `#` comments. See codecs/tile-delta/vectors/README.md.
struct VectorFile {
    var fields: [String: [[String]]] = [:]
    let name: String

    init(path: String) throws {
        name = (path as NSString).lastPathComponent
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let words = line.split(separator: " ").map(String.init)
            fields[words[0], default: []].append(Array(words.dropFirst()))
        }
    }

    func has(_ key: String) -> Bool { fields[key] != nil }
    func words(_ key: String) -> [String] { fields[key]?.first ?? [] }
    func ints(_ key: String) -> [Int] { words(key).compactMap { Int($0) } }
    func rect(_ key: String) -> Rect? {
        let v = ints(key)
        return v.count == 4 ? Rect(x: v[0], y: v[1], width: v[2], height: v[3]) : nil
    }
    func rects(_ key: String) -> [Rect] {
        (fields[key] ?? []).compactMap { w in
            let v = w.compactMap { Int($0) }
            return v.count == 4 ? Rect(x: v[0], y: v[1], width: v[2], height: v[3]) : nil
        }
    }
    func hex(_ key: String) -> [UInt8] { VectorFile.bytes(fromHex: words(key).joined()) }

    /// Pixels as `RRGGBB` tokens, `RRGGBBxN` repeating one N times.
    func framebuffer(_ key: String) -> Framebuffer? {
        let size = ints("size")
        guard size.count == 2 else { return nil }
        var pixels: [UInt32] = []
        for token in words(key) {
            let parts = token.split(separator: "x")
            guard let v = UInt32(parts[0], radix: 16) else { return nil }
            let n = parts.count > 1 ? Int(parts[1]) ?? 1 : 1
            pixels.append(contentsOf: repeatElement(v, count: n))
        }
        return Framebuffer(width: size[0], height: size[1], pixels: pixels)
    }

    static func bytes(fromHex s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex, let j = s.index(i, offsetBy: 2, limitedBy: s.endIndex) {
            out.append(UInt8(s[i..<j], radix: 16) ?? 0)
            i = j
        }
        return out
    }

    static func hex(_ bytes: [UInt8]) -> String {
        var lines: [String] = []
        var i = 0
        while i < bytes.count {
            lines.append(bytes[i..<min(bytes.count, i + 32)].map { String(format: "%02x", $0) }.joined())
            i += 32
        }
        return lines.joined(separator: " ")
    }

    static func pixels(_ fb: Framebuffer) -> String {
        var tokens: [String] = []
        var i = 0
        let p = fb.pixels
        while i < p.count {
            var j = i + 1
            while j < p.count && p[j] == p[i] { j += 1 }
            let t = String(format: "%06x", p[i])
            tokens.append(j - i > 1 ? "\(t)x\(j - i)" : t)
            i = j
        }
        return tokens.joined(separator: " ")
    }

    /// The vector folder of this source tree.
    static func directory(_ codec: String) -> String {
        let here = URL(fileURLWithPath: #filePath)
        return here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("codecs/\(codec)/vectors").path
    }

    static func files(_ codec: String) -> [String] {
        let dir = directory(codec)
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".vec") }.sorted()
            .map { dir + "/" + $0 }
    }
}
