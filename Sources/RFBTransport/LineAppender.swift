#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends one line to a log file (chat.log, audit.log), O_APPEND so that concurrent writers never
/// overwrite each other. A line is written whole or not at all: a short write (a full disk) is cut
/// back off, so the file never ends in half a line.
///
/// The log must be ours and private: it is opened with O_NOFOLLOW (a planted symbolic link is refused
/// and its target never touched) and O_NONBLOCK (a planted FIFO cannot hang us), then checked with
/// fstat: a regular file owned by the effective user. A new log is created 0600; an existing one with
/// group or other permission bits is brought to 0600 before anything is written.
public enum LineAppender {
    /// nil on success, else why the line could not be written (naming the path).
    public static func append(_ line: String, to path: String) -> String? {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600)
        guard fd >= 0 else { return openFailure(path, errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return "cannot append to \(path): \(errnoText())" }
        if let refusal = refusal(path, st) { return refusal }
        if UInt32(st.st_mode) & 0o077 != 0 {
            guard fchmod(fd, 0o600) == 0 else { return "cannot make \(path) private (chmod 600): \(errnoText())" }
        }
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0 else {
            return "cannot append to \(path): \(errnoText())"
        }
        let before = st.st_size
        let bytes = Array((line + "\n").utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = n < 0 ? errnoText() : "nothing written"
                if written > 0 { _ = ftruncate(fd, before) }
                return "cannot append to \(path): \(reason)"
            }
            written += n
        }
        return nil
    }

    /// Why an opened log is refused: anything but a regular file of ours.
    private static func refusal(_ path: String, _ st: stat) -> String? {
        let kind = UInt32(st.st_mode) & UInt32(S_IFMT)
        guard kind == UInt32(S_IFREG) else {
            return "\(path) is \(describe(kind)), not a regular file: refusing to write to it"
        }
        guard st.st_uid == geteuid() else {
            return "\(path) belongs to another user (uid \(st.st_uid)): refusing to write to it"
        }
        return nil
    }

    /// The reason for a failed open; a symbolic link or FIFO in the way is named as such (lstat only
    /// looks at the link itself, never at its target).
    private static func openFailure(_ path: String, errno code: Int32) -> String {
        var st = stat()
        if lstat(path, &st) == 0 {
            let kind = UInt32(st.st_mode) & UInt32(S_IFMT)
            if kind == UInt32(S_IFLNK) { return "\(path) is a symbolic link: refusing to write through it" }
            if kind != UInt32(S_IFREG) { return "\(path) is \(describe(kind)), not a regular file: refusing to write to it" }
        }
        return "cannot open \(path): \(String(cString: strerror(code)))"
    }

    private static func describe(_ kind: UInt32) -> String {
        switch kind {
        case UInt32(S_IFLNK): "a symbolic link"
        case UInt32(S_IFIFO): "a FIFO"
        case UInt32(S_IFDIR): "a folder"
        case UInt32(S_IFSOCK): "a socket"
        case UInt32(S_IFCHR), UInt32(S_IFBLK): "a device"
        default: "a special file"
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
