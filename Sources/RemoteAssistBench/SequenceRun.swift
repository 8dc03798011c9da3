import Foundation
import Pixels
import TileCodec

/// Encodes and decodes one sequence with every scheme, collecting bytes and times.
struct SequenceRun {
    let name: String
    let frames: [Framebuffer]
    let zstdLevel: Int
    let zrleLevel: Int
    var longDistance = true
    var breakdown = false
    var tileDeltaVersion: UInt8 = 2
    var tableLog: Int? = nil
    var minMatch: Int? = nil

    func f(_ x: Double) -> String { String(format: "%.2f", x) }

    func run() throws -> SequenceStats {
        var stats = SequenceStats(name: name, frames: frames.count, updates: max(0, frames.count - 1), changedTiles: 0,
                                  rawBytes: 0, tileDeltaBytes: 0, zrleBytes: 0, zrlePlainBytes: 0, xorZstdBytes: 0,
                                  tileDeltaCopies: 0, zrleCopyRects: 0, zrleRects: 0, tileDeltaRoundtripExact: true,
                                  zrleRoundtripExact: true, zrlePlainRoundtripExact: true, samples: Samples())
        guard frames.count > 1 else { return stats }
        let tdEncoder = TileDeltaEncoder(level: zstdLevel, longDistanceMatching: longDistance, tableLog: tableLog, minMatch: minMatch), tdDecoder = TileDeltaDecoder()
        tdEncoder.version = tileDeltaVersion
        let zrleEncoder = ZRLEEncoder(level: zrleLevel), zrleDecoder = ZRLEDecoder()
        let plainEncoder = ZRLEEncoder(level: zrleLevel), plainDecoder = ZRLEDecoder()
        let xorStream = ZstdCompressor(level: 1)
        let format = PixelFormat.native
        // The decoders' views: each its own storage before any timing (a shared one would copy on write
        // inside the first timed decode), and again whenever a mismatch resets one.
        var tdView = frames[0], zrleView = frames[0], plainView = frames[0]
        ownStorage(&tdView); ownStorage(&zrleView); ownStorage(&plainView)
        var zrleServerView = frames[0]
        zrleServerView.pixels.withUnsafeMutableBufferPointer { _ in }  // its own storage, before any timing
        var xorBytes = [UInt8](repeating: 0, count: frames[0].byteCount)
        var zrleHints: [(dx: Int, dy: Int)] = []  // as the agent does: last update's offsets first
        let probe = TileDeltaEncoder(level: zstdLevel, longDistanceMatching: longDistance, tableLog: tableLog, minMatch: minMatch), probeZRLE = ZRLEEncoder(level: zrleLevel)
        probe.version = tileDeltaVersion
        let probeMotion = MotionDetector()
        var probeHints: [(dx: Int, dy: Int)] = []
        var probeView = frames[0]
        probeView.pixels.withUnsafeMutableBufferPointer { _ in }
        var stages = StageTotals()
        defer {
            if breakdown {
                progress("\(name) totals ms: detect \(f(stages.ms[0])) motion \(f(stages.ms[1])) td code+zstd \(f(stages.ms[2])) | ZRLE copies+residual \(f(stages.ms[3])) zrle \(f(stages.ms[4])) => tile-delta \(f(stages.ms[0] + stages.ms[1] + stages.ms[2])) ZRLE \(f(stages.ms[0] + stages.ms[1] + stages.ms[3] + stages.ms[4]))")
            }
        }
        for i in 1..<frames.count {
            let previous = frames[i - 1], current = frames[i]
            let damage = [current.bounds]
            let changed = ChangeDetector.changedTiles(previous: previous, current: current, damage: damage)
            stats.changedTiles += changed.markedCount
            stats.samples.changed.append(changed.markedCount > 0)
            for r in changed.markedRects { stats.rawBytes += r.area * 4 }

            if breakdown {
                // The stages of both codecs as they run below (hints included), timed one by one.
                let (ch, t1) = measure { ChangeDetector.changedTiles(previous: previous, current: current, damage: damage) }
                let (cp, t2) = measure { probeMotion.detect(previous: previous, current: current, changed: ch, hints: probeHints) }
                probeHints = MotionDetector.offsets(of: cp)
                let (u, t3) = measure { probe.encode(previous: previous, current: current, changed: ch, copies: cp) }
                if getenv("PROFILE_TD") != nil { for _ in 0..<30 { _ = probe.encode(previous: previous, current: current, changed: ch, copies: cp) } }
                let (residual, t4) = measure { () -> TileMap in
                    guard !cp.isEmpty else { return ch }
                    probeView.apply(cp)
                    return ChangeDetector.changedTiles(previous: probeView, current: current, damage: ch.markedSpans)
                }
                let (_, t5) = measure { residual.markedSpans.map { probeZRLE.encode(current, rect: $0, format: format) } }
                for r in residual.markedSpans { probeView.copy(r, from: current) }
                stages.add([t1, t2, t3, t4, t5])
                progress("\(name) #\(i): tiles \(ch.markedCount) detect \(f(t1)) motion \(f(t2)) td code+zstd \(f(t3)) | ZRLE copies+residual \(f(t4)) zrle \(f(t5)) | copies \(cp.count) payload \(probe.lastPayloadCount) bytes \(u?.body.count ?? 0)")
            }

            // tile-delta
            let (update, tdEnc) = measure { tdEncoder.encode(previous: previous, current: current, damage: damage) }
            stats.samples.tileDeltaEncodeMs.append(tdEnc)
            if let update {
                stats.tileDeltaBytes += 12 + update.body.count
                stats.tileDeltaCopies += update.copies
                let (_, tdDec) = try measure { try tdDecoder.decode(body: update.body, rect: update.rect, into: &tdView) }
                stats.samples.tileDeltaDecodeMs.append(tdDec)
            }
            if tdView != current { stats.tileDeltaRoundtripExact = false; tdView = current; ownStorage(&tdView) }

            // ZRLE with CopyRect, as the agent sends it: detect, apply the copies to its own picture of what
            // the viewer holds, then ZRLE what still differs. Bringing that picture up to date afterwards
            // (tile-delta's encoder needs the same bookkeeping in a server) is left out of both timings.
            let (sent, zEnc) = measure { () -> (copies: [CopyOperation], rects: [Rect], bodies: [[UInt8]]) in
                let changed = ChangeDetector.changedTiles(previous: zrleServerView, current: current, damage: damage)
                let copies = MotionDetector().detect(previous: zrleServerView, current: current, changed: changed, hints: zrleHints)
                zrleHints = MotionDetector.offsets(of: copies)
                var residual = changed
                if !copies.isEmpty {
                    zrleServerView.apply(copies)
                    residual = ChangeDetector.changedTiles(previous: zrleServerView, current: current, damage: changed.markedSpans)
                }
                let rects = residual.markedSpans
                return (copies, rects, rects.map { zrleEncoder.encode(current, rect: $0, format: format) })
            }
            for r in sent.rects { zrleServerView.copy(r, from: current) }
            if zrleServerView != current { stats.zrleRoundtripExact = false; zrleServerView = current }
            stats.samples.zrleEncodeMs.append(zEnc)
            stats.zrleCopyRects += sent.copies.count
            stats.zrleRects += sent.rects.count
            stats.zrleBytes += 16 * sent.copies.count + sent.bodies.reduce(0) { $0 + 12 + $1.count }
            // Timed like tile-delta: only updates that send something, each body decoded in place (no copy).
            if !sent.copies.isEmpty || !sent.rects.isEmpty {
                var zDec = measure { zrleView.apply(sent.copies) }.1
                for (rect, body) in zip(sent.rects, sent.bodies) {
                    zDec += try decodeZRLE(zrleDecoder, body, rect, &zrleView)
                }
                stats.samples.zrleDecodeMs.append(zDec)
            }
            if zrleView != current { stats.zrleRoundtripExact = false; zrleView = current; ownStorage(&zrleView) }

            // Plain ZRLE, as x11vnc and x0vncserver send it: every changed tile, no CopyRect.
            let (plain, pEnc) = measure { () -> [(Rect, [UInt8])] in
                let changed = ChangeDetector.changedTiles(previous: previous, current: current, damage: damage)
                return changed.markedSpans.map { ($0, plainEncoder.encode(current, rect: $0, format: format)) }
            }
            stats.samples.zrlePlainEncodeMs.append(pEnc)
            stats.zrlePlainBytes += plain.reduce(0) { $0 + 12 + $1.1.count }
            if !plain.isEmpty {
                var pDec = 0.0
                for (rect, body) in plain { pDec += try decodeZRLE(plainDecoder, body, rect, &plainView) }
                stats.samples.zrlePlainDecodeMs.append(pDec)
            }
            if plainView != current { stats.zrlePlainRoundtripExact = false; plainView = current; ownStorage(&plainView) }

            // zstd-1 of the XOR of the two whole frames.
            let (xorSize, xMs) = measure { () -> Int in
                previous.pixels.withUnsafeBufferPointer { a in
                    current.pixels.withUnsafeBufferPointer { b in
                        xorBytes.withUnsafeMutableBytes { out in
                            let o = out.bindMemory(to: UInt32.self)
                            for k in 0..<a.count { o[k] = a[k] ^ b[k] }
                        }
                    }
                }
                var compressed: [UInt8] = []
                xorStream.compress(xorBytes, into: &compressed)
                return compressed.count
            }
            stats.xorZstdBytes += xorSize
            stats.samples.xorZstdMs.append(xMs)
            if i % 10 == 0 || i == frames.count - 1 {
                progress("\(name): \(i)/\(frames.count - 1) updates, tile-delta \(stats.tileDeltaBytes) B, ZRLE+CopyRect \(stats.zrleBytes) B, ZRLE \(stats.zrlePlainBytes) B, xor-zstd \(stats.xorZstdBytes) B")
            }
        }
        return stats
    }

    /// Milliseconds to decode one ZRLE body (with its U32 length) in place.
    private func decodeZRLE(_ decoder: ZRLEDecoder, _ body: [UInt8], _ rect: Rect, _ view: inout Framebuffer) throws -> Double {
        try body.withUnsafeBytes { bytes in
            let rest = UnsafeRawBufferPointer(rebasing: bytes[4...])
            return try measure { try decoder.decode(body: rest, rect: rect, format: .native, into: &view) }.1
        }
    }

    /// Gives `fb` storage of its own now, so no timed decode pays for a copy on write.
    private func ownStorage(_ fb: inout Framebuffer) { fb.pixels.withUnsafeMutableBufferPointer { _ in } }
}

/// Sums of the per-stage times of `--breakdown`.
struct StageTotals {
    var ms = [Double](repeating: 0, count: 5)
    mutating func add(_ t: [Double]) { for k in 0..<min(t.count, ms.count) { ms[k] += t[k] } }
}
