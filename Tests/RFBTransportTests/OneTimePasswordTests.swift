import RFBTransport
import XCTest

final class OneTimePasswordTests: XCTestCase {
    func testShapeAndRandomness() {
        let password = OneTimePassword()
        XCTAssertEqual(password.text.utf8.count, 12)
        XCTAssertTrue(password.text.utf8.allSatisfy { OneTimePassword.alphabet.contains($0) })
        for ambiguous in "01OIL".unicodeScalars { XCTAssertFalse(OneTimePassword.alphabet.contains(UInt8(ascii: ambiguous))) }
        let texts = Set((0..<200).map { _ in OneTimePassword().text })
        XCTAssertEqual(texts.count, 200)
        XCTAssertFalse(password.description.contains(password.text))
    }

    func testRightPasswordOnceThenSpent() {
        let start = ContinuousClock.now
        var password = OneTimePassword(now: start)
        let text = password.text
        XCTAssertEqual(password.verify(text, now: start), .accepted)
        XCTAssertTrue(password.isSpent)
        XCTAssertEqual(password.verify(text, now: start), .spent)
        XCTAssertEqual(password.verify("wrong", now: start), .spent)
    }

    func testLowerCaseIsAccepted() {
        var password = OneTimePassword()
        XCTAssertEqual(password.verify(password.text.lowercased()), .accepted)
    }

    func testWrongAttemptsLockOut() {
        var password = OneTimePassword()
        let text = password.text
        XCTAssertEqual(password.verify(""), .wrong(remainingAttempts: 2))
        XCTAssertEqual(password.verify(String(text.dropLast())), .wrong(remainingAttempts: 1))
        XCTAssertEqual(password.verify(text + "2"), .wrong(remainingAttempts: 0))
        XCTAssertEqual(password.failedAttempts, OneTimePassword.maximumFailedAttempts)
        XCTAssertEqual(password.verify(text), .lockedOut)
        XCTAssertEqual(password.verify(text), .lockedOut)
        XCTAssertFalse(password.isSpent)
    }

    func testNearMissIsWrong() {
        var password = OneTimePassword()
        var bytes = Array(password.text.utf8)
        bytes[11] = bytes[11] == UInt8(ascii: "2") ? UInt8(ascii: "3") : UInt8(ascii: "2")
        XCTAssertEqual(password.verify(bytes), .wrong(remainingAttempts: 2))
        XCTAssertEqual(password.verify([UInt8](repeating: 0x41, count: 100_000)), .wrong(remainingAttempts: 1))
        XCTAssertEqual(password.verify(password.text), .accepted)
    }

    func testExpiry() {
        let start = ContinuousClock.now
        var fresh = OneTimePassword(lifetime: .seconds(60), now: start)
        XCTAssertEqual(fresh.verify(fresh.text, now: start + .seconds(59)), .accepted)
        var stale = OneTimePassword(lifetime: .seconds(60), now: start)
        XCTAssertEqual(stale.verify(stale.text, now: start + .seconds(60)), .expired)
        XCTAssertEqual(stale.expiry, start + .seconds(60))
    }

    func testGateRotatesAndAcceptsExactlyOnceAcrossThreads() async {
        let gate = PasswordGate()
        XCTAssertEqual(gate.verify(Array("anything".utf8)), .spent)
        let old = gate.rotate()
        let current = gate.rotate()
        XCTAssertNotEqual(old.text, current.text)
        let failed = ContinuousClock.now
        XCTAssertEqual(gate.verify(Array(old.text.utf8), now: failed), .wrong(remainingAttempts: 2))

        // After the wait that follows a wrong password (PasswordThrottle).
        let later = failed + PasswordThrottle.firstDelay
        let attempt = Array(current.text.utf8)
        let results = await withTaskGroup(of: PasswordCheck.self) { group in
            for _ in 0..<16 { group.addTask { gate.verify(attempt, now: later) } }
            var all: [PasswordCheck] = []
            for await result in group { all.append(result) }
            return all
        }
        XCTAssertEqual(results.filter { $0 == .accepted }.count, 1)
        XCTAssertEqual(results.filter { $0 == .spent }.count, 15)

        let next = gate.rotate()
        XCTAssertEqual(gate.verify(Array(next.text.utf8), now: later), .accepted)
        gate.rotate()
        gate.revoke()
        XCTAssertEqual(gate.verify(Array(next.text.utf8), now: later), .spent)
    }
}
