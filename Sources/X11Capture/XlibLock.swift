#if canImport(Glibc)
import Glibc
#endif

/// One lock for every call into Xlib of this process. Xlib's extension libraries (libXext, used by
/// MIT-SHM, DAMAGE, XFIXES, RandR) keep per-process lists of displays and read the last one looked up
/// without a lock (XextFindDisplay): a display closed on one thread while another thread uses an
/// extension on its own display reads freed memory. Two sessions of one agent capture on two threads,
/// so every `X11ScreenSource` call into Xlib holds this lock; waiting for events (poll) does not.
final class XlibLock: @unchecked Sendable {
    static let shared = XlibLock()
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    private init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }

    func run<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}
