/// The viewer side of RFB 3.8 spelled out byte by byte on a `RawSocket`, for peers that misbehave
/// on purpose after (or during) the handshake.
public enum RawRFBClient {
    /// Version, security type None, ClientInit (shared); returns the ServerInit size. The agent must
    /// offer None (`--insecure-loopback`) and consent must be given (in advance or quickly).
    @discardableResult
    public static func handshakeNone(_ socket: RawSocket) throws -> (width: Int, height: Int) {
        guard try socket.read(12) == Array("RFB 003.008\n".utf8) else { throw RawSocket.Failure(description: "not RFB 3.8") }
        try socket.write(Array("RFB 003.008\n".utf8))
        let count = Int(try socket.read(1)[0])
        guard count > 0, try socket.read(count).contains(1) else { throw RawSocket.Failure(description: "None not offered") }
        try socket.write([1])
        guard try socket.read(4) == [0, 0, 0, 0] else { throw RawSocket.Failure(description: "security failed") }
        try socket.write([1])
        let header = try socket.read(24)
        let width = Int(header[0]) << 8 | Int(header[1]), height = Int(header[2]) << 8 | Int(header[3])
        let nameLength = Int(header[20]) << 24 | Int(header[21]) << 16 | Int(header[22]) << 8 | Int(header[23])
        _ = try socket.read(nameLength)
        return (width, height)
    }

    public static func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    public static func u32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    public static func setEncodings(_ list: [Int32]) -> [UInt8] {
        [2, 0] + u16(list.count) + list.flatMap { u32(UInt32(bitPattern: $0)) }
    }

    public static func updateRequest(incremental: Bool, width: Int, height: Int) -> [UInt8] {
        [3, incremental ? 1 : 0] + u16(0) + u16(0) + u16(width) + u16(height)
    }

    public static func enableContinuousUpdates(width: Int, height: Int) -> [UInt8] {
        [150, 1] + u16(0) + u16(0) + u16(width) + u16(height)
    }

    /// A ClientFence request with a 64-byte payload (the agent must answer each one).
    public static func fenceRequest() -> [UInt8] {
        [248, 0, 0, 0] + u32(0x8000_0000) + [64] + [UInt8](repeating: 0x5A, count: 64)
    }

    /// A ClientCutText header claiming `length` bytes of text.
    public static func cutTextHeader(claiming length: UInt32) -> [UInt8] {
        [6, 0, 0, 0] + u32(length)
    }

    public static let rawEncoding: Int32 = 0
    public static let continuousUpdatesEncoding: Int32 = -313
    public static let fenceEncoding: Int32 = -312
}

/// The agent's side of an RFB 3.8 handshake with security None, for playing a (hostile) agent to the
/// real viewer over a raw socket: version, None, SecurityResult OK, ClientInit read, then ServerInit
/// with a 32-bit true-colour format and `name`.
public enum RawRFBAgent {
    public static func handshakeNone(_ agent: RawSocket, width: Int, height: Int, name: [UInt8]) throws {
        try agent.write(Array("RFB 003.008\n".utf8))
        guard try agent.read(12) == Array("RFB 003.008\n".utf8) else { throw RawSocket.Failure(description: "not RFB 3.8") }
        try agent.write([1, 1])
        guard try agent.read(1) == [1] else { throw RawSocket.Failure(description: "security None not chosen") }
        try agent.write([0, 0, 0, 0])
        _ = try agent.read(1)   // ClientInit
        let format: [UInt8] = [32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]
        try agent.write(RawRFBClient.u16(width) + RawRFBClient.u16(height) + format + RawRFBClient.u32(UInt32(name.count)) + name)
    }
}
