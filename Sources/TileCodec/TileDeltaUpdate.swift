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
    /// The spans of tiles that differed (outside them the frames were already equal): after decoding,
    /// the viewer's picture equals the current frame there, so an encoder that mirrors the viewer's
    /// picture copies just these.
    public var changed: [Rect]

    public init(rect: Rect, body: [UInt8], copies: Int, tiles: Int, changed: [Rect] = []) {
        self.rect = rect
        self.body = body
        self.copies = copies
        self.tiles = tiles
        self.changed = changed
    }
}
