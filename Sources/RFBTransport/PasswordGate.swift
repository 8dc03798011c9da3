import Synchronization

/// The server's shared holder of the current one-time password: rotated for every session, checked by
/// connection handlers on any thread, throttled for the whole agent (``PasswordThrottle``) and per
/// source address (``FailedAddresses``).
///
/// A password that is locked out (wrong guesses) or found expired is replaced at once by a fresh one
/// with the same lifetime, and every handler given to ``onRenewal(_:)`` is told, so the user can be
/// shown the new one. A password spent by a session or revoked is not renewed: that is the caller's
/// (``rotate(lifetime:)`` after the session).
public final class PasswordGate: Sendable {
    public typealias RenewalHandler = @Sendable (OneTimePassword, PasswordRenewalReason) -> Void

    private struct State: Sendable {
        var current: OneTimePassword?
        var throttle = PasswordThrottle()
        var addresses = FailedAddresses()
    }
    private let state = Mutex(State())
    private let handlers = Mutex<[RenewalHandler]>([])

    /// A gate with no password: every attempt is refused until ``rotate(lifetime:)``.
    public init() {}

    /// Wrong passwords given so far, over every password this gate held.
    public var failures: Int { state.withLock { $0.throttle.failures } }

    /// Calls `handler` (on the thread of the attempt or of ``renewIfExpired(now:)``, outside the gate's
    /// lock) with every password the gate makes on its own, and why.
    public func onRenewal(_ handler: @escaping RenewalHandler) {
        handlers.withLock { $0.append(handler) }
    }

    /// Replaces the password with a fresh one (for a new session) and returns it for display.
    @discardableResult
    public func rotate(lifetime: Duration = OneTimePassword.defaultLifetime) -> OneTimePassword {
        let fresh = OneTimePassword(lifetime: lifetime)
        state.withLock { $0.current = fresh }
        return fresh
    }

    /// Installs a given password (e.g. one made with a specific lifetime or clock).
    public func install(_ password: OneTimePassword) {
        state.withLock { $0.current = password }
    }

    /// Forgets the password; every further attempt is refused as spent.
    public func revoke() {
        state.withLock { $0.current = nil }
    }

    /// Renews the password if it has expired (or is locked out) at `now`; call it every few seconds so
    /// that a fresh password is shown before anyone tries the stale one. Returns the new password.
    @discardableResult
    public func renewIfExpired(now: ContinuousClock.Instant = .now) -> OneTimePassword? {
        let renewal = state.withLock { s -> (OneTimePassword, PasswordRenewalReason)? in
            guard let password = s.current, !password.isSpent else { return nil }
            if password.failedAttempts >= OneTimePassword.maximumFailedAttempts { return Self.renew(&s, .lockedOut, now: now) }
            return now >= password.expiry ? Self.renew(&s, .expired, now: now) : nil
        }
        announce(renewal)
        return renewal?.0
    }

    /// Checks one attempt from `address` (nil: unknown, not counted per address); a success spends the
    /// password for everyone. Not compared: attempts from an address with too many wrong passwords
    /// (`.addressBlocked`) and attempts within the wait after a wrong password (`.throttled`, ask again
    /// after the wait). The wrong guess that locks the password out, and an attempt that finds it
    /// expired, renew it.
    public func verify(_ attempt: some Collection<UInt8>, from address: String? = nil,
                       now: ContinuousClock.Instant = .now) -> PasswordCheck {
        let bytes = Array(attempt.prefix(OneTimePassword.maximumAttemptLength + 1))
        let (check, renewal) = state.withLock { s -> (PasswordCheck, (OneTimePassword, PasswordRenewalReason)?) in
            if let address, let wait = s.addresses.blocked(address, now: now) { return (.addressBlocked(retryAfter: wait), nil) }
            let wait = s.throttle.wait(now: now)
            if wait > .zero { return (.throttled(retryAfter: wait), nil) }
            guard var password = s.current else { return (.spent, nil) }
            let check = password.verify(bytes, now: now)
            s.current = password
            switch check {
            case .wrong:
                s.throttle.failed(now: now)
                if let address { s.addresses.failed(address, now: now) }
                let lockedOut = password.failedAttempts >= OneTimePassword.maximumFailedAttempts
                return (check, lockedOut ? Self.renew(&s, .lockedOut, now: now) : nil)
            case .expired:
                return (check, Self.renew(&s, .expired, now: now))
            case .lockedOut:
                return (check, Self.renew(&s, .lockedOut, now: now))
            case .accepted, .spent, .throttled, .addressBlocked:
                return (check, nil)
            }
        }
        announce(renewal)
        return check
    }

    private static func renew(_ s: inout State, _ reason: PasswordRenewalReason,
                              now: ContinuousClock.Instant) -> (OneTimePassword, PasswordRenewalReason)? {
        guard let old = s.current else { return nil }
        let fresh = OneTimePassword(lifetime: old.lifetime, now: now)
        s.current = fresh
        return (fresh, reason)
    }

    private func announce(_ renewal: (OneTimePassword, PasswordRenewalReason)?) {
        guard let (password, reason) = renewal else { return }
        for handler in handlers.withLock({ $0 }) { handler(password, reason) }
    }
}
