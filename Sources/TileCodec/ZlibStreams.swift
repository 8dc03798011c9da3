import CZlib

/// One zlib deflate stream kept for a whole connection (ZRLE): each `compress` call appends its input
/// and ends with Z_SYNC_FLUSH, so the peer can inflate it at once with its own long-lived stream.
final class Deflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)

    private var level: Int32
    /// A level asked for by `setLevel`, applied at the start of the next `compress`.
    private var pendingLevel: Int32?

    init(level: Int) {
        self.level = Int32(max(0, min(9, level)))
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc = deflateInit2_(stream, self.level, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY,
                               ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        // Only memory exhaustion can fail here; there is no input to blame.
        precondition(rc == Z_OK, "deflateInit2 failed: \(rc)")
    }

    /// Switches the level (clamped to 0...9) from the next `compress` on; the stream carries on.
    func setLevel(_ newLevel: Int) {
        let wanted = Int32(max(0, min(9, newLevel)))
        pendingLevel = wanted == level ? nil : wanted
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses `input` and flushes (Z_SYNC_FLUSH), appending the output to `out`.
    func compress(_ input: [UInt8], into out: inout [UInt8]) {
        if let wanted = pendingLevel {
            // The previous call ended in a sync flush, so nothing is left to recompress; zlib may still
            // close its block, and those bits go out first.
            pendingLevel = nil
            scratch.withUnsafeMutableBufferPointer { buf in
                stream.pointee.next_in = nil
                stream.pointee.avail_in = 0
                stream.pointee.next_out = buf.baseAddress
                stream.pointee.avail_out = uInt(buf.count)
                if deflateParams(stream, wanted, Z_DEFAULT_STRATEGY) == Z_OK { level = wanted }
                let produced = buf.count - Int(stream.pointee.avail_out)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[0..<produced]))
            }
        }
        input.withUnsafeBytes { inp in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: inp.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(inp.count)
            scratch.withUnsafeMutableBufferPointer { buf in
                while true {
                    stream.pointee.next_out = buf.baseAddress
                    stream.pointee.avail_out = uInt(buf.count)
                    let rc = deflate(stream, Z_SYNC_FLUSH)
                    precondition(rc == Z_OK || rc == Z_BUF_ERROR, "deflate failed: \(rc)")
                    let produced = buf.count - Int(stream.pointee.avail_out)
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[0..<produced]))
                    if stream.pointee.avail_out != 0 { break }
                }
            }
            stream.pointee.next_in = nil
        }
    }
}

/// One zlib inflate stream kept for a whole connection. `decompress` inflates one rectangle's bytes
/// and refuses to produce more than a stated limit.
final class Inflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var broken = false
    private var chunk = [UInt8](repeating: 0, count: 256 * 1024)

    init() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc = inflateInit2_(stream, 15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(rc == Z_OK, "inflateInit2 failed: \(rc)")
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Inflates all of `input`, appending to `out` (cleared first). Throws when the data is not valid
    /// zlib, when it would inflate to more than `limit` bytes, or after an earlier failure (the stream
    /// state is then unknown, so the connection must be dropped).
    func decompress(_ input: UnsafeRawBufferPointer, limit: Int, into out: inout [UInt8]) throws {
        guard !broken else { throw CodecError("zlib stream already failed on this connection") }
        out.removeAll(keepingCapacity: true)
        guard input.count > 0 else { return }
        broken = true
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        defer { stream.pointee.next_in = nil; stream.pointee.avail_in = 0 }
        try chunk.withUnsafeMutableBufferPointer { buf in
            while true {
                stream.pointee.next_out = buf.baseAddress
                stream.pointee.avail_out = uInt(buf.count)
                let rc = inflate(stream, Z_SYNC_FLUSH)
                let produced = buf.count - Int(stream.pointee.avail_out)
                guard rc == Z_OK || rc == Z_BUF_ERROR || rc == Z_STREAM_END else {
                    throw CodecError("zlib data is invalid (inflate \(rc))")
                }
                guard out.count + produced <= limit else {
                    throw CodecError("zlib data inflates to more than the \(limit) bytes this rect can hold")
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[0..<produced]))
                if rc == Z_STREAM_END {
                    guard stream.pointee.avail_in == 0 else { throw CodecError("bytes after the end of the zlib stream") }
                    break
                }
                if stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 { break }
                if produced == 0 && rc == Z_BUF_ERROR { throw CodecError("zlib data makes no progress") }
            }
        }
        broken = false
    }
}
