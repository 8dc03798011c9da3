public import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Process {
    /// `run()` with no signal blocked in the child. A child inherits the signal mask of the thread that
    /// starts it, and Foundation passes it on as it is: started from a Dispatch or Swift concurrency
    /// thread (which block nearly every signal), the benchmark's VNC probe never saw SIGUSR1 or SIGTERM,
    /// and a program opened for the live page would not either (xdg-open is a shell script, and dash
    /// happens to clear the mask, but what it starts should not depend on that). This thread's own mask
    /// is restored after.
    public func runWithSignalsUnblocked() throws {
        var none = sigset_t(), saved = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try run()
    }
}
