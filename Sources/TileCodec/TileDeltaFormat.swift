import Pixels

/// Constants of the tile-delta wire format (see `codecs/tile-delta/SPEC.md`).
public enum TileDelta {
    /// The encoding number: FourCC "RATD", outside every registered RFB block.
    public static let encodingNumber: Int32 = 0x5241_5444
    /// Version byte at the start of every decompressed payload: 1, or 2 when the viewer listed
    /// `RFBEncoding.tileDeltaVersion2` (the grey tile kind), or 3 when it listed
    /// `RFBEncoding.tileDeltaVersion3` (the dual tile kind as well).
    public static let version1: UInt8 = 1
    public static let version2: UInt8 = 2
    public static let version3: UInt8 = 3
    /// The zstd level a new stream uses when nobody chose one: 3 for versions 2 and 3, 1 for version 1
    /// (large photographs go at level 1 even then: `TileDeltaEncoder.photoPayload`).
    /// Measured 2026-12-05 (`remote-assist-bench codec`, README "Benchmarks"): with version 2's grey kind,
    /// level 3 (with the table and match settings below) takes pdf from about 0.62 of ZRLE's bytes at
    /// level 1 to 0.56 and writer from 0.64 to 0.60, at an encode median no higher than version 1 at
    /// level 1 (grey tiles are a third of the bytes to compress).
    public static func defaultLevel(version: UInt8) -> Int { version >= version2 ? 3 : 1 }
    /// zstd's hash and chain table sizes (log2) for a version 2 or 3 stream: level 3's own (17 and 16) cost
    /// cache misses on photographs; 15 and 15 kept its bytes within 1 % on the recorded applications
    /// (pdf 0.549 instead of 0.540 of ZRLE, writer 0.595 / 0.591) and took the slideshow's encode median
    /// from 13.3 to 10.5 ms (same run, 2026-12-05). nil: the level's own (version 1).
    public static func defaultTableLog(version: UInt8) -> Int? { version >= version2 ? 15 : nil }
    /// zstd's shortest match for a version 2 or 3 stream: level 3's own (5) finds short chance matches in
    /// photographs' residuals that cost more than they save (slideshow 0.578 of ZRLE's bytes, encode
    /// median 14.7/12.4 ms against version 1's 12.4/11.4); 6 gives 0.560 at 11.6/12.1 ms, keeping text
    /// (writer 0.599, pdf 0.556; 7: writer 0.605). Same runs, 2026-12-05. nil: the level's own.
    public static func defaultMinMatch(version: UInt8) -> Int? { version >= version2 ? 6 : nil }
    /// In version 2 and 3 streams motion offsets need this many anchor votes (`MotionDetector.minimumVotes`,
    /// 3 by default): fewer chance copies of white space and repeated words where nothing moved (browser
    /// tabs 224,365 -> 218,380 bytes, pdf and writer -0.6 %, the desktop corpus within 0.6 %), and fewer
    /// candidate offsets to verify.
    static let version2MinimumVotes = 8
    static let tileSize = 64
    /// Tile kinds (low 6 bits of the kind byte); bit 7 says a row mask follows, bit 6 a column range.
    /// `grey` exists from version 2, `dual` in version 3 (an older payload with them is refused as
    /// naming an unknown kind).
    enum Kind: UInt8 {
        case raw = 0, solid = 1, packedPalette = 2, paletteRLE = 3, xor = 4, plainRLE = 5, predicted = 6, grey = 7, dual = 8
    }
    static let rowMaskFlag: UInt8 = 0x80
    /// Bit 6 of the kind byte: U8 first column, U8 column count follow (after any row mask).
    static let columnsFlag: UInt8 = 0x40
    static let kindMask: UInt8 = 0x3F
    static let copyBytes = 12

    /// The largest payload a well-formed update of `rect` can declare: header, the most copies a U16
    /// count allows, and per tile of the rect its header, row mask, a full palette and 4 bytes a pixel
    /// (plain RLE of single-pixel runs, the most expensive kind).
    static func payloadLimit(for rect: Rect) -> Int {
        let tiles = ((rect.width + 63) / 64 + 1) * ((rect.height + 63) / 64 + 1)
        return 7 + 65_535 * copyBytes + tiles * (5 + 8 + 1 + 127 * 3) + rect.area * 4
    }
}

extension TileDelta {
    /// The highest tile kind a payload of `version` may use: 6 in version 1, grey (7) from version 2,
    /// dual (8) from version 3.
    static func lastKind(version: UInt8) -> UInt8 {
        version >= version3 ? Kind.dual.rawValue : version == version2 ? Kind.grey.rawValue : Kind.predicted.rawValue
    }
}

extension TileDelta {
    /// The first data byte of a dual tile (kind 8, version 3): which two channels are equal in every
    /// coded pixel.
    enum Pair: UInt8 {
        case redGreen = 0, greenBlue = 1, redBlue = 2

        /// Bit shifts in a `0x00RRGGBB` pixel of the two bytes a dual pixel sends: the shared level, then
        /// the third channel (red = green: green, blue; green = blue: green, red; red = blue: blue, green).
        var shifts: (shared: UInt32, other: UInt32) {
            switch self {
            case .redGreen: (8, 0)
            case .greenBlue: (8, 16)
            case .redBlue: (0, 8)
            }
        }

        /// Multiplying a level by this puts it in both equal channels.
        var spread: UInt32 {
            switch self {
            case .redGreen: 0x01_0100
            case .greenBlue: 0x00_0101
            case .redBlue: 0x01_0001
            }
        }
    }
}
