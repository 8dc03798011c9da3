import Crypto
public import RFBTransport

/// The code two people compare on the phone after becoming contacts through an XMPP server, which could
/// otherwise swap the fingerprints it carries.
///
/// A short code alone would not stop such a server: it knows both fingerprints and could make
/// certificates until the codes match. So the code also covers two random nonces, committed in order
/// (as in ZRTP's short authentication string or Bluetooth's numeric comparison): the asker sends SHA-256 of
/// its nonce with the request, the accepter answers with its own nonce in the clear, and only then does
/// the asker reveal its nonce. By the time the server learns either nonce it has already fixed what each
/// side will see, so a swap goes unnoticed with odds of one in a million per attempt, and every attempt
/// shows two people two different codes.
public enum PairingCode {
    public static let nonceBytes = 32

    public static func commitment(of nonce: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: Array("remote-assist pairing commit 1".utf8) + nonce))
    }

    /// Six digits, `123 456`, the same on both sides when nobody swapped anything.
    public static func code(asker: Fingerprint, accepter: Fingerprint, askerNonce: [UInt8], accepterNonce: [UInt8]) -> String {
        var h = SHA256()
        h.update(data: Array("remote-assist pairing code 1".utf8))
        h.update(data: asker.bytes)
        h.update(data: accepter.bytes)
        h.update(data: askerNonce)
        h.update(data: accepterNonce)
        let number = Array(h.finalize()).prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } % 1_000_000
        let digits = String(number)
        let padded = String(repeating: "0", count: 6 - digits.count) + digits
        return "\(padded.prefix(3)) \(padded.suffix(3))"
    }

    public static func newNonce() -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return (0..<nonceBytes).map { _ in UInt8.random(in: 0...255, using: &g) }
    }
}
