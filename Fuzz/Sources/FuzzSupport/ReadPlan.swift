/// How a byte stream is cut into reads, the way a peer's data may arrive in TCP segments of any size.
/// Seed 0 delivers everything in one read; any other seed cuts it into pieces of 1 to `maxPiece` bytes
/// chosen by a small deterministic generator, so the fuzzer picks the cut points through one byte.
public struct ReadPlan: Sendable {
    public let seed: UInt8

    public init(seed: UInt8) { self.seed = seed }

    public static let whole = ReadPlan(seed: 0)

    /// The largest piece for this seed: 1, 2, 3, 7, 16, 64, 512 or 4096 bytes.
    public var maxPiece: Int {
        guard seed != 0 else { return Int.max }
        return [1, 2, 3, 7, 16, 64, 512, 4096][Int(seed & 7)]
    }

    /// The lengths of the reads for a stream of `count` bytes (they sum to `count`).
    public func pieceLengths(total count: Int) -> [Int] {
        guard seed != 0 else { return count > 0 ? [count] : [] }
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15
        var lengths: [Int] = []
        var left = count
        while left > 0 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let n = min(left, 1 + Int((state >> 33) % UInt64(maxPiece)))
            lengths.append(n)
            left -= n
        }
        return lengths
    }

    /// `stream` cut into the reads of this plan, in order.
    public func pieces(of stream: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var start = stream.startIndex
        return pieceLengths(total: stream.count).map { length in
            defer { start += length }
            return stream[start..<(start + length)]
        }
    }
}
