/// A password for one VeNCrypt X509Plain session (stock viewers that cannot present a certificate):
/// 12 characters from an alphabet without look-alikes, compared in constant time, good for one
/// success, refused after ``maximumFailedAttempts`` wrong guesses, and refused after its expiry.
///
/// `description` never shows the password; ``text`` is for showing it to the user.
public struct OneTimePassword: Sendable, CustomStringConvertible {
    /// Wrong guesses allowed; every attempt after the last one is refused, right or wrong.
    public static let maximumFailedAttempts = 3
    public static let length = 12
    /// Digits 2–9 and upper-case letters without I, L, O (no 0/O, 1/I/L confusion).
    public static let alphabet: [UInt8] = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ".utf8)
    public static let defaultLifetime: Duration = .seconds(10 * 60)
    /// Attempts longer than this are wrong without looking at them.
    static let maximumAttemptLength = 256

    public let expiry: ContinuousClock.Instant
    /// How long it was made to last (a renewal gets the same).
    public let lifetime: Duration
    public private(set) var failedAttempts = 0
    public private(set) var isSpent = false
    private let secret: [UInt8]

    /// A fresh random password from `generator`, valid for `lifetime` from `now`.
    public init(lifetime: Duration = defaultLifetime, now: ContinuousClock.Instant = .now,
                using generator: inout some RandomNumberGenerator) {
        secret = (0..<Self.length).map { _ in
            Self.alphabet[Int.random(in: 0..<Self.alphabet.count, using: &generator)]
        }
        expiry = now + lifetime
        self.lifetime = lifetime
    }

    /// A fresh password from the system's secure random source.
    public init(lifetime: Duration = defaultLifetime, now: ContinuousClock.Instant = .now) {
        var generator = SystemRandomNumberGenerator()
        self.init(lifetime: lifetime, now: now, using: &generator)
    }

    /// The password, to show to the requester so they can read it to the expert.
    public var text: String { String(decoding: secret, as: UTF8.self) }

    public var description: String { "OneTimePassword(\(Self.length) characters, \(failedAttempts) failed attempts)" }

    /// Checks an attempt (lower case is accepted). Once spent, locked out or expired, every attempt is
    /// refused without comparing.
    public mutating func verify(_ attempt: some Collection<UInt8>, now: ContinuousClock.Instant = .now) -> PasswordCheck {
        if isSpent { return .spent }
        if failedAttempts >= Self.maximumFailedAttempts { return .lockedOut }
        if now >= expiry { return .expired }
        if Self.matches(Array(attempt.prefix(Self.maximumAttemptLength + 1)), secret) {
            isSpent = true
            return .accepted
        }
        failedAttempts += 1
        return .wrong(remainingAttempts: Self.maximumFailedAttempts - failedAttempts)
    }

    public mutating func verify(_ attempt: String, now: ContinuousClock.Instant = .now) -> PasswordCheck {
        verify(Array(attempt.utf8), now: now)
    }

    /// Compares every byte of the secret whatever the attempt holds, so the time taken does not depend
    /// on how much of the password was right.
    private static func matches(_ attempt: [UInt8], _ secret: [UInt8]) -> Bool {
        var difference: UInt8 = attempt.count == secret.count ? 0 : 1
        for index in secret.indices {
            let given = index < attempt.count ? attempt[index] : 0
            // Lower-case ASCII letters become upper case, without branching on the value.
            let isLower = UInt8(truncatingIfNeeded: ((Int(given) &- 0x61) >> 8) ^ ((Int(given) &- 0x7B) >> 8)) & 1
            difference |= (given &- (isLower << 5)) ^ secret[index]
        }
        return difference == 0
    }
}

/// The outcome of one password attempt.
public enum PasswordCheck: Sendable, Equatable {
    case accepted
    case wrong(remainingAttempts: Int)
    /// Too many wrong attempts: the password is dead.
    case lockedOut
    /// Already used once (or revoked).
    case spent
    case expired
    /// A wrong password was given shortly before (by anyone): not compared, ask again after this wait.
    case throttled(retryAfter: Duration)
    /// This source address gave too many wrong passwords (``FailedAddresses``): not compared, refused
    /// for this long.
    case addressBlocked(retryAfter: Duration)
}
