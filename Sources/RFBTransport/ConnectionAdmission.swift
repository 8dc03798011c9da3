/// The accounting behind the connection caps of everything that listens (the agent of `share`, the
/// viewer of `listen`), without sockets: a connection is counted from the moment it is accepted until
/// it authenticates (its TLS peer is verified, or the consent question is asked) or closes. Over either
/// cap, a new connection is refused at once.
public struct ConnectionAdmission: Sendable {
    /// One admitted connection, to be released exactly once.
    public struct Ticket: Hashable, Sendable {
        let number: Int
    }

    public enum Decision: Equatable, Sendable {
        case admitted(Ticket)
        /// Refused, with the reason for the log.
        case refused(String)
    }

    public let maximumTotal: Int
    public let maximumPerAddress: Int
    private var holders: [Ticket: String] = [:]
    private var perAddress: [String: Int] = [:]
    private var issued = 0

    /// Connections that have not authenticated yet, at once, from anywhere.
    public static let defaultMaximumTotal = 16
    /// Connections that have not authenticated yet, at once, from one source address.
    public static let defaultMaximumPerAddress = 4

    public init(maximumTotal: Int = defaultMaximumTotal, maximumPerAddress: Int = defaultMaximumPerAddress) {
        self.maximumTotal = maximumTotal
        self.maximumPerAddress = maximumPerAddress
    }

    /// Connections counted now.
    public var count: Int { holders.count }

    /// Connections counted now from `address`.
    public func count(from address: String) -> Int { perAddress[address] ?? 0 }

    /// A new connection from `address` (the peer's IP address, without the port).
    public mutating func admit(address: String) -> Decision {
        if holders.count >= maximumTotal {
            return .refused("too many connections waiting to authenticate (at most \(maximumTotal) at once)")
        }
        if count(from: address) >= maximumPerAddress {
            return .refused("too many connections waiting to authenticate from \(address) (at most \(maximumPerAddress) at once)")
        }
        issued += 1
        let ticket = Ticket(number: issued)
        holders[ticket] = address
        perAddress[address, default: 0] += 1
        return .admitted(ticket)
    }

    /// The connection authenticated or closed: it no longer counts. Releasing twice does nothing.
    public mutating func release(_ ticket: Ticket) {
        guard let address = holders.removeValue(forKey: ticket) else { return }
        let left = (perAddress[address] ?? 1) - 1
        perAddress[address] = left > 0 ? left : nil
    }
}
