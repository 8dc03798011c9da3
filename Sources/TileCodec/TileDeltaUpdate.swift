public import Pixels

/// One encoded tile-delta update: the body of ONE RFB rectangle of encoding `TileDelta.encodingNumber`.
public struct TileDeltaUpdate: Sendable, Equatable {
    /// The rectangle header's x, y, width, height: the bounding box of every copy destination and tile.
    public var rect: Rect
    /// The rectangle body: U32 big-endian count of the bytes that follow, then those bytes (U32 declared
    /// payload size, zstd data).
    public var body: [UInt8]
    /// How many copies and tiles the update holds (for statistics).
    public var copies: Int
    public var tiles: Int

    public init(rect: Rect, body: [UInt8], copies: Int, tiles: Int) {
        self.rect = rect
        self.body = body
        self.copies = copies
        self.tiles = tiles
    }
}
