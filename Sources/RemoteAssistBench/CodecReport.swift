/// What the table prints for a sequence or the overall line.
protocol Row {
    var name: String { get }
    var frames: Int { get }
    var rawBytes: Int { get }
    var tileDeltaBytes: Int { get }
    var zrleBytes: Int { get }
    var xorZstdBytes: Int { get }
    var tileDeltaEncodeMsMedian: Double { get }
    var tileDeltaEncodeMsP95: Double { get }
    var tileDeltaDecodeMsMedian: Double { get }
    var tileDeltaDecodeMsP95: Double { get }
    var zrleEncodeMsMedian: Double { get }
    var zrleEncodeMsP95: Double { get }
    var zrleDecodeMsMedian: Double { get }
    var roundtripExact: Bool { get }
}

/// Per-update samples of one sequence.
struct Samples: Encodable {
    var tileDeltaEncodeMs: [Double] = []
    var tileDeltaDecodeMs: [Double] = []
    var zrleEncodeMs: [Double] = []
    var zrleDecodeMs: [Double] = []
    var xorZstdMs: [Double] = []
}

struct SequenceStats: Row, Encodable {
    var name: String
    var frames: Int
    var updates: Int
    var changedTiles: Int
    var rawBytes: Int
    var tileDeltaBytes: Int
    var zrleBytes: Int
    var xorZstdBytes: Int
    var tileDeltaCopies: Int
    var zrleCopyRects: Int
    var zrleRects: Int
    var tileDeltaRoundtripExact: Bool
    var zrleRoundtripExact: Bool
    var samples: Samples

    var roundtripExact: Bool { tileDeltaRoundtripExact && zrleRoundtripExact }
    var tileDeltaEncodeMsMedian: Double { median(samples.tileDeltaEncodeMs) }
    var tileDeltaEncodeMsP95: Double { percentile(samples.tileDeltaEncodeMs, 95) }
    var tileDeltaDecodeMsMedian: Double { median(samples.tileDeltaDecodeMs) }
    var tileDeltaDecodeMsP95: Double { percentile(samples.tileDeltaDecodeMs, 95) }
    var zrleEncodeMsMedian: Double { median(samples.zrleEncodeMs) }
    var zrleEncodeMsP95: Double { percentile(samples.zrleEncodeMs, 95) }
    var zrleDecodeMsMedian: Double { median(samples.zrleDecodeMs) }

    enum CodingKeys: String, CodingKey {
        case name, frames, updates, changedTiles, rawBytes, tileDeltaBytes, zrleBytes, xorZstdBytes, tileDeltaCopies
        case zrleCopyRects, zrleRects, tileDeltaRoundtripExact, zrleRoundtripExact, roundtripExact
        case tileDeltaEncodeMsMedian, tileDeltaEncodeMsP95, tileDeltaDecodeMsMedian, tileDeltaDecodeMsP95
        case zrleEncodeMsMedian, zrleEncodeMsP95, zrleDecodeMsMedian, xorZstdMsMedian
        case tileDeltaRatio, zrleRatio, xorZstdRatio, tileDeltaOverZrle, tileDeltaOverXorZstd
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
        try c.encode(xorZstdBytes, forKey: .xorZstdBytes)
        try c.encode(tileDeltaCopies, forKey: .tileDeltaCopies)
        try c.encode(zrleCopyRects, forKey: .zrleCopyRects)
        try c.encode(zrleRects, forKey: .zrleRects)
        try c.encode(tileDeltaRoundtripExact, forKey: .tileDeltaRoundtripExact)
        try c.encode(zrleRoundtripExact, forKey: .zrleRoundtripExact)
        try c.encode(roundtripExact, forKey: .roundtripExact)
        try c.encode(tileDeltaEncodeMsMedian, forKey: .tileDeltaEncodeMsMedian)
        try c.encode(tileDeltaEncodeMsP95, forKey: .tileDeltaEncodeMsP95)
        try c.encode(tileDeltaDecodeMsMedian, forKey: .tileDeltaDecodeMsMedian)
        try c.encode(tileDeltaDecodeMsP95, forKey: .tileDeltaDecodeMsP95)
        try c.encode(zrleEncodeMsMedian, forKey: .zrleEncodeMsMedian)
        try c.encode(zrleEncodeMsP95, forKey: .zrleEncodeMsP95)
        try c.encode(zrleDecodeMsMedian, forKey: .zrleDecodeMsMedian)
        try c.encode(median(samples.xorZstdMs), forKey: .xorZstdMsMedian)
        try c.encode(ratio(rawBytes, tileDeltaBytes), forKey: .tileDeltaRatio)
        try c.encode(ratio(rawBytes, zrleBytes), forKey: .zrleRatio)
        try c.encode(ratio(rawBytes, xorZstdBytes), forKey: .xorZstdRatio)
        try c.encode(ratio(tileDeltaBytes, zrleBytes), forKey: .tileDeltaOverZrle)
        try c.encode(ratio(tileDeltaBytes, xorZstdBytes), forKey: .tileDeltaOverXorZstd)
    }
}

func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }

/// All sequences together; medians over every update of every sequence.
struct Overall: Row, Encodable {
    var name = "overall"
    var frames: Int, updates: Int, rawBytes: Int, tileDeltaBytes: Int, zrleBytes: Int, xorZstdBytes: Int
    var tileDeltaEncodeMsMedian: Double, tileDeltaEncodeMsP95: Double
    var tileDeltaDecodeMsMedian: Double, tileDeltaDecodeMsP95: Double
    var zrleEncodeMsMedian: Double, zrleEncodeMsP95: Double, zrleDecodeMsMedian: Double
    var tileDeltaEncodeMsTotal: Double, zrleEncodeMsTotal: Double
    var roundtripExact: Bool
    var memcmpMs: Double, unchangedDetectMs: Double, unchangedDetectOverMemcmp: Double
    var unchangedDetectOneThreadMs = 0.0
    var zstdLevel: Int, zrleLevel: Int
    var tileDeltaRatio: Double, zrleRatio: Double, xorZstdRatio: Double
    var tileDeltaOverZrle: Double, tileDeltaOverXorZstd: Double, tileDeltaEncodeTimeOverZrle: Double
    var zrleNote = "our ZRLE encoder (zlib, one stream per sequence) plus CopyRects from our MotionDetector, as a server would send"

    init(sequences s: [SequenceStats], memcmpMs: Double, unchangedDetectMs: Double, zstdLevel: Int, zrleLevel: Int) {
        frames = s.reduce(0) { $0 + $1.frames }
        updates = s.reduce(0) { $0 + $1.updates }
        rawBytes = s.reduce(0) { $0 + $1.rawBytes }
        tileDeltaBytes = s.reduce(0) { $0 + $1.tileDeltaBytes }
        zrleBytes = s.reduce(0) { $0 + $1.zrleBytes }
        xorZstdBytes = s.reduce(0) { $0 + $1.xorZstdBytes }
        let tdEnc = s.flatMap { $0.samples.tileDeltaEncodeMs }, tdDec = s.flatMap { $0.samples.tileDeltaDecodeMs }
        let zEnc = s.flatMap { $0.samples.zrleEncodeMs }, zDec = s.flatMap { $0.samples.zrleDecodeMs }
        tileDeltaEncodeMsMedian = median(tdEnc); tileDeltaEncodeMsP95 = percentile(tdEnc, 95)
        tileDeltaDecodeMsMedian = median(tdDec); tileDeltaDecodeMsP95 = percentile(tdDec, 95)
        zrleEncodeMsMedian = median(zEnc); zrleEncodeMsP95 = percentile(zEnc, 95); zrleDecodeMsMedian = median(zDec)
        tileDeltaEncodeMsTotal = tdEnc.reduce(0, +); zrleEncodeMsTotal = zEnc.reduce(0, +)
        roundtripExact = s.allSatisfy { $0.roundtripExact }
        self.memcmpMs = memcmpMs; self.unchangedDetectMs = unchangedDetectMs
        unchangedDetectOverMemcmp = memcmpMs > 0 ? unchangedDetectMs / memcmpMs : 0
        self.zstdLevel = zstdLevel; self.zrleLevel = zrleLevel
        tileDeltaRatio = ratio(rawBytes, tileDeltaBytes); zrleRatio = ratio(rawBytes, zrleBytes)
        xorZstdRatio = ratio(rawBytes, xorZstdBytes)
        tileDeltaOverZrle = ratio(tileDeltaBytes, zrleBytes); tileDeltaOverXorZstd = ratio(tileDeltaBytes, xorZstdBytes)
        tileDeltaEncodeTimeOverZrle = zrleEncodeMsTotal > 0 ? tileDeltaEncodeMsTotal / zrleEncodeMsTotal : 0
    }
}

struct Report: Encodable {
    var sequences: [SequenceStats]
    var overall: Overall
}
