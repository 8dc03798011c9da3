/// Where a desktop picture comes from (an X11 display, a file sequence, a test pattern).
///
/// A source keeps `into` up to date: each call writes the pixels that changed since the previous call
/// and returns where. The first call, a call after a size change, and a call with `full: true` rewrite
/// the whole framebuffer and report its whole area.
public protocol ScreenSource: AnyObject {
    /// The current size of the screen.
    var size: (width: Int, height: Int) { get }

    /// Brings `framebuffer` up to date with the screen; returns what changed.
    func capture(into framebuffer: inout Framebuffer, full: Bool) throws -> CaptureChange

    /// True when changes are known that the next `capture` will report.
    var hasPendingChanges: Bool { get }

    /// Blocks until the source hears of a change, `wakeFileDescriptor` (if any) becomes readable, or
    /// `timeoutMilliseconds` pass (negative: no limit). Notifications are absorbed (so they cannot pile
    /// up while nobody captures); `hasPendingChanges` then tells whether a capture has work. Returns
    /// true when something woke it before the timeout. Sources without notifications return at once.
    func waitForEvents(timeoutMilliseconds: Int, wakeFileDescriptor: Int32?) throws -> Bool

    /// The pointer image, or nil when the source cannot tell.
    func cursorImage() throws -> CursorImage?

    /// Where the pointer is, or nil when the source cannot tell (or it is on another screen).
    func pointerPosition() throws -> (x: Int, y: Int)?
}

/// What one capture changed.
public struct CaptureChange: Sendable, Equatable {
    /// Regions that may have changed (a superset of the real changes; compare pixels to be exact).
    public var damage: [Rect]
    /// True when the screen size differs from the previous capture (the framebuffer was resized).
    public var resized: Bool
    /// True when the pointer image changed since the previous capture.
    public var cursorChanged: Bool

    public init(damage: [Rect], resized: Bool, cursorChanged: Bool = false) {
        self.damage = damage
        self.resized = resized
        self.cursorChanged = cursorChanged
    }

    public var isEmpty: Bool { damage.isEmpty && !resized && !cursorChanged }
}

/// The pointer image, for sending the cursor separately from the desktop.
public struct CursorImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var hotX: Int
    public var hotY: Int
    /// Premultiplied-free ARGB pixels, `0xAARRGGBB`, row by row.
    public var argb: [UInt32]
    /// Changes whenever the cursor changes (X server serial), so callers can skip resending.
    public var serial: UInt64

    public init(width: Int, height: Int, hotX: Int, hotY: Int, argb: [UInt32], serial: UInt64) {
        self.width = width
        self.height = height
        self.hotX = hotX
        self.hotY = hotY
        self.argb = argb
        self.serial = serial
    }
}
