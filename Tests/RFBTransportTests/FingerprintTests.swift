import RFBTransport
import XCTest

final class FingerprintTests: XCTestCase {
    /// SHA-256("abc") = ba7816bf…15ad; its base32 is XJ4BNP4P…CWWQ (checked with Python's base64.b32encode).
    let abc = Fingerprint(certificateDER: Array("abc".utf8))
    /// The check group KJZO was computed by an independent Python model of ``FingerprintCheck``.
    let abcCanonical = "SHA256:XJ4B-NP4P-AHH6-UQKB-IDPF-3LRC-EOYA-GYND-SYLX-VHFU-CD7W-D4QA-CWWQ-KJZO"
    /// The form printed before the check group existed.
    let abcUnchecked = "SHA256:XJ4B-NP4P-AHH6-UQKB-IDPF-3LRC-EOYA-GYND-SYLX-VHFU-CD7W-D4QA-CWWQ"
    let abcHex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

    func testCanonicalFormAndHex() {
        XCTAssertEqual(abc.description, abcCanonical)
        XCTAssertEqual(abc.hex, abcHex)
        XCTAssertEqual(abc.bytes.count, 32)
        let counting = Fingerprint(bytes: Array(0..<32))
        XCTAssertEqual(counting?.description,
                       "SHA256:AAAQ-EAYE-AUDA-OCAJ-BIFQ-YDIO-B4IB-CEQT-CQKR-MFYY-DENB-WHA5-DYPQ-W7SQ")
        XCTAssertNil(Fingerprint(bytes: Array(0..<31)))
    }

    func testParsesCanonicalAndTolerantForms() throws {
        XCTAssertEqual(try Fingerprint.parse(abcCanonical), abc)
        XCTAssertEqual(try Fingerprint.parse(abcCanonical.lowercased()), abc)
        XCTAssertEqual(try Fingerprint.parse(abcUnchecked), abc)
        XCTAssertEqual(try Fingerprint.parseWithForm(abcCanonical).form, .checked)
        XCTAssertEqual(try Fingerprint.parseWithForm(abcUnchecked).form, .unchecked)
        XCTAssertEqual(try Fingerprint.parseWithForm(abcHex).form, .hex)
        XCTAssertEqual(try Fingerprint.parse("xj4bnp4pahh6uqkbidpf3lrceoyagyndsylxvhfucd7wd4qacwwqkjzo"), abc)
        XCTAssertEqual(try Fingerprint.parse("XJ4BNP4PAHH6UQKBIDPF3LRCEOYAGYNDSYLXVHFUCD7WD4QACWWQ"), abc)
        XCTAssertEqual(try Fingerprint.parse("  sha256: xj4b np4p ahh6 uqkb idpf 3lrc eoya gynd sylx vhfu cd7w d4qa cwwq"), abc)
        XCTAssertEqual(try Fingerprint.parse(abcHex), abc)
        XCTAssertEqual(try Fingerprint.parse(abcHex.uppercased()), abc)
        let colonHex = stride(from: 0, to: 64, by: 2).map { i -> String in
            let start = abcHex.index(abcHex.startIndex, offsetBy: i)
            return String(abcHex[start..<abcHex.index(start, offsetBy: 2)]).uppercased()
        }.joined(separator: ":")
        XCTAssertEqual(try Fingerprint.parse("SHA256:" + colonHex), abc)  // openssl x509 -fingerprint style
        XCTAssertEqual(Fingerprint(abc.description), abc)
        for seed in 0..<50 {
            let fingerprint = Fingerprint(certificateDER: [UInt8(seed), 7, 9])
            XCTAssertEqual(try Fingerprint.parse(fingerprint.description), fingerprint)
            XCTAssertEqual(try Fingerprint.parse(fingerprint.hex), fingerprint)
        }
    }

    func testRejectsMalformedText() {
        func reason(_ text: String) -> String? {
            do {
                _ = try Fingerprint.parse(text)
                return nil
            } catch {
                return (error as? FingerprintError)?.description
            }
        }
        XCTAssertEqual(reason(""), "invalid fingerprint: expected 14 groups of 4 characters as `remote-assist id` prints it, found 0 characters")
        XCTAssertEqual(reason(String(abcCanonical.dropLast())),
                       "invalid fingerprint: expected 14 groups of 4 characters as `remote-assist id` prints it, found 55 characters (one character is missing)")
        // 0, 1, 8 and 9 are not base32: the group is named, with the likely letter.
        XCTAssertEqual(reason(abcCanonical.replacingOccurrences(of: "IDPF", with: "IDP0")),
                       "invalid fingerprint: '0' in group 5 is not used in fingerprints (letters A-Z and digits 2-7 only; did you mean the letter O?)")
        XCTAssertEqual(reason(abcUnchecked.replacingOccurrences(of: "XJ4B", with: "XJ9B")),
                       "invalid fingerprint: '9' in group 1 is not used in fingerprints (letters A-Z and digits 2-7 only)")
        // Last character with non-zero padding bits: a second spelling of a value is refused.
        XCTAssertEqual(reason(String(abcUnchecked.dropLast()) + "R"),
                       "invalid fingerprint: group 13 must end in A or Q (the last character carries one bit); it was mistyped")
        XCTAssertEqual(reason(String(abcHex.dropLast()) + "g"),
                       "invalid fingerprint: 64 characters but not all hexadecimal digits")
        XCTAssertEqual(reason(String(repeating: "A", count: 201)), "invalid fingerprint: longer than 200 characters")
        XCTAssertEqual(reason("MD5:" + abcHex), "invalid fingerprint: expected 14 groups of 4 characters as `remote-assist id` prints it, found 67 characters")
        XCTAssertNil(Fingerprint("nonsense"))
    }
}
