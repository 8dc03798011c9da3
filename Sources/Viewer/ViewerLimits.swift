public import NIOCore

/// The limits the listening viewer (`listen`) holds against whoever reaches its port: the same
/// admission caps as the agent (``RFBTransport/ConnectionAdmission``), a short limit before the
/// requester's certificate is verified, and a long one while a person decides.
public enum ViewerLimits {
    /// From the first byte to the requester's verified certificate (the expert is then asked).
    public static let handshakeBeforeVerification: TimeAmount = .seconds(10)
    /// After the expert accepted: the requester decides whether to share (their consent timeout is
    /// 60 s by default); ServerInit must come within this time.
    public static let consentWait: TimeAmount = .minutes(5)
}
