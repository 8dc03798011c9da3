/// Encoding and pseudo-encoding numbers (RFC 6143 §7.7 and the rfbproto registry), as the signed S32
/// that SetEncodings and rectangle headers carry.
public enum RFBEncoding {
    public static let raw: Int32 = 0
    public static let copyRect: Int32 = 1
    public static let hextile: Int32 = 5
    public static let tight: Int32 = 7
    public static let zrle: Int32 = 16
    /// Our tile-delta codec, FourCC "RATD", outside every registered block (see `codecs/`).
    public static let tileDelta: Int32 = 0x5241_5444
    /// Pseudo-encoding FourCC "RAT2": the client also decodes tile-delta payload version 2 (the grey
    /// tile kind; codecs/tile-delta/SPEC.md). A server sends version 2 only to a
    /// client that lists it beside `tileDelta`, version 1 to every other, so older viewers keep working.
    public static let tileDeltaVersion2: Int32 = 0x5241_5432
    /// Pseudo-encoding FourCC "RAT3": the client also decodes tile-delta payload version 3 (version 2
    /// plus the dual tile kind). A server sends version 3 only to a client that lists it beside
    /// `tileDelta`; a client listing RAT2 but not RAT3 gets version 2.
    public static let tileDeltaVersion3: Int32 = 0x5241_5433

    public static let desktopSize: Int32 = -223
    public static let lastRect: Int32 = -224
    public static let cursor: Int32 = -239
    /// The server's pointer position: x, y of the rectangle header, no body.
    public static let pointerPos: Int32 = -232
    public static let desktopName: Int32 = -307
    public static let extendedDesktopSize: Int32 = -308
    public static let fence: Int32 = -312
    public static let continuousUpdates: Int32 = -313
    /// CompressLevel pseudo-encodings (TightVNC registry, also honoured for ZRLE by TigerVNC): level N
    /// is `compressLevel0 + N`, N in 0...9.
    public static let compressLevel0: Int32 = -256
    public static let compressLevel9: Int32 = -247
    /// Our SessionEnd extension, FourCC "RASE" (see `codecs/session-end.md`).
    public static let sessionEnd: Int32 = 0x5241_5345
    /// Our file-transfer extension, FourCC "RAFT" (see `codecs/file-transfer.md`).
    public static let fileTransfer: Int32 = 0x5241_4654
}
