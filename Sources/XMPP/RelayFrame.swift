/// The framing both ends of a relayed bytestream put between the SOCKS5 channel and TLS, so that a proxy
/// that holds the tail of a burst gives it up (see `RelayFrameHandler` for why and how).
///
/// A frame is a kind byte, a 16-bit big-endian length, then that many bytes:
/// - kind 0, data: 1...65535 bytes of the stream;
/// - kind 1, filler: 0...65535 bytes the receiver skips (their values do not matter; we send zeros).
///
/// Anything else (another kind, an empty data frame) is refused: the receiver closes with
/// `RelayFrameError`. The decoder keeps at most a 3-byte header between reads and allocates nothing for a
/// frame's body: data passes through as ranges of the input, filler is skipped.
public enum RelayFrame {
    public static let headerBytes = 3
    public static let maximumPayloadBytes = 65535
    public static let dataKind: UInt8 = 0
    public static let fillerKind: UInt8 = 1

    /// The header of a data frame of `count` (1...65535) bytes.
    public static func dataHeader(count: Int) -> [UInt8] {
        precondition((1...maximumPayloadBytes).contains(count), "a data frame holds 1...65535 bytes")  // our own writes
        return [dataKind, UInt8(count >> 8), UInt8(count & 0xFF)]
    }

    /// A filler frame of `totalBytes` (3...65538) bytes, header included, all of it zeros after the header.
    public static func filler(totalBytes: Int) -> [UInt8] {
        let payload = min(max(totalBytes - headerBytes, 0), maximumPayloadBytes)
        return [fillerKind, UInt8(payload >> 8), UInt8(payload & 0xFF)] + [UInt8](repeating: 0, count: payload)
    }
}

public enum RelayFrameError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownKind(UInt8)
    case emptyDataFrame

    public var description: String {
        switch self {
        case .unknownKind(let kind): return "the relayed stream is malformed: a frame of unknown kind \(kind)"
        case .emptyDataFrame: return "the relayed stream is malformed: an empty data frame"
        }
    }
}

/// Reads frames from bytes in any chunking; returns, per input, the ranges of it that are stream data.
/// After an error it stays failed (every later input throws the same error).
public struct RelayFrameDecoder: Sendable {
    private var header: [UInt8] = []
    private var kind: UInt8 = 0
    private var remaining = 0
    private var failure: RelayFrameError?

    public init() {}

    /// True between frames (no partial header or body pending).
    public var isAtFrameBoundary: Bool { header.isEmpty && remaining == 0 }

    /// The ranges of `bytes` (indices into it) that carry stream data, in order.
    public mutating func dataRanges(in bytes: UnsafeRawBufferPointer) throws -> [Range<Int>] {
        if let failure { throw failure }
        var ranges: [Range<Int>] = []
        var i = 0
        while i < bytes.count {
            if remaining > 0 {
                let n = min(remaining, bytes.count - i)
                if kind == RelayFrame.dataKind {
                    if let last = ranges.last, last.upperBound == i {
                        ranges[ranges.count - 1] = last.lowerBound..<(i + n)
                    } else {
                        ranges.append(i..<(i + n))
                    }
                }
                remaining -= n
                i += n
                continue
            }
            header.append(bytes[i])
            i += 1
            guard header.count == RelayFrame.headerBytes else { continue }
            kind = header[0]
            let length = Int(header[1]) << 8 | Int(header[2])
            header.removeAll(keepingCapacity: true)
            switch kind {
            case RelayFrame.dataKind:
                guard length > 0 else { return try fail(.emptyDataFrame) }
            case RelayFrame.fillerKind:
                break
            default:
                return try fail(.unknownKind(kind))
            }
            remaining = length
        }
        return ranges
    }

    private mutating func fail(_ error: RelayFrameError) throws -> [Range<Int>] {
        failure = error
        throw error
    }

    /// The data in `bytes`, copied out (for tests and the fuzz target).
    public mutating func data(in bytes: [UInt8]) throws -> [UInt8] {
        let ranges = try bytes.withUnsafeBytes { try dataRanges(in: $0) }
        return ranges.flatMap { bytes[$0] }
    }
}
