import RFBTransport
import Synchronization
import XCTest

/// A one-time password that wrong guesses locked out, or that expired, is replaced at once by a fresh
/// one, and the gate announces it (so the requester sees the new password without a session ending).
final class PasswordRenewalTests: XCTestCase {
    private final class Renewals: Sendable {
        let all = Mutex<[(password: OneTimePassword, reason: PasswordRenewalReason)]>([])
        var count: Int { all.withLock { $0.count } }
        var last: (password: OneTimePassword, reason: PasswordRenewalReason)? { all.withLock { $0.last } }
    }

    private func watched(_ gate: PasswordGate) -> Renewals {
        let renewals = Renewals()
        gate.onRenewal { password, reason in renewals.all.withLock { $0.append((password, reason)) } }
        return renewals
    }

    func testTheWrongGuessThatLocksThePasswordOutRenewsItAtOnce() throws {
        let gate = PasswordGate()
        let renewals = watched(gate)
        let t0 = ContinuousClock.now
        let old = OneTimePassword(lifetime: .seconds(600), now: t0)
        gate.install(old)
        // From three addresses, each waiting out the agent-wide throttle (1 s, then 2 s).
        XCTAssertEqual(gate.verify(Array("WRONGWRONG23".utf8), from: "10.0.0.1", now: t0), .wrong(remainingAttempts: 2))
        XCTAssertEqual(gate.verify(Array("WRONGWRONG23".utf8), from: "10.0.0.2", now: t0 + .seconds(1)), .wrong(remainingAttempts: 1))
        XCTAssertEqual(renewals.count, 0)
        XCTAssertEqual(gate.verify(Array("WRONGWRONG23".utf8), from: "10.0.0.3", now: t0 + .seconds(3)), .wrong(remainingAttempts: 0))

        let renewal = try XCTUnwrap(renewals.last)
        XCTAssertEqual(renewals.count, 1)
        XCTAssertEqual(renewal.reason, .lockedOut)
        XCTAssertNotEqual(renewal.password.text, old.text)
        XCTAssertEqual(renewal.password.lifetime, .seconds(600))
        XCTAssertEqual(renewal.password.expiry, t0 + .seconds(3) + .seconds(600))
        // The throttle stays (4 s after the third failure); then the new password gets in.
        XCTAssertEqual(gate.verify(Array(renewal.password.text.utf8), from: "10.0.0.4", now: t0 + .seconds(5)),
                       .throttled(retryAfter: .seconds(2)))
        XCTAssertEqual(gate.verify(Array(renewal.password.text.utf8), from: "10.0.0.4", now: t0 + .seconds(7)), .accepted)
        XCTAssertEqual(gate.failures, 3)
        XCTAssertEqual(renewals.count, 1)
    }

    func testAnAttemptThatFindsThePasswordExpiredRenewsIt() throws {
        let gate = PasswordGate()
        let renewals = watched(gate)
        let t0 = ContinuousClock.now
        let old = OneTimePassword(lifetime: .seconds(60), now: t0)
        gate.install(old)
        XCTAssertEqual(gate.verify(Array(old.text.utf8), from: "10.0.0.1", now: t0 + .seconds(60)), .expired)
        let renewal = try XCTUnwrap(renewals.last)
        XCTAssertEqual(renewal.reason, .expired)
        XCTAssertEqual(renewal.password.expiry, t0 + .seconds(120))
        // An expired password is no wrong guess: no wait, nothing counted against the address.
        XCTAssertEqual(gate.failures, 0)
        XCTAssertEqual(gate.verify(Array(renewal.password.text.utf8), from: "10.0.0.1", now: t0 + .seconds(61)), .accepted)
    }

    func testRenewIfExpiredRenewsOnlyALivePasswordPastItsExpiry() throws {
        let gate = PasswordGate()
        let renewals = watched(gate)
        let t0 = ContinuousClock.now
        XCTAssertNil(gate.renewIfExpired(now: t0), "no password: nothing to renew")
        gate.install(OneTimePassword(lifetime: .seconds(60), now: t0))
        XCTAssertNil(gate.renewIfExpired(now: t0 + .seconds(59)))
        XCTAssertEqual(renewals.count, 0)
        let fresh = try XCTUnwrap(gate.renewIfExpired(now: t0 + .seconds(60)))
        XCTAssertEqual(renewals.last?.reason, .expired)
        XCTAssertEqual(renewals.last?.password.text, fresh.text)
        XCTAssertEqual(fresh.expiry, t0 + .seconds(120))
        XCTAssertNil(gate.renewIfExpired(now: t0 + .seconds(61)), "the fresh one is still good")

        // Spent by a session: the caller rotates after the session, the gate does not.
        XCTAssertEqual(gate.verify(Array(fresh.text.utf8), now: t0 + .seconds(61)), .accepted)
        XCTAssertNil(gate.renewIfExpired(now: t0 + .seconds(500)))
        gate.revoke()
        XCTAssertNil(gate.renewIfExpired(now: t0 + .seconds(500)))
        XCTAssertEqual(renewals.count, 1)
    }

    /// Three wrong passwords from one address, over any passwords: that address is refused without
    /// comparing for ten minutes, even with the right password, which stays good for everyone else.
    func testAnAddressWithThreeWrongPasswordsIsBlockedForTenMinutes() throws {
        let gate = PasswordGate()
        let renewals = watched(gate)
        let t0 = ContinuousClock.now
        gate.install(OneTimePassword(lifetime: .seconds(3600), now: t0))
        XCTAssertEqual(gate.verify(Array("WRONGWRONG23".utf8), from: "10.0.0.9", now: t0), .wrong(remainingAttempts: 2))
        // A new password (a session came and went): the address's count goes on.
        gate.install(OneTimePassword(lifetime: .seconds(3600), now: t0))
        XCTAssertEqual(gate.verify(Array("WRONGWRONG23".utf8), from: "10.0.0.9", now: t0 + .seconds(1)), .wrong(remainingAttempts: 2))
        XCTAssertEqual(gate.verify(Array("WRONGWRONG23".utf8), from: "10.0.0.9", now: t0 + .seconds(3)), .wrong(remainingAttempts: 1))
        XCTAssertEqual(renewals.count, 0)
        let current = OneTimePassword(lifetime: .seconds(3600), now: t0)
        gate.install(current)

        // Blocked at once (before the throttle is even asked), and the password is not compared.
        XCTAssertEqual(gate.verify(Array(current.text.utf8), from: "10.0.0.9", now: t0 + .seconds(4)),
                       .addressBlocked(retryAfter: .seconds(599)))
        XCTAssertEqual(gate.verify(Array(current.text.utf8), from: "10.0.0.9", now: t0 + .seconds(602)),
                       .addressBlocked(retryAfter: .seconds(1)))
        XCTAssertEqual(gate.failures, 3)
        XCTAssertEqual(gate.verify(Array(current.text.utf8), from: "10.0.0.10", now: t0 + .seconds(7)), .accepted)
        // Ten minutes after its last wrong password the address may try again.
        XCTAssertEqual(gate.verify(Array(current.text.utf8), from: "10.0.0.9", now: t0 + .seconds(603)), .spent)
    }

    func testFailedAddressesForgetsAfterTheBlockAndStaysBounded() {
        var addresses = FailedAddresses()
        let t0 = ContinuousClock.now
        addresses.failed("a", now: t0)
        addresses.failed("a", now: t0 + .seconds(1))
        XCTAssertNil(addresses.blocked("a", now: t0 + .seconds(2)))
        addresses.failed("a", now: t0 + .seconds(2))
        XCTAssertEqual(addresses.blocked("a", now: t0 + .seconds(2)), FailedAddresses.blockDuration)
        XCTAssertNil(addresses.blocked("b", now: t0 + .seconds(2)))
        XCTAssertNil(addresses.blocked("a", now: t0 + .seconds(2) + FailedAddresses.blockDuration))
        // Forgotten: one new wrong password does not block again.
        addresses.failed("a", now: t0 + .seconds(2) + FailedAddresses.blockDuration)
        XCTAssertNil(addresses.blocked("a", now: t0 + .seconds(3) + FailedAddresses.blockDuration))

        // Two wrong ones ten minutes apart are not three in a row.
        var spread = FailedAddresses()
        spread.failed("c", now: t0)
        spread.failed("c", now: t0 + .seconds(1))
        spread.failed("c", now: t0 + .seconds(1) + FailedAddresses.blockDuration)
        XCTAssertNil(spread.blocked("c", now: t0 + .seconds(2) + FailedAddresses.blockDuration))

        var many = FailedAddresses()
        for i in 0..<(FailedAddresses.maximumAddresses + 100) { many.failed("10.1.\(i / 256).\(i % 256)", now: t0 + .milliseconds(i)) }
        XCTAssertEqual(many.count, FailedAddresses.maximumAddresses)
    }
}
