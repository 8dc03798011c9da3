public import NIOCore
public import Pixels

/// What the agent (RFB server) offers.
public struct ServerHandshakeConfiguration: Hashable, Sendable {
    /// Offer security type None (only behind an explicit loopback-only flag).
    public var allowNone: Bool
    /// VeNCrypt subtypes to offer, in order; anything but X509None / X509Plain is dropped.
    public var veNCryptSubtypes: [VeNCryptSubtype]
    /// The version we announce (3.8 normally; lower only to test or to mimic old servers).
    public var version: ProtocolVersion

    public init(allowNone: Bool = false, veNCryptSubtypes: [VeNCryptSubtype] = [.x509None, .x509Plain],
                version: ProtocolVersion = .v3_8) {
        self.allowNone = allowNone
        self.veNCryptSubtypes = veNCryptSubtypes
        self.version = version
    }

    var offeredSubtypes: [VeNCryptSubtype] {
        var seen = Set<VeNCryptSubtype>()
        return veNCryptSubtypes.filter { VeNCryptSubtype.supported.contains($0) && seen.insert($0).inserted }
    }

    /// None first when it is allowed (`--insecure-loopback`, 127.0.0.1 only, for SSH tunnels): clients
    /// that take the first type they know (libvncclient, which Debian builds for TLS 1.2 only) then
    /// use None instead of failing in VeNCrypt; clients that choose by their own preference (ours,
    /// TigerVNC) still take VeNCrypt.
    var offeredTypes: [SecurityType] {
        (allowNone ? [.none] : []) + (offeredSubtypes.isEmpty ? [] : [.veNCrypt])
    }
}

/// The outcome of a successful server handshake.
public struct ServerHandshakeResult: Hashable, Sendable {
    public var version: ProtocolVersion
    public var security: NegotiatedSecurity
    /// The client's ClientInit shared flag.
    public var shared: Bool
    /// The user that passed Plain authentication (X509Plain only).
    public var username: String?
}

/// The agent side of the RFB handshake, as a value: feed it bytes and adapter events, perform the
/// actions it returns, in order.
///
/// Order: ProtocolVersion → security list → (VeNCrypt 0.2: version, subtypes, ack, `.startTLS`,
/// `tlsEstablished()`, Plain credentials → `.checkPlainCredentials` → `plainCredentialsChecked(ok:)`)
/// → `.askConsent` → `consent(granted:reason:)` → SecurityResult → `.consentGrantedNeedServerInit` →
/// `serverInit(...)` (the adapter starts capturing only now) → ServerInit once ClientInit is in →
/// `.completed`. A refused consent or failed authentication ends with `.fail` and never sends ServerInit.
/// Bytes the current state does not expect are left in the buffer (after `.startTLS` they belong to TLS;
/// after `.completed` to the session); after each event input (`tlsEstablished()`, `consent(...)`, …)
/// call `receive` again with whatever is still buffered. Event inputs that arrive in the wrong state
/// are ignored (they return no action), so a confused adapter cannot skip authentication or consent.
public struct ServerHandshake: Sendable {
    public enum Action: Hashable, Sendable {
        /// Write these bytes.
        case send(ByteBuffer)
        /// Insert the TLS server handler now (after flushing earlier sends); call `tlsEstablished()` when done.
        case startTLS
        /// Check these Plain credentials; answer with `plainCredentialsChecked(ok:)`.
        case checkPlainCredentials(username: String, password: String)
        /// Authentication passed: ask the requester; answer with `consent(granted:reason:)`.
        case askConsent
        /// Consent given: start capturing, then call `serverInit(width:height:format:name:)`.
        case consentGrantedNeedServerInit
        /// ServerInit is sent: the session starts.
        case completed(ServerHandshakeResult)
        /// Flush what was sent, then close. `reason` is for the log / the local user.
        case fail(reason: String)
    }

    enum State: Hashable, Sendable {
        case initial
        case awaitingClientVersion
        case awaitingSecurityChoice
        case awaitingVeNCryptVersion
        case awaitingVeNCryptSubtype
        case awaitingTLS
        case awaitingPlainCredentials
        case checkingCredentials
        case awaitingConsent
        case awaitingServerInitData
        case completed
        case failed
    }

    public static let declinedReason = "declined by the requester"
    public static let authenticationFailedReason = "authentication failed"

    public let configuration: ServerHandshakeConfiguration
    var state: State = .initial
    public private(set) var version: ProtocolVersion?
    public private(set) var security: NegotiatedSecurity?
    var subtype: VeNCryptSubtype?
    var username: String?
    var clientShared: Bool?
    var serverInitData: ServerInit?

    public init(configuration: ServerHandshakeConfiguration) {
        self.configuration = configuration
    }

    public var isCompleted: Bool { state == .completed }
    public var isFailed: Bool { state == .failed }

    /// Sends our ProtocolVersion ("RFB 003.008\n" unless configured lower).
    public mutating func start() -> [Action] {
        guard state == .initial else { return [] }
        state = .awaitingClientVersion
        var b = ByteBuffer()
        configuration.version.write(into: &b)
        return [.send(b)]
    }

    public mutating func receive(_ bytes: inout ByteBuffer) throws -> [Action] {
        var actions: [Action] = []
        while try step(&bytes, &actions) {}
        return actions
    }

    /// The TLS handshake finished (after `.startTLS`).
    public mutating func tlsEstablished() -> [Action] {
        guard state == .awaitingTLS, let subtype else { return [] }
        if subtype.usesPlainAuthentication {
            state = .awaitingPlainCredentials
            return []
        }
        state = .awaitingConsent
        return [.askConsent]
    }

    /// The adapter's verdict on `.checkPlainCredentials`.
    public mutating func plainCredentialsChecked(ok: Bool) -> [Action] {
        guard state == .checkingCredentials else { return [] }
        guard ok else { return fail(Self.authenticationFailedReason) }
        state = .awaitingConsent
        return [.askConsent]
    }

    /// The requester's answer to `.askConsent`. A refusal sends a failed SecurityResult (with `reason`
    /// on 3.8) and closes; ServerInit is never sent.
    public mutating func consent(granted: Bool, reason: String? = nil) -> [Action] {
        guard state == .awaitingConsent else { return [] }
        guard granted else { return fail(reason ?? Self.declinedReason) }
        var actions: [Action] = []
        if sendsSecurityResult {
            var b = ByteBuffer()
            b.rfbWriteU32(SecurityResult.ok)
            actions.append(.send(b))
        }
        state = .awaitingServerInitData
        actions.append(.consentGrantedNeedServerInit)
        return actions
    }

    /// Supplies the ServerInit content (after `.consentGrantedNeedServerInit`). ServerInit goes out as
    /// soon as the client's ClientInit is in (possibly now). Throws if called before consent or with
    /// values that do not fit the wire.
    public mutating func serverInit(width: Int, height: Int, format: PixelFormat, name: String) throws -> [Action] {
        guard state == .awaitingServerInitData, serverInitData == nil else {
            throw RFBError.unexpected("ServerInit supplied before consent or twice")
        }
        if let reason = format.unsupportedReason { throw RFBError.unsupportedPixelFormat(reason) }
        let si = ServerInit(width: width, height: height, pixelFormat: format,
                            name: String(decoding: rfbTruncatedUTF8(name, limit: RFBLimits.maxDesktopNameLength), as: UTF8.self))
        var probe = ByteBuffer()
        try si.write(into: &probe)
        serverInitData = si
        var actions: [Action] = []
        completeIfReady(&actions)
        return actions
    }

    // MARK: Internals

    private var sendsSecurityResult: Bool {
        version == .v3_8 || security != NegotiatedSecurity.none
    }

    /// With None on 3.3/3.7 there is no SecurityResult, so the client may send ClientInit right away.
    private var clientInitMayArrive: Bool {
        switch state {
        case .awaitingServerInitData: return true
        case .awaitingConsent: return !sendsSecurityResult
        default: return false
        }
    }

    private mutating func fail(_ reason: String) -> [Action] {
        var actions: [Action] = []
        if let version, sendsSecurityResult {
            var b = ByteBuffer()
            b.rfbWriteU32(SecurityResult.failed)
            if version == .v3_8 { rfbWriteReason(reason, into: &b) }
            actions.append(.send(b))
        }
        state = .failed
        actions.append(.fail(reason: reason))
        return actions
    }

    private mutating func completeIfReady(_ actions: inout [Action]) {
        guard state == .awaitingServerInitData, let si = serverInitData, let shared = clientShared,
              let version, let security else { return }
        var b = ByteBuffer()
        do { try si.write(into: &b) } catch {
            // Checked in serverInit(...); unreachable.
            actions.append(contentsOf: fail("cannot encode ServerInit"))
            return
        }
        state = .completed
        actions.append(.send(b))
        actions.append(.completed(ServerHandshakeResult(version: version, security: security, shared: shared, username: username)))
    }

    private mutating func afterSecurityChosen(_ type: SecurityType, _ actions: inout [Action]) {
        var b = ByteBuffer()
        if type == .veNCrypt {
            b.rfbWriteU8(0)
            b.rfbWriteU8(2)
            state = .awaitingVeNCryptVersion
            actions.append(.send(b))
        } else {
            security = NegotiatedSecurity.none
            state = .awaitingConsent
            actions.append(.askConsent)
        }
    }

    private mutating func step(_ bytes: inout ByteBuffer, _ actions: inout [Action]) throws -> Bool {
        switch state {
        case .awaitingClientVersion:
            guard let v = try ProtocolVersion.read(from: &bytes) else { return false }
            let negotiated = min(v, configuration.version)
            version = negotiated
            let types = configuration.offeredTypes
            var b = ByteBuffer()
            if negotiated == .v3_3 {
                guard let type = types.first else {
                    b.rfbWriteU32(UInt32(SecurityType.invalid.rawValue))
                    rfbWriteReason("no security type available", into: &b)
                    state = .failed
                    actions.append(.send(b))
                    actions.append(.fail(reason: "no security type available"))
                    return false
                }
                b.rfbWriteU32(UInt32(type.rawValue))
                actions.append(.send(b))
                afterSecurityChosen(type, &actions)
            } else {
                guard !types.isEmpty else {
                    b.rfbWriteU8(0)
                    rfbWriteReason("no security type available", into: &b)
                    state = .failed
                    actions.append(.send(b))
                    actions.append(.fail(reason: "no security type available"))
                    return false
                }
                b.rfbWriteU8(UInt8(types.count))
                for t in types { b.rfbWriteU8(t.rawValue) }
                actions.append(.send(b))
                state = .awaitingSecurityChoice
            }
            return true

        case .awaitingSecurityChoice:
            guard let raw = bytes.rfbU8() else { return false }
            let type = SecurityType(rawValue: raw)
            guard configuration.offeredTypes.contains(type) else {
                throw RFBError.unexpected("client chose \(type), which was not offered")
            }
            afterSecurityChosen(type, &actions)
            return true

        case .awaitingVeNCryptVersion:
            guard let pair = bytes.rfbTransaction({ b -> (UInt8, UInt8)? in
                guard let major = b.rfbU8(), let minor = b.rfbU8() else { return nil }
                return (major, minor)
            }) else { return false }
            var b = ByteBuffer()
            guard pair == (0, 2) else {
                b.rfbWriteU8(1)
                actions.append(.send(b))
                state = .failed
                actions.append(.fail(reason: "unsupported VeNCrypt version \(pair.0).\(pair.1)"))
                return false
            }
            let subtypes = configuration.offeredSubtypes
            b.rfbWriteU8(0)
            b.rfbWriteU8(UInt8(subtypes.count))
            for s in subtypes { b.rfbWriteU32(s.rawValue) }
            actions.append(.send(b))
            state = .awaitingVeNCryptSubtype
            return true

        case .awaitingVeNCryptSubtype:
            guard let raw = bytes.rfbU32() else { return false }
            let chosen = VeNCryptSubtype(rawValue: raw)
            var b = ByteBuffer()
            guard configuration.offeredSubtypes.contains(chosen) else {
                b.rfbWriteU8(0)
                actions.append(.send(b))
                state = .failed
                actions.append(.fail(reason: "client chose \(chosen), which was not offered"))
                return false
            }
            subtype = chosen
            security = .veNCrypt(chosen)
            b.rfbWriteU8(1)  // inverted sense: 1 = go ahead with TLS
            actions.append(.send(b))
            actions.append(.startTLS)
            state = .awaitingTLS
            return true

        case .awaitingPlainCredentials:
            guard let creds = try PlainCredentials.read(from: &bytes) else { return false }
            username = creds.username
            state = .checkingCredentials
            actions.append(.checkPlainCredentials(username: creds.username, password: creds.password))
            return true

        case .awaitingConsent, .awaitingServerInitData:
            guard clientInitMayArrive, clientShared == nil, let flag = bytes.rfbU8() else { return false }
            clientShared = flag != 0
            completeIfReady(&actions)
            return true

        case .initial, .awaitingTLS, .checkingCredentials, .completed, .failed:
            return false
        }
    }
}
