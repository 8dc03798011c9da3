#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Crypto
import NIOCore
import PeerText

/// A file being received from a peer: its bytes go to a new temporary file in the downloads folder,
/// opened O_CREAT|O_EXCL|O_NOFOLLOW with mode 0600, and reach their final name only by `commit`, which
/// links it there (never replacing a name that exists, never following a link planted at it).
/// `discard` removes it; nothing else of it is left anywhere.
final class IncomingFile {
    let folder: String
    /// The reduced name (`PeerFileName`), before numbering.
    let name: String
    let temporaryPath: String
    private var fd: Int32
    private var hasher = SHA256()
    private(set) var written: Int64 = 0

    private init(folder: String, name: String, temporaryPath: String, fd: Int32) {
        self.folder = folder
        self.name = name
        self.temporaryPath = temporaryPath
        self.fd = fd
    }

    deinit { if fd >= 0 { close(fd) } }

    /// A new temporary file in `folder` for a file the peer called `offeredName`.
    static func create(in folder: String, offeredName: String) throws -> IncomingFile {
        let name = PeerFileName.reduce(offeredName)
        for _ in 0..<100 {
            let suffix = String(UInt64.random(in: 0...UInt64(UInt32.max)), radix: 36)
            let candidate = "\(folder)/.\(name).part-\(suffix)"
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd >= 0 { return IncomingFile(folder: folder, name: name, temporaryPath: candidate, fd: fd) }
            if errno != EEXIST { break }
        }
        throw FileAccessError(path: folder, reason: "cannot create a file to receive into: \(Self.errnoText())")
    }

    /// Free bytes for an unprivileged writer in `folder`, or in the nearest folder above it that exists
    /// (nil when statvfs fails).
    static func freeSpace(in folder: String) -> Int64? {
        var info = statvfs()
        var path = folder
        while statvfs(path, &info) != 0 {
            guard errno == ENOENT, let slash = path.lastIndex(of: "/") else { return nil }
            path = slash == path.startIndex ? "/" : String(path[..<slash])
            if path.isEmpty { path = "." }
        }
        let (bytes, overflow) = Int64(info.f_bavail).multipliedReportingOverflow(by: Int64(info.f_frsize))
        return overflow ? Int64.max : bytes
    }

    /// Appends bytes (hashing them); throws with the system's reason (e.g. "No space left on device").
    func append(_ bytes: ByteBuffer) throws {
        try bytes.withUnsafeReadableBytes { buffer in
            hasher.update(bufferPointer: buffer)
            var offset = 0
            while offset < buffer.count {
                guard let base = buffer.baseAddress else { return }
                let n = write(fd, base + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileAccessError(path: temporaryPath, reason: Self.errnoText())
                }
                offset += n
            }
        }
        written += Int64(bytes.readableBytes)
    }

    /// The SHA-256 of everything appended.
    func digest() -> [UInt8] { Array(hasher.finalize()) }

    /// Hands the finished file over to be stored (off the event loop): this object holds nothing after.
    func finish() -> FinishedFile {
        defer { fd = -1 }
        return FinishedFile(descriptor: fd, temporaryPath: temporaryPath, folder: folder, name: name)
    }

    /// Closes and removes the temporary file.
    func discard() {
        if fd >= 0 { close(fd) }
        fd = -1
        unlink(temporaryPath)
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// A received file whose hash matched, on its way to its final name.
struct FinishedFile: Sendable {
    let descriptor: Int32
    let temporaryPath: String
    let folder: String
    let name: String

    /// Flushes the file to disk and gives it its final name: `name`, else `name (2).ext`, `name (3).ext`, …
    /// (link(2) never replaces a name that exists, file or link); then the temporary name is removed.
    /// Returns the final path. Blocking (fsync): call it off the event loop.
    func commit() throws -> String {
        guard fsync(descriptor) == 0 else {
            let reason = Self.errnoText()
            close(descriptor)
            throw FileAccessError(path: temporaryPath, reason: reason)
        }
        guard close(descriptor) == 0 else { throw FileAccessError(path: temporaryPath, reason: Self.errnoText()) }
        for n in 1...9_999 {
            let path = "\(folder)/\(n == 1 ? name : PeerFileName.numbered(name, n))"
            if link(temporaryPath, path) == 0 {
                unlink(temporaryPath)
                Self.syncFolder(folder)
                return path
            }
            let linkError = errno
            if linkError == EEXIST { continue }
            guard linkError == EPERM || linkError == EOPNOTSUPP || linkError == EXDEV else {
                throw FileAccessError(path: path, reason: String(cString: strerror(linkError)))
            }
            // A file system without hard links: reserve the name with O_EXCL (no link followed), then
            // rename the finished file over our own reservation.
            let reserved = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if reserved < 0 {
                if errno == EEXIST { continue }
                throw FileAccessError(path: path, reason: Self.errnoText())
            }
            close(reserved)
            guard rename(temporaryPath, path) == 0 else {
                let reason = Self.errnoText()
                unlink(path)
                throw FileAccessError(path: path, reason: reason)
            }
            Self.syncFolder(folder)
            return path
        }
        throw FileAccessError(path: "\(folder)/\(name)", reason: "9999 files of that name exist already")
    }

    /// Removes the temporary file (after a failed commit).
    func discard() { unlink(temporaryPath) }

    private static func syncFolder(_ folder: String) {
        let dir = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { return }
        _ = fsync(dir)
        close(dir)
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
