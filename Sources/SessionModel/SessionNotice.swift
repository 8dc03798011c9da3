/// One thing for the person to know, as a front-end shows it: a name for scripts (`--json`'s
/// "event"), a human line, and fields. Every peer-supplied string in it is already cleaned.
public struct SessionNotice: Sendable {
    public let name: String
    public let text: String
    public let fields: [String: any Sendable]
    /// The session it is about, if any.
    public let session: Int?

    public init(_ name: String, _ text: String, _ fields: [String: any Sendable] = [:], session: Int? = nil) {
        self.name = name
        self.text = text
        var all = fields
        if let session { all["session"] = session }
        self.fields = all
        self.session = session
    }
}

/// What the model tells its front-ends.
public enum SessionOutput: Sendable {
    case notice(SessionNotice)
    /// The question shown now changed (nil: none waiting).
    case question(Question?)
    /// A connection ended: `wasLive` tells whether it had become a session; `liveLeft` how many
    /// sessions are still live.
    case ended(SessionRecord, wasLive: Bool, liveLeft: Int)
}

/// What became of a chat line typed by the person.
public enum ChatDelivery: Sendable, Equatable {
    case sent
    /// Waiting for the session with this person to start.
    case queued(for: String)
    /// No session, and none being set up.
    case notSent
}
