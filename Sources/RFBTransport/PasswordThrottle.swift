/// Slows down guessing of one-time passwords: after each wrong password, the next attempt — from any
/// connection, so reconnecting does not help — is checked only after a delay that doubles with every
/// failure (1 s, 2 s, 4 s, then 8 s each). Attempts that arrive earlier wait; they are not compared.
public struct PasswordThrottle: Sendable {
    /// The wait after the first wrong password.
    public static let firstDelay: Duration = .seconds(1)
    /// The longest wait between two attempts.
    public static let maximumDelay: Duration = .seconds(8)

    public private(set) var failures = 0
    private var notBefore: ContinuousClock.Instant?

    public init() {}

    /// The wait after `failures` wrong passwords (zero before the first).
    public static func delay(afterFailures failures: Int) -> Duration {
        guard failures > 0 else { return .zero }
        var delay = firstDelay
        for _ in 1..<min(failures, 16) where delay < maximumDelay { delay *= 2 }
        return min(delay, maximumDelay)
    }

    /// How long an attempt arriving at `now` must wait before it may be checked (zero: check it now).
    public func wait(now: ContinuousClock.Instant) -> Duration {
        guard let notBefore, now < notBefore else { return .zero }
        return notBefore - now
    }

    /// A wrong password was given at `now`.
    public mutating func failed(now: ContinuousClock.Instant) {
        failures += 1
        notBefore = now + Self.delay(afterFailures: failures)
    }
}
