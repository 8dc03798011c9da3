public import NIOCore

/// Starting a session on a connection that is already open (a stream an XMPP server's proxy relays):
/// call on the channel's event loop once the session handler is in the pipeline.
public enum OpenedChannel {
    /// Enables TCP keepalive, tells the pipeline the connection is active (the handlers start as on a fresh connection), passes
    /// up `leftover` (bytes read past the relay's own reply), then turns autoRead on (it should have been
    /// off until now, so nothing was read with no handler to take it).
    public static func begin(_ channel: any Channel, leftover: [UInt8]) {
        // Our own link to the relay is held to the same bound as a direct connection (a network cut on
        // the far side's link is not seen here: see the XMPP end message and presence).
        try? TCPKeepAlive.enable(on: channel)
        channel.pipeline.fireChannelActive()
        if !leftover.isEmpty { channel.pipeline.fireChannelRead(channel.allocator.buffer(bytes: leftover)) }
        channel.setOption(ChannelOptions.autoRead, value: true).whenSuccess { channel.read() }
    }
}
