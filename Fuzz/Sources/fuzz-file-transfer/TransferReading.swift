import FuzzSupport
import NIOCore
import RFBProtocol

/// One play of a file-transfer stream, with the contracts checked at every step:
/// - a read that needs more bytes (nil) consumes nothing; a message consumes exactly the bytes its
///   `serialized()` writes, and those read back to an equal message, with either reader (client, server);
/// - the book never reports data past an offer's size, at offsets other than the bytes received so far,
///   or an Ack it would not send; what it makes for the person's decisions serializes.
struct TransferReading {
    private(set) var events: [String] = []
    private(set) var threw: String?

    init(_ stream: ArraySlice<UInt8>, plan: ReadPlan, decline: Bool, cancelOwn: Bool) {
        var book = FileTransferBook()
        let hash = [UInt8](repeating: 0xAB, count: 32)
        var sizes: [UInt32: Int64] = [:]
        var received: [UInt32: Int64] = [:]
        do {
            for size in [Int64(0), Int64(300_000)] {
                let offer = try book.offer(name: "own-\(size).bin", size: size, sha256: hash)
                fuzzCheck((try? offer.serialized()) != nil, "our own offer does not serialize")
            }
        } catch {
            fuzzCheck(false, "two offers of our own were refused: \(error)")
        }
        var inbox = ByteBuffer()
        do {
            for piece in plan.pieces(of: stream) {
                inbox.writeBytes(piece)
                while let message = try Self.read(&inbox) {
                    let event = try book.receive(message)
                    events.append("\(event)")
                    switch event {
                    case .offered(let offer):
                        sizes[offer.id] = offer.size
                        received[offer.id] = 0
                        let answer = decline ? book.decline(offer.id, reason: "no") : book.accept(offer.id)
                        fuzzCheck(answer != nil && (try? answer?.serialized()) != nil, "no answer to a fresh offer")
                    case .data(let id, let offset, let bytes, let ack):
                        fuzzCheck(offset == received[id], "data at \(offset), \(received[id] ?? -1) received")
                        let total = offset + Int64(bytes.readableBytes)
                        fuzzCheck(total <= sizes[id] ?? -1, "data past the offered size")
                        received[id] = total
                        if case .ack(_, let count)? = ack { fuzzCheck(Int64(count) == total, "an Ack of \(count) after \(total) bytes") }
                    case .finished(let id):
                        fuzzCheck(received[id] == sizes[id], "finished at \(received[id] ?? -1) of \(sizes[id] ?? -1) bytes")
                        fuzzCheck(book.stored(id) == .received(id: id), "a finished file cannot be stored")
                    case .accepted(let id):
                        if cancelOwn { fuzzCheck(book.cancel(id, reason: "changed my mind") != nil, "an accepted offer cannot be cancelled") }
                        while let chunk = book.nextChunk(limit: 65_536, sendWindow: 512 << 10) {
                            fuzzCheck(chunk.count > 0 && chunk.count <= 65_536, "a chunk of \(chunk.count) bytes")
                            book.chunkSent(chunk.id, count: chunk.count)
                        }
                        for done in book.completeOutgoing { fuzzCheck(book.markDone(done) == .done(id: done), "no Done") }
                    default:
                        break
                    }
                }
            }
        } catch {
            threw = "\(error)"
        }
    }

    /// Reads with the server's reader (a viewer's stream) and checks the client's reader agrees.
    static func read(_ inbox: inout ByteBuffer) throws -> FileTransfer? {
        let before = inbox
        var other = inbox
        let viaClient: ClientMessage?
        do {
            viaClient = try ClientMessage.read(from: &inbox)
        } catch {
            fuzzCheck(inbox == before, "a refused read consumed bytes")
            // Both readers share the file-transfer parser: for type 214 they must agree (other types differ by design).
            if before.getInteger(at: before.readerIndex, as: UInt8.self) == FileTransfer.messageType {
                var again = before
                fuzzCheck((try? ServerMessage.read(from: &again)) == nil, "the server reader accepts a file-transfer message the client reader refuses")
            }
            throw error
        }
        guard let message = viaClient else {
            fuzzCheck(inbox == before, "read returned nil and consumed bytes")
            return nil
        }
        guard case .fileTransfer(let transfer) = message else {
            throw RFBError.unexpected("not a file-transfer message: \(message)")
        }
        let consumed = before.readableBytes - inbox.readableBytes
        let viaServer = try? ServerMessage.read(from: &other)
        fuzzCheck(viaServer == .fileTransfer(transfer), "the two readers disagree")
        guard let wire = try? transfer.serialized() else {
            fuzzCheck(false, "a parsed message does not serialize")
            return transfer
        }
        fuzzCheck(Array(wire.readableBytesView) == Array(before.readableBytesView.prefix(consumed)),
                  "serialized() differs from the \(consumed) bytes read")
        var back = wire
        fuzzCheck((try? ClientMessage.read(from: &back)) == .fileTransfer(transfer) && back.readableBytes == 0,
                  "a serialized message reads back differently")
        return transfer
    }
}
