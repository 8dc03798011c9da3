public import Pixels

/// How one update changed the viewer's picture, in the order the changes were applied.
public enum FrameChange: Sendable, Equatable {
    /// New pixels in this rectangle.
    case paint(Rect)
    /// The pixels of `source` were moved to (`toX`, `toY`) (CopyRect).
    case copy(source: Rect, toX: Int, toY: Int)
    /// The picture changed size; its contents are gone (black until repainted).
    case resize(width: Int, height: Int)
}

/// One finished update for a live view: the picture as it is now, what changed since the previous
/// one, and the remote pointer. `framebuffer` is a copy-on-write value: holding it costs nothing until
/// the viewer writes its next update.
public struct LivePicture: Sendable {
    public var number: Int
    public var framebuffer: Framebuffer
    public var changes: [FrameChange]
    public var pointer: PointerOverlay?

    public init(number: Int, framebuffer: Framebuffer, changes: [FrameChange], pointer: PointerOverlay?) {
        self.number = number
        self.framebuffer = framebuffer
        self.changes = changes
        self.pointer = pointer
    }
}
