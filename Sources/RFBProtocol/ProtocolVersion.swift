public import NIOCore

/// The RFB versions we speak. Others map down: 3.5 (and any 3.x below 7) is 3.3, anything above 3.8
/// (3.889 of Apple, 4.x) is 3.8.
public enum ProtocolVersion: Int, Comparable, Hashable, Sendable, CustomStringConvertible {
    case v3_3 = 3
    case v3_7 = 7
    case v3_8 = 8

    /// Exactly 12 bytes: "RFB 003.008\n".
    public static let wireLength = 12

    public var minor: Int { rawValue }
    public var description: String { "3.\(rawValue)" }

    public static func < (a: ProtocolVersion, b: ProtocolVersion) -> Bool { a.rawValue < b.rawValue }

    /// Maps a version a peer announced to the one we speak; nil for versions below 3.3 (not RFB 3).
    public init?(major: Int, minor: Int) {
        if major > 3 { self = .v3_8; return }
        guard major == 3, minor >= 3 else { return nil }
        switch minor {
        case 8...: self = .v3_8
        case 7: self = .v3_7
        default: self = .v3_3
        }
    }

    /// Parses a ProtocolVersion message: nil until 12 bytes are here; throws unless it is "RFB xxx.yyy\n"
    /// with decimal digits and a major version of at least 3.
    public static func read(from buffer: inout ByteBuffer) throws -> ProtocolVersion? {
        try buffer.rfbTransaction { b -> ProtocolVersion? in
            guard let bytes = b.readBytes(length: wireLength) else { return nil }
            func digits(_ range: Range<Int>) -> Int? {
                var v = 0
                for i in range {
                    let c = bytes[i]
                    guard c >= 0x30, c <= 0x39 else { return nil }
                    v = v * 10 + Int(c - 0x30)
                }
                return v
            }
            guard bytes[0] == 0x52, bytes[1] == 0x46, bytes[2] == 0x42, bytes[3] == 0x20,
                  bytes[7] == 0x2E, bytes[11] == 0x0A,
                  let major = digits(4..<7), let minor = digits(8..<11)
            else {
                let shown = bytes.map { (0x20...0x7E).contains($0) ? String(UnicodeScalar($0)) : "." }.joined()
                throw RFBError.malformed("bad protocol version string \"\(shown)\"")
            }
            guard let v = ProtocolVersion(major: major, minor: minor) else {
                throw RFBError.malformed("unsupported protocol version \(major).\(minor)")
            }
            return v
        }
    }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeString("RFB 003.00\(rawValue)\n")
    }
}
