import CXlib
import Pixels

/// Draws on the root window of a display with plain Xlib, as an application would, so the captures
/// under test can be compared with what was drawn.
final class XDrawing {
    let display: OpaquePointer
    let root: Window
    let gc: GC

    init?(displayName: String) {
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

    func fill(_ rect: Rect, _ colour: UInt32) {
        XSetForeground(display, gc, UInt(colour))
        XFillRectangle(display, root, gc, Int32(rect.x), Int32(rect.y), UInt32(rect.width), UInt32(rect.height))
    }

    func line(x0: Int, y0: Int, x1: Int, y1: Int, _ colour: UInt32) {
        XSetForeground(display, gc, UInt(colour))
        XDrawLine(display, root, gc, Int32(x0), Int32(y0), Int32(x1), Int32(y1))
    }

    func text(_ string: String, x: Int, y: Int, _ colour: UInt32) {
        XSetForeground(display, gc, UInt(colour))
        var bytes = Array(string.utf8).map { CChar(bitPattern: $0) }
        XDrawString(display, root, gc, Int32(x), Int32(y), &bytes, Int32(bytes.count))
    }

    func copyArea(from source: Rect, toX x: Int, toY y: Int) {
        XCopyArea(display, root, root, gc, Int32(source.x), Int32(source.y), UInt32(source.width),
                  UInt32(source.height), Int32(x), Int32(y))
    }

    /// Waits until the server has executed everything sent so far.
    func sync() { XSync(display, 0) }

    /// An independent read-back of the screen (XGetImage, pixel by pixel through XGetPixel).
    func readBack(_ rect: Rect) -> [UInt32] {
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
