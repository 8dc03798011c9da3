public import XMPP

/// The XMPP account remote-assist logs in with: the bare JID, where its server is (when not the JID's
/// domain on port 5222), which CA file vouches for the server (else the system store), and the password.
/// Neither `description` nor reflection (`dump`, debuggers) shows the password.
public struct XMPPAccount: Equatable, Sendable, CustomStringConvertible, CustomReflectable {
    public static let defaultPort = 5222
    /// Longest password kept (SCRAM works on any length; this bounds what a file may make us read).
    public static let maximumPasswordBytes = 1024

    public var jid: JID
    public var host: String?
    public var port: Int
    public var caFile: String?
    public var password: String

    public init(jid: JID, host: String? = nil, port: Int = defaultPort, caFile: String? = nil, password: String) throws {
        guard jid.local != nil, jid.resource == nil else { throw AccountFileError.invalid("the account must be NAME@SERVER, without /resource") }
        guard !password.isEmpty else { throw AccountFileError.invalid("the password is empty") }
        guard password.utf8.count <= Self.maximumPasswordBytes else {
            throw AccountFileError.invalid("the password is longer than \(Self.maximumPasswordBytes) bytes")
        }
        guard !password.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw AccountFileError.invalid("the password holds a control character (a line break?)")
        }
        guard (1...65535).contains(port) else { throw AccountFileError.invalid("port \(port) is not in 1-65535") }
        if let host { try Self.validate(host: host) }
        if let caFile, caFile.isEmpty || caFile.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw AccountFileError.invalid("the CA file name is empty or holds a control character")
        }
        self.jid = jid
        self.host = host
        self.port = port
        self.caFile = caFile
        self.password = password
    }

    /// A resource of its own for each login (`remote-assist-` and 8 hex digits), so `listen`, `request`
    /// and the contact commands of one account can be online at once (a server replaces a session that
    /// binds a resource already in use).
    public static func freshResource() -> String {
        var g = SystemRandomNumberGenerator()
        return "remote-assist-" + String(UInt32.random(in: 0...UInt32.max, using: &g), radix: 16)
    }

    /// Where the client connects: the given host, else the JID's domain.
    public var serverHost: String { host ?? jid.domain }

    /// How the server's certificate is checked: the CA file when one is given, else the system store.
    public var trust: XMPPTrust { caFile.map { .caFile($0) } ?? .systemStore }

    /// `HOST:PORT` as written by `--server` (IPv6 in brackets).
    public var serverText: String {
        let h = serverHost.contains(":") ? "[\(serverHost)]" : serverHost
        return "\(h):\(port)"
    }

    public var customMirror: Mirror {
        Mirror(self, children: ["jid": jid.description, "server": serverText, "caFile": caFile as Any, "password": "(hidden)"])
    }

    public var description: String {
        var s = "\(jid) via \(serverText)"
        s += caFile.map { ", server certificate checked against \($0)" } ?? ", server certificate checked against the system's CAs"
        return s
    }

    /// Parses `HOST`, `HOST:PORT`, `[IPV6]` or `[IPV6]:PORT` (the `--server` option).
    public static func parseServer(_ text: String) throws -> (host: String, port: Int) {
        var host = Substring(text)
        var port = defaultPort
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw AccountFileError.invalid("unclosed '[' in \(text)") }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()) else { throw AccountFileError.invalid("expected [IPV6]:PORT, got \(text)") }
                port = p
            }
        } else if let colon = host.lastIndex(of: ":") {
            guard host.firstIndex(of: ":") == colon else { throw AccountFileError.invalid("an IPv6 server goes in brackets: [\(text)]") }
            guard let p = Int(host[host.index(after: colon)...]) else { throw AccountFileError.invalid("the port in \(text) is not a number") }
            port = p
            host = host[..<colon]
        }
        guard (1...65535).contains(port) else { throw AccountFileError.invalid("port \(port) is not in 1-65535") }
        try validate(host: String(host))
        return (String(host), port)
    }

    static func validate(host: String) throws {
        guard !host.isEmpty, host.utf8.count <= 253 else { throw AccountFileError.invalid("the server name is empty or too long") }
        guard host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "@") }) else {
            throw AccountFileError.invalid("the server name \(host.debugDescription) has characters a host name cannot have")
        }
    }
}

/// Why the account file or an account setting is refused.
public enum AccountFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(String)
    case malformedLine(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .invalid(let reason): return reason
        case .malformedLine(let path, let line, let reason): return "\(path):\(line): \(reason)"
        }
    }
}
