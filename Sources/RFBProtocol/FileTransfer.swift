public import NIOCore

/// Our file-transfer extension (message type 214 in both directions, see `codecs/file-transfer.md`).
/// Every message starts with the same 8 bytes: U8 214, U8 kind, U16 n (a length whose meaning depends on
/// the kind, else 0), U32 transfer id (chosen by the side that offered the file).
/// Only sent once the server confirmed pseudo-encoding `RFBEncoding.fileTransfer` ("RAFT").
public enum FileTransfer: Hashable, Sendable {
    /// Offerer: "may I send you this file?" (name 1...4096 UTF-8 bytes, media type 0...127 ASCII bytes).
    case offer(FileOffer)
    /// Receiver: yes, send it.
    case accept(id: UInt32)
    /// Receiver: no (before accepting), with a reason for the person (at most 1024 bytes).
    case decline(id: UInt32, reason: String)
    /// Offerer: the next 1...65536 bytes of an accepted file (offsets are implicit: in order).
    case data(id: UInt32, bytes: ByteBuffer)
    /// Offerer: every byte was sent; the receiver checks the size and SHA-256.
    case done(id: UInt32)
    /// Offerer: the offer is withdrawn, or sending stops (no data follows for this id).
    case cancel(id: UInt32, reason: String)
    /// Receiver: stops receiving an accepted file (cancelled, disk full, …).
    case abort(id: UInt32, reason: String)
    /// Receiver: this many bytes of the file arrived (flow control credit and progress).
    case ack(id: UInt32, received: UInt64)
    /// Receiver: the file arrived whole, its SHA-256 matched, it is stored.
    case received(id: UInt32)

    public static let messageType: UInt8 = 214

    public enum Kind {
        public static let offer: UInt8 = 0
        public static let accept: UInt8 = 1
        public static let decline: UInt8 = 2
        public static let data: UInt8 = 3
        public static let done: UInt8 = 4
        public static let cancel: UInt8 = 5
        public static let abort: UInt8 = 6
        public static let ack: UInt8 = 7
        public static let received: UInt8 = 8
    }

    /// The transfer the message is about.
    public var id: UInt32 {
        switch self {
        case .offer(let o): return o.id
        case .accept(let id), .decline(let id, _), .data(let id, _), .done(let id), .cancel(let id, _),
             .abort(let id, _), .ack(let id, _), .received(let id):
            return id
        }
    }

    /// Reads what follows the type byte: nil when more bytes are needed, throws on bad input (every
    /// length is checked against its limit before its bytes are waited for).
    static func readBody(from b: inout ByteBuffer) throws -> FileTransfer? {
        guard let kind = b.rfbU8(), let n = b.rfbU16(), let id = b.rfbU32() else { return nil }
        guard id != 0 else { throw RFBError.malformed("file transfer id 0") }
        func noLength() throws {
            guard n == 0 else { throw RFBError.malformed("file transfer kind \(kind) with non-zero length field \(n)") }
        }
        func reason(_ what: String) throws -> String? {
            guard Int(n) <= RFBLimits.maxFileReasonLength else {
                throw RFBError.tooLarge(what: what, length: Int(n), limit: RFBLimits.maxFileReasonLength)
            }
            guard let bytes = b.readBytes(length: Int(n)) else { return nil }
            guard let text = rfbStrictUTF8(bytes) else { throw RFBError.malformed("\(what) is not UTF-8") }
            return text
        }
        switch kind {
        case Kind.offer:
            guard n > 0 else { throw RFBError.malformed("file offer with an empty name") }
            guard Int(n) <= RFBLimits.maxFileNameLength else {
                throw RFBError.tooLarge(what: "file name", length: Int(n), limit: RFBLimits.maxFileNameLength)
            }
            guard let size = b.readInteger(endianness: .big, as: UInt64.self),
                  let hash = b.readBytes(length: 32), let mediaLength = b.rfbU8() else { return nil }
            guard size <= UInt64(FileOffer.maximumSize) else {
                throw RFBError.malformed("file size \(size) beyond \(FileOffer.maximumSize)")
            }
            guard Int(mediaLength) <= RFBLimits.maxMediaTypeLength else {
                throw RFBError.tooLarge(what: "media type", length: Int(mediaLength), limit: RFBLimits.maxMediaTypeLength)
            }
            guard let media = b.readBytes(length: Int(mediaLength)), let nameBytes = b.readBytes(length: Int(n)) else { return nil }
            guard media.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw RFBError.malformed("media type with a byte outside printable ASCII")
            }
            guard let name = rfbStrictUTF8(nameBytes) else { throw RFBError.malformed("file name is not UTF-8") }
            return .offer(FileOffer(id: id, name: name, size: Int64(size), sha256: hash,
                                    mediaType: String(decoding: media, as: UTF8.self)))
        case Kind.accept:
            try noLength()
            return .accept(id: id)
        case Kind.decline:
            guard let text = try reason("file decline reason") else { return nil }
            return .decline(id: id, reason: text)
        case Kind.data:
            try noLength()
            guard let length = b.rfbU32() else { return nil }
            guard length > 0 else { throw RFBError.malformed("empty file data chunk") }
            guard Int(length) <= RFBLimits.maxFileChunkLength else {
                throw RFBError.tooLarge(what: "file data chunk", length: Int(length), limit: RFBLimits.maxFileChunkLength)
            }
            guard let bytes = b.readSlice(length: Int(length)) else { return nil }
            return .data(id: id, bytes: bytes)
        case Kind.done:
            try noLength()
            return .done(id: id)
        case Kind.cancel:
            guard let text = try reason("file cancel reason") else { return nil }
            return .cancel(id: id, reason: text)
        case Kind.abort:
            guard let text = try reason("file abort reason") else { return nil }
            return .abort(id: id, reason: text)
        case Kind.ack:
            try noLength()
            guard let received = b.readInteger(endianness: .big, as: UInt64.self) else { return nil }
            guard received <= UInt64(FileOffer.maximumSize) else {
                throw RFBError.malformed("file acknowledgement of \(received) bytes")
            }
            return .ack(id: id, received: received)
        case Kind.received:
            try noLength()
            return .received(id: id)
        default:
            throw RFBError.malformed("unknown file transfer kind \(kind)")
        }
    }

    /// Writes the whole message including the type byte; throws for values the wire cannot carry.
    public func write(into buffer: inout ByteBuffer) throws {
        guard id != 0 else { throw RFBError.invalidArgument("file transfer id 0") }
        func header(_ kind: UInt8, _ n: Int) {
            buffer.rfbWriteU8(Self.messageType)
            buffer.rfbWriteU8(kind)
            buffer.rfbWriteU16(UInt16(n))
            buffer.rfbWriteU32(id)
        }
        func reason(_ kind: UInt8, _ text: String) throws {
            let bytes = Array(text.utf8)
            guard bytes.count <= RFBLimits.maxFileReasonLength else {
                throw RFBError.invalidArgument("file transfer reason of \(bytes.count) bytes (at most \(RFBLimits.maxFileReasonLength))")
            }
            header(kind, bytes.count)
            buffer.writeBytes(bytes)
        }
        switch self {
        case .offer(let o):
            let name = Array(o.name.utf8), media = Array(o.mediaType.utf8)
            guard (1...RFBLimits.maxFileNameLength).contains(name.count) else {
                throw RFBError.invalidArgument("file name of \(name.count) bytes (1...\(RFBLimits.maxFileNameLength))")
            }
            guard media.count <= RFBLimits.maxMediaTypeLength, media.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw RFBError.invalidArgument("media type \"\(o.mediaType)\" (at most \(RFBLimits.maxMediaTypeLength) printable ASCII bytes)")
            }
            guard o.sha256.count == 32 else { throw RFBError.invalidArgument("SHA-256 of \(o.sha256.count) bytes") }
            guard (0...FileOffer.maximumSize).contains(o.size) else { throw RFBError.invalidArgument("file size \(o.size)") }
            header(Kind.offer, name.count)
            buffer.writeInteger(UInt64(o.size), endianness: .big)
            buffer.writeBytes(o.sha256)
            buffer.rfbWriteU8(UInt8(media.count))
            buffer.writeBytes(media)
            buffer.writeBytes(name)
        case .accept:
            header(Kind.accept, 0)
        case .decline(_, let text):
            try reason(Kind.decline, text)
        case .data(_, let bytes):
            guard (1...RFBLimits.maxFileChunkLength).contains(bytes.readableBytes) else {
                throw RFBError.invalidArgument("file data chunk of \(bytes.readableBytes) bytes (1...\(RFBLimits.maxFileChunkLength))")
            }
            header(Kind.data, 0)
            buffer.rfbWriteU32(UInt32(bytes.readableBytes))
            buffer.writeImmutableBuffer(bytes)
        case .done:
            header(Kind.done, 0)
        case .cancel(_, let text):
            try reason(Kind.cancel, text)
        case .abort(_, let text):
            try reason(Kind.abort, text)
        case .ack(_, let received):
            header(Kind.ack, 0)
            buffer.writeInteger(received, endianness: .big)
        case .received:
            header(Kind.received, 0)
        }
    }

    /// The message as a fresh buffer.
    public func serialized() throws -> ByteBuffer {
        var b = ByteBuffer()
        try write(into: &b)
        return b
    }
}

/// What an offer says about a file. The name and media type are the peer's words: clean them
/// (`PeerText`) before showing them, reduce the name (`PeerFileName`) before using it on disk.
public struct FileOffer: Hashable, Sendable {
    /// The largest size the wire format carries (2^62 bytes; the receiver's own limit is far lower).
    public static let maximumSize: Int64 = 1 << 62

    public var id: UInt32
    public var name: String
    public var size: Int64
    /// 32 bytes.
    public var sha256: [UInt8]
    /// "text/plain", or "" when not given.
    public var mediaType: String

    public init(id: UInt32, name: String, size: Int64, sha256: [UInt8], mediaType: String = "") {
        self.id = id
        self.name = name
        self.size = size
        self.sha256 = sha256
        self.mediaType = mediaType
    }

    /// The hash as 64 lowercase hex digits.
    public var sha256Hex: String { sha256.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }
}
