/// A desktop picture in the one internal layout: 32-bit pixels `0x00RRGGBB` (bytes B, G, R, 0 in memory on
/// little-endian machines), rows stored top to bottom with no padding (stride == width).
///
/// The pad byte is always 0 here: adapters normalise what X servers leave in it.
public struct Framebuffer: Sendable, Equatable {
    public private(set) var width: Int
    public private(set) var height: Int
    public var pixels: [UInt32]

    /// The largest side we accept anywhere (RFB sizes are U16).
    public static let maxSide = 65_535

    /// A framebuffer filled with one colour. Sides must be within `0...maxSide`.
    public init(width: Int, height: Int, fill: UInt32 = 0) {
        precondition(width >= 0 && height >= 0 && width <= Self.maxSide && height <= Self.maxSide,
                     "framebuffer size \(width)x\(height) out of range")
        self.width = width
        self.height = height
        self.pixels = [UInt32](repeating: fill & 0x00FF_FFFF, count: width * height)
    }

    /// Wraps existing pixels; returns nil when the count does not match the size.
    public init?(width: Int, height: Int, pixels: [UInt32]) {
        guard width >= 0, height >= 0, width <= Self.maxSide, height <= Self.maxSide,
              pixels.count == width * height else { return nil }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }
    public var byteCount: Int { pixels.count * 4 }

    public subscript(x: Int, y: Int) -> UInt32 {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    /// Changes the size; the content becomes `fill`.
    public mutating func resize(width: Int, height: Int, fill: UInt32 = 0) {
        self = Framebuffer(width: width, height: height, fill: fill)
    }

    /// Fills `rect` (clipped to the bounds) with one colour.
    public mutating func fill(_ rect: Rect, with colour: UInt32) {
        let r = rect.intersection(bounds)
        guard !r.isEmpty else { return }
        let c = colour & 0x00FF_FFFF
        let w = width
        pixels.withUnsafeMutableBufferPointer { p in
            for y in r.y..<r.maxY {
                let row = y * w
                for x in r.x..<r.maxX { p[row + x] = c }
            }
        }
    }

    /// Copies `rect` of `source` into the same place of `self` (clipped to both).
    public mutating func copy(_ rect: Rect, from source: Framebuffer) {
        let r = rect.intersection(bounds).intersection(source.bounds)
        guard !r.isEmpty else { return }
        let dw = width, sw = source.width
        pixels.withUnsafeMutableBufferPointer { d in
            source.pixels.withUnsafeBufferPointer { s in
                for y in r.y..<r.maxY {
                    guard let dst = d.baseAddress, let src = s.baseAddress else { return }
                    (dst + y * dw + r.x).update(from: src + y * sw + r.x, count: r.width)
                }
            }
        }
    }

    /// Moves the pixels of `source` rectangle (inside the bounds) to `destination` origin within self,
    /// as CopyRect does: the result is as if the source were read completely before any write.
    public mutating func copyWithin(from source: Rect, toX dx: Int, toY dy: Int) {
        guard bounds.contains(source),
              bounds.contains(Rect(x: dx, y: dy, width: source.width, height: source.height)) else { return }
        let w = width
        pixels.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return }
            // Moving down: bottom row first, so no source row is overwritten before it is read. Within a
            // row, copyMemory has memmove semantics (overlap allowed).
            let down = dy > source.y
            for i in 0..<source.height {
                let sy = down ? source.maxY - 1 - i : source.y + i
                let ty = dy + (sy - source.y)
                UnsafeMutableRawPointer(base + ty * w + dx).copyMemory(
                    from: UnsafeRawPointer(base + sy * w + source.x), byteCount: source.width * 4)
            }
        }
    }

    /// The pixels of `rect` (clipped), row by row.
    public func extract(_ rect: Rect) -> [UInt32] {
        let r = rect.intersection(bounds)
        var out = [UInt32]()
        out.reserveCapacity(r.area)
        for y in r.y..<r.maxY {
            out.append(contentsOf: pixels[(y * width + r.x)..<(y * width + r.maxX)])
        }
        return out
    }

    /// True when `rect` holds the same pixels in both framebuffers (which must have the same size).
    public func equalPixels(in rect: Rect, to other: Framebuffer) -> Bool {
        guard width == other.width, height == other.height else { return false }
        let r = rect.intersection(bounds)
        guard !r.isEmpty else { return true }
        let w = width
        return pixels.withUnsafeBufferPointer { a in
            other.pixels.withUnsafeBufferPointer { b in
                guard let pa = a.baseAddress, let pb = b.baseAddress else { return true }
                for y in r.y..<r.maxY where pixelsDiffer(pa + y * w + r.x, pb + y * w + r.x, r.width) {
                    return false
                }
                return true
            }
        }
    }

    /// The first pixel that differs, for test failure messages.
    public func firstDifference(from other: Framebuffer) -> (x: Int, y: Int, mine: UInt32, theirs: UInt32)? {
        guard width == other.width, height == other.height else { return (0, 0, 0, 0) }
        for i in 0..<pixels.count where pixels[i] != other.pixels[i] {
            return (i % width, i / width, pixels[i], other.pixels[i])
        }
        return nil
    }
}
