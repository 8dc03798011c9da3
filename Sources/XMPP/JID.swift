/// A JID (RFC 7622) as a value: `localpart@domainpart/resourcepart`, the local and resource parts optional.
/// Checked: each part at most `XMPPLimits.maximumJIDPartBytes` UTF-8 bytes and not empty when present; the
/// localpart without the characters RFC 7622 forbids there (`"&'/:<>@` and spaces); no control characters
/// anywhere; the domain lowercased (ASCII). Full PRECIS profiles are not applied.
public struct JID: Hashable, Sendable, CustomStringConvertible {
    public let local: String?
    public let domain: String
    public let resource: String?

    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case empty(String)
        case tooLong(String)
        case forbiddenCharacter(String)
        public var description: String {
            switch self {
            case .empty(let part): return "invalid JID: an empty \(part)"
            case .tooLong(let part): return "invalid JID: the \(part) is over \(XMPPLimits.maximumJIDPartBytes) bytes"
            case .forbiddenCharacter(let part): return "invalid JID: a forbidden character in the \(part)"
            }
        }
    }

    public init(_ string: String) throws {
        var rest = Substring(string)
        var resource: String?
        if let slash = rest.firstIndex(of: "/") {
            resource = String(rest[rest.index(after: slash)...])
            rest = rest[..<slash]
        }
        var local: String?
        if let at = rest.firstIndex(of: "@") {
            local = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
        }
        try self.init(local: local, domain: String(rest), resource: resource)
    }

    public init(local: String?, domain: String, resource: String?) throws {
        func check(_ s: String, _ part: String, forbidden: Set<Unicode.Scalar>) throws {
            guard !s.isEmpty else { throw Failure.empty(part) }
            guard s.utf8.count <= XMPPLimits.maximumJIDPartBytes else { throw Failure.tooLong(part) }
            for c in s.unicodeScalars where c.value < 0x20 || c.value == 0x7F || (0x80...0x9F).contains(c.value) || forbidden.contains(c) {
                throw Failure.forbiddenCharacter(part)
            }
        }
        if let local { try check(local, "localpart", forbidden: ["\"", "&", "'", "/", ":", "<", ">", "@", " "]) }
        var d = domain
        if d.hasSuffix(".") { d.removeLast() }
        try check(d, "domainpart", forbidden: ["@", "/", " ", "<", ">", "\"", "'", "&", ",", "\\"])
        if let resource { try check(resource, "resourcepart", forbidden: []) }
        self.local = local
        self.domain = String(String.UnicodeScalarView(d.unicodeScalars.map { c in
            c.value >= 0x41 && c.value <= 0x5A ? Unicode.Scalar(c.value + 32) ?? c : c
        }))
        self.resource = resource
    }

    /// Without the resource.
    public var bare: JID {
        // Parts already checked: this cannot fail.
        (try? JID(local: local, domain: domain, resource: nil)) ?? self
    }

    public var description: String {
        var s = ""
        if let local { s += local + "@" }
        s += domain
        if let resource { s += "/" + resource }
        return s
    }
}
