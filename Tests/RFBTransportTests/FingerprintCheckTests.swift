import RFBTransport
import XCTest

/// The check group catches typos in the printed form and says where they are; the compare code is short.
final class FingerprintCheckTests: XCTestCase {
    let abc = Fingerprint(certificateDER: Array("abc".utf8))
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

    private func characters(_ fingerprint: Fingerprint) -> [Character] {
        Array(fingerprint.groups.joined())
    }

    private func error(_ chars: [Character]) -> FingerprintError? {
        do {
            _ = try Fingerprint.parse("SHA256:" + String(chars))
            return nil
        } catch {
            return error as? FingerprintError
        }
    }

    func testEverySingleSubstitutionIsRefusedAndItsGroupNamed() {
        for seed in 0..<4 {
            let chars = characters(Fingerprint(certificateDER: [UInt8(seed), 1, 2]))
            for position in chars.indices {
                for replacement in alphabet where replacement != chars[position] {
                    var typed = chars
                    typed[position] = replacement
                    guard let failure = error(typed) else {
                        return XCTFail("accepted a substitution at \(position): \(String(typed))")
                    }
                    // A wrong character in the last data group can also break its padding bit (refused
                    // before the check); everywhere else the check names exactly the right group.
                    XCTAssertTrue(failure.groups.contains(position / 4 + 1), "\(position): \(failure)")
                    if failure.reason.hasPrefix("the check group") {
                        XCTAssertTrue(failure.reason.contains("group \(position / 4 + 1) ("), failure.reason)
                    }
                }
            }
        }
    }

    func testEverySwapOfNeighboursIsRefusedAndPlaced() {
        let chars = characters(abc)
        for position in 0..<(chars.count - 1) where chars[position] != chars[position + 1] {
            var typed = chars
            typed.swapAt(position, position + 1)
            guard let failure = error(typed) else { return XCTFail("accepted a swap at \(position)") }
            XCTAssertTrue(failure.groups.contains(position / 4 + 1) || failure.groups.contains((position + 1) / 4 + 1),
                          "\(position): \(failure)")
        }
    }

    func testTheMessageSaysWhatToDo() throws {
        var chars = characters(abc)
        chars[26] = chars[26] == "A" ? "B" : "A"   // group 7
        let failure = try XCTUnwrap(error(chars))
        XCTAssertEqual(failure.groups, [7])
        let typedGroup = String(chars[24..<28])
        XCTAssertEqual(failure.description, "invalid fingerprint: the check group does not match: a character was mistyped, "
                       + "probably in group 7 (\(typedGroup)); compare it with their `remote-assist id` and type it again")
        // Two far-apart mistakes are still refused; no group is guessed when none explains them.
        chars[2] = chars[2] == "A" ? "B" : "A"
        chars[40] = chars[40] == "A" ? "B" : "A"
        XCTAssertNotNil(error(chars))
    }

    func testHostileTextNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        for length in [0, 1, 52, 55, 56, 57, 63, 64, 199, 200, 201, 5000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? Fingerprint.parse(String(decoding: bytes, as: UTF8.self))
            _ = try? Fingerprint.parse(String(repeating: "-", count: length) + abc.description)
        }
    }

    func testComparisonCodeIsSixDigitsInTwoGroups() {
        XCTAssertEqual(abc.comparisonCode, "097 987")   // from the same independent Python model
        XCTAssertEqual(Fingerprint(bytes: Array(0..<32))?.comparisonCode, "007 703")
        var codes: Set<String> = []
        for seed in 0..<200 {
            let code = Fingerprint(certificateDER: [UInt8(seed)]).comparisonCode
            XCTAssertEqual(code.count, 7)
            XCTAssertTrue(code.enumerated().allSatisfy { $0.offset == 3 ? $0.element == " " : $0.element.isASCII && $0.element.isNumber }, code)
            codes.insert(code)
        }
        XCTAssertGreaterThan(codes.count, 195, "codes spread over a million values")
    }

    func testMismatchNamesTheGroupThatDiffers() throws {
        var bytes = abc.bytes
        bytes[10] ^= 0x01   // bits 80–87: character 16, group 5
        let typo = try XCTUnwrap(Fingerprint(bytes: bytes))
        XCTAssertEqual(typo.differingGroups(from: abc), [5, 14])
        let saved = TrustedPeer(name: "alice", fingerprint: abc)
        let message = TLSPeerError.differentCertificate(presented: typo, expected: saved).description
        XCTAssertEqual(message, "alice's certificate does not match the fingerprint you have for them: it differs only in "
                       + "group 5 (you have \(abc.groups[4]), they presented \(typo.groups[4])); if you typed it in, compare it "
                       + "with their `remote-assist id`, then `contacts remove` and `contacts add` it again; refused")
        let other = Fingerprint(certificateDER: Array("another certificate".utf8))
        let unrelated = TLSPeerError.differentCertificate(presented: other, expected: TrustedPeer(name: nil, fingerprint: abc))
        XCTAssertTrue(unrelated.description.hasPrefix("the other side's certificate does not match the fingerprint you have for them: it differs in "),
                      unrelated.description)
        XCTAssertTrue(unrelated.description.contains("so it is another certificate"), unrelated.description)
    }
}
