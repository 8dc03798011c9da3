import CZstd

/// One zstd compression stream kept for a whole connection: each `compress` call ends with
/// ZSTD_e_flush, so the peer can decode the update at once, while later updates may still refer back to
/// earlier ones (within the window). Public for baselines (the benchmark's zstd of the XOR delta).
public final class ZstdCompressor {
    static let windowLog: Int32 = 23
    private let cctx: OpaquePointer
    private var scratch = [UInt8](repeating: 0, count: 128 * 1024)

    /// `longDistanceMatching`: zstd's long-distance matcher over the whole window (the same 2^23 bytes,
    /// so decoders need nothing new): finds repeats of 64 bytes and more far back in the stream that
    /// level 1's small hash table has forgotten, such as the same text lines and glyph rows of an earlier
    /// page. About 0.5 MB more per stream.
    /// `tableLog`: zstd's hash and chain tables at 2^tableLog entries each instead of the level's own;
    /// `minMatch`: the shortest match instead of the level's own.
    public init(level: Int, longDistanceMatching: Bool = false, tableLog: Int? = nil, minMatch: Int? = nil) {
        guard let c = ZSTD_createCCtx() else { preconditionFailure("ZSTD_createCCtx failed (out of memory)") }
        cctx = c
        settings = Settings(level: level, tableLog: tableLog, minMatch: minMatch)
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, Self.windowLog)
        if longDistanceMatching { ZSTD_CCtx_setParameter(cctx, ZSTD_c_enableLongDistanceMatching, 1) }
        apply(settings)
    }

    /// A zstd level and the table and match settings that go with it (nil: the level's own).
    public struct Settings: Equatable, Sendable {
        public var level: Int
        public var tableLog: Int?
        public var minMatch: Int?

        public init(level: Int, tableLog: Int? = nil, minMatch: Int? = nil) {
            self.level = level; self.tableLog = tableLog; self.minMatch = minMatch
        }
    }

    /// The settings of the frame being written.
    public private(set) var settings: Settings
    /// Whether the current frame has data (it stays open between calls: each ends with a flush).
    private var frameOpen = false

    private func apply(_ s: Settings) {
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, Int32(s.level))
        // 0 restores the level's own value.
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_minMatch, Int32(s.minMatch ?? 0))
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_hashLog, Int32(s.tableLog ?? 0))
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_chainLog, Int32(s.tableLog ?? 0))
    }

    deinit { ZSTD_freeCCtx(cctx) }

    /// Compresses and flushes `input`, appending to `out`. With `settings` other than the current
    /// frame's, the frame is ended first and a new one begins with them: zstd allows a level change only
    /// between frames, and a decoder reads one frame after another in the same stream, but the new frame
    /// cannot refer back to anything before it.
    public func compress(_ input: [UInt8], into out: inout [UInt8], settings wanted: Settings? = nil) {
        if let wanted, wanted != settings {
            if frameOpen { run(nil, .end, into: &out) }
            frameOpen = false
            settings = wanted
            apply(wanted)
        }
        run(input, .flush, into: &out)
        frameOpen = true
    }

    private enum Ending { case flush, end }

    private func run(_ input: [UInt8]?, _ ending: Ending, into out: inout [UInt8]) {
        let directive = ending == .end ? ZSTD_e_end : ZSTD_e_flush
        (input ?? []).withUnsafeBytes { inp in
            var inBuf = ZSTD_inBuffer(src: inp.baseAddress, size: inp.count, pos: 0)
            scratch.withUnsafeMutableBytes { buf in
                while true {
                    var outBuf = ZSTD_outBuffer(dst: buf.baseAddress, size: buf.count, pos: 0)
                    let rc = ZSTD_compressStream2(cctx, &outBuf, &inBuf, directive)
                    precondition(ZSTD_isError(rc) == 0, "zstd compression failed: \(String(cString: ZSTD_getErrorName(rc)))")
                    out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[0..<outBuf.pos]))
                    if rc == 0 && inBuf.pos == inBuf.size { break }
                }
            }
        }
    }
}

/// One zstd decompression stream kept for a whole connection, with the window limited to what our
/// encoder uses, so a peer cannot make us allocate a huge window.
final class ZstdDecompressor {
    /// Readable bytes after the end of every output (zeros or stale output): lets decoders load a few
    /// bytes at a time up to the last byte without a special case.
    static let slack = 8
    private let dctx: OpaquePointer
    private var broken = false
    /// Output buffer, reused: grows geometrically, never zero-filled per call (zstd writes every byte
    /// that is read back).
    private var buffer: UnsafeMutableRawPointer?
    private var capacity = 0

    init() {
        guard let d = ZSTD_createDCtx() else { preconditionFailure("ZSTD_createDCtx failed (out of memory)") }
        dctx = d
        ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, ZstdCompressor.windowLog)
    }

    deinit {
        ZSTD_freeDCtx(dctx)
        buffer?.deallocate()
    }

    /// Decompresses all of `input`, which must come out exactly `expected` bytes long (the caller has
    /// bounded `expected` before calling). Returns the output, valid until the next call, with `slack`
    /// readable bytes after it. After a failure the stream is unusable.
    func decompress(_ input: UnsafeRawBufferPointer, expected: Int) throws -> UnsafeRawBufferPointer {
        guard !broken else { throw CodecError("zstd stream already failed on this connection") }
        broken = true
        // One spare byte to notice data that decodes to more than declared.
        let room = expected + 1
        let out = reserve(room)
        var inBuf = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var outBuf = ZSTD_outBuffer(dst: out, size: room, pos: 0)
        while true {
            let before = (inBuf.pos, outBuf.pos)
            let rc = ZSTD_decompressStream(dctx, &outBuf, &inBuf)
            guard ZSTD_isError(rc) == 0 else {
                throw CodecError("zstd data is invalid: \(String(cString: ZSTD_getErrorName(rc)))")
            }
            guard outBuf.pos <= expected else { throw CodecError("zstd data decodes to more than the declared \(expected) bytes") }
            if inBuf.pos == inBuf.size && outBuf.pos < outBuf.size {
                // All input read and room left: everything flushed has been produced.
                break
            }
            if (inBuf.pos, outBuf.pos) == before { throw CodecError("zstd data makes no progress") }
        }
        guard outBuf.pos == expected else {
            throw CodecError("zstd data decodes to \(outBuf.pos) bytes, \(expected) declared")
        }
        broken = false
        return UnsafeRawBufferPointer(start: out, count: expected)
    }

    /// The output buffer with room for `count` bytes plus `slack`; a new one starts zero-filled.
    private func reserve(_ count: Int) -> UnsafeMutableRawPointer {
        if let buffer, capacity >= count { return buffer }
        buffer?.deallocate()
        capacity = max(count, capacity + capacity / 2)
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: capacity + Self.slack, alignment: 16)
        fresh.initializeMemory(as: UInt8.self, repeating: 0, count: capacity + Self.slack)
        buffer = fresh
        return fresh
    }
}
