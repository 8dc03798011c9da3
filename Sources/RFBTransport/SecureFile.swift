#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that could not be read or written, with the path and the operating system's reason.
/// Never carries file contents.
public struct FileAccessError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "\(path): \(reason)" }
}

/// Small POSIX file helpers for secrets and trust files: atomic replacement (temporary file in the same
/// folder, then rename), create-if-absent publication, bounded reads that also report the file mode,
/// and private directories.
enum SecureFile {
    /// What a bounded read returns: the bytes and the permission bits of the file that was read.
    struct Contents {
        var bytes: [UInt8]
        var mode: UInt32
    }

    /// Replaces `path` with `bytes`; the file has permission `mode` from its first byte on.
    static func replace(_ path: String, with bytes: [UInt8], mode: UInt32) throws {
        let temp = try writeTemporary(next: path, bytes: bytes, mode: mode)
        guard rename(temp, path) == 0 else {
            let reason = errnoText()
            unlink(temp)
            throw FileAccessError(path: path, reason: reason)
        }
        syncFolder(of: path)
    }

    /// Publishes `bytes` at `path` only if nothing is there yet. Returns false (and leaves the existing
    /// file alone) when another writer got there first. Falls back to rename on file systems without hard links.
    static func createIfAbsent(_ path: String, with bytes: [UInt8], mode: UInt32) throws -> Bool {
        let temp = try writeTemporary(next: path, bytes: bytes, mode: mode)
        defer { unlink(temp) }
        if link(temp, path) == 0 {
            syncFolder(of: path)
            return true
        }
        let linkError = errno
        if linkError == EEXIST { return false }
        guard linkError == EPERM || linkError == EOPNOTSUPP || linkError == EXDEV else {
            throw FileAccessError(path: path, reason: String(cString: strerror(linkError)))
        }
        guard access(path, F_OK) != 0 else { return false }
        guard rename(temp, path) == 0 else { throw FileAccessError(path: path, reason: errnoText()) }
        syncFolder(of: path)
        return true
    }

    /// Reads a regular file of at most `limit` bytes. Returns nil if the file does not exist.
    static func load(_ path: String, limit: Int) throws -> Contents? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)  // a FIFO must not block; fstat refuses it
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw FileAccessError(path: path, reason: errnoText())
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileAccessError(path: path, reason: errnoText()) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw FileAccessError(path: path, reason: "not a regular file") }
        guard Int(st.st_size) <= limit else { throw tooLarge(path, limit: limit) }
        // Read one byte past the size (at most past the limit) so that a file growing after fstat is caught.
        var out = [UInt8](repeating: 0, count: min(Int(st.st_size), limit) + 1)
        var offset = 0
        while offset < out.count {
            let n = out.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return read(fd, base + offset, buffer.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileAccessError(path: path, reason: errnoText())
            }
            if n == 0 { break }
            offset += n
        }
        guard offset <= limit else { throw tooLarge(path, limit: limit) }
        if offset == out.count {
            // The file grew since fstat; a second, bounded read would race again, so refuse it.
            throw FileAccessError(path: path, reason: "changed while being read")
        }
        out.removeLast(out.count - offset)
        return Contents(bytes: out, mode: UInt32(st.st_mode) & 0o7777)
    }

    /// Creates `path` and any missing parents with mode 0700. An existing folder is left as it is,
    /// but must be a folder.
    static func makePrivateDirectory(_ path: String) throws {
        guard !path.isEmpty else { throw FileAccessError(path: path, reason: "empty path") }
        var st = stat()
        if stat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else { throw FileAccessError(path: path, reason: "not a directory") }
            return
        }
        let parent = folder(of: path)
        if parent != path && parent != "/" && parent != "." { try makePrivateDirectory(parent) }
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw FileAccessError(path: path, reason: errnoText())
        }
    }

    /// Removes `path`; false when it did not exist.
    static func remove(_ path: String) throws -> Bool {
        if unlink(path) == 0 {
            syncFolder(of: path)
            return true
        }
        if errno == ENOENT { return false }
        throw FileAccessError(path: path, reason: errnoText())
    }

    /// The error `load` throws for a file over its limit.
    static func tooLarge(_ path: String, limit: Int) -> FileAccessError {
        FileAccessError(path: path, reason: "larger than the limit of \(limit) bytes")
    }

    /// The permission bits of an existing path.
    static func mode(of path: String) throws -> UInt32 {
        var st = stat()
        guard stat(path, &st) == 0 else { throw FileAccessError(path: path, reason: errnoText()) }
        return UInt32(st.st_mode) & 0o7777
    }

    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let head = String(path[..<slash])
        return head.isEmpty ? "/" : head
    }

    static func octal(_ mode: UInt32) -> String {
        let digits = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func writeTemporary(next path: String, bytes: [UInt8], mode: UInt32) throws -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let base = folder(of: path)
        var template = Array("\(base == "/" ? "" : base)/.\(name).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let start = buffer.baseAddress else { return -1 }
            return mkstemp(start)
        }
        guard fd >= 0 else { throw FileAccessError(path: path, reason: errnoText()) }
        let temp = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        guard fchmod(fd, mode_t(mode)) == 0 else {
            let reason = errnoText()
            close(fd)
            throw FileAccessError(path: path, reason: reason)
        }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { buffer -> Int in
                guard let start = buffer.baseAddress else { return 0 }
                return write(fd, start + offset, buffer.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = errnoText()
                close(fd)
                throw FileAccessError(path: path, reason: reason)
            }
            offset += n
        }
        guard fsync(fd) == 0 else {
            let reason = errnoText()
            close(fd)
            throw FileAccessError(path: path, reason: reason)
        }
        guard close(fd) == 0 else { throw FileAccessError(path: path, reason: errnoText()) }
        ok = true
        return temp
    }

    private static func syncFolder(of path: String) {
        let fd = open(folder(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
