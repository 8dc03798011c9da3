import Synchronization

/// The exit status of a session command, set once from any thread and awaited by `run()`.
final class ExitSignal: Sendable {
    private let state = Mutex<(status: Int32?, waiter: CheckedContinuation<Int32, Never>?)>((nil, nil))

    func finish(_ status: Int32) {
        let waiter = state.withLock { s -> CheckedContinuation<Int32, Never>? in
            guard s.status == nil else { return nil }
            s.status = status
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: status)
    }

    /// True once an exit status is set: input and signals are no longer acted on.
    var isFinished: Bool { state.withLock { $0.status != nil } }

    func wait() async -> Int32 {
        await withCheckedContinuation { c in
            let ready = state.withLock { s -> Int32? in
                if let status = s.status { return status }
                s.waiter = c
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
    }
}
