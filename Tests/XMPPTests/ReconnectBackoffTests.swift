import XCTest
@testable import XMPP

/// The reconnection schedule as a value.
final class ReconnectBackoffTests: XCTestCase {
    func testWaitsDoubleUpToTheMaximum() {
        var b = ReconnectBackoff()
        XCTAssertEqual((0..<9).map { _ in b.next(random: 0) }, [1, 2, 4, 8, 16, 32, 60, 60, 60])
        XCTAssertEqual(b.failures, 9)
        b.reset()
        XCTAssertEqual(b.next(random: 0), 1)
    }

    func testJitterOnlyShortensAndStaysWithinItsFraction() {
        var b = ReconnectBackoff(first: 1, maximum: 60, jitter: 0.2)
        for step in 0..<12 {
            let full = min(Double(1 << step), 60)
            var c = b
            let shortest = c.next(random: 0.999_999)
            let wait = b.next(random: Double(step % 4) / 4)
            XCTAssertLessThanOrEqual(wait, full)
            XCTAssertGreaterThanOrEqual(wait, full * 0.8)
            XCTAssertGreaterThan(shortest, full * 0.8 - 1e-9)
        }
    }

    func testManyFailuresDoNotOverflow() {
        var b = ReconnectBackoff(first: 0.5, maximum: 10, jitter: 0)
        var last = 0.0
        for _ in 0..<500 { last = b.next(random: 0.5) }
        XCTAssertEqual(last, 10)
    }

    func testNonsenseParametersAreClamped() {
        var b = ReconnectBackoff(first: -3, maximum: -1, jitter: 7)
        XCTAssertEqual(b.next(random: 0.5), 0)
        var c = ReconnectBackoff(first: 2, maximum: 1, jitter: -1)
        XCTAssertEqual(c.next(random: 0.9), 2)
        XCTAssertEqual(c.next(random: 0.9), 2)
    }
}
