#if canImport(Glibc)
import Glibc
#endif
public import NIOCore

/// TCP keepalive tuned so that a peer that vanished (network cut, machine gone) is noticed within
/// `idle + interval * count` seconds even when no update or chat is flowing. A killed process is noticed
/// at once anyway (its kernel closes the socket).
public enum TCPKeepAlive {
    public static let idleSeconds = 5
    public static let intervalSeconds = 3
    public static let probes = 3
    /// The bound: 14 s.
    public static var detectionSeconds: Int { idleSeconds + intervalSeconds * probes }

    /// Enables keepalive on a connected TCP channel (call on its event loop, e.g. in an initializer).
    public static func enable(on channel: any Channel) throws {
        let sync = try channel.syncOptions.unwrap()
        try sync.setOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
        try sync.setOption(ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: TCP_KEEPIDLE)),
                           value: idleSeconds)
        try sync.setOption(ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: TCP_KEEPINTVL)),
                           value: intervalSeconds)
        try sync.setOption(ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: TCP_KEEPCNT)),
                           value: probes)
        // Keepalive only runs while nothing is waiting for an acknowledgement; this bounds that case too
        // (e.g. a request or an update sent just before the network went away).
        try sync.setOption(ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: TCP_USER_TIMEOUT)),
                           value: detectionSeconds * 1000)
    }
}

extension Optional {
    func unwrap() throws -> Wrapped {
        guard let value = self else { throw ChannelError.operationUnsupported }
        return value
    }
}
