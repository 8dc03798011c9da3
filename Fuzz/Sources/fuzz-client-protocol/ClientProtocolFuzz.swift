import FuzzSupport

/// libFuzzer entry. Input: one control byte (`ProtocolControl`: read plan, keep the server's pixel
/// format), then the bytes an agent sends from the first byte of the handshake on.
///
/// The stream is played twice: all at once (framing only), and cut into reads as the control byte says,
/// with every rectangle decoded by the viewer's `FrameAssembler`. Cutting must not change the outcome:
/// both runs fail, or both give the same actions and events.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzClientProtocol(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzBytes(data, size)
    guard let byte = input.u8() else { return 0 }
    let control = ProtocolControl(byte: byte)
    let stream = input.rest()

    var whole = ClientConversation(control: control, plan: .whole, decodes: false)
    whole.play(stream)
    var cut = ClientConversation(control: control, plan: control.plan, decodes: true)
    cut.play(stream)

    // Decoding can only add errors (a rectangle that frames but does not decode), so compare the
    // framing when decoding did not fail.
    if cut.decodeError == nil {
        fuzzCheck(whole.threw == cut.threw,
                  "reading in pieces changed the outcome: whole \(whole.threw ?? "ok"), cut \(cut.threw ?? "ok")")
        if whole.threw == nil {
            fuzzCheck(whole.transcript == cut.transcript, "reading in pieces changed the actions")
        }
    }
    return 0
}
