/// Upper bounds applied to every length and count read from a peer, checked before allocating or
/// waiting for the bytes. Values written by us are held to the same limits.
public enum RFBLimits {
    /// Failure reason strings (security list count 0, SecurityResult failure).
    public static let maxReasonLength = 4 * 1024
    /// ClientCutText / ServerCutText payload.
    public static let maxCutTextLength = 1024 * 1024
    /// Entries in one SetEncodings message.
    public static let maxEncodings = 1024
    /// UTF-8 bytes of one TextChat text message (libvncserver drops peers at 4096 and above).
    public static let maxChatLength = 4095
    /// Username or password of VeNCrypt Plain authentication.
    public static let maxPlainCredentialLength = 1024
    /// Desktop name in ServerInit and in the DesktopName pseudo-rectangle.
    public static let maxDesktopNameLength = 1024
    /// Rectangles in one FramebufferUpdate (including updates announced with 65535 and ended by LastRect).
    public static let maxRectanglesPerUpdate = 16_384
    /// Body bytes of one rectangle.
    public static let maxRectangleBodyLength = 64 * 1024 * 1024
    /// Fence payload.
    public static let maxFencePayloadLength = 64
    /// SessionEnd text.
    public static let maxSessionEndTextLength = 1024
    /// File transfer (`codecs/file-transfer.md`): a file name in an offer, in UTF-8 bytes.
    public static let maxFileNameLength = 4096
    /// File transfer: the media type of an offer, in ASCII bytes.
    public static let maxMediaTypeLength = 127
    /// File transfer: the reason of a decline, cancel or abort, in UTF-8 bytes.
    public static let maxFileReasonLength = 1024
    /// File transfer: the bytes of one data chunk.
    public static let maxFileChunkLength = 64 * 1024
    /// Largest framebuffer side (RFB sizes are U16).
    public static let maxFramebufferSide = 65_535
    /// Largest framebuffer a viewer accepts (ServerInit, DesktopSize, ExtendedDesktopSize), in pixels:
    /// 64 Mi pixels (256 MiB at 4 bytes a pixel, e.g. 8192x8192), so a server cannot make a viewer
    /// allocate the 16 GiB that 65535x65535 would take.
    public static let maxFramebufferPixels = 64 << 20
}

extension RFBLimits {
    /// Throws `RFBError.tooLarge` for a framebuffer size over `maxFramebufferPixels`.
    static func checkFramebufferSize(width: Int, height: Int) throws {
        guard width * height <= maxFramebufferPixels else {
            throw RFBError.tooLarge(what: "framebuffer of \(width)x\(height) pixels", length: width * height,
                                    limit: maxFramebufferPixels)
        }
    }
}
