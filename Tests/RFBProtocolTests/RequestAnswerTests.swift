import NIOCore
import RFBProtocol
import XCTest

final class RequestAnswerTests: XCTestCase {
    /// Code 0 means "accepted" on the wire: a refusal made with `.userQuit` (also 0) must still arrive
    /// as a refusal, however it was made (found by the fuzz-request-answer review).
    func testARefusalIsNeverWrittenAsAnAcceptance() throws {
        let made = RequestAnswer.refused(.userQuit, "alice declined")
        XCTAssertFalse(made.isAccepted)
        var direct = RequestAnswer.accepted("x")
        direct.refusal = .userQuit
        for answer in [made, direct] {
            var bytes = try answer.serialized()
            let back = try XCTUnwrap(try RequestAnswer.read(from: &bytes))
            XCTAssertFalse(back.isAccepted, "\(answer) read back as accepted")
            XCTAssertEqual(back.refusal, .declined)
        }
        var accepted = try RequestAnswer.accepted().serialized()
        XCTAssertEqual(try RequestAnswer.read(from: &accepted)?.isAccepted, true)
    }
}
