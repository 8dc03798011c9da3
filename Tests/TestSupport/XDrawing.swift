import CXlib
import Pixels

/// Draws on the root window of a display with plain Xlib, as an application would, so the captures
/// under test can be compared with what was drawn.
public final class XDrawing {
    public let display: OpaquePointer
    let root: Window
    let gc: GC

    public init?(displayName: String) {
        guard let d = XOpenDisplay(displayName) else { return nil }
        display = d
        root = XDefaultRootWindow(d)
        guard let g = XCreateGC(d, root, 0, nil) else { XCloseDisplay(d); return nil }
        gc = g
        XSetSubwindowMode(d, g, IncludeInferiors)
    }

    deinit {
        XFreeGC(display, gc)
        XCloseDisplay(display)
    }

    public func fill(_ rect: Rect, _ colour: UInt32) {
        XSetForeground(display, gc, UInt(colour))
        XFillRectangle(display, root, gc, Int32(rect.x), Int32(rect.y), UInt32(rect.width), UInt32(rect.height))
    }

    public func line(x0: Int, y0: Int, x1: Int, y1: Int, _ colour: UInt32) {
        XSetForeground(display, gc, UInt(colour))
        XDrawLine(display, root, gc, Int32(x0), Int32(y0), Int32(x1), Int32(y1))
    }

    public func text(_ string: String, x: Int, y: Int, _ colour: UInt32) {
        XSetForeground(display, gc, UInt(colour))
        var bytes = Array(string.utf8).map { CChar(bitPattern: $0) }
        XDrawString(display, root, gc, Int32(x), Int32(y), &bytes, Int32(bytes.count))
    }

    public func copyArea(from source: Rect, toX x: Int, toY y: Int) {
        XCopyArea(display, root, root, gc, Int32(source.x), Int32(source.y), UInt32(source.width),
                  UInt32(source.height), Int32(x), Int32(y))
    }

    /// Maps a plain child window of the root with a background colour (like an application window).
    public func createWindow(_ rect: Rect, background: UInt32) -> Window {
        let w = XCreateSimpleWindow(display, root, Int32(rect.x), Int32(rect.y), UInt32(rect.width), UInt32(rect.height),
                                    0, 0, UInt(background))
        XMapWindow(display, w)
        return w
    }

    /// Draws text and a box into a window.
    public func drawInWindow(_ window: Window, text: String, colour: UInt32) {
        XSetForeground(display, gc, UInt(colour))
        var bytes = Array(text.utf8).map { CChar(bitPattern: $0) }
        XDrawString(display, window, gc, 10, 20, &bytes, Int32(bytes.count))
        XFillRectangle(display, window, gc, 10, 30, 40, 20)
    }

    public func moveWindow(_ window: Window, x: Int, y: Int) {
        XMoveWindow(display, window, Int32(x), Int32(y))
    }

    public func destroyWindow(_ window: Window) {
        XDestroyWindow(display, window)
    }

    /// Moves the pointer (as the person at the requester's machine would).
    public func warpPointer(x: Int, y: Int) {
        XWarpPointer(display, 0, root, 0, 0, 0, 0, Int32(x), Int32(y))
    }

    /// Waits until the server has executed everything sent so far.
    public func sync() { XSync(display, 0) }

    /// An independent read-back of the screen (XGetImage, pixel by pixel through XGetPixel).
    public func readBack(_ rect: Rect) -> [UInt32] {
        guard let image = XGetImage(display, root, Int32(rect.x), Int32(rect.y), UInt32(rect.width),
                                    UInt32(rect.height), ~UInt(0), ZPixmap) else { return [] }
        defer { _ = image.pointee.f.destroy_image(image) }
        var out: [UInt32] = []
        out.reserveCapacity(rect.area)
        for y in 0..<rect.height {
            for x in 0..<rect.width {
                out.append(UInt32(truncatingIfNeeded: image.pointee.f.get_pixel(image, Int32(x), Int32(y))) & 0x00FF_FFFF)
            }
        }
        return out
    }
}
