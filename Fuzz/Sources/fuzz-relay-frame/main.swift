import FuzzSupport
import XMPP

/// libFuzzer entry. Input: one byte choosing a chunk size (1 + byte), then a relayed stream as the
/// receiving end reads it (`RelayFrameDecoder`).
///
/// The decoder must never crash; read whole and read in chunks it gives the same data, or fails with the
/// same error (after which it stays failed); it never gives more data than it was fed; and the data,
/// framed again by our own encoder, decodes back equal.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRelayFrame(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzBytes(data, size)
    guard let byte = input.u8() else { return 0 }
    let chunk = 1 + Int(byte)
    let stream = Array(input.rest())

    var whole = RelayFrameDecoder()
    let wholeResult = Result { try whole.data(in: stream) }

    var chunked = RelayFrameDecoder()
    var pieces: [UInt8] = []
    var chunkedError: RelayFrameError?
    for start in stride(from: 0, to: stream.count, by: chunk) {
        do {
            pieces += try chunked.data(in: Array(stream[start..<min(stream.count, start + chunk)]))
        } catch {
            chunkedError = error as? RelayFrameError
            fuzzCheck(chunkedError != nil, "an error that is not a RelayFrameError")
            fuzzCheck((try? chunked.data(in: [0, 0, 1, 0])) == nil, "the decoder went on after an error")
            break
        }
    }
    switch wholeResult {
    case .success(let bytes):
        fuzzCheck(chunkedError == nil, "chunks failed where the whole read did not")
        fuzzCheck(bytes == pieces, "chunks gave other data than the whole read")
        fuzzCheck(bytes.count <= stream.count, "more data than input")
        fuzzCheck(whole.isAtFrameBoundary == chunked.isAtFrameBoundary, "chunks ended elsewhere")
        var again: [UInt8] = []
        for start in stride(from: 0, to: bytes.count, by: RelayFrame.maximumPayloadBytes) {
            let part = bytes[start..<min(bytes.count, start + RelayFrame.maximumPayloadBytes)]
            again += RelayFrame.dataHeader(count: part.count) + part
        }
        var back = RelayFrameDecoder()
        fuzzCheck((try? back.data(in: again)) == bytes, "our own framing did not decode back")
    case .failure(let error):
        fuzzCheck(chunkedError == error as? RelayFrameError, "chunks failed otherwise than the whole read")
    }
    return 0
}
