import Foundation
import XCTest

/// A fresh private folder under the system temp folder, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/rfbtransport-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        guard made else { throw POSIXError(.EIO) }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ text: String, mode: Int = 0o600) throws {
        try write(name, Array(text.utf8), mode: mode)
    }

    func write(_ name: String, _ bytes: [UInt8], mode: Int = 0o600) throws {
        let target = file(name)
        guard FileManager.default.createFile(atPath: target, contents: Data(bytes)) else { throw POSIXError(.EIO) }
        try setMode(target, mode)
    }
}

func setMode(_ path: String, _ mode: Int) throws {
    guard chmod(path, mode_t(mode)) == 0 else { throw POSIXError(.EPERM) }
}

func modeOf(_ path: String) throws -> Int {
    var st = stat()
    guard stat(path, &st) == 0 else { throw POSIXError(.ENOENT) }
    return Int(st.st_mode) & 0o7777
}

func readText(_ path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8)
}
