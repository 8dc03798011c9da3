import Crypto

extension Fingerprint {
    /// Six decimal digits in two groups, e.g. `482 193`, for two people on the phone to compare quickly
    /// ("does your `remote-assist id` say 482 193?") after one has typed the other's fingerprint in.
    ///
    /// It is SHA-256 of a fixed label and the digest, so it depends on every byte of the fingerprint and
    /// not on the first group alone; any typo changes it with odds of 999,999 in a million. It is a check
    /// on a fingerprint a person copied, never the pin: twenty bits are cheap for an attacker to match by
    /// making certificates until one fits, so an unknown peer is judged by the full fingerprint.
    public var comparisonCode: String {
        var hasher = SHA256()
        hasher.update(data: Array("remote-assist comparison code 1".utf8))
        hasher.update(data: bytes)
        let number = Array(hasher.finalize()).prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } % 1_000_000
        let digits = String(number)
        let padded = String(repeating: "0", count: 6 - digits.count) + digits
        return "\(padded.prefix(3)) \(padded.suffix(3))"
    }
}
