/// Why bytes from a peer (or a value handed to a serializer) were rejected. Every case means the
/// connection cannot continue: the adapter closes it and reports `description`.
public enum RFBError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes do not follow the protocol (bad version string, bad padding value, bad UTF-8, …).
    case malformed(String)
    /// A length or count is above the named limit; detected before any allocation or waiting.
    case tooLarge(what: String, length: Int, limit: Int)
    /// A message type we do not know: the stream cannot be resynchronised.
    case unknownMessageType(UInt8)
    /// A rectangle of an encoding we never asked for.
    case unsupportedEncoding(Int32)
    /// A pixel rectangle that does not lie inside the framebuffer.
    case rectangleOutsideFramebuffer(x: Int, y: Int, width: Int, height: Int, framebufferWidth: Int, framebufferHeight: Int)
    /// A pixel format we cannot serve or use (colour map, odd bpp, …).
    case unsupportedPixelFormat(String)
    /// The peer sent something the current state does not allow.
    case unexpected(String)
    /// A value handed to a serializer or state machine input cannot be expressed on the wire.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .malformed(let s): return "malformed RFB data: \(s)"
        case .tooLarge(let what, let length, let limit): return "\(what) of \(length) bytes exceeds the limit of \(limit)"
        case .unknownMessageType(let t): return "unknown message type \(t)"
        case .unsupportedEncoding(let e): return "unsupported encoding \(e)"
        case .rectangleOutsideFramebuffer(let x, let y, let w, let h, let fw, let fh):
            return "rectangle \(w)x\(h)+\(x)+\(y) lies outside the \(fw)x\(fh) framebuffer"
        case .unsupportedPixelFormat(let s): return "unsupported pixel format: \(s)"
        case .unexpected(let s): return "unexpected RFB data: \(s)"
        case .invalidArgument(let s): return "invalid argument: \(s)"
        }
    }
}
