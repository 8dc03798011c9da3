import FuzzSupport
import NIOCore
import RFBProtocol

/// A stream of RequestAnswer messages read the way the agent reads its cumulation buffer, with the
/// contract of `RequestAnswer.read(from:)` checked at every call:
/// - nil (more bytes needed) consumes nothing;
/// - an answer consumes exactly its message (8 bytes + the text), which is what `serialized()` writes
///   but for the padding, and what `serialized()` writes reads back to an equal answer.
struct AnswerReading {
    private(set) var answers: [RequestAnswer] = []
    private(set) var threw: String?

    init(_ stream: ArraySlice<UInt8>, plan: ReadPlan) {
        var inbox = ByteBuffer()
        do {
            for piece in plan.pieces(of: stream) {
                inbox.writeBytes(piece)
                while let answer = try Self.read(&inbox) { answers.append(answer) }
            }
        } catch {
            threw = "\(error)"
        }
    }

    static func read(_ inbox: inout ByteBuffer) throws -> RequestAnswer? {
        let before = inbox
        guard let answer = try RequestAnswer.read(from: &inbox) else {
            fuzzCheck(inbox.readerIndex == before.readerIndex && inbox == before, "read returned nil and consumed bytes")
            return nil
        }
        let consumed = before.readableBytes - inbox.readableBytes
        fuzzCheck(consumed == 8 + answer.text.utf8.count, "an answer of \(answer.text.utf8.count) text bytes consumed \(consumed) bytes")
        let wire: ByteBuffer
        do { wire = try answer.serialized() } catch {
            fuzzCheck(false, "a parsed answer does not serialize: \(error)")
            return answer
        }
        var message = Array(before.readableBytesView.prefix(consumed))
        message[2] = 0
        message[3] = 0
        fuzzCheck(Array(wire.readableBytesView) == message, "serialized() differs from the message read (padding aside)")
        var again = wire
        do {
            let back = try RequestAnswer.read(from: &again)
            fuzzCheck(back == answer && again.readableBytes == 0, "a serialized answer reads back differently: \(String(describing: back))")
        } catch {
            fuzzCheck(false, "a serialized answer does not read back: \(error)")
        }
        return answer
    }
}
