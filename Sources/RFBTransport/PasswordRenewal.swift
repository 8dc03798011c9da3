/// Why a ``PasswordGate`` replaced its one-time password on its own (see ``PasswordGate/onRenewal(_:)``).
public enum PasswordRenewalReason: String, Sendable, Equatable {
    /// Wrong guesses used up the attempts of the old password.
    case lockedOut = "locked-out"
    /// The old password outlived its lifetime.
    case expired
}
