import FuzzSupport
import NIOCore
import RFBProtocol

/// libFuzzer entry. Input: one control byte (bits 0-5: the `ReadPlan`, as for the protocol targets;
/// bit 6: the receiving side declines offers instead of accepting them; bit 7: our own offers are
/// cancelled after the first message), then what a peer sends once file transfer is confirmed:
/// file-transfer messages (type 214), read one after the other with both message readers and played
/// into a `FileTransferBook` that has two offers of its own open (so Accept, Ack, Abort and Received
/// reach real transfers), until the stream ends or a message or rule is refused.
///
/// The stream is played twice, all at once and cut into reads as the control byte says: both must give
/// the same events and the same error. `TransferReading` checks each read and the book's invariants.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFileTransfer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzBytes(data, size)
    guard let byte = input.u8() else { return 0 }
    let stream = input.rest()
    let decline = byte & 0x40 != 0
    let cancelOwn = byte & 0x80 != 0
    let whole = TransferReading(stream, plan: .whole, decline: decline, cancelOwn: cancelOwn)
    let cut = TransferReading(stream, plan: ReadPlan(seed: byte & 0x3F), decline: decline, cancelOwn: cancelOwn)
    fuzzCheck(whole.threw == cut.threw,
              "reading in pieces changed the outcome: whole \(whole.threw ?? "ok"), cut \(cut.threw ?? "ok")")
    fuzzCheck(whole.events == cut.events, "reading in pieces changed the events")
    return 0
}
