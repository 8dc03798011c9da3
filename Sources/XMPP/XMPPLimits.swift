/// The bounds every XMPP input is checked against before anything is allocated for it.
public enum XMPPLimits {
    /// The largest stanza (one top-level element of the stream, from its `<` to its last `>`), in bytes.
    /// Prosody's own c2s limit is the same 256 KiB.
    public static let maximumStanzaBytes = 256 * 1024
    /// The deepest nesting of elements, counted from the stream's root element (depth 1).
    public static let maximumDepth = 32
    /// The most attributes one element may carry.
    public static let maximumAttributes = 64
    /// The largest stream header (`<stream:stream ...>`, and an XML declaration before it), in bytes.
    public static let maximumHeaderBytes = 8 * 1024
    /// SCRAM iteration counts outside 4096...this are refused before any hashing.
    public static let maximumSCRAMIterations = 100_000
    /// The longest localpart, domainpart or resourcepart of a JID, in UTF-8 bytes (RFC 7622).
    public static let maximumJIDPartBytes = 1023
    /// The most stanzas waiting unread in `XMPPClient.stanzas`; one more closes the connection with
    /// `XMPPError.fellBehind` (nothing is dropped silently).
    public static let maximumQueuedStanzas = 4096
}
