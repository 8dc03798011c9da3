import ArgumentParser
import Foundation
import PNGSnapshot
import Pixels
import TileCodec

/// `remote-assist-bench codec`: bytes and times of tile-delta against ZRLE and a zstd-of-XOR baseline on
/// recorded frame sequences.
struct CodecBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codec",
        abstract: "Compare tile-delta, ZRLE, ZRLE+CopyRect and zstd-1 of the XOR delta on PNG frame sequences.",
        discussion: """
            DIR holds one folder per sequence: frames in name order (*.png), or, with a frames.tsv, a first \
            frame and the patches that make each next one (bench-data/pack.py writes that layout). For every \
            pair of consecutive frames, with full-screen damage:
              tile-delta   one rect per update (12-byte header + body), one zstd stream per sequence;
              ZRLE         our ZRLE encoder over every changed tile (12 + body a span of tiles), one zlib \
            stream per sequence: what a server that finds no moved content sends (x0vncserver; x11vnc \
            unless its RECORD-based scroll heuristics catch the copy);
              ZRLE+CR      as our agent sends ZRLE: our MotionDetector's copies as CopyRect (16 bytes each), \
            then ZRLE rects (12 + body) for the tiles that still differ, one zlib stream per sequence;
              xor-zstd     zstd level 1 of the XOR of the two whole frames, one stream per sequence.
            raw = 4 bytes per pixel of the changed 64x64 tiles. Encode times include change and motion \
            detection for both codecs. Every update is decoded and compared with the frame.
            """
    )

    @Option(help: "Folder of sequences (one sub-folder of PNG frames each).")
    var corpus: String

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    @Option(help: "zstd level of the tile-delta stream (default: the agent's for the version, 3 for version 2, 1 for 1).")
    var zstdLevel: Int?

    @Option(help: "zstd hash and chain table log for tile-delta (default: the agent's with the default level, else the level's own).")
    var zstdTableLog: Int?

    @Option(help: "zstd shortest match for tile-delta (default: the agent's with the default level, else the level's own).")
    var zstdMinMatch: Int?

    @Option(help: "Tile-delta payload version: 1, 2, or 3 as the agent sends to our viewer (since 2026-12-05).")
    var tileDeltaVersion = 3

    @Flag(help: "Tile-delta without zstd's long-distance matching (as before 2026-12-05), for before/after.")
    var noLongDistance = false

    @Option(help: "zlib level of the ZRLE stream (6 is what TigerVNC and x11vnc use).")
    var zrleLevel = 6

    @Flag(help: "Print per-update timings of each stage on stderr.")
    var breakdown = false

    @Option(help: "Encode every sequence this many times (fresh encoders each time) and report, per update, the median time over the runs: steadier figures on a shared machine.")
    var runs = 1

    @Option(help: "Only the sequences with these names (repeatable).")
    var sequence: [String] = []

    func run() throws {
        let names = try sequences()
        guard !names.isEmpty else { throw BenchError("no sequence folders with PNG frames in \(corpus)") }
        var results: [SequenceStats] = []
        var baselines = Baselines()
        let level = zstdLevel ?? TileDelta.defaultLevel(version: UInt8(clamping: tileDeltaVersion))
        let tableLog = zstdLevel == nil ? TileDelta.defaultTableLog(version: UInt8(clamping: tileDeltaVersion)) : zstdTableLog
        let minMatch = zstdLevel == nil ? TileDelta.defaultMinMatch(version: UInt8(clamping: tileDeltaVersion)) : zstdMinMatch
        for name in names {
            let frames = try loadFrames(name)
            if baselines.pairs.count < 3 && frames.count > 0 { baselines.add(frames[0]) }
            guard runs >= 1 else { throw BenchError("--runs must be at least 1") }
            guard (1...3).contains(tileDeltaVersion) else { throw BenchError("--tile-delta-version is 1, 2 or 3") }
            var all: [SequenceStats] = []
            for run in 0..<runs {
                if runs > 1 { progress("\(name): run \(run + 1) of \(runs)") }
                all.append(try SequenceRun(name: name, frames: frames, zstdLevel: level, zrleLevel: zrleLevel,
                                           longDistance: !noLongDistance, breakdown: breakdown,
                                           tileDeltaVersion: UInt8(tileDeltaVersion), tableLog: tableLog,
                                           minMatch: minMatch).run())
            }
            results.append(SequenceStats.medianOfRuns(all))
        }
        progress("measuring memcmp and unchanged-frame detection")
        let (memcmpMs, detectMs, oneThreadMs) = baselines.measure()
        var overall = Overall(sequences: results, memcmpMs: memcmpMs, unchangedDetectMs: detectMs,
                              zstdLevel: level, zrleLevel: zrleLevel)
        overall.unchangedDetectOneThreadMs = oneThreadMs
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            let data = try encoder.encode(Report(sequences: results, overall: overall))
            print(String(decoding: data, as: UTF8.self))
        } else {
            printTable(results, overall)
        }
        if !overall.roundtripExact { throw BenchError("some update did not round-trip exactly") }
    }

    func sequences() throws -> [String] {
        let fm = FileManager.default
        let all = try fm.contentsOfDirectory(atPath: corpus).sorted()
        return all.filter { name in
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: corpus + "/" + name, isDirectory: &isDir), isDir.boolValue else { return false }
            guard sequence.isEmpty || sequence.contains(name) else { return false }
            return ((try? fm.contentsOfDirectory(atPath: corpus + "/" + name)) ?? []).contains { $0.hasSuffix(".png") }
        }
    }

    func loadFrames(_ name: String) throws -> [Framebuffer] {
        try SequenceFiles.read(corpus + "/" + name)
    }

    func printTable(_ results: [SequenceStats], _ o: Overall) {
        func mb(_ b: Int) -> String { String(format: "%.2f MB", Double(b) / 1e6) }
        func ms(_ m: Double) -> String { String(format: "%.2f", m) }
        func r(_ a: Double, _ b: Double) -> String { String(format: "%.3f", b > 0 ? a / b : 0) }
        let rows = results as [any Row] + [o as any Row]
        print("codec benchmark: zstd level \(o.zstdLevel) for tile-delta (payload version \(tileDeltaVersion)), zlib level \(o.zrleLevel) for ZRLE.")
        print("ZRLE: our ZRLE encoder over every changed tile, no CopyRect (a server that finds no moved content);")
        print("ZRLE+CR: our ZRLE encoder plus CopyRects from our MotionDetector, as our agent sends it.")
        print("")
        print("bytes")
        print(["sequence", "frames", "raw", "tile-delta", "ZRLE", "ZRLE+CR", "xor-zstd1", "td/ZRLE", "td/ZRLE+CR", "td/xor",
               "exact"].joined(separator: " | "))
        for s in rows {
            print([s.name, "\(s.frames)", mb(s.rawBytes), mb(s.tileDeltaBytes), mb(s.zrlePlainBytes), mb(s.zrleBytes),
                   mb(s.xorZstdBytes), r(Double(s.tileDeltaBytes), Double(s.zrlePlainBytes)),
                   r(Double(s.tileDeltaBytes), Double(s.zrleBytes)), r(Double(s.tileDeltaBytes), Double(s.xorZstdBytes)),
                   s.roundtripExact ? "yes" : "NO"].joined(separator: " | "))
        }
        print("")
        print("ms per update, median/p95 (encode includes change and motion detection; decode counts only updates that sent something); td/x: encode median, then total")
        print(["sequence", "td enc", "td dec", "ZRLE enc", "ZRLE dec", "ZRLE+CR enc", "ZRLE+CR dec", "td/ZRLE", "td/ZRLE+CR"]
            .joined(separator: " | "))
        for s in rows {
            print([s.name, "\(ms(s.tileDeltaEncodeMsMedian))/\(ms(s.tileDeltaEncodeMsP95))",
                   "\(ms(s.tileDeltaDecodeMsMedian))/\(ms(s.tileDeltaDecodeMsP95))",
                   "\(ms(s.zrlePlainEncodeMsMedian))/\(ms(s.zrlePlainEncodeMsP95))",
                   "\(ms(s.zrlePlainDecodeMsMedian))/\(ms(s.zrlePlainDecodeMsP95))",
                   "\(ms(s.zrleEncodeMsMedian))/\(ms(s.zrleEncodeMsP95))", ms(s.zrleDecodeMsMedian),
                   "\(r(s.tileDeltaEncodeMsMedian, s.zrlePlainEncodeMsMedian)) \(r(s.tileDeltaEncodeMsTotal, s.zrlePlainEncodeMsTotal))",
                   "\(r(s.tileDeltaEncodeMsMedian, s.zrleEncodeMsMedian)) \(r(s.tileDeltaEncodeMsTotal, s.zrleEncodeMsTotal))"]
                .joined(separator: " | "))
        }
        print("")
        print("ms per update that changed something, median (unchanged updates cost only detection); td/x: medians")
        print(["sequence", "changed updates", "td enc", "ZRLE enc", "ZRLE+CR enc", "td/ZRLE", "td/ZRLE+CR"].joined(separator: " | "))
        for s in results {
            print([s.name, "\(s.changedUpdates)/\(s.updates)", ms(s.tileDeltaEncodeMsChangedMedian),
                   ms(s.zrlePlainEncodeMsChangedMedian), ms(s.zrleEncodeMsChangedMedian),
                   r(s.tileDeltaEncodeMsChangedMedian, s.zrlePlainEncodeMsChangedMedian),
                   r(s.tileDeltaEncodeMsChangedMedian, s.zrleEncodeMsChangedMedian)].joined(separator: " | "))
        }
        print("")
        print(String(format: "memcmp of two whole frames: %.3f ms; unchanged frame, full-screen damage, ChangeDetector: %.3f ms (%.2fx; on one thread %.3f ms, %.2fx)",
                     o.memcmpMs, o.unchangedDetectMs, o.unchangedDetectMs / max(1e-9, o.memcmpMs),
                     o.unchangedDetectOneThreadMs, o.unchangedDetectOneThreadMs / max(1e-9, o.memcmpMs)))
        print(String(format: "encode time, sum over all updates: tile-delta %.1f ms, ZRLE %.1f ms (%.3f), ZRLE+CR %.1f ms (%.3f)",
                     o.tileDeltaEncodeMsTotal, o.zrlePlainEncodeMsTotal, o.tileDeltaEncodeTimeOverZrlePlain,
                     o.zrleEncodeMsTotal, o.tileDeltaEncodeTimeOverZrle))
    }
}

func progress(_ line: String) {
    FileHandle.standardError.write(Data(("remote-assist-bench: " + line + "\n").utf8))
}
