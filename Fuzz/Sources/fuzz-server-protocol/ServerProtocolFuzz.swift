import FuzzSupport

/// libFuzzer entry. Input: one control byte (`ProtocolControl`: read plan, refuse credentials, refuse
/// consent), then the bytes a viewer sends from the first byte of the handshake on.
///
/// The stream is played twice: all at once, and cut into reads as the control byte says (with the
/// agent answering update requests through the real `UpdateBuilder`, decoded back by the viewer's
/// code). Cutting must not change the outcome: both runs fail, or both give the same actions.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzServerProtocol(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzBytes(data, size)
    guard let byte = input.u8() else { return 0 }
    let control = ProtocolControl(byte: byte)
    let stream = input.rest()

    var whole = ServerConversation(control: control, plan: .whole, answersUpdates: false)
    whole.play(stream)
    var cut = ServerConversation(control: control, plan: control.plan, answersUpdates: true)
    cut.play(stream)

    fuzzCheck(whole.threw == cut.threw,
              "reading in pieces changed the outcome: whole \(whole.threw ?? "ok"), cut \(cut.threw ?? "ok")")
    if whole.threw == nil {
        fuzzCheck(whole.transcript == cut.transcript, "reading in pieces changed the actions")
    }
    return 0
}
