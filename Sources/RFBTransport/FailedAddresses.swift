/// Wrong one-time passwords counted per source address, over every password the agent held: an
/// address that gave ``OneTimePassword/maximumFailedAttempts`` wrong ones is blocked — its attempts are
/// refused without comparing — for ``blockDuration`` after its last wrong one. An address is forgotten
/// once ``blockDuration`` has passed since its last wrong password. At most ``maximumAddresses`` are
/// remembered (the least recently failed one is forgotten first), so a peer with many addresses cannot
/// grow the table; the agent-wide ``PasswordThrottle`` still slows such a peer down.
public struct FailedAddresses: Sendable {
    public static let blockDuration: Duration = .seconds(10 * 60)
    public static let maximumAddresses = 1024

    private struct Entry: Sendable {
        var failures: Int
        var lastFailure: ContinuousClock.Instant
    }
    private var entries: [String: Entry] = [:]

    public init() {}

    /// Addresses remembered now (blocked or not).
    public var count: Int { entries.count }

    /// How long `address` stays blocked at `now` (nil: not blocked).
    public func blocked(_ address: String, now: ContinuousClock.Instant) -> Duration? {
        guard let entry = entries[address], entry.failures >= OneTimePassword.maximumFailedAttempts else { return nil }
        let until = entry.lastFailure + Self.blockDuration
        return now < until ? until - now : nil
    }

    /// `address` gave a wrong password at `now`.
    public mutating func failed(_ address: String, now: ContinuousClock.Instant) {
        var entry = entries[address].flatMap { now < $0.lastFailure + Self.blockDuration ? $0 : nil }
            ?? Entry(failures: 0, lastFailure: now)
        entry.failures += 1
        entry.lastFailure = now
        if entries[address] == nil && entries.count >= Self.maximumAddresses { makeRoom(now: now) }
        entries[address] = entry
    }

    /// Drops the forgotten addresses; if none was, the least recently failed one.
    private mutating func makeRoom(now: ContinuousClock.Instant) {
        entries = entries.filter { now < $0.value.lastFailure + Self.blockDuration }
        guard entries.count >= Self.maximumAddresses,
              let oldest = entries.min(by: { $0.value.lastFailure < $1.value.lastFailure }) else { return }
        entries[oldest.key] = nil
    }
}
