import RFBTransport
import XCTest

/// After a wrong one-time password the next attempt waits a doubling delay, for the whole gate (every
/// connection of the agent), and is not even compared while it waits.
final class PasswordThrottleTests: XCTestCase {
    func testDelaysDoubleUpToTheMaximum() {
        XCTAssertEqual(PasswordThrottle.firstDelay, .seconds(1))
        XCTAssertEqual(PasswordThrottle.maximumDelay, .seconds(8))
        XCTAssertEqual((0...6).map { PasswordThrottle.delay(afterFailures: $0) },
                       [.zero, .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)])
        XCTAssertEqual(PasswordThrottle.delay(afterFailures: 1000), .seconds(8))
    }

    func testWaitCountsFromTheLastFailure() {
        var throttle = PasswordThrottle()
        let t0 = ContinuousClock.now
        XCTAssertEqual(throttle.wait(now: t0), .zero)
        throttle.failed(now: t0)
        XCTAssertEqual(throttle.wait(now: t0), .seconds(1))
        XCTAssertEqual(throttle.wait(now: t0 + .milliseconds(400)), .milliseconds(600))
        XCTAssertEqual(throttle.wait(now: t0 + .seconds(1)), .zero)
        throttle.failed(now: t0 + .seconds(1))
        XCTAssertEqual(throttle.wait(now: t0 + .seconds(1)), .seconds(2))
        XCTAssertEqual(throttle.failures, 2)
    }

    func testGateThrottlesEveryAttemptAfterAWrongOneWithoutComparing() {
        let gate = PasswordGate()
        let t0 = ContinuousClock.now
        let password = OneTimePassword(lifetime: .seconds(600), now: t0)
        gate.install(password)
        XCTAssertEqual(gate.verify(Array("WRONGWRONG23".utf8), now: t0), .wrong(remainingAttempts: 2))
        // The right password, too early: not compared (and not spent), the wait is told.
        XCTAssertEqual(gate.verify(Array(password.text.utf8), now: t0 + .milliseconds(500)),
                       .throttled(retryAfter: .milliseconds(500)))
        // A second wrong one after the wait: the next wait is 2 s.
        XCTAssertEqual(gate.verify(Array("WRONGWRONG23".utf8), now: t0 + .seconds(1)), .wrong(remainingAttempts: 1))
        XCTAssertEqual(gate.verify(Array(password.text.utf8), now: t0 + .seconds(2)), .throttled(retryAfter: .seconds(1)))
        XCTAssertEqual(gate.failures, 2)
        XCTAssertEqual(gate.verify(Array(password.text.utf8), now: t0 + .seconds(3)), .accepted)
        XCTAssertEqual(gate.verify(Array(password.text.utf8), now: t0 + .seconds(4)), .spent)
    }

    /// The wait belongs to the agent, not to the password: a fresh password does not reset it.
    func testRotatingDoesNotResetTheWait() {
        let gate = PasswordGate()
        let t0 = ContinuousClock.now
        gate.install(OneTimePassword(lifetime: .seconds(600), now: t0))
        XCTAssertEqual(gate.verify(Array("WRONGWRONG23".utf8), now: t0), .wrong(remainingAttempts: 2))
        let fresh = OneTimePassword(lifetime: .seconds(600), now: t0)
        gate.install(fresh)
        XCTAssertEqual(gate.verify(Array(fresh.text.utf8), now: t0 + .milliseconds(100)), .throttled(retryAfter: .milliseconds(900)))
        XCTAssertEqual(gate.verify(Array(fresh.text.utf8), now: t0 + .seconds(1)), .accepted)
    }
}
