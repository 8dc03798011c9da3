public import Pixels

/// The tile-delta decoder of one connection (it holds the connection's zstd stream, so updates must be
/// decoded in the order they arrived). Every length, count, index, run, copy source and tile position is
/// checked before use; bad input throws `CodecError`. After an error the framebuffer may be partly
/// updated inside the rect and the stream is unusable: close the connection.
public final class TileDeltaDecoder {
    private let zstd = ZstdDecompressor()
    /// Per-tile scratch, owned here so the tile loop neither allocates nor retains.
    private let palette = UnsafeMutablePointer<UInt32>.allocate(capacity: 128)
    private let rowsY = UnsafeMutablePointer<Int>.allocate(capacity: 64)
    private let transformed = UnsafeMutablePointer<PixelLanes>.allocate(capacity: 4096)

    /// Keep what the last update changed in ``copiesDecoded`` and ``tilesDecoded`` (for a live view,
    /// which then repaints only those tiles rather than the whole update rectangle).
    public var recordsChanges = false
    /// The last update's copies, in the order they were applied (only while ``recordsChanges``).
    public private(set) var copiesDecoded: [CopyOperation] = []
    /// The tiles the last update wrote, clipped to the framebuffer (only while ``recordsChanges``).
    public private(set) var tilesDecoded: [Rect] = []
    /// The payload version of the last update decoded (0 before the first).
    public private(set) var lastVersion: UInt8 = 0

    public init() {}

    deinit {
        palette.deallocate()
        rowsY.deallocate()
        transformed.deallocate()
    }

    /// Decodes one rectangle body (exactly `TileDeltaUpdate.body`: it starts with its U32 length) whose
    /// rectangle header said `rect`.
    public func decode(body: [UInt8], rect: Rect, into fb: inout Framebuffer) throws {
        try body.withUnsafeBytes { try decode(body: $0, rect: rect, into: &fb) }
    }

    public func decode(body: UnsafeRawBufferPointer, rect: Rect, into fb: inout Framebuffer) throws {
        guard rect.x >= 0, rect.y >= 0, !rect.isEmpty, fb.bounds.contains(rect) else {
            throw CodecError("rect \(rect) is empty or outside the \(fb.width)x\(fb.height) framebuffer")
        }
        if recordsChanges { copiesDecoded.removeAll(keepingCapacity: true); tilesDecoded.removeAll(keepingCapacity: true) }
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
        // The payload stays valid until the next call; it has slack after its end (see ZstdDecompressor).
        let payload = try zstd.decompress(UnsafeRawBufferPointer(rebasing: body[start...]), expected: declared)
        var r = ByteReader(payload)
        let version = try r.u8()
        guard (TileDelta.version1...TileDelta.version3).contains(version) else {
            throw CodecError("unknown tile-delta version \(version)")
        }
        lastVersion = version
        try decodeCopies(&r, rect: rect, fb: &fb)
        let tileCount = try r.u32()
        let gridColumns = (rect.maxX + 63) / 64 - rect.x / 64, gridRows = (rect.maxY + 63) / 64 - rect.y / 64
        guard tileCount <= gridColumns * gridRows else {
            throw CodecError("\(tileCount) tiles cannot fit in \(rect)")
        }
        let size = (width: fb.width, height: fb.height)
        // One exclusive access to the pixels for the whole update.
        try fb.pixels.withUnsafeMutableBufferPointer { d in
            guard let base = d.baseAddress else { return }  // not reached: rect is non-empty and inside
            for _ in 0..<tileCount { try decodeTile(&r, version: version, rect: rect, fb: base, size: size) }
        }
        guard r.isAtEnd else { throw CodecError("\(r.remaining) bytes left after the last tile") }
    }

    private func decodeCopies(_ r: inout ByteReader, rect: Rect, fb: inout Framebuffer) throws {
        let count = try r.u16()
        let start = try r.take(count * TileDelta.copyBytes)
        guard count > 0 else { return }
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
        if recordsChanges { copiesDecoded = copies }
    }

    /// Decodes one tile into `fb` (`size.width` pixels a row). Every read is checked by `r`; the tile,
    /// its row mask and column range are checked against the framebuffer and `rect` before any write.
    private func decodeTile(_ r: inout ByteReader, version: UInt8, rect: Rect, fb: UnsafeMutablePointer<UInt32>,
                            size: (width: Int, height: Int)) throws {
        let column = try r.u16(), row = try r.u16()
        let x = column * 64, y = row * 64
        guard x < size.width, y < size.height else { throw CodecError("tile \(column),\(row) is outside the framebuffer") }
        let t = Rect(x: x, y: y, width: min(64, size.width - x), height: min(64, size.height - y))
        guard rect.contains(t) else { throw CodecError("tile \(t) is outside the update rect \(rect)") }
        if recordsChanges { tilesDecoded.append(t) }
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
        var bits = mask
        while bits != 0 {
            rowsY[rows] = t.y + bits.trailingZeroBitCount
            rows += 1
            bits &= bits - 1
        }
        guard let kind = TileDelta.Kind(rawValue: kindByte & TileDelta.kindMask),
              kind.rawValue <= TileDelta.lastKind(version: version) else {
            throw CodecError("unknown tile kind \(kindByte & TileDelta.kindMask) in version \(version)")
        }
        let n = rows * w, fw = size.width
        let tx = t.x + first
        let rowsY = self.rowsY, bytes = r.bytes
        switch kind {
        case .raw, .xor:
            let start = try r.take(n * 3)
            guard let src = bytes.baseAddress.map({ $0 + start }) else { return }
            let xor = kind == .xor
            for k in 0..<rows {
                let d = fb + rowsY[k] * fw + tx, s = src + 3 * k * w
                for xx in 0..<w {
                    // 4 bytes at a time: the payload has slack after its end (ZstdDecompressor.slack).
                    let p = UInt32(littleEndian: s.loadUnaligned(fromByteOffset: 3 * xx, as: UInt32.self)) & 0x00FF_FFFF
                    d[xx] = xor ? (d[xx] ^ p) & 0x00FF_FFFF : p
                }
            }
        case .predicted:
            let start = try r.take(n * 3)
            guard let src = bytes.baseAddress.map({ $0 + start }) else { return }
            TilePredictor.decode(residuals: src, rows: rows, width: w, rowsY: rowsY, into: fb, stride: fw, x: tx,
                                 scratch: transformed)
        case .grey:
            let start = try r.take(n)
            for k in 0..<rows {
                let d = fb + rowsY[k] * fw + tx, s = start + k * w
                for xx in 0..<w { d[xx] = UInt32(bytes[s + xx]) &* 0x01_0101 }
            }
        case .dual:
            let selector = try r.u8()
            guard let pair = TileDelta.Pair(rawValue: selector) else {
                throw CodecError("dual tile names channel pair \(selector) (0-2)")
            }
            let start = try r.take(2 * n)
            // The shared level goes to the two equal channels, the other byte to the third.
            let spread = pair.spread, other = pair.shifts.other
            for k in 0..<rows {
                let d = fb + rowsY[k] * fw + tx, s = start + 2 * k * w
                for xx in 0..<w { d[xx] = UInt32(bytes[s + 2 * xx]) &* spread | UInt32(bytes[s + 2 * xx + 1]) << other }
            }
        case .solid:
            let p = try pixel(&r)
            for k in 0..<rows { (fb + rowsY[k] * fw + tx).update(repeating: p, count: w) }
        case .packedPalette:
            let size = Int(try r.u8())
            guard size >= 2, size <= 16 else { throw CodecError("packed palette of \(size) colours") }
            for k in 0..<size { palette[k] = try pixel(&r) }
            let bits = size <= 2 ? 1 : size <= 4 ? 2 : 4
            let rowBytes = (w * bits + 7) / 8
            let start = try r.take(rowBytes * rows)
            for k in 0..<rows {
                let d = fb + rowsY[k] * fw + tx
                for xx in 0..<w {
                    let bit = xx * bits
                    let index = (Int(bytes[start + k * rowBytes + bit / 8]) >> (8 - bits - bit % 8)) & ((1 << bits) - 1)
                    guard index < size else { throw CodecError("palette index \(index) >= \(size)") }
                    d[xx] = palette[index]
                }
            }
        case .paletteRLE:
            let size = Int(try r.u8())
            guard size >= 2, size <= 127 else { throw CodecError("RLE palette of \(size) colours") }
            for k in 0..<size { palette[k] = try pixel(&r) }
            var run = Run(w: w)
            while run.i < n {
                let b = Int(try r.u8())
                let index = b & 0x7F
                guard index < size else { throw CodecError("palette index \(index) >= \(size)") }
                let len = b & 0x80 != 0 ? try r.runLength(limit: n - run.i) : 1
                run.put(palette[index], count: len, fb: fb, stride: fw, x: tx, rowsY: rowsY)
            }
        case .plainRLE:
            var run = Run(w: w)
            while run.i < n {
                let p = try pixel(&r)
                let len = try r.runLength(limit: n - run.i)
                run.put(p, count: len, fb: fb, stride: fw, x: tx, rowsY: rowsY)
            }
        }
    }

    @inline(__always)
    private func pixel(_ r: inout ByteReader) throws -> UInt32 {
        let o = try r.take(3)
        return UInt32(r.bytes[o]) | UInt32(r.bytes[o + 1]) << 8 | UInt32(r.bytes[o + 2]) << 16
    }
}

/// Where the next run of an RLE tile starts: pixel `i` of the coded pixels, coded row `k`, column `xx`.
private struct Run {
    let w: Int
    var i = 0, k = 0, xx = 0

    init(w: Int) { self.w = w }

    /// Writes `count` pixels of colour `p` (the caller has checked `i + count <= rows * w`).
    @inline(__always)
    mutating func put(_ p: UInt32, count: Int, fb: UnsafeMutablePointer<UInt32>, stride: Int, x: Int,
                      rowsY: UnsafePointer<Int>) {
        var left = count
        while left > 0 {
            let part = min(left, w - xx)
            (fb + rowsY[k] * stride + x + xx).update(repeating: p, count: part)
            left -= part
            xx += part
            if xx == w { xx = 0; k += 1 }
        }
        i += count
    }
}
