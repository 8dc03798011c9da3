import CZstd

/// One zstd compression stream kept for a whole connection: each `compress` call ends with
/// ZSTD_e_flush, so the peer can decode the update at once, while later updates may still refer back to
/// earlier ones (within the window). Public for baselines (the benchmark's zstd of the XOR delta).
public final class ZstdCompressor {
    static let windowLog: Int32 = 23
    private let cctx: OpaquePointer
    private var scratch = [UInt8](repeating: 0, count: 128 * 1024)

    public init(level: Int) {
        guard let c = ZSTD_createCCtx() else { preconditionFailure("ZSTD_createCCtx failed (out of memory)") }
        cctx = c
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, Int32(level))
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, Self.windowLog)
    }

    deinit { ZSTD_freeCCtx(cctx) }

    /// Compresses and flushes `input`, appending to `out`.
    public func compress(_ input: [UInt8], into out: inout [UInt8]) {
        input.withUnsafeBytes { inp in
            var inBuf = ZSTD_inBuffer(src: inp.baseAddress, size: inp.count, pos: 0)
            scratch.withUnsafeMutableBytes { buf in
                while true {
                    var outBuf = ZSTD_outBuffer(dst: buf.baseAddress, size: buf.count, pos: 0)
                    let rc = ZSTD_compressStream2(cctx, &outBuf, &inBuf, ZSTD_e_flush)
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
    private let dctx: OpaquePointer
    private var broken = false

    init() {
        guard let d = ZSTD_createDCtx() else { preconditionFailure("ZSTD_createDCtx failed (out of memory)") }
        dctx = d
        ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, ZstdCompressor.windowLog)
    }

    deinit { ZSTD_freeDCtx(dctx) }

    /// Decompresses all of `input` into `out`, which must come out exactly `expected` bytes long
    /// (the caller has bounded `expected` before calling). After a failure the stream is unusable.
    func decompress(_ input: UnsafeRawBufferPointer, expected: Int, into out: inout [UInt8]) throws {
        guard !broken else { throw CodecError("zstd stream already failed on this connection") }
        broken = true
        out.removeAll(keepingCapacity: true)
        // One spare byte to notice data that decodes to more than declared.
        out.append(contentsOf: repeatElement(0, count: expected + 1))
        var produced = 0
        try out.withUnsafeMutableBytes { buf in
            var inBuf = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
            var outBuf = ZSTD_outBuffer(dst: buf.baseAddress, size: buf.count, pos: 0)
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
            produced = outBuf.pos
        }
        guard produced == expected else {
            throw CodecError("zstd data decodes to \(produced) bytes, \(expected) declared")
        }
        out.removeLast()
        broken = false
    }
}
