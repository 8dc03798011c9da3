import Foundation
import NIOCore
import XCTest

@testable import RFBProtocol

/// Replays `codecs/file-transfer/vectors.txt`: every message serializes to its bytes exactly, reads back
/// from them (also byte by byte, and through both the client and the server message readers), and every
/// malformed vector is refused with the named error.
final class FileTransferVectorTests: XCTestCase {
    struct Vectors {
        var good: [String: [UInt8]] = [:]
        var bad: [(name: String, error: String, bytes: [UInt8])] = []
    }

    static func load() throws -> Vectors {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("codecs/file-transfer/vectors.txt").path
        var v = Vectors()
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
            var words = line.split(separator: " ").map(String.init)
            guard words.count >= 2 else { continue }
            let kind = words.removeFirst(), name = words.removeFirst()
            if kind == "vector" {
                v.good[name] = hex(words.joined())
            } else if kind == "bad" {
                let rest = words.joined(separator: " ")
                guard let open = rest.firstIndex(of: "\""), let close = rest[rest.index(after: open)...].firstIndex(of: "\"") else { continue }
                let error = String(rest[rest.index(after: open)..<close])
                v.bad.append((name, error, hex(rest[rest.index(after: close)...].split(separator: " ").joined())))
            }
        }
        return v
    }

    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while let j = s.index(i, offsetBy: 2, limitedBy: s.endIndex), i < s.endIndex {
            out.append(UInt8(s[i..<j], radix: 16) ?? 0xEE)
            i = j
        }
        return out
    }

    static let hello = Array("hello\n".utf8)
    static let helloHash = hex("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
    static let emptyHash = hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")

    /// What each vector means.
    static let expected: [String: FileTransfer] = [
        "offer-report": .offer(FileOffer(id: 1, name: "report.log", size: 6, sha256: helloHash, mediaType: "text/plain")),
        "offer-empty-no-media": .offer(FileOffer(id: 2, name: "räksmörgås.txt", size: 0, sha256: emptyHash)),
        "accept": .accept(id: 1),
        "decline": .decline(id: 1, reason: "bob declined"),
        "decline-empty": .decline(id: 7, reason: ""),
        "data": .data(id: 1, bytes: ByteBuffer(bytes: hello)),
        "done": .done(id: 1),
        "cancel": .cancel(id: 1, reason: "alice cancelled"),
        "abort": .abort(id: 1, reason: "disk full"),
        "ack": .ack(id: 1, received: 131_072),
        "received": .received(id: 1),
    ]

    func testEveryKindHasAVectorAndRoundTrips() throws {
        let v = try Self.load()
        XCTAssertEqual(Set(v.good.keys), Set(Self.expected.keys), "vectors and meanings differ")
        for (name, message) in Self.expected {
            let wire = try XCTUnwrap(v.good[name], name)
            XCTAssertEqual(bytes(try message.serialized()), wire, "\(name) serializes to other bytes")
            XCTAssertEqual(bytes(try ClientMessage.fileTransfer(message).serialized()), wire, name)
            XCTAssertEqual(bytes(try ServerMessage.fileTransfer(message).serialized()), wire, name)
            XCTAssertEqual(try readIncrementally(wire, ClientMessage.read), .fileTransfer(message), name)
            XCTAssertEqual(try readIncrementally(wire, ServerMessage.read), .fileTransfer(message), name)
        }
    }

    func testBadVectorsAreRefusedByBothReaders() throws {
        let v = try Self.load()
        XCTAssertGreaterThanOrEqual(v.bad.count, 12)
        for bad in v.bad {
            for read in [{ (b: inout ByteBuffer) throws -> Bool in try ClientMessage.read(from: &b) != nil },
                         { (b: inout ByteBuffer) throws -> Bool in try ServerMessage.read(from: &b) != nil }] {
                var b = buf(bad.bytes)
                XCTAssertThrowsError(try read(&b), bad.name) { error in
                    XCTAssertTrue("\(error)".contains(bad.error), "\(bad.name): \(error)")
                }
            }
        }
    }

    /// A declared length far beyond what arrived is refused (or waited for, within the limit) before
    /// anything of that size is allocated: a 4 GiB chunk length throws at once.
    func testLengthsAreCheckedBeforeWaiting() throws {
        var b = buf([214, 3, 0, 0] + u32(1) + u32(0xFFFF_FFFF))
        XCTAssertThrowsError(try ClientMessage.read(from: &b))
        var partial = buf([214, 3, 0, 0] + u32(1) + u32(65_536) + [1, 2, 3])
        XCTAssertNil(try ClientMessage.read(from: &partial))
        XCTAssertEqual(partial.readableBytes, 15, "nothing consumed while waiting")
    }

    func testWriterRefusesWhatTheWireCannotCarry() {
        XCTAssertThrowsError(try FileTransfer.offer(FileOffer(id: 1, name: "", size: 1, sha256: Self.helloHash)).serialized())
        XCTAssertThrowsError(try FileTransfer.offer(FileOffer(id: 1, name: String(repeating: "a", count: 4097), size: 1, sha256: Self.helloHash)).serialized())
        XCTAssertThrowsError(try FileTransfer.offer(FileOffer(id: 1, name: "a", size: 1, sha256: [1, 2])).serialized())
        XCTAssertThrowsError(try FileTransfer.offer(FileOffer(id: 1, name: "a", size: -1, sha256: Self.helloHash)).serialized())
        XCTAssertThrowsError(try FileTransfer.offer(FileOffer(id: 1, name: "a", size: 1, sha256: Self.helloHash, mediaType: "text plain")).serialized())
        XCTAssertThrowsError(try FileTransfer.accept(id: 0).serialized())
        XCTAssertThrowsError(try FileTransfer.data(id: 1, bytes: ByteBuffer()).serialized())
        XCTAssertThrowsError(try FileTransfer.data(id: 1, bytes: ByteBuffer(repeating: 0, count: 65_537)).serialized())
        XCTAssertThrowsError(try FileTransfer.cancel(id: 1, reason: String(repeating: "x", count: 1025)).serialized())
    }

    func testNegotiationIsConfirmedOnceAndGatesMessages() throws {
        var stock = ServerSession(framebufferWidth: 10, framebufferHeight: 10, pixelFormat: .native)
        var wire = try ClientMessage.setEncodings([16, 0, RFBEncoding.sessionEnd]).serialized()
        _ = try stock.receive(&wire)
        XCTAssertEqual(stock.takeLeadingRectangles(), [.sessionEndConfirmation])
        XCTAssertNil(try stock.fileTransfer(.accept(id: 1)), "nothing for a client that did not list RAFT")
        var early = try ClientMessage.fileTransfer(.accept(id: 1)).serialized()
        XCTAssertThrowsError(try stock.receive(&early), "a client may not send before the confirmation")

        var ours = ServerSession(framebufferWidth: 10, framebufferHeight: 10, pixelFormat: .native)
        wire = try ClientMessage.setEncodings([16, 0, RFBEncoding.sessionEnd, RFBEncoding.fileTransfer]).serialized()
        _ = try ours.receive(&wire)
        XCTAssertNil(try ours.fileTransfer(.accept(id: 1)), "nothing before the confirmation went out")
        XCTAssertEqual(ours.takeLeadingRectangles(), [.sessionEndConfirmation, .fileTransferConfirmation])
        XCTAssertEqual(ours.takeLeadingRectangles(), [])
        XCTAssertEqual(try ours.fileTransfer(.accept(id: 1)).map(bytes), [214, 1, 0, 0, 0, 0, 0, 1])
        var offer = try ClientMessage.fileTransfer(.done(id: 3)).serialized()
        XCTAssertEqual(try ours.receive(&offer), [.fileTransfer(.done(id: 3))])

        // The client side: the confirmation rectangle, then messages.
        var client = ClientSession(serverInit: ServerInit(width: 10, height: 10, pixelFormat: .native, name: "d"))
        _ = try client.setEncodings([0, RFBEncoding.fileTransfer])
        var before = try ServerMessage.fileTransfer(.accept(id: 1)).serialized()
        XCTAssertThrowsError(try client.receive(&before))
        client = ClientSession(serverInit: ServerInit(width: 10, height: 10, pixelFormat: .native, name: "d"))
        _ = try client.setEncodings([0, RFBEncoding.fileTransfer])
        var update = try ServerMessage.framebufferUpdate(rectangleCount: 1).serialized()
        update.writeBytes([0, 0, 0, 0, 0, 0, 0, 0] + s32(RFBEncoding.fileTransfer))
        update.writeImmutableBuffer(try ServerMessage.fileTransfer(.accept(id: 1)).serialized())
        let events = try client.receive(&update)
        XCTAssertTrue(events.contains(.fileTransferConfirmed))
        XCTAssertEqual(events.last, .fileTransfer(.accept(id: 1)))
        XCTAssertEqual(try client.fileTransfer(.done(id: 2)).map(bytes), [214, 4, 0, 0, 0, 0, 0, 2])

        var unasked = ClientSession(serverInit: ServerInit(width: 10, height: 10, pixelFormat: .native, name: "d"))
        _ = try unasked.setEncodings([0])
        var confirmation = try ServerMessage.framebufferUpdate(rectangleCount: 1).serialized()
        confirmation.writeBytes([0, 0, 0, 0, 0, 0, 0, 0] + s32(RFBEncoding.fileTransfer))
        XCTAssertThrowsError(try unasked.receive(&confirmation), "a confirmation we never asked for")
        var nonZero = try ServerMessage.framebufferUpdate(rectangleCount: 1).serialized()
        nonZero.writeBytes([0, 0, 0, 0, 0, 1, 0, 0] + s32(RFBEncoding.fileTransfer))
        var asked = ClientSession(serverInit: ServerInit(width: 10, height: 10, pixelFormat: .native, name: "d"))
        _ = try asked.setEncodings([0, RFBEncoding.fileTransfer])
        XCTAssertThrowsError(try asked.receive(&nonZero), "a confirmation with a non-zero field")
    }
}
