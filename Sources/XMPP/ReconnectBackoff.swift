/// The waits between reconnection attempts: `first`, then doubling up to `maximum` (1, 2, 4 … 60 s), each
/// shortened by up to `jitter` (a fraction) so that many clients cut off together do not return together.
/// A pure value: the caller supplies the random number.
public struct ReconnectBackoff: Equatable, Sendable {
    public var first: Double
    public var maximum: Double
    public var jitter: Double
    /// Failed attempts since the last success.
    public private(set) var failures = 0

    public init(first: Double = 1, maximum: Double = 60, jitter: Double = 0.2) {
        self.first = max(first, 0)
        self.maximum = max(maximum, self.first)
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The wait (seconds) before the next attempt; `random` in 0..<1 (0: the full wait). Counts a failure.
    public mutating func next(random: Double) -> Double {
        let doublings = min(failures, 62)
        failures += 1
        let full = min(first * Double(1 << UInt64(doublings)), maximum)
        return full * (1 - jitter * min(max(random, 0), 1))
    }

    /// After a successful connection: the next wait is `first` again.
    public mutating func reset() { failures = 0 }
}
