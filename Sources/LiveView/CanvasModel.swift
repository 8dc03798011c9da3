public import Pixels

/// What the page's canvas holds, rebuilt from feed messages exactly as `page.js` does: used by the
/// tests to check that the feed reproduces the viewer's picture. Pure.
public struct CanvasModel: Sendable {
    public private(set) var width = 0
    public private(set) var height = 0
    /// RGBA, row by row.
    public private(set) var rgba: [UInt8] = []
    public private(set) var cursor: (hotX: Int, hotY: Int, width: Int, height: Int)?
    public private(set) var pointer: (x: Int, y: Int)?
    public private(set) var frames = 0
    public private(set) var lastFrame: UInt32?

    public init() {}

    public struct Failure: Error, CustomStringConvertible { public let description: String }

    public mutating func apply(_ bytes: [UInt8]) throws { try apply(FeedMessage.decode(bytes)) }

    public mutating func apply(_ message: FeedMessage) throws {
        let bounds = Rect(x: 0, y: 0, width: width, height: height)
        switch message {
        case .resize(let w, let h):
            width = w
            height = h
            rgba = [UInt8](repeating: 0, count: w * h * 4)
            for i in stride(from: 3, to: rgba.count, by: 4) { rgba[i] = 0xFF }
        case .copy(let source, let x, let y):
            let target = Rect(x: x, y: y, width: source.width, height: source.height)
            guard bounds.contains(source), bounds.contains(target) else { throw Failure(description: "copy outside the canvas") }
            let old = rgba
            for row in 0..<source.height {
                let from = ((source.y + row) * width + source.x) * 4, to = ((y + row) * width + x) * 4
                rgba.replaceSubrange(to..<(to + source.width * 4), with: old[from..<(from + source.width * 4)])
            }
        case .pixels(let r, let data):
            guard bounds.contains(r), data.count == r.area * 4 else { throw Failure(description: "pixels outside the canvas") }
            for row in 0..<r.height {
                let to = ((r.y + row) * width + r.x) * 4, from = row * r.width * 4
                rgba.replaceSubrange(to..<(to + r.width * 4), with: data[from..<(from + r.width * 4)])
            }
        case .fill(let r, let colour):
            guard bounds.contains(r) else { throw Failure(description: "fill outside the canvas") }
            let px: [UInt8] = [UInt8(colour >> 16 & 0xFF), UInt8(colour >> 8 & 0xFF), UInt8(colour & 0xFF), 0xFF]
            for row in r.y..<r.maxY {
                for col in r.x..<r.maxX { rgba.replaceSubrange(((row * width + col) * 4)..<((row * width + col) * 4 + 4), with: px) }
            }
        case .cursor(let hx, let hy, let w, let h, _):
            cursor = w > 0 && h > 0 ? (hx, hy, w, h) : nil
        case .pointer(let x, let y):
            pointer = (x, y)
        case .frame(let n):
            frames += 1
            lastFrame = n
        }
    }

    /// The canvas as a framebuffer (`0x00RRGGBB`), to compare with the viewer's.
    public var framebuffer: Framebuffer {
        var pixels = [UInt32](repeating: 0, count: width * height)
        for i in 0..<pixels.count {
            pixels[i] = UInt32(rgba[i * 4]) << 16 | UInt32(rgba[i * 4 + 1]) << 8 | UInt32(rgba[i * 4 + 2])
        }
        return Framebuffer(width: width, height: height, pixels: pixels) ?? Framebuffer(width: 0, height: 0)
    }
}
