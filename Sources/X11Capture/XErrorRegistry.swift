import CXlib
import Synchronization

/// Replaces Xlib's default error handlers, which print and exit(): a protocol error is recorded for its
/// display and turned into a Swift error by the caller after the request; a lost connection marks the
/// display dead and returns instead of exiting (XSetIOErrorExitHandler, libX11 >= 1.7), after which
/// nothing uses that display again.
enum XErrorRegistry {
    struct State {
        var errorCode: Int32 = 0
        var requestCode: Int32 = 0
        var minorCode: Int32 = 0
        var ioFailed = false
    }

    private static let states = Mutex<[Int: State]>([:])

    static func register(_ display: OpaquePointer) {
        states.withLock { $0[Int(bitPattern: display)] = State() }
        XSetErrorHandler { display, event in
            guard let display, let event else { return 0 }
            let e = event.pointee
            XErrorRegistry.states.withLock { all in
                let key = Int(bitPattern: display)
                if var s = all[key], s.errorCode == 0 {
                    s.errorCode = Int32(e.error_code)
                    s.requestCode = Int32(e.request_code)
                    s.minorCode = Int32(e.minor_code)
                    all[key] = s
                }
            }
            return 0
        }
        XSetIOErrorHandler { display in
            if let display { XErrorRegistry.markFailed(display) }
            return 0
        }
        XSetIOErrorExitHandler(display, { display, _ in
            if let display { XErrorRegistry.markFailed(display) }
        }, nil)
    }

    static func unregister(_ display: OpaquePointer) {
        _ = states.withLock { $0.removeValue(forKey: Int(bitPattern: display)) }
    }

    static func markFailed(_ display: OpaquePointer) {
        states.withLock { all in
            let key = Int(bitPattern: display)
            if var s = all[key] { s.ioFailed = true; all[key] = s }
        }
    }

    static func ioFailed(_ display: OpaquePointer) -> Bool {
        states.withLock { $0[Int(bitPattern: display)]?.ioFailed ?? true }
    }

    /// Takes (and clears) the first protocol error recorded for `display`.
    static func takeError(_ display: OpaquePointer) -> (code: Int32, request: Int32, minor: Int32)? {
        states.withLock { all in
            let key = Int(bitPattern: display)
            guard var s = all[key], s.errorCode != 0 else { return nil }
            let out = (s.errorCode, s.requestCode, s.minorCode)
            s.errorCode = 0
            all[key] = s
            return out
        }
    }
}
