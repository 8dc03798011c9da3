public import NIOCore

/// What the viewer (RFB client) accepts.
public struct ClientHandshakeConfiguration: Hashable, Sendable {
    /// Accept security type None (tunnels and tests only).
    public var allowNone: Bool
    /// We hold a certificate identity: accept VeNCrypt X509None (preferred).
    public var hasIdentity: Bool
    /// Credentials for VeNCrypt X509Plain, when given a password.
    public var plainCredentials: PlainCredentials?
    /// The ClientInit shared flag.
    public var shared: Bool
    /// The highest version we answer with (never above the server's).
    public var maxVersion: ProtocolVersion

    public init(allowNone: Bool = false, hasIdentity: Bool = true, plainCredentials: PlainCredentials? = nil,
                shared: Bool = true, maxVersion: ProtocolVersion = .v3_8) {
        self.maxVersion = maxVersion
        self.allowNone = allowNone
        self.hasIdentity = hasIdentity
        self.plainCredentials = plainCredentials
        self.shared = shared
    }

    /// VeNCrypt subtypes we would pick, best first.
    public var acceptedSubtypes: [VeNCryptSubtype] {
        (hasIdentity ? [.x509None] : []) + (plainCredentials != nil ? [.x509Plain] : [])
    }
}

/// The outcome of a successful client handshake.
public struct ClientHandshakeResult: Hashable, Sendable {
    public var version: ProtocolVersion
    public var security: NegotiatedSecurity
    /// The server's ServerInit: framebuffer size, its pixel format, desktop name.
    public var serverInit: ServerInit
}

/// The viewer side of the RFB handshake, as a value. `start()` returns nothing (the server speaks first);
/// feed bytes to `receive`, call `tlsEstablished()` after `.startTLS`, and perform the actions in order.
/// Bytes past the handshake stay in the buffer for the session; after `tlsEstablished()` call `receive`
/// again with whatever is still buffered.
public struct ClientHandshake: Sendable {
    public enum Action: Hashable, Sendable {
        case send(ByteBuffer)
        /// Insert the TLS client handler now (after flushing earlier sends); call `tlsEstablished()` when done.
        case startTLS
        /// ServerInit received: the session starts.
        case completed(ClientHandshakeResult)
        /// Close. `reason` is the server's reason when it gave one (e.g. "declined by the requester").
        case fail(reason: String)
    }

    enum State: Hashable, Sendable {
        case initial
        case awaitingServerVersion
        case awaitingSecurityType
        case awaitingSecurityTypes
        case awaitingVeNCryptVersion
        case awaitingVeNCryptVersionAck
        case awaitingVeNCryptSubtypes
        case awaitingVeNCryptSubtypeAck
        case awaitingTLS
        case awaitingSecurityResult
        case awaitingServerInit
        case completed
        case failed
    }

    public let configuration: ClientHandshakeConfiguration
    var state: State = .initial
    public private(set) var version: ProtocolVersion?
    public private(set) var security: NegotiatedSecurity?

    public init(configuration: ClientHandshakeConfiguration) {
        self.configuration = configuration
    }

    public var isCompleted: Bool { state == .completed }
    public var isFailed: Bool { state == .failed }

    public mutating func start() -> [Action] {
        if state == .initial { state = .awaitingServerVersion }
        return []
    }

    public mutating func receive(_ bytes: inout ByteBuffer) throws -> [Action] {
        if state == .initial { state = .awaitingServerVersion }
        var actions: [Action] = []
        while try step(&bytes, &actions) {}
        return actions
    }

    /// The TLS handshake finished (after `.startTLS`): sends Plain credentials for X509Plain.
    /// Ignored (returns nothing) in any other state.
    public mutating func tlsEstablished() -> [Action] {
        guard state == .awaitingTLS, case .veNCrypt(let subtype)? = security else { return [] }
        state = .awaitingSecurityResult
        guard subtype.usesPlainAuthentication else { return [] }
        guard let creds = configuration.plainCredentials else { return fail("no credentials for \(subtype)") }
        var b = ByteBuffer()
        do { try creds.write(into: &b) } catch { return fail("credentials longer than \(RFBLimits.maxPlainCredentialLength) bytes") }
        return [.send(b)]
    }

    private mutating func fail(_ reason: String) -> [Action] {
        state = .failed
        return [.fail(reason: reason)]
    }

    private mutating func chooseType(_ offered: [SecurityType]) -> SecurityType? {
        if offered.contains(.veNCrypt), !configuration.acceptedSubtypes.isEmpty { return .veNCrypt }
        if offered.contains(.none), configuration.allowNone { return SecurityType.none }
        return nil
    }

    private mutating func proceed(with type: SecurityType, _ actions: inout [Action]) {
        if type == .veNCrypt {
            state = .awaitingVeNCryptVersion
        } else {
            security = NegotiatedSecurity.none
            if version == .v3_8 {
                state = .awaitingSecurityResult
            } else {
                sendClientInit(&actions)
            }
        }
    }

    private mutating func sendClientInit(_ actions: inout [Action]) {
        var b = ByteBuffer()
        b.rfbWriteU8(configuration.shared ? 1 : 0)
        actions.append(.send(b))
        state = .awaitingServerInit
    }

    private mutating func step(_ bytes: inout ByteBuffer, _ actions: inout [Action]) throws -> Bool {
        switch state {
        case .awaitingServerVersion:
            guard let serverVersion = try ProtocolVersion.read(from: &bytes) else { return false }
            let v = min(serverVersion, configuration.maxVersion)
            version = v
            var b = ByteBuffer()
            v.write(into: &b)
            actions.append(.send(b))
            state = v == .v3_3 ? .awaitingSecurityType : .awaitingSecurityTypes
            return true

        case .awaitingSecurityType:
            enum Dictated { case type(UInt32), failure(String) }
            guard let d = try bytes.rfbTransaction({ b -> Dictated? in
                guard let t = b.rfbU32() else { return nil }
                guard t == 0 else { return .type(t) }
                guard let reason = try rfbReadReason(&b) else { return nil }
                return .failure(reason)
            }) else { return false }
            switch d {
            case .failure(let reason):
                actions.append(contentsOf: fail(reason))
                return false
            case .type(let raw):
                guard raw <= 255, let type = chooseType([SecurityType(rawValue: UInt8(raw))]) else {
                    actions.append(contentsOf: fail("server requires security type \(raw), which we do not accept"))
                    return false
                }
                proceed(with: type, &actions)
                return true
            }

        case .awaitingSecurityTypes:
            enum Offer { case types([SecurityType]), failure(String) }
            guard let offer = try bytes.rfbTransaction({ b -> Offer? in
                guard let n = b.rfbU8() else { return nil }
                if n == 0 {
                    guard let reason = try rfbReadReason(&b) else { return nil }
                    return .failure(reason)
                }
                guard let list = b.readBytes(length: Int(n)) else { return nil }
                return .types(list.map(SecurityType.init(rawValue:)))
            }) else { return false }
            switch offer {
            case .failure(let reason):
                actions.append(contentsOf: fail(reason))
                return false
            case .types(let offered):
                guard let type = chooseType(offered) else {
                    let names = offered.map(\.description).joined(separator: ", ")
                    actions.append(contentsOf: fail("no acceptable security type (server offers \(names))"))
                    return false
                }
                var b = ByteBuffer()
                b.rfbWriteU8(type.rawValue)
                actions.append(.send(b))
                proceed(with: type, &actions)
                return true
            }

        case .awaitingVeNCryptVersion:
            guard bytes.readableBytes >= 2, let major = bytes.rfbU8(), let minor = bytes.rfbU8() else { return false }
            guard major > 0 || minor >= 2 else {
                actions.append(contentsOf: fail("server speaks VeNCrypt \(major).\(minor), we need 0.2"))
                return false
            }
            var b = ByteBuffer()
            b.rfbWriteU8(0)
            b.rfbWriteU8(2)
            actions.append(.send(b))
            state = .awaitingVeNCryptVersionAck
            return true

        case .awaitingVeNCryptVersionAck:
            guard let ack = bytes.rfbU8() else { return false }
            guard ack == 0 else {
                actions.append(contentsOf: fail("server refused VeNCrypt 0.2"))
                return false
            }
            state = .awaitingVeNCryptSubtypes
            return true

        case .awaitingVeNCryptSubtypes:
            guard let offered = bytes.rfbTransaction({ b -> [VeNCryptSubtype]? in
                guard let n = b.rfbU8(), b.readableBytes >= Int(n) * 4 else { return nil }
                var list: [VeNCryptSubtype] = []
                for _ in 0..<n {
                    guard let s = b.rfbU32() else { return nil }
                    list.append(VeNCryptSubtype(rawValue: s))
                }
                return list
            }) else { return false }
            guard let chosen = configuration.acceptedSubtypes.first(where: offered.contains) else {
                let names = offered.map(\.description).joined(separator: ", ")
                actions.append(contentsOf: fail("no acceptable VeNCrypt subtype (server offers \(names.isEmpty ? "none" : names))"))
                return false
            }
            security = .veNCrypt(chosen)
            var b = ByteBuffer()
            b.rfbWriteU32(chosen.rawValue)
            actions.append(.send(b))
            state = .awaitingVeNCryptSubtypeAck
            return true

        case .awaitingVeNCryptSubtypeAck:
            guard let ack = bytes.rfbU8() else { return false }
            guard ack == 1 else {  // inverted sense: 1 = go ahead with TLS
                actions.append(contentsOf: fail("server refused the VeNCrypt subtype"))
                return false
            }
            state = .awaitingTLS
            actions.append(.startTLS)
            return true

        case .awaitingSecurityResult:
            enum Result { case ok, failed(String) }
            let v = version
            guard let result = try bytes.rfbTransaction({ b -> Result? in
                guard let r = b.rfbU32() else { return nil }
                if r == SecurityResult.ok { return .ok }
                guard v == .v3_8 else { return .failed("authentication failed") }
                guard let reason = try rfbReadReason(&b) else { return nil }
                return .failed(reason)
            }) else { return false }
            switch result {
            case .ok:
                sendClientInit(&actions)
                return true
            case .failed(let reason):
                actions.append(contentsOf: fail(reason))
                return false
            }

        case .awaitingServerInit:
            guard let si = try ServerInit.read(from: &bytes) else { return false }
            guard let version, let security else { throw RFBError.unexpected("ServerInit before negotiation") }
            try RFBLimits.checkFramebufferSize(width: si.width, height: si.height)
            state = .completed
            actions.append(.completed(ClientHandshakeResult(version: version, security: security, serverInit: si)))
            return false

        case .initial, .awaitingTLS, .completed, .failed:
            return false
        }
    }
}
