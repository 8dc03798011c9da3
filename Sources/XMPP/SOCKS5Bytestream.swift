import Crypto

/// XEP-0065 (SOCKS5 bytestreams) as values: the proxy address, and the SOCKS5 client bytes and reply.
/// The greeting and the CONNECT request must each go out as one whole write (Prosody's proxy65 reads each
/// in one read): neither coalesced with the other nor split.
public enum SOCKS5Bytestream {
    /// DST.ADDR: the lowercase hex SHA-1 of SID + initiator's full JID + target's full JID.
    public static func destinationAddress(sid: String, initiator: JID, target: JID) -> String {
        let digest = Insecure.SHA1.hash(data: Array((sid + initiator.description + target.description).utf8))
        return digest.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }

    /// Version 5, one method: no authentication.
    public static let greeting: [UInt8] = [0x05, 0x01, 0x00]

    /// CONNECT with a domain-name address (type 3) and port 0, as XEP-0065 says.
    public static func connectRequest(address: String) -> [UInt8] {
        let a = Array(address.utf8)
        precondition(a.count <= 255, "a SOCKS5 domain name is at most 255 bytes")  // ours: always 40
        return [0x05, 0x01, 0x00, 0x03, UInt8(a.count)] + a + [0x00, 0x00]
    }

    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case badVersion(UInt8)
        case noAcceptableMethod
        case refused(UInt8)
        case malformed(String)
        public var description: String {
            switch self {
            case .badVersion(let v): return "SOCKS5: the proxy answered with version \(v)"
            case .noAcceptableMethod: return "SOCKS5: the proxy accepts no method we offer"
            case .refused(let code): return "SOCKS5: the proxy refused the connection (\(replyText(code)))"
            case .malformed(let why): return "SOCKS5: a malformed reply (\(why))"
            }
        }
    }

    static func replyText(_ code: UInt8) -> String {
        switch code {
        case 1: return "general failure"
        case 2: return "not allowed"
        case 3: return "network unreachable"
        case 4: return "host unreachable"
        case 5: return "connection refused"
        case 6: return "TTL expired"
        case 7: return "command not supported"
        case 8: return "address type not supported"
        default: return "code \(code)"
        }
    }

    /// The method selection answer: nil until 2 bytes are there; throws unless it is "no authentication".
    public static func parseMethodSelection(_ bytes: [UInt8]) throws -> Int? {
        guard bytes.count >= 2 else { return nil }
        guard bytes[0] == 5 else { throw Failure.badVersion(bytes[0]) }
        guard bytes[1] == 0 else { throw Failure.noAcceptableMethod }
        return 2
    }

    /// The CONNECT reply: nil until complete, else its length in bytes (after it, the stream's data).
    public static func parseConnectReply(_ bytes: [UInt8]) throws -> Int? {
        guard bytes.count >= 5 else { return nil }
        guard bytes[0] == 5 else { throw Failure.badVersion(bytes[0]) }
        guard bytes[1] == 0 else { throw Failure.refused(bytes[1]) }
        guard bytes[2] == 0 else { throw Failure.malformed("reserved byte \(bytes[2])") }
        let length: Int
        switch bytes[3] {
        case 1: length = 4 + 4 + 2
        case 3: length = 4 + 1 + Int(bytes[4]) + 2
        case 4: length = 4 + 16 + 2
        default: throw Failure.malformed("address type \(bytes[3])")
        }
        return bytes.count >= length ? length : nil
    }
}
