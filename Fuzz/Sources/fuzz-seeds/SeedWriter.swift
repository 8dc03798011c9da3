import Foundation

/// Writes named seed files under `root/<target>/`.
struct SeedWriter {
    let root: URL
    private(set) var counts: [String: Int] = [:]

    init(root: URL) { self.root = root }

    mutating func write(_ target: String, _ name: String, _ bytes: [UInt8]) throws {
        let folder = root.appendingPathComponent(target)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(bytes).write(to: folder.appendingPathComponent(name))
        counts[target, default: 0] += 1
    }
}
