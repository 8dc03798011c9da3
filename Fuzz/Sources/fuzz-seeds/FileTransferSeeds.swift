import NIOCore
import RFBProtocol

/// Seeds of `fuzz-file-transfer`: a control byte (read plan in bits 0-5, decline in bit 6, cancel our
/// own offers in bit 7), then what a peer sends once file transfer is confirmed: whole transfers in
/// both roles as our serializers write them, and the lies the book must refuse.
enum FileTransferSeeds {
    static let t = "fuzz-file-transfer"

    static func wire(_ messages: [FileTransfer]) throws -> [UInt8] {
        var b = ByteBuffer()
        for m in messages { try ClientMessage.fileTransfer(m).write(into: &b) }
        return Array(b.readableBytesView)
    }

    static func data(_ id: UInt32, _ count: Int) -> FileTransfer {
        .data(id: id, bytes: ByteBuffer(repeating: 0x5A, count: count))
    }

    static func write(_ w: inout SeedWriter) throws {
        let hash = [UInt8](repeating: 0x11, count: 32)
        let offer = FileTransfer.offer(FileOffer(id: 1, name: "report.log", size: 5, sha256: hash, mediaType: "text/plain"))
        try w.write(t, "incoming-whole", [0] + (try wire([offer, data(1, 2), data(1, 3), .done(id: 1)])))
        try w.write(t, "incoming-bytewise", [1] + (try wire([offer, data(1, 5), .done(id: 1)])))
        try w.write(t, "incoming-declined", [0x40] + (try wire([offer, .cancel(id: 1, reason: "late")])))
        try w.write(t, "incoming-cancelled", [0x05] + (try wire([offer, data(1, 2), .cancel(id: 1, reason: "alice cancelled")])))
        try w.write(t, "outgoing-accepted", [0] + (try wire([.accept(id: 1), .received(id: 1), .accept(id: 2),
                                                                .ack(id: 2, received: 131_072), .ack(id: 2, received: 262_144),
                                                                .received(id: 2)])))
        try w.write(t, "outgoing-declined", [0x80] + (try wire([.decline(id: 2, reason: "bob declined"), .accept(id: 1),
                                                                   .abort(id: 1, reason: "disk full")])))
        try w.write(t, "outgoing-aborted", [0x11] + (try wire([.accept(id: 2), .ack(id: 2, received: 65_536),
                                                                  .abort(id: 2, reason: "bob cancelled")])))
        let big = FileTransfer.offer(FileOffer(id: 3, name: "../../.bashrc", size: 200_000, sha256: hash))
        try w.write(t, "incoming-big-with-acks", [0x22] + (try wire([big] + (0..<3).map { _ in data(3, 65_536) } + [data(3, 3_392), .done(id: 3)])))
        try w.write(t, "lie-size", [0] + (try wire([offer, data(1, 4), .done(id: 1)])))
        try w.write(t, "lie-past-size", [0] + (try wire([offer, data(1, 6)])))
        try w.write(t, "lie-unknown-id", [0] + (try wire([data(9, 1)])))
        try w.write(t, "lie-after-cancel", [0] + (try wire([offer, .cancel(id: 1, reason: ""), data(1, 1)])))
        try w.write(t, "lie-id-order", [0] + (try wire([offer, offer])))
        try w.write(t, "lie-double-accept", [0] + (try wire([.accept(id: 1), .accept(id: 1)])))
        try w.write(t, "lie-ack-beyond", [0] + (try wire([.accept(id: 2), .ack(id: 2, received: 900_000)])))
        try w.write(t, "too-many-offers", [0x40] + (try wire((1...9).map {
            FileTransfer.offer(FileOffer(id: $0, name: "f\($0)", size: 1, sha256: hash))
        })))
        try w.write(t, "long-name", [0] + (try wire([.offer(FileOffer(id: 1, name: String(repeating: "n", count: 4096), size: 1, sha256: hash))])))
        try w.write(t, "bad-kind", [0] + [214, 9, 0, 0, 0, 0, 0, 1])
        try w.write(t, "bad-chunk-length", [0] + [214, 3, 0, 0, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF])
        try w.write(t, "empty", [0])
    }
}
