import FuzzSupport
import PeerText

/// libFuzzer entry. Input: one byte for the limit (2 + byte % 200 Unicode scalars), then the text as
/// bytes from the wire (any bytes; invalid UTF-8 becomes U+FFFD).
///
/// `PeerText.clean(bytes:limit:)` must give what `clean(_:limit:)` gives for the decoded text, and the
/// result must keep the promises of `PeerText` (see `CleanText`): nothing unsafe survives, at most
/// `limit` scalars, cleaning it again changes nothing, and clean text that fits comes out unchanged.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPeerText(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzBytes(data, size)
    guard let byte = input.u8() else { return 0 }
    let limit = 2 + Int(byte % 200)
    let bytes = input.rest()
    let text = String(decoding: bytes, as: UTF8.self)

    let cleaned = PeerText.clean(text, limit: limit)
    let fromBytes = PeerText.clean(bytes: bytes, limit: limit)
    fuzzCheck(CleanText.same(fromBytes, cleaned),
              "clean(bytes:) and clean(_:) differ: \(CleanText.dump(fromBytes)) vs \(CleanText.dump(cleaned))")
    CleanText.check(cleaned, from: text, limit: limit)
    return 0
}
