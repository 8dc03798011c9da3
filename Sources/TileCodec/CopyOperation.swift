public import Pixels

/// One region copy, as RFB CopyRect does it: the pixels of `source` (read from the framebuffer as it is
/// when the copy is applied) are written at `destinationX`, `destinationY`.
public struct CopyOperation: Sendable, Hashable, CustomStringConvertible {
    public var source: Rect
    public var destinationX: Int
    public var destinationY: Int

    public init(source: Rect, destinationX: Int, destinationY: Int) {
        self.source = source
        self.destinationX = destinationX
        self.destinationY = destinationY
    }

    public var destination: Rect {
        Rect(x: destinationX, y: destinationY, width: source.width, height: source.height)
    }

    public var description: String { "copy \(source) -> +\(destinationX)+\(destinationY)" }
}

extension Framebuffer {
    /// Applies copies in order, each as RFB CopyRect does (overlapping source and destination allowed).
    /// Copies not inside the framebuffer are skipped.
    public mutating func apply(_ copies: [CopyOperation]) {
        for c in copies { copyWithin(from: c.source, toX: c.destinationX, toY: c.destinationY) }
    }
}
