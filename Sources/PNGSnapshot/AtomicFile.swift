#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a reader never sees half of one: the bytes go to a temporary file in the same
/// folder, which then replaces the target with rename(2). On any failure the temporary file is removed
/// and the previous file (if any) is left as it was.
public enum AtomicFile {
    public struct FileError: Error, CustomStringConvertible, Equatable {
        public let path: String
        public let reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    /// Replaces `path` with `bytes`, created with permission `mode` (before umask).
    public static func write(_ bytes: UnsafeRawBufferPointer, to path: String, mode: UInt32 = 0o644,
                             durable: Bool = false) throws {
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let name = path.split(separator: "/").last.map(String.init) ?? path
        var template = Array("\(folder.isEmpty ? "/" : folder)/.\(name).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw FileError(path: path, reason: errnoText()) }
        let tempPath = String(cString: template.map { UInt8(bitPattern: $0) } + [0])
        var ok = false
        defer {
            if !ok { unlink(tempPath) }
        }
        guard fchmod(fd, mode_t(mode)) == 0 else { let e = errnoText(); close(fd); throw FileError(path: path, reason: e) }
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                let e = errnoText()
                close(fd)
                throw FileError(path: path, reason: e)
            }
            offset += n
        }
        if durable && fsync(fd) != 0 { let e = errnoText(); close(fd); throw FileError(path: path, reason: e) }
        guard close(fd) == 0 else { throw FileError(path: path, reason: errnoText()) }
        guard rename(tempPath, path) == 0 else { throw FileError(path: path, reason: errnoText()) }
        ok = true
    }

    public static func write(_ bytes: [UInt8], to path: String, mode: UInt32 = 0o644, durable: Bool = false) throws {
        try bytes.withUnsafeBytes { try write($0, to: path, mode: mode, durable: durable) }
    }

    /// Reads a whole file, refusing files larger than `limit` bytes before reading them.
    public static func read(_ path: String, limit: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path: path, reason: errnoText()) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileError(path: path, reason: errnoText()) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw FileError(path: path, reason: "not a regular file") }
        guard Int(st.st_size) <= limit else {
            throw FileError(path: path, reason: "file is \(st.st_size) bytes, more than the limit of \(limit)")
        }
        var out = [UInt8](repeating: 0, count: Int(st.st_size))
        var offset = 0
        while offset < out.count {
            let n = out.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 { if errno == EINTR { continue }; throw FileError(path: path, reason: errnoText()) }
            if n == 0 { break }
            offset += n
        }
        if offset < out.count { out.removeLast(out.count - offset) }
        return out
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
