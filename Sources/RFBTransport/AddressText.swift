public import NIOCore

/// A peer's address as people write it: "127.0.0.1:5500" or "[::1]:5500" (not NIO's
/// "[IPv4]127.0.0.1/127.0.0.1:5500").
public enum AddressText {
    public static func describe(_ address: SocketAddress?) -> String {
        guard let address else { return "?" }
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
