import NIOCore
import XCTest

@testable import RFBProtocol

/// The rules of `codecs/file-transfer.md` as the pure state machine enforces them: both roles, flow
/// control, cancels from each side and their races, and every lie a hostile peer can tell.
final class FileTransferBookTests: XCTestCase {
    let hash = [UInt8](repeating: 7, count: 32)

    func offer(_ id: UInt32, size: Int64) -> FileTransfer {
        .offer(FileOffer(id: id, name: "f\(id)", size: size, sha256: hash))
    }

    func data(_ id: UInt32, _ count: Int) -> FileTransfer { .data(id: id, bytes: ByteBuffer(repeating: 1, count: count)) }

    func violation(_ book: inout FileTransferBook, _ message: FileTransfer, _ text: String,
                   file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try book.receive(message), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(text), "\(error)", file: file, line: line)
        }
    }

    /// The offerer's side of a whole transfer with flow control, then the receiver's side of the same.
    func testSendingWithFlowControl() throws {
        var sender = FileTransferBook()
        var receiver = FileTransferBook()
        let size: Int64 = 600 << 10
        let offered = try sender.offer(name: "big.bin", size: size, sha256: hash)
        guard case .offered(let o) = try receiver.receive(offered) else { return XCTFail() }
        XCTAssertEqual(o.id, 1)
        XCTAssertNil(sender.nextChunk(limit: 65_536, sendWindow: 512 << 10), "nothing before Accept")
        let accept = try XCTUnwrap(receiver.accept(1))
        XCTAssertNil(receiver.accept(1), "accepted once")
        XCTAssertEqual(try sender.receive(accept), .accepted(id: 1))
        var sent: Int64 = 0
        var acks = 0
        while true {
            guard let chunk = sender.nextChunk(limit: 65_536, sendWindow: 512 << 10) else {
                XCTAssertTrue(sent == size || sent >= 512 << 10, "stalled at \(sent) without reaching the window")
                if sent == size { break }
                XCTFail("window exhausted without an ack at \(sent)")
                return
            }
            XCTAssertEqual(chunk.offset, sent)
            sender.chunkSent(chunk.id, count: chunk.count)
            sent += Int64(chunk.count)
            guard case .data(_, let offset, let bytes, let ack) = try receiver.receive(data(1, chunk.count)) else { return XCTFail() }
            XCTAssertEqual(offset, sent - Int64(chunk.count))
            XCTAssertEqual(bytes.readableBytes, chunk.count)
            if let ack {
                acks += 1
                guard case .acknowledged = try sender.receive(ack) else { return XCTFail() }
            }
        }
        XCTAssertEqual(acks, 4, "one ack every 128 KiB, none after the last byte")
        XCTAssertEqual(sender.completeOutgoing, [1])
        let done = try XCTUnwrap(sender.markDone(1))
        XCTAssertNil(sender.cancel(1, reason: "x"), "no Cancel after Done")
        XCTAssertEqual(try receiver.receive(done), .finished(id: 1))
        let received = try XCTUnwrap(receiver.stored(1))
        XCTAssertEqual(try sender.receive(received), .delivered(id: 1))
        XCTAssertTrue(sender.isIdle)
        XCTAssertTrue(receiver.isIdle)
    }

    func testZeroByteFile() throws {
        var sender = FileTransferBook(), receiver = FileTransferBook()
        _ = try receiver.receive(try sender.offer(name: "empty", size: 0, sha256: hash))
        _ = try sender.receive(try XCTUnwrap(receiver.accept(1)))
        XCTAssertNil(sender.nextChunk(limit: 65_536, sendWindow: 512 << 10))
        XCTAssertEqual(sender.completeOutgoing, [1])
        XCTAssertEqual(try receiver.receive(try XCTUnwrap(sender.markDone(1))), .finished(id: 1))
    }

    func testDeclineAndLateAnswers() throws {
        var sender = FileTransferBook(), receiver = FileTransferBook()
        _ = try receiver.receive(try sender.offer(name: "a", size: 5, sha256: hash))
        let decline = try XCTUnwrap(receiver.decline(1, reason: "bob declined"))
        XCTAssertEqual(try sender.receive(decline), .declined(id: 1, reason: "bob declined"))
        violation(&receiver, data(1, 1), "unknown transfer 1")
        // A Cancel crossing the Decline is a race, not a lie.
        XCTAssertEqual(try receiver.receive(.cancel(id: 1, reason: "")), .ignored)
        // The offerer cancels while the receiver accepts: the late Accept is ignored.
        _ = try receiver.receive(try sender.offer(name: "b", size: 5, sha256: hash))
        let cancel = try XCTUnwrap(sender.cancel(2, reason: "alice cancelled"))
        let accept = try XCTUnwrap(receiver.accept(2))
        XCTAssertEqual(try sender.receive(accept), .ignored)
        XCTAssertEqual(try receiver.receive(cancel), .cancelled(id: 2, reason: "alice cancelled"))
        violation(&receiver, data(2, 1), "unknown transfer 2")
    }

    func testCancelMidwayFromEachSide() throws {
        // The offerer stops: data after its Cancel is a violation.
        var sender = FileTransferBook(), receiver = FileTransferBook()
        _ = try receiver.receive(try sender.offer(name: "a", size: 1000, sha256: hash))
        _ = try sender.receive(try XCTUnwrap(receiver.accept(1)))
        _ = try receiver.receive(data(1, 100))
        XCTAssertEqual(try receiver.receive(try XCTUnwrap(sender.cancel(1, reason: "stop"))), .cancelled(id: 1, reason: "stop"))
        violation(&receiver, data(1, 100), "unknown transfer 1")

        // The receiver stops: data in flight is dropped until the offerer's answering Cancel, then refused.
        sender = FileTransferBook()
        receiver = FileTransferBook()
        _ = try receiver.receive(try sender.offer(name: "a", size: 1000, sha256: hash))
        _ = try sender.receive(try XCTUnwrap(receiver.accept(1)))
        _ = try receiver.receive(data(1, 100))
        let abort = try XCTUnwrap(receiver.abort(1, reason: "bob cancelled"))
        XCTAssertEqual(try receiver.receive(data(1, 100)), .ignored, "in flight: dropped")
        violation(&receiver, data(1, 801), "past the offered size")
        guard case .aborted(1, "bob cancelled", let reply?) = try sender.receive(abort) else { return XCTFail() }
        XCTAssertNil(sender.nextChunk(limit: 100, sendWindow: 1 << 20))
        XCTAssertEqual(try receiver.receive(reply), .ignored)
        violation(&receiver, data(1, 1), "unknown transfer 1")
    }

    func testLies() throws {
        var receiver = FileTransferBook()
        violation(&receiver, data(5, 10), "unknown transfer 5")
        violation(&receiver, .done(id: 5), "unknown transfer 5")
        violation(&receiver, .cancel(id: 5, reason: ""), "unknown transfer 5")
        _ = try receiver.receive(offer(3, size: 10))
        violation(&receiver, offer(3, size: 10), "does not follow")
        violation(&receiver, offer(2, size: 10), "does not follow")
        violation(&receiver, data(3, 1), "not accepted")
        _ = receiver.accept(3)
        _ = try receiver.receive(data(3, 6))
        violation(&receiver, data(3, 5), "past the offered size")
        violation(&receiver, .done(id: 3), "ended after 6 of the 10 bytes")
        _ = try receiver.receive(data(3, 4))
        XCTAssertEqual(try receiver.receive(.done(id: 3)), .finished(id: 3))
        violation(&receiver, data(3, 1), "already done")
        violation(&receiver, .cancel(id: 3, reason: ""), "after its Done")

        // Too many offers at once.
        var flooded = FileTransferBook()
        for id in 1...UInt32(FileTransferBook.maxOpenOffers) { _ = try flooded.receive(offer(id, size: 1)) }
        violation(&flooded, offer(99, size: 1), "more than 8 file offers")

        // The offerer's side: answers for ids never used, double accepts, acks out of range.
        var sender = FileTransferBook()
        violation(&sender, .accept(id: 1), "unknown transfer 1")
        violation(&sender, .received(id: 1), "unknown transfer 1")
        _ = try sender.offer(name: "x", size: 100, sha256: hash)
        violation(&sender, .ack(id: 1, received: 0), "not accepted")
        _ = try sender.receive(.accept(id: 1))
        violation(&sender, .accept(id: 1), "accepted twice")
        violation(&sender, .decline(id: 1, reason: ""), "declined after")
        violation(&sender, .ack(id: 1, received: 1), "0...0 possible")
        violation(&sender, .received(id: 1), "before it was done")
    }

    func testOwnLimits() throws {
        var book = FileTransferBook()
        for _ in 0..<FileTransferBook.maxOpenOffers { _ = try book.offer(name: "x", size: 1, sha256: hash) }
        XCTAssertThrowsError(try book.offer(name: "x", size: 1, sha256: hash))
        var other = FileTransferBook()
        XCTAssertThrowsError(try other.offer(name: "", size: 1, sha256: hash))
        XCTAssertEqual(other.openOutgoing, 0, "a refused offer leaves nothing open")
        XCTAssertEqual(FileTransferBook.fit(String(repeating: "é", count: 600)).utf8.count, 1024)
    }
}
