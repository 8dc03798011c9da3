#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Crypto

/// A file of ours to offer a peer: opened once (the descriptor is what is sent, whatever happens to the
/// path afterwards), measured and hashed before the offer. The `FileTransferLink` that sends it closes it.
public struct OutgoingFile: Sendable {
    public let path: String
    /// The name offered: the last component of the path.
    public let name: String
    public let size: Int64
    public let sha256: [UInt8]
    public let mediaType: String
    let descriptor: Int32

    /// Opens a regular file and reads it whole for its SHA-256 (blocking: not on an event loop).
    public static func open(_ path: String) throws -> OutgoingFile {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)   // a FIFO must not block; fstat refuses it
        guard fd >= 0 else { throw FileAccessError(path: path, reason: errnoText()) }
        var ok = false
        defer { if !ok { Glibc.close(fd) } }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileAccessError(path: path, reason: errnoText()) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw FileAccessError(path: path, reason: "not a regular file") }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total: Int64 = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(total)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileAccessError(path: path, reason: errnoText())
            }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            total += Int64(n)
        }
        guard total == Int64(st.st_size) else { throw FileAccessError(path: path, reason: "changed while being read") }
        let last = path.split(separator: "/").last.map(String.init) ?? path
        ok = true
        return OutgoingFile(path: path, name: last, size: total, sha256: Array(hasher.finalize()),
                            mediaType: mediaType(of: last), descriptor: fd)
    }

    /// The same file offered under another name (the name is the offerer's word; receivers reduce it).
    public func renamed(_ name: String) -> OutgoingFile {
        OutgoingFile(path: path, name: name, size: size, sha256: sha256, mediaType: OutgoingFile.mediaType(of: name), descriptor: descriptor)
    }

    /// Closes the descriptor of a file that is not handed to a link after all.
    public func close() { _ = Glibc.close(descriptor) }

    /// A media type for common extensions, "" for the rest (the offer's media type is optional).
    static func mediaType(of name: String) -> String {
        guard let dot = name.lastIndex(of: ".") else { return "" }
        switch name[name.index(after: dot)...].lowercased() {
        case "txt", "log", "conf", "cfg", "ini", "md": return "text/plain"
        case "sh": return "application/x-sh"
        case "json": return "application/json"
        case "xml": return "application/xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "pdf": return "application/pdf"
        case "gz": return "application/gzip"
        case "zip": return "application/zip"
        default: return ""
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
