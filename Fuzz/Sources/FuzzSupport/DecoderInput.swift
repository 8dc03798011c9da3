import NIOCore
public import Pixels
import RFBProtocol

/// The input of `fuzz-decoders`:
///
///     U8 kind  U8 width-1  U8 height-1  U8 format [16-byte PIXEL_FORMAT when format & 0x80]
///     records until the end: U8 encoding selector, U16 x, y, width, height, U16 body length, body
///
/// Sizes stay within 256x256; rectangles may lie anywhere (the decoders must refuse those outside).
/// Lengths beyond the end of the input are cut to what is left.
public struct DecoderInput: Sendable {
    public enum Kind: UInt8, Sendable, CaseIterable {
        /// Straight into `ZRLEDecoder` / `TileDeltaDecoder` / `RawEncoding.decode`, one per connection.
        case zrle, tileDelta, raw
        /// Through the viewer's `FrameAssembler` with that encoding.
        case copyRect, cursor
        /// Through `FrameAssembler`, each record with the encoding its selector picks from `pseudoEncodings`.
        case pseudo
        /// Through `FrameAssembler`, each record with the encoding its selector picks from `allEncodings`.
        case mixed
    }

    public struct Record: Sendable {
        public var selector: UInt8
        public var x: UInt16, y: UInt16, width: UInt16, height: UInt16
        public var body: [UInt8]

        public init(selector: UInt8 = 0, x: UInt16, y: UInt16, width: UInt16, height: UInt16, body: [UInt8]) {
            self.selector = selector
            self.x = x
            self.y = y
            self.width = width
            self.height = height
            self.body = body
        }

        public var rect: Rect { Rect(x: Int(x), y: Int(y), width: Int(width), height: Int(height)) }
    }

    public static let pseudoEncodings: [Int32] = [
        RFBEncoding.pointerPos, RFBEncoding.lastRect, RFBEncoding.desktopSize, RFBEncoding.extendedDesktopSize,
        RFBEncoding.desktopName, RFBEncoding.sessionEnd, RFBEncoding.cursor,
    ]
    public static let allEncodings: [Int32] = [
        RFBEncoding.raw, RFBEncoding.copyRect, RFBEncoding.zrle, RFBEncoding.tileDelta, RFBEncoding.hextile,
    ] + pseudoEncodings

    public var kind: Kind
    public var width: Int
    public var height: Int
    public var format: PixelFormat
    public var records: [Record]

    public init(kind: Kind, width: Int, height: Int, format: PixelFormat, records: [Record]) {
        self.kind = kind
        self.width = width
        self.height = height
        self.format = format
        self.records = records
    }

    /// Nil when the input is too short for the header or names a PIXEL_FORMAT that does not parse.
    public init?(parsing input: FuzzBytes) {
        var r = input
        guard let k = r.u8(), let w = r.u8(), let h = r.u8(), let f = r.u8() else { return nil }
        kind = Kind.allCases[Int(k) % Kind.allCases.count]
        width = Int(w) + 1
        height = Int(h) + 1
        if f & FuzzFormats.explicitFlag != 0 {
            var b = ByteBuffer(bytes: r.take(upTo: PixelFormat.wireLength))
            guard let parsed = try? PixelFormat.read(from: &b) else { return nil }
            format = parsed
        } else {
            format = FuzzFormats.table[Int(f) % FuzzFormats.table.count]
        }
        records = []
        while let s = r.u8(), let x = r.u16(), let y = r.u16(), let rw = r.u16(), let rh = r.u16(), let n = r.u16() {
            records.append(Record(selector: s, x: x, y: y, width: rw, height: rh, body: Array(r.take(upTo: Int(n)))))
        }
    }

    /// The encoding a record is applied with.
    public func encoding(of record: Record) -> Int32 {
        switch kind {
        case .zrle: return RFBEncoding.zrle
        case .tileDelta: return RFBEncoding.tileDelta
        case .raw: return RFBEncoding.raw
        case .copyRect: return RFBEncoding.copyRect
        case .cursor: return RFBEncoding.cursor
        case .pseudo: return Self.pseudoEncodings[Int(record.selector) % Self.pseudoEncodings.count]
        case .mixed: return Self.allEncodings[Int(record.selector) % Self.allEncodings.count]
        }
    }

    /// The input bytes (bodies longer than 65535 bytes are cut).
    public func serialized() -> [UInt8] {
        var out: [UInt8] = [kind.rawValue, UInt8(clamping: width - 1), UInt8(clamping: height - 1)]
        if let s = FuzzFormats.selector(of: format) {
            out.append(s)
        } else {
            out.append(FuzzFormats.explicitFlag)
            var b = ByteBuffer()
            format.write(into: &b)
            out += b.readableBytesView
        }
        for r in records {
            out.append(r.selector)
            for v in [r.x, r.y, r.width, r.height, UInt16(clamping: r.body.count)] {
                out += [UInt8(v >> 8), UInt8(v & 0xFF)]
            }
            out += r.body.prefix(65_535)
        }
        return out
    }
}
