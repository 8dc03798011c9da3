public import Pixels

/// The remote pointer drawn over a picture (for snapshots: the decoded framebuffer itself stays clean).
public struct PointerOverlay: Sendable, Equatable {
    public var cursor: CursorImage
    /// The pointer's hot spot on the picture.
    public var x: Int
    public var y: Int

    public init(cursor: CursorImage, x: Int, y: Int) {
        self.cursor = cursor
        self.x = x
        self.y = y
    }

    /// `picture` with the pointer drawn on it (pixels whose mask bit is set, clipped to the picture).
    public func drawn(on picture: Framebuffer) -> Framebuffer {
        var out = picture
        let left = x - cursor.hotX, top = y - cursor.hotY
        for cy in 0..<cursor.height {
            let py = top + cy
            guard py >= 0 && py < out.height else { continue }
            for cx in 0..<cursor.width {
                let px = left + cx
                guard px >= 0 && px < out.width else { continue }
                let argb = cursor.argb[cy * cursor.width + cx]
                if argb >> 24 >= 0x80 { out[px, py] = argb & 0x00FF_FFFF }
            }
        }
        return out
    }
}
