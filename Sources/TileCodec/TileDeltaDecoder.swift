public import Pixels

/// The tile-delta decoder of one connection (it holds the connection's zstd stream, so updates must be
/// decoded in the order they arrived). Every length, count, index, run, copy source and tile position is
/// checked before use; bad input throws `CodecError`. After an error the framebuffer may be partly
/// updated inside the rect and the stream is unusable: close the connection.
public final class TileDeltaDecoder {
    private let zstd = ZstdDecompressor()
    private var payload: [UInt8] = []
    private var palette = [UInt32](repeating: 0, count: 128)
    private var rowsY = [Int](repeating: 0, count: 64)
    private var coded = [UInt32](repeating: 0, count: 4096)

    public init() {}

    /// Decodes one rectangle body (exactly `TileDeltaUpdate.body`: it starts with its U32 length) whose
    /// rectangle header said `rect`.
    public func decode(body: [UInt8], rect: Rect, into fb: inout Framebuffer) throws {
        try body.withUnsafeBytes { try decode(body: $0, rect: rect, into: &fb) }
    }

    public func decode(body: UnsafeRawBufferPointer, rect: Rect, into fb: inout Framebuffer) throws {
        guard rect.x >= 0, rect.y >= 0, !rect.isEmpty, fb.bounds.contains(rect) else {
            throw CodecError("rect \(rect) is empty or outside the \(fb.width)x\(fb.height) framebuffer")
        }
        var head = ByteReader(body)
        let length = try head.u32()
        guard length == head.remaining else {
            throw CodecError("tile-delta body says \(length) bytes follow, \(head.remaining) do")
        }
        let declared = try head.u32()
        let limit = TileDelta.payloadLimit(for: rect)
        guard declared >= 7, declared <= limit else {
            throw CodecError("tile-delta payload of \(declared) bytes is out of range for \(rect) (7...\(limit))")
        }
        let start = try head.take(head.remaining)
        try zstd.decompress(UnsafeRawBufferPointer(rebasing: body[start...]), expected: declared, into: &payload)
        try payload.withUnsafeBytes { bytes in
            var r = ByteReader(bytes)
            guard try r.u8() == TileDelta.version else { throw CodecError("unknown tile-delta version") }
            try decodeCopies(&r, rect: rect, fb: &fb)
            let tileCount = try r.u32()
            let gridColumns = (rect.maxX + 63) / 64 - rect.x / 64, gridRows = (rect.maxY + 63) / 64 - rect.y / 64
            guard tileCount <= gridColumns * gridRows else {
                throw CodecError("\(tileCount) tiles cannot fit in \(rect)")
            }
            for _ in 0..<tileCount { try decodeTile(&r, rect: rect, fb: &fb) }
            guard r.isAtEnd else { throw CodecError("\(r.remaining) bytes left after the last tile") }
        }
    }

    private func decodeCopies(_ r: inout ByteReader, rect: Rect, fb: inout Framebuffer) throws {
        let count = try r.u16()
        let start = try r.take(count * TileDelta.copyBytes)
        var copies: [CopyOperation] = []
        copies.reserveCapacity(count)
        var c = ByteReader(UnsafeRawBufferPointer(rebasing: r.bytes[start..<(start + count * TileDelta.copyBytes)]))
        for _ in 0..<count {
            let source = Rect(x: try c.u16(), y: try c.u16(), width: try c.u16(), height: try c.u16())
            let op = CopyOperation(source: source, destinationX: try c.u16(), destinationY: try c.u16())
            guard !source.isEmpty, fb.bounds.contains(source) else {
                throw CodecError("copy source \(source) is empty or outside the framebuffer")
            }
            guard rect.contains(op.destination) else {
                throw CodecError("copy destination \(op.destination) is outside the update rect \(rect)")
            }
            copies.append(op)
        }
        fb.apply(copies)
    }

    private func decodeTile(_ r: inout ByteReader, rect: Rect, fb: inout Framebuffer) throws {
        let column = try r.u16(), row = try r.u16()
        let x = column * 64, y = row * 64
        guard x < fb.width, y < fb.height else { throw CodecError("tile \(column),\(row) is outside the framebuffer") }
        let t = Rect(x: x, y: y, width: min(64, fb.width - x), height: min(64, fb.height - y))
        guard rect.contains(t) else { throw CodecError("tile \(t) is outside the update rect \(rect)") }
        let kindByte = try r.u8()
        let all: UInt64 = t.height == 64 ? ~0 : (UInt64(1) << UInt64(t.height)) - 1
        var mask = all
        if kindByte & TileDelta.rowMaskFlag != 0 {
            mask = try r.u64()
            guard mask != 0, mask & ~all == 0 else { throw CodecError("row mask \(mask) is invalid for tile \(t)") }
        }
        var first = 0, w = t.width
        if kindByte & TileDelta.columnsFlag != 0 {
            first = Int(try r.u8())
            w = Int(try r.u8())
            guard w >= 1, first + w <= t.width else {
                throw CodecError("column range \(first)+\(w) is invalid for tile \(t)")
            }
        }
        var rows = 0
        for yy in 0..<t.height where mask & (UInt64(1) << UInt64(yy)) != 0 { rowsY[rows] = t.y + yy; rows += 1 }
        guard let kind = TileDelta.Kind(rawValue: kindByte & TileDelta.kindMask) else {
            throw CodecError("unknown tile kind \(kindByte & TileDelta.kindMask)")
        }
        let n = rows * w, fw = fb.width
        let rowsY = self.rowsY
        let tx = t.x + first
        switch kind {
        case .raw, .xor:
            let start = try r.take(n * 3)
            let xor = kind == .xor
            fb.pixels.withUnsafeMutableBufferPointer { d in
                var o = start
                for k in 0..<rows {
                    let base = rowsY[k] * fw + tx
                    for xx in 0..<w {
                        let p = UInt32(r.bytes[o]) | UInt32(r.bytes[o + 1]) << 8 | UInt32(r.bytes[o + 2]) << 16
                        d[base + xx] = xor ? (d[base + xx] ^ p) & 0x00FF_FFFF : p
                        o += 3
                    }
                }
            }
        case .predicted:
            let start = try r.take(n * 3)
            for k in 0..<n {
                let o = start + 3 * k
                coded[k] = UInt32(r.bytes[o]) | UInt32(r.bytes[o + 1]) << 8 | UInt32(r.bytes[o + 2]) << 16
            }
            coded.withUnsafeMutableBufferPointer { v in
                guard let base = v.baseAddress else { return }
                for k in 0..<n { v[k] = channelSum(v[k], predictPixel(base, k, w)) }
                for k in 0..<n { v[k] = addGreen(v[k]) }
            }
            let coded = self.coded
            fb.pixels.withUnsafeMutableBufferPointer { d in
                for k in 0..<rows { for xx in 0..<w { d[rowsY[k] * fw + tx + xx] = coded[k * w + xx] } }
            }
        case .solid:
            let p = try pixel(&r)
            fb.pixels.withUnsafeMutableBufferPointer { d in
                for k in 0..<rows { for xx in 0..<w { d[rowsY[k] * fw + tx + xx] = p } }
            }
        case .packedPalette:
            let size = Int(try r.u8())
            guard size >= 2, size <= 16 else { throw CodecError("packed palette of \(size) colours") }
            for k in 0..<size { palette[k] = try pixel(&r) }
            let bits = size <= 2 ? 1 : size <= 4 ? 2 : 4
            let rowBytes = (w * bits + 7) / 8
            let start = try r.take(rowBytes * rows)
            let palette = self.palette
            try fb.pixels.withUnsafeMutableBufferPointer { d in
                for k in 0..<rows {
                    for xx in 0..<w {
                        let bit = xx * bits
                        let index = (Int(r.bytes[start + k * rowBytes + bit / 8]) >> (8 - bits - bit % 8)) & ((1 << bits) - 1)
                        guard index < size else { throw CodecError("palette index \(index) >= \(size)") }
                        d[rowsY[k] * fw + tx + xx] = palette[index]
                    }
                }
            }
        case .paletteRLE:
            let size = Int(try r.u8())
            guard size >= 2, size <= 127 else { throw CodecError("RLE palette of \(size) colours") }
            for k in 0..<size { palette[k] = try pixel(&r) }
            var i = 0
            while i < n {
                let b = Int(try r.u8())
                let index = b & 0x7F
                guard index < size else { throw CodecError("palette index \(index) >= \(size)") }
                let len = b & 0x80 != 0 ? try r.runLength(limit: n - i) : 1
                put(palette[index], at: i, count: len, w: w, x: tx, rowsY: rowsY, fb: &fb)
                i += len
            }
        case .plainRLE:
            var i = 0
            while i < n {
                let p = try pixel(&r)
                let len = try r.runLength(limit: n - i)
                put(p, at: i, count: len, w: w, x: tx, rowsY: rowsY, fb: &fb)
                i += len
            }
        }
    }

    @inline(__always)
    private func pixel(_ r: inout ByteReader) throws -> UInt32 {
        let o = try r.take(3)
        return UInt32(r.bytes[o]) | UInt32(r.bytes[o + 1]) << 8 | UInt32(r.bytes[o + 2]) << 16
    }

    @inline(__always)
    private func put(_ p: UInt32, at i: Int, count: Int, w: Int, x: Int, rowsY: [Int], fb: inout Framebuffer) {
        let fw = fb.width
        fb.pixels.withUnsafeMutableBufferPointer { d in
            var k = i / w, xx = i % w
            for _ in 0..<count {
                d[rowsY[k] * fw + x + xx] = p
                xx += 1
                if xx == w { xx = 0; k += 1 }
            }
        }
    }
}
