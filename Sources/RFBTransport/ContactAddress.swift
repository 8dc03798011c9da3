/// Where to reach a contact: `host:port`, with IPv6 literals in brackets (`[::1]:5500`).
public struct ContactAddress: Hashable, Sendable, CustomStringConvertible {
    public static let maximumHostLength = 253

    /// Host name, IPv4 literal, or IPv6 literal (without brackets).
    public let host: String
    public let port: Int

    public init(host: String, port: Int) throws {
        guard (1...65535).contains(port) else { throw ContactBookError.invalidAddress("port \(port) is not in 1-65535") }
        try Self.validate(host: host)
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[ipv6]:port`.
    public init(parsing text: String) throws {
        let bytes = Array(text.utf8)
        guard let colon = bytes.lastIndex(of: UInt8(ascii: ":")) else {
            throw ContactBookError.invalidAddress("expected HOST:PORT")
        }
        var hostBytes = Array(bytes[..<colon])
        let portBytes = Array(bytes[(colon + 1)...])
        if hostBytes.first == UInt8(ascii: "[") {
            guard hostBytes.count >= 2, hostBytes.last == UInt8(ascii: "]") else {
                throw ContactBookError.invalidAddress("unclosed '[' in IPv6 address")
            }
            hostBytes = Array(hostBytes.dropFirst().dropLast())
            guard hostBytes.contains(UInt8(ascii: ":")) else {
                throw ContactBookError.invalidAddress("brackets are only for IPv6 addresses")
            }
        } else if hostBytes.contains(UInt8(ascii: ":")) {
            throw ContactBookError.invalidAddress("write IPv6 addresses in brackets, e.g. [::1]:5500")
        }
        guard !portBytes.isEmpty, portBytes.count <= 5,
              portBytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { throw ContactBookError.invalidAddress("port must be a number from 1 to 65535") }
        let port = portBytes.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        try self.init(host: String(decoding: hostBytes, as: UTF8.self), port: port)
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    private static func validate(host: String) throws {
        let bytes = Array(host.utf8)
        guard !bytes.isEmpty else { throw ContactBookError.invalidAddress("empty host") }
        guard bytes.count <= maximumHostLength else {
            throw ContactBookError.invalidAddress("host is longer than \(maximumHostLength) characters")
        }
        if bytes.contains(UInt8(ascii: ":")) {
            // IPv6 literal: hex digits, colons, and dots for an embedded IPv4 part.
            let allowed = bytes.allSatisfy {
                isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".")
            }
            guard allowed, bytes.count <= 45 else { throw ContactBookError.invalidAddress("invalid IPv6 address") }
            return
        }
        for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.count <= 63 else {
                throw ContactBookError.invalidAddress("host name labels must be 1 to 63 characters")
            }
            guard label.allSatisfy({ Contact.isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }),
                  label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-")
            else { throw ContactBookError.invalidAddress("host may contain only letters, digits, '-', '_' and '.'") }
        }
    }

    private static func isHexDigit(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"))
            || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F"))
    }
}
