public import NIOCore
import RFBTransport

/// The limits the listening agent holds against hostile peers, named so that tests and the README can
/// point at them. Message lengths are bounded in `RFBLimits`; password attempts in `PasswordThrottle`.
public enum AgentLimits {
    /// A viewer must get from its first byte to its choice of security (and our own viewers, VeNCrypt
    /// X509None, on through TLS to the consent question, or to their refusal) within this time; a peer
    /// that sends nothing, or one byte a second, is closed when it runs out.
    public static let handshakeTimeout: TimeAmount = .seconds(10)
    /// A viewer that chose VeNCrypt X509Plain (a stock viewer) has this long from that choice to the
    /// one-time password: its user may first have to accept our certificate in a dialog (mid-TLS), then
    /// type the password in another. Ten seconds cut TigerVNC off while its user was in those dialogs
    /// (issue #12). Once the password is right, the consent question has its own time (`--consent-timeout`).
    ///
    /// The trade-off: a peer that only completes TLS and then says nothing holds its place among the
    /// unauthenticated connections for two minutes instead of ten seconds. The caps still bound how many
    /// such connections exist (``maximumUnauthenticatedConnections`` at once from anywhere,
    /// ``maximumUnauthenticatedPerAddress`` from one address), each costing the peer a TLS handshake; a
    /// peer holding every place keeps newcomers out longer (they are refused at the door, and retry),
    /// but cannot make the agent hold more sockets or memory than before.
    public static let passwordTimeout: TimeAmount = .seconds(120)
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
