import FuzzSupport
import NIOCore
import Pixels
import RFBProtocol
import TileCodec
import Viewer

/// Applies the records of one input in order, as one connection would, until the first error (after
/// which a real viewer closes the connection: the zlib / zstd stream is unusable).
struct DecoderRun {
    let input: DecoderInput
    var framebuffer: Framebuffer
    // Each holds zlib / zstd state and buffers: made only for the kind of input that uses it.
    let zrle: ZRLEDecoder?
    let tileDelta: TileDeltaDecoder?
    let assembler: FrameAssembler?

    init(_ input: DecoderInput) {
        self.input = input
        // Not black, so copies and XOR deltas move something.
        var fb = Framebuffer(width: input.width, height: input.height)
        for i in fb.pixels.indices { fb.pixels[i] = UInt32(truncatingIfNeeded: i &* 2_654_435_761) & 0x00FF_FFFF }
        framebuffer = fb
        zrle = input.kind == .zrle ? ZRLEDecoder() : nil
        tileDelta = input.kind == .tileDelta ? TileDeltaDecoder() : nil
        switch input.kind {
        case .zrle, .tileDelta, .raw: assembler = nil
        case .copyRect, .cursor, .pseudo, .mixed: assembler = FrameAssembler(width: input.width, height: input.height)
        }
    }

    mutating func run() {
        for record in input.records {
            do { try apply(record) } catch { break }
        }
        check(framebuffer, "decoder framebuffer")
        guard let assembler else { return }
        check(assembler.framebuffer, "assembler framebuffer")
        if let cursor = assembler.cursor {
            fuzzCheck(cursor.argb.count == cursor.width * cursor.height, "cursor of \(cursor.width)x\(cursor.height) holds \(cursor.argb.count) pixels")
        }
    }

    mutating func apply(_ record: DecoderInput.Record) throws {
        let rect = record.rect
        switch input.kind {
        case .zrle:
            try zrle?.decode(body: record.body, rect: rect, format: input.format, into: &framebuffer)
        case .tileDelta:
            try tileDelta?.decode(body: record.body, rect: rect, into: &framebuffer)
        case .raw:
            try RawEncoding.decode(record.body, rect: rect, format: input.format, into: &framebuffer)
        case .copyRect, .cursor, .pseudo, .mixed:
            guard let assembler else { return }
            let header = RectangleHeader(x: record.x, y: record.y, width: record.width, height: record.height,
                                         encoding: input.encoding(of: record))
            try assembler.apply(Rectangle(header: header, body: ByteBuffer(bytes: record.body)), format: input.format)
        }
    }

    /// The framebuffer keeps its size and the internal layout (pad byte 0) whatever the input.
    func check(_ fb: Framebuffer, _ what: String) {
        fuzzCheck(fb.pixels.count == fb.width * fb.height, "\(what): \(fb.pixels.count) pixels for \(fb.width)x\(fb.height)")
        fuzzCheck(fb.pixels.allSatisfy { $0 & 0xFF00_0000 == 0 }, "\(what): a pixel has a non-zero pad byte")
    }
}
