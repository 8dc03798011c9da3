import Agent
import RFBTransport
import XCTest

/// The accounting behind the listening agent's connection caps, without sockets.
final class ConnectionAdmissionTests: XCTestCase {
    private func ticket(_ decision: ConnectionAdmission.Decision, file: StaticString = #filePath, line: UInt = #line)
        -> ConnectionAdmission.Ticket? {
        guard case .admitted(let t) = decision else { XCTFail("refused: \(decision)", file: file, line: line); return nil }
        return t
    }

    func testTheNamedLimits() {
        XCTAssertEqual(AgentLimits.maximumUnauthenticatedConnections, 16)
        XCTAssertEqual(AgentLimits.maximumUnauthenticatedPerAddress, 4)
        XCTAssertEqual(AgentLimits.handshakeTimeout, .seconds(10))
        let defaults = ConnectionAdmission()
        XCTAssertEqual(defaults.maximumTotal, 16)
        XCTAssertEqual(defaults.maximumPerAddress, 4)
    }

    func testPerAddressCapRefusesTheFifthAndAReleaseMakesRoom() {
        var admission = ConnectionAdmission()
        let tickets = (0..<4).compactMap { _ in ticket(admission.admit(address: "10.0.0.1")) }
        XCTAssertEqual(tickets.count, 4)
        XCTAssertEqual(admission.admit(address: "10.0.0.1"),
                       .refused("too many connections waiting to authenticate from 10.0.0.1 (at most 4 at once)"))
        XCTAssertNotNil(ticket(admission.admit(address: "10.0.0.2")), "another address still gets in")
        admission.release(tickets[0])
        XCTAssertEqual(admission.count(from: "10.0.0.1"), 3)
        XCTAssertNotNil(ticket(admission.admit(address: "10.0.0.1")))
        XCTAssertEqual(admission.count, 5)
    }

    func testTotalCapRefusesTheSeventeenthFromAnyAddress() {
        var admission = ConnectionAdmission()
        var tickets: [ConnectionAdmission.Ticket] = []
        for a in 1...4 { for _ in 0..<4 { if let t = ticket(admission.admit(address: "10.0.0.\(a)")) { tickets.append(t) } } }
        XCTAssertEqual(admission.count, 16)
        XCTAssertEqual(admission.admit(address: "10.0.0.99"),
                       .refused("too many connections waiting to authenticate (at most 16 at once)"))
        admission.release(tickets[5])
        XCTAssertNotNil(ticket(admission.admit(address: "10.0.0.99")))
        XCTAssertEqual(admission.admit(address: "10.0.0.100"),
                       .refused("too many connections waiting to authenticate (at most 16 at once)"))
    }

    func testReleasingTwiceCountsOnce() {
        var admission = ConnectionAdmission(maximumTotal: 2, maximumPerAddress: 2)
        let a = ticket(admission.admit(address: "x"))
        let b = ticket(admission.admit(address: "x"))
        XCTAssertNotEqual(a, b)
        if let a { admission.release(a); admission.release(a) }
        XCTAssertEqual(admission.count, 1)
        XCTAssertEqual(admission.count(from: "x"), 1)
        XCTAssertNotNil(ticket(admission.admit(address: "x")))
        if case .admitted = admission.admit(address: "x") { XCTFail("a double release must not free a second slot") }
    }
}
