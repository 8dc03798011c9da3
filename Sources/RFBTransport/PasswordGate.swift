import Synchronization

/// The server's shared holder of the current one-time password: rotated for every session, checked by
/// connection handlers on any thread, and throttled for the whole agent (``PasswordThrottle``).
public final class PasswordGate: Sendable {
    private let current: Mutex<OneTimePassword?>
    private let throttle = Mutex(PasswordThrottle())

    /// A gate with no password: every attempt is refused until ``rotate(lifetime:)``.
    public init() {
        current = Mutex(nil)
    }

    /// Wrong passwords given so far, over every password this gate held.
    public var failures: Int { throttle.withLock { $0.failures } }

    /// Replaces the password with a fresh one (for a new session) and returns it for display.
    @discardableResult
    public func rotate(lifetime: Duration = OneTimePassword.defaultLifetime) -> OneTimePassword {
        let fresh = OneTimePassword(lifetime: lifetime)
        current.withLock { $0 = fresh }
        return fresh
    }

    /// Installs a given password (e.g. one made with a specific lifetime or clock).
    public func install(_ password: OneTimePassword) {
        current.withLock { $0 = password }
    }

    /// Forgets the password; every further attempt is refused as spent.
    public func revoke() {
        current.withLock { $0 = nil }
    }

    /// Checks one attempt; a success spends the password for everyone. Within the wait after a wrong
    /// password the attempt is not compared: `.throttled` says how long to wait before asking again.
    public func verify(_ attempt: some Collection<UInt8>, now: ContinuousClock.Instant = .now) -> PasswordCheck {
        let bytes = Array(attempt.prefix(OneTimePassword.maximumAttemptLength + 1))
        return throttle.withLock { throttle in
            let wait = throttle.wait(now: now)
            if wait > .zero { return .throttled(retryAfter: wait) }
            let check = current.withLock { password in password?.verify(bytes, now: now) ?? .spent }
            if case .wrong = check { throttle.failed(now: now) }
            return check
        }
    }
}
