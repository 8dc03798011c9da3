import FuzzSupport

/// libFuzzer entry. Input: one control byte (bits 0-5: the `ReadPlan`, as for the protocol targets),
/// then what a listening viewer sends after the TLS handshake of a reverse connection: RequestAnswer
/// messages, read one after the other until the stream ends or a message is refused.
///
/// The stream is read twice, all at once and cut into reads as the control byte says; both must give
/// the same answers and the same error. `AnswerReading` checks each read on the way.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestAnswer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzBytes(data, size)
    guard let byte = input.u8() else { return 0 }
    let stream = input.rest()

    let whole = AnswerReading(stream, plan: .whole)
    let cut = AnswerReading(stream, plan: ReadPlan(seed: byte & 0x3F))
    fuzzCheck(whole.threw == cut.threw,
              "reading in pieces changed the outcome: whole \(whole.threw ?? "ok"), cut \(cut.threw ?? "ok")")
    fuzzCheck(whole.answers == cut.answers, "reading in pieces changed the answers")
    return 0
}
