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

    /// Replaces `path` with `bytes`. The file is private from its first byte on: the temporary file is
    /// created O_CREAT|O_EXCL|O_NOFOLLOW with mode 0600 (a name planted in the folder, symbolic link or
    /// not, is never opened), and ends with permission `mode` whatever the umask.
    public static func write(_ bytes: UnsafeRawBufferPointer, to path: String, mode: UInt32 = 0o600,
                             durable: Bool = false) throws {
        let (fd, tempPath) = try createTemporary(next: path)
        var ok = false
        defer {
            if !ok { unlink(tempPath) }
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else { let e = errnoText(); close(fd); throw FileError(path: path, reason: e) }
        if UInt32(st.st_mode) & 0o7777 != mode && fchmod(fd, mode_t(mode)) != 0 {
            let e = errnoText()
            close(fd)
            throw FileError(path: path, reason: e)
        }
        var offset = 0
        while offset < bytes.count {
            guard let base = bytes.baseAddress else { break }
            let n = Glibc.write(fd, base + offset, bytes.count - offset)
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

    /// A new temporary file next to `path` (`.NAME.tmp-XXXXXXXX`), mode 0600, opened for writing.
    private static func createTemporary(next path: String) throws -> (Int32, String) {
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let prefix = "\(folder.isEmpty ? "" : folder)/.\(name).tmp-"
        for _ in 0..<100 {
            let suffix = String(UInt64.random(in: 0...UInt64(UInt32.max)), radix: 36)
            let candidate = prefix + suffix
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd >= 0 { return (fd, candidate) }
            if errno != EEXIST { break }
        }
        throw FileError(path: path, reason: errnoText())
    }

    public static func write(_ bytes: [UInt8], to path: String, mode: UInt32 = 0o600, durable: Bool = false) throws {
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
            let n = out.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return Glibc.read(fd, base + offset, buffer.count - offset)
            }
            if n < 0 { if errno == EINTR { continue }; throw FileError(path: path, reason: errnoText()) }
            if n == 0 { break }
            offset += n
        }
        if offset < out.count { out.removeLast(out.count - offset) }
        return out
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
