import Foundation

/// Appends one line to a log file (created with mode 0600, O_APPEND so that concurrent writers never
/// overwrite each other). A line is written whole or not at all: a short write (a full disk) is cut
/// back off, so the file never ends in half a line.
public enum LineAppender {
    /// nil on success, else why the line could not be written.
    public static func append(_ line: String, to path: String) -> String? {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return "cannot open \(path): \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return "cannot append to \(path): \(String(cString: strerror(errno)))" }
        let before = st.st_size
        let bytes = Array((line + "\n").utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = n < 0 ? String(cString: strerror(errno)) : "nothing written"
                if written > 0 { _ = ftruncate(fd, before) }
                return "cannot append to \(path): \(reason)"
            }
            written += n
        }
        return nil
    }
}
