public import Foundation
import RFBTransport

/// Which side of the session this process is.
public enum SessionRole: String, Sendable {
    /// The requester's agent: the screen is shown to the peer.
    case sharing
    /// The expert's viewer: the peer's screen is shown here.
    case viewing
}

/// Where one connection stands.
public enum SessionPhase: String, Sendable, Equatable {
    /// Connected; the peer is not verified yet.
    case connecting
    /// Verified; waiting for an answer (the expert's accept, or the requester's consent).
    case asking
    /// Pixels flow.
    case live
    case ended
}

/// One connection as the person sees it: who, from where, since when, in what state. Every string
/// in it that the peer could influence is cleaned (``PeerText``).
public struct SessionRecord: Sendable, Equatable, Identifiable {
    public let id: Int
    /// "alice", "a viewer with the one-time password", "an unknown requester".
    public var name: String
    /// "SHA256:…" when the peer presented a verified certificate.
    public var fingerprint: String?
    public var address: String
    public var phase: SessionPhase = .connecting
    public var startedAt: Date?
    public var paused = false
    public var width = 0
    public var height = 0
    /// The desktop name the agent sent (viewing side).
    public var desktopName: String?
    public var endReason: String?
    public var endedByPeer = false

    /// "alice (SHA256:…)" or just the name.
    public var identity: String { fingerprint.map { "\(name) (\($0))" } ?? name }

    /// "alice (SHA256:…, compare code 482 193)" for a question: the code is for reading aloud, the
    /// fingerprint was already checked against the pin. The code is only added to a fingerprint in our
    /// own printed form (the record holds it as text), so nothing new from the peer is shown.
    public var identityWithCode: String {
        guard let fingerprint, let parsed = Fingerprint(fingerprint) else { return identity }
        return "\(name) (\(fingerprint), compare code \(parsed.comparisonCode))"
    }

    /// Seconds since the session went live (0 before).
    public func seconds(at now: Date = Date()) -> Int {
        startedAt.map { Int(now.timeIntervalSince($0).rounded()) } ?? 0
    }
}
