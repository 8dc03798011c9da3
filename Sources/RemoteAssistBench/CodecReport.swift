/// What the table prints for a sequence or the overall line.
protocol Row {
    var name: String { get }
    var frames: Int { get }
    var rawBytes: Int { get }
    var tileDeltaBytes: Int { get }
    var zrleBytes: Int { get }
    var zrlePlainBytes: Int { get }
    var xorZstdBytes: Int { get }
    var tileDeltaEncodeMsMedian: Double { get }
    var tileDeltaEncodeMsP95: Double { get }
    var tileDeltaDecodeMsMedian: Double { get }
    var tileDeltaDecodeMsP95: Double { get }
    var zrleEncodeMsMedian: Double { get }
    var zrleEncodeMsP95: Double { get }
    var zrleDecodeMsMedian: Double { get }
    var zrlePlainDecodeMsMedian: Double { get }
    var zrlePlainDecodeMsP95: Double { get }
    var zrlePlainEncodeMsMedian: Double { get }
    var zrlePlainEncodeMsP95: Double { get }
    var tileDeltaEncodeMsTotal: Double { get }
    var zrleEncodeMsTotal: Double { get }
    var zrlePlainEncodeMsTotal: Double { get }
    var roundtripExact: Bool { get }
}

/// Per-update samples of one sequence.
struct Samples: Encodable {
    var tileDeltaEncodeMs: [Double] = []
    var tileDeltaDecodeMs: [Double] = []
    var zrleEncodeMs: [Double] = []
    var zrleDecodeMs: [Double] = []
    var zrlePlainEncodeMs: [Double] = []
    /// Plain ZRLE decode of the updates that sent something.
    var zrlePlainDecodeMs: [Double] = []
    var xorZstdMs: [Double] = []
    /// Whether update i changed any tile (the same in every run).
    var changed: [Bool] = []

    /// The samples of the updates that changed something: an unchanged update costs only its detection,
    /// and on content where nothing moves most updates are unchanged.
    func whenChanged(_ ms: [Double]) -> [Double] {
        zip(ms, changed).compactMap { $1 ? $0 : nil }
    }
}

struct SequenceStats: Row, Encodable {
    var name: String
    var frames: Int
    var updates: Int
    var changedTiles: Int
    var rawBytes: Int
    var tileDeltaBytes: Int
    var zrleBytes: Int
    var zrlePlainBytes: Int
    var xorZstdBytes: Int
    var tileDeltaCopies: Int
    var zrleCopyRects: Int
    var zrleRects: Int
    var tileDeltaRoundtripExact: Bool
    var zrleRoundtripExact: Bool
    var zrlePlainRoundtripExact: Bool
    var samples: Samples

    var roundtripExact: Bool { tileDeltaRoundtripExact && zrleRoundtripExact && zrlePlainRoundtripExact }
    var tileDeltaEncodeMsMedian: Double { median(samples.tileDeltaEncodeMs) }
    var tileDeltaEncodeMsP95: Double { percentile(samples.tileDeltaEncodeMs, 95) }
    var tileDeltaDecodeMsMedian: Double { median(samples.tileDeltaDecodeMs) }
    var tileDeltaDecodeMsP95: Double { percentile(samples.tileDeltaDecodeMs, 95) }
    var zrleEncodeMsMedian: Double { median(samples.zrleEncodeMs) }
    var zrleEncodeMsP95: Double { percentile(samples.zrleEncodeMs, 95) }
    var zrleDecodeMsMedian: Double { median(samples.zrleDecodeMs) }
    var zrlePlainDecodeMsMedian: Double { median(samples.zrlePlainDecodeMs) }
    var zrlePlainDecodeMsP95: Double { percentile(samples.zrlePlainDecodeMs, 95) }
    var zrlePlainEncodeMsMedian: Double { median(samples.zrlePlainEncodeMs) }
    var zrlePlainEncodeMsP95: Double { percentile(samples.zrlePlainEncodeMs, 95) }
    var tileDeltaEncodeMsTotal: Double { samples.tileDeltaEncodeMs.reduce(0, +) }
    var zrleEncodeMsTotal: Double { samples.zrleEncodeMs.reduce(0, +) }
    var zrlePlainEncodeMsTotal: Double { samples.zrlePlainEncodeMs.reduce(0, +) }
    var changedUpdates: Int { samples.changed.filter { $0 }.count }
    var tileDeltaEncodeMsChangedMedian: Double { median(samples.whenChanged(samples.tileDeltaEncodeMs)) }
    var zrleEncodeMsChangedMedian: Double { median(samples.whenChanged(samples.zrleEncodeMs)) }
    var zrlePlainEncodeMsChangedMedian: Double { median(samples.whenChanged(samples.zrlePlainEncodeMs)) }

    enum CodingKeys: String, CodingKey {
        case name, frames, updates, changedTiles, rawBytes, tileDeltaBytes, zrleBytes, xorZstdBytes, tileDeltaCopies
        case zrleCopyRects, zrleRects, tileDeltaRoundtripExact, zrleRoundtripExact, zrlePlainRoundtripExact, roundtripExact
        case zrlePlainBytes, zrlePlainEncodeMsMedian, zrlePlainEncodeMsP95, tileDeltaOverZrlePlain
        case zrlePlainDecodeMsMedian, zrlePlainDecodeMsP95
        case tileDeltaEncodeMsTotal, zrleEncodeMsTotal, zrlePlainEncodeMsTotal
        case tileDeltaEncodeMsMedian, tileDeltaEncodeMsP95, tileDeltaDecodeMsMedian, tileDeltaDecodeMsP95
        case zrleEncodeMsMedian, zrleEncodeMsP95, zrleDecodeMsMedian, xorZstdMsMedian
        case tileDeltaRatio, zrleRatio, xorZstdRatio, tileDeltaOverZrle, tileDeltaOverXorZstd
        case changedUpdates, tileDeltaEncodeMsChangedMedian, zrleEncodeMsChangedMedian, zrlePlainEncodeMsChangedMedian
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(frames, forKey: .frames)
        try c.encode(updates, forKey: .updates)
        try c.encode(changedTiles, forKey: .changedTiles)
        try c.encode(rawBytes, forKey: .rawBytes)
        try c.encode(tileDeltaBytes, forKey: .tileDeltaBytes)
        try c.encode(zrleBytes, forKey: .zrleBytes)
        try c.encode(zrlePlainBytes, forKey: .zrlePlainBytes)
        try c.encode(xorZstdBytes, forKey: .xorZstdBytes)
        try c.encode(tileDeltaCopies, forKey: .tileDeltaCopies)
        try c.encode(zrleCopyRects, forKey: .zrleCopyRects)
        try c.encode(zrleRects, forKey: .zrleRects)
        try c.encode(tileDeltaRoundtripExact, forKey: .tileDeltaRoundtripExact)
        try c.encode(zrleRoundtripExact, forKey: .zrleRoundtripExact)
        try c.encode(zrlePlainRoundtripExact, forKey: .zrlePlainRoundtripExact)
        try c.encode(roundtripExact, forKey: .roundtripExact)
        try c.encode(tileDeltaEncodeMsMedian, forKey: .tileDeltaEncodeMsMedian)
        try c.encode(tileDeltaEncodeMsP95, forKey: .tileDeltaEncodeMsP95)
        try c.encode(tileDeltaDecodeMsMedian, forKey: .tileDeltaDecodeMsMedian)
        try c.encode(tileDeltaDecodeMsP95, forKey: .tileDeltaDecodeMsP95)
        try c.encode(zrleEncodeMsMedian, forKey: .zrleEncodeMsMedian)
        try c.encode(zrleEncodeMsP95, forKey: .zrleEncodeMsP95)
        try c.encode(zrleDecodeMsMedian, forKey: .zrleDecodeMsMedian)
        try c.encode(zrlePlainEncodeMsMedian, forKey: .zrlePlainEncodeMsMedian)
        try c.encode(zrlePlainEncodeMsP95, forKey: .zrlePlainEncodeMsP95)
        try c.encode(zrlePlainDecodeMsMedian, forKey: .zrlePlainDecodeMsMedian)
        try c.encode(zrlePlainDecodeMsP95, forKey: .zrlePlainDecodeMsP95)
        try c.encode(tileDeltaEncodeMsTotal, forKey: .tileDeltaEncodeMsTotal)
        try c.encode(zrleEncodeMsTotal, forKey: .zrleEncodeMsTotal)
        try c.encode(zrlePlainEncodeMsTotal, forKey: .zrlePlainEncodeMsTotal)
        try c.encode(changedUpdates, forKey: .changedUpdates)
        try c.encode(tileDeltaEncodeMsChangedMedian, forKey: .tileDeltaEncodeMsChangedMedian)
        try c.encode(zrleEncodeMsChangedMedian, forKey: .zrleEncodeMsChangedMedian)
        try c.encode(zrlePlainEncodeMsChangedMedian, forKey: .zrlePlainEncodeMsChangedMedian)
        try c.encode(median(samples.xorZstdMs), forKey: .xorZstdMsMedian)
        try c.encode(ratio(rawBytes, tileDeltaBytes), forKey: .tileDeltaRatio)
        try c.encode(ratio(rawBytes, zrleBytes), forKey: .zrleRatio)
        try c.encode(ratio(rawBytes, xorZstdBytes), forKey: .xorZstdRatio)
        try c.encode(ratio(tileDeltaBytes, zrleBytes), forKey: .tileDeltaOverZrle)
        try c.encode(ratio(tileDeltaBytes, zrlePlainBytes), forKey: .tileDeltaOverZrlePlain)
        try c.encode(ratio(tileDeltaBytes, xorZstdBytes), forKey: .tileDeltaOverXorZstd)
    }
}

extension SequenceStats {
    /// The first run's figures with every time sample replaced by its median over the runs (the bytes
    /// and round trips of every run are the same: the encoders are deterministic).
    static func medianOfRuns(_ runs: [SequenceStats]) -> SequenceStats {
        var merged = runs[0]
        guard runs.count > 1 else { return merged }
        func medians(_ pick: (Samples) -> [Double]) -> [Double] {
            let columns = runs.map { pick($0.samples) }
            return (0..<(columns.map(\.count).min() ?? 0)).map { i in median(columns.map { $0[i] }) }
        }
        merged.samples = Samples(tileDeltaEncodeMs: medians(\.tileDeltaEncodeMs),
                                 tileDeltaDecodeMs: medians(\.tileDeltaDecodeMs),
                                 zrleEncodeMs: medians(\.zrleEncodeMs), zrleDecodeMs: medians(\.zrleDecodeMs),
                                 zrlePlainEncodeMs: medians(\.zrlePlainEncodeMs),
                                 zrlePlainDecodeMs: medians(\.zrlePlainDecodeMs), xorZstdMs: medians(\.xorZstdMs),
                                 changed: runs[0].samples.changed)
        merged.tileDeltaRoundtripExact = runs.allSatisfy(\.tileDeltaRoundtripExact)
        merged.zrleRoundtripExact = runs.allSatisfy(\.zrleRoundtripExact)
        merged.zrlePlainRoundtripExact = runs.allSatisfy(\.zrlePlainRoundtripExact)
        return merged
    }
}

func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }

/// All sequences together; medians over every update of every sequence.
struct Overall: Row, Encodable {
    var name = "overall"
    var frames: Int, updates: Int, rawBytes: Int, tileDeltaBytes: Int, zrleBytes: Int, zrlePlainBytes: Int, xorZstdBytes: Int
    var tileDeltaEncodeMsMedian: Double, tileDeltaEncodeMsP95: Double
    var tileDeltaDecodeMsMedian: Double, tileDeltaDecodeMsP95: Double
    var zrleEncodeMsMedian: Double, zrleEncodeMsP95: Double, zrleDecodeMsMedian: Double
    var zrlePlainEncodeMsMedian: Double, zrlePlainEncodeMsP95: Double
    var zrlePlainDecodeMsMedian: Double, zrlePlainDecodeMsP95: Double
    var tileDeltaEncodeMsTotal: Double, zrleEncodeMsTotal: Double, zrlePlainEncodeMsTotal: Double
    var roundtripExact: Bool
    var memcmpMs: Double, unchangedDetectMs: Double, unchangedDetectOverMemcmp: Double
    var unchangedDetectOneThreadMs = 0.0
    var zstdLevel: Int, zrleLevel: Int
    var tileDeltaRatio: Double, zrleRatio: Double, xorZstdRatio: Double
    var tileDeltaOverZrle: Double, tileDeltaOverXorZstd: Double, tileDeltaEncodeTimeOverZrle: Double
    var tileDeltaOverZrlePlain: Double, tileDeltaEncodeTimeOverZrlePlain: Double
    var tileDeltaEncodeMedianOverZrle: Double, tileDeltaEncodeMedianOverZrlePlain: Double
    var zrleNote = "zrle_*: our ZRLE encoder (zlib, one stream per sequence) plus CopyRects from our MotionDetector, as our agent sends it"
    var zrlePlainNote = "zrle_plain_*: our ZRLE encoder over every changed tile, no CopyRect (a server that finds no moved content, like x0vncserver)"

    init(sequences s: [SequenceStats], memcmpMs: Double, unchangedDetectMs: Double, zstdLevel: Int, zrleLevel: Int) {
        frames = s.reduce(0) { $0 + $1.frames }
        updates = s.reduce(0) { $0 + $1.updates }
        rawBytes = s.reduce(0) { $0 + $1.rawBytes }
        tileDeltaBytes = s.reduce(0) { $0 + $1.tileDeltaBytes }
        zrleBytes = s.reduce(0) { $0 + $1.zrleBytes }
        zrlePlainBytes = s.reduce(0) { $0 + $1.zrlePlainBytes }
        xorZstdBytes = s.reduce(0) { $0 + $1.xorZstdBytes }
        let tdEnc = s.flatMap { $0.samples.tileDeltaEncodeMs }, tdDec = s.flatMap { $0.samples.tileDeltaDecodeMs }
        let zEnc = s.flatMap { $0.samples.zrleEncodeMs }, zDec = s.flatMap { $0.samples.zrleDecodeMs }
        let pEnc = s.flatMap { $0.samples.zrlePlainEncodeMs }, pDec = s.flatMap { $0.samples.zrlePlainDecodeMs }
        tileDeltaEncodeMsMedian = median(tdEnc); tileDeltaEncodeMsP95 = percentile(tdEnc, 95)
        tileDeltaDecodeMsMedian = median(tdDec); tileDeltaDecodeMsP95 = percentile(tdDec, 95)
        zrleEncodeMsMedian = median(zEnc); zrleEncodeMsP95 = percentile(zEnc, 95); zrleDecodeMsMedian = median(zDec)
        zrlePlainEncodeMsMedian = median(pEnc); zrlePlainEncodeMsP95 = percentile(pEnc, 95)
        zrlePlainDecodeMsMedian = median(pDec); zrlePlainDecodeMsP95 = percentile(pDec, 95)
        tileDeltaEncodeMsTotal = tdEnc.reduce(0, +); zrleEncodeMsTotal = zEnc.reduce(0, +)
        zrlePlainEncodeMsTotal = pEnc.reduce(0, +)
        roundtripExact = s.allSatisfy { $0.roundtripExact }
        self.memcmpMs = memcmpMs; self.unchangedDetectMs = unchangedDetectMs
        unchangedDetectOverMemcmp = memcmpMs > 0 ? unchangedDetectMs / memcmpMs : 0
        self.zstdLevel = zstdLevel; self.zrleLevel = zrleLevel
        tileDeltaRatio = ratio(rawBytes, tileDeltaBytes); zrleRatio = ratio(rawBytes, zrleBytes)
        xorZstdRatio = ratio(rawBytes, xorZstdBytes)
        tileDeltaOverZrle = ratio(tileDeltaBytes, zrleBytes); tileDeltaOverXorZstd = ratio(tileDeltaBytes, xorZstdBytes)
        tileDeltaEncodeTimeOverZrle = zrleEncodeMsTotal > 0 ? tileDeltaEncodeMsTotal / zrleEncodeMsTotal : 0
        tileDeltaOverZrlePlain = ratio(tileDeltaBytes, zrlePlainBytes)
        tileDeltaEncodeTimeOverZrlePlain = zrlePlainEncodeMsTotal > 0 ? tileDeltaEncodeMsTotal / zrlePlainEncodeMsTotal : 0
        tileDeltaEncodeMedianOverZrle = zrleEncodeMsMedian > 0 ? tileDeltaEncodeMsMedian / zrleEncodeMsMedian : 0
        tileDeltaEncodeMedianOverZrlePlain = zrlePlainEncodeMsMedian > 0 ? tileDeltaEncodeMsMedian / zrlePlainEncodeMsMedian : 0
    }
}

struct Report: Encodable {
    var sequences: [SequenceStats]
    var overall: Overall
}
