public import NIOCore
import RFBTransport

/// The limits the listening agent holds against hostile peers, named so that tests and the README can
/// point at them. Message lengths are bounded in `RFBLimits`; password attempts in `PasswordThrottle`.
public enum AgentLimits {
    /// A viewer must get from its first byte to the consent question (or to its refusal) within this
    /// time; a peer that sends nothing, or one byte a second, is closed when it runs out.
    public static let handshakeTimeout: TimeAmount = .seconds(10)
    /// From the requester's consent to ServerInit: the screen must be opened and captured once and the
    /// viewer's ClientInit be in within this time, or the connection is closed (no session without a timer).
    public static let sessionStartTimeout: TimeAmount = .seconds(15)
    /// Connections that have not authenticated yet, at once, from anywhere.
    public static let maximumUnauthenticatedConnections = ConnectionAdmission.defaultMaximumTotal
    /// Connections that have not authenticated yet, at once, from one source address.
    public static let maximumUnauthenticatedPerAddress = ConnectionAdmission.defaultMaximumPerAddress
    /// Bytes a viewer may have sent that are not yet read as messages (while the agent waits for TLS,
    /// a password check or consent, or for the rest of a message). The largest message a viewer may
    /// send is a ClientCutText of `RFBLimits.maxCutTextLength`.
    public static let maximumBufferedBytes = 2 * 1024 * 1024
}
