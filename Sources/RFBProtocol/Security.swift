public import NIOCore

/// An RFB security type (U8 on 3.7+, U32 on 3.3).
public struct SecurityType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let invalid = SecurityType(rawValue: 0)
    public static let none = SecurityType(rawValue: 1)
    public static let vncAuthentication = SecurityType(rawValue: 2)
    public static let veNCrypt = SecurityType(rawValue: 19)

    public var description: String {
        switch self {
        case .none: return "None"
        case .vncAuthentication: return "VNC authentication"
        case .veNCrypt: return "VeNCrypt"
        default: return "security type \(rawValue)"
        }
    }
}

/// A VeNCrypt (type 19, version 0.2) subtype, U32 on the wire.
public struct VeNCryptSubtype: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let plain = VeNCryptSubtype(rawValue: 256)
    public static let tlsNone = VeNCryptSubtype(rawValue: 257)
    public static let tlsVnc = VeNCryptSubtype(rawValue: 258)
    public static let tlsPlain = VeNCryptSubtype(rawValue: 259)
    /// Certificate-authenticated TLS, no inner authentication (our mutual-TLS contacts).
    public static let x509None = VeNCryptSubtype(rawValue: 260)
    public static let x509Vnc = VeNCryptSubtype(rawValue: 261)
    /// Certificate-authenticated TLS, then Plain username/password (stock viewers, one-time password).
    public static let x509Plain = VeNCryptSubtype(rawValue: 262)

    /// The only subtypes we ever offer or pick (the TLS* ones are anonymous TLS: never).
    public static let supported: [VeNCryptSubtype] = [.x509None, .x509Plain]

    public var usesPlainAuthentication: Bool { self == .x509Plain || self == .plain || self == .tlsPlain }

    public var description: String {
        switch self {
        case .plain: return "Plain"
        case .tlsNone: return "TLSNone"
        case .tlsVnc: return "TLSVnc"
        case .tlsPlain: return "TLSPlain"
        case .x509None: return "X509None"
        case .x509Vnc: return "X509Vnc"
        case .x509Plain: return "X509Plain"
        default: return "VeNCrypt subtype \(rawValue)"
        }
    }
}

/// What a handshake settled on.
public enum NegotiatedSecurity: Hashable, Sendable, CustomStringConvertible {
    case none
    case veNCrypt(VeNCryptSubtype)

    public var description: String {
        switch self {
        case .none: return "None"
        case .veNCrypt(let s): return "VeNCrypt \(s)"
        }
    }
}

/// VeNCrypt Plain credentials: U32 username length, U32 password length, username, password.
public struct PlainCredentials: Hashable, Sendable {
    public var username: String
    public var password: String
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// Nil until all bytes are here; throws when a length exceeds `RFBLimits.maxPlainCredentialLength`
    /// (checked before waiting for the bytes) or the text is not UTF-8.
    public static func read(from buffer: inout ByteBuffer) throws -> PlainCredentials? {
        try buffer.rfbTransaction { b -> PlainCredentials? in
            guard let ul = b.rfbU32(), let pl = b.rfbU32() else { return nil }
            let limit = RFBLimits.maxPlainCredentialLength
            guard Int(ul) <= limit else { throw RFBError.tooLarge(what: "Plain username", length: Int(ul), limit: limit) }
            guard Int(pl) <= limit else { throw RFBError.tooLarge(what: "Plain password", length: Int(pl), limit: limit) }
            guard let u = b.readBytes(length: Int(ul)), let p = b.readBytes(length: Int(pl)) else { return nil }
            guard let user = rfbStrictUTF8(u), let pass = rfbStrictUTF8(p) else {
                throw RFBError.malformed("Plain credentials are not UTF-8")
            }
            return PlainCredentials(username: user, password: pass)
        }
    }

    public func write(into buffer: inout ByteBuffer) throws {
        let u = Array(username.utf8), p = Array(password.utf8)
        let limit = RFBLimits.maxPlainCredentialLength
        guard u.count <= limit, p.count <= limit else {
            throw RFBError.invalidArgument("Plain credentials longer than \(limit) bytes")
        }
        buffer.rfbWriteU32(UInt32(u.count))
        buffer.rfbWriteU32(UInt32(p.count))
        buffer.writeBytes(u)
        buffer.writeBytes(p)
    }
}

/// Reads a U32 length + reason string (security failure, count-0 list), limited to `maxReasonLength`.
func rfbReadReason(_ b: inout ByteBuffer) throws -> String? {
    guard let bytes = try b.rfbLengthPrefixedBytes(what: "reason string", limit: RFBLimits.maxReasonLength) else { return nil }
    return rfbLenientText(bytes)
}

/// Writes a U32 length + reason, truncated to `maxReasonLength` bytes at a character boundary.
func rfbWriteReason(_ reason: String, into buffer: inout ByteBuffer) {
    let bytes = rfbTruncatedUTF8(reason, limit: RFBLimits.maxReasonLength)
    buffer.rfbWriteU32(UInt32(bytes.count))
    buffer.writeBytes(bytes)
}

/// The UTF-8 of `s`, cut to at most `limit` bytes without splitting a character.
func rfbTruncatedUTF8(_ s: String, limit: Int) -> [UInt8] {
    var out: [UInt8] = []
    for ch in s {
        let u = Array(String(ch).utf8)
        if out.count + u.count > limit { break }
        out += u
    }
    return out
}
