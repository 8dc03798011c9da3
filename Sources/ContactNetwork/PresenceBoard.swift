public import XMPP
import RFBTransport

/// What a person sees of a contact's status.
public enum ContactPresence: String, Sendable, Comparable {
    case offline, away, busy, online

    /// How a presence stanza reads: no type is available (its `show` says away, busy or online); a type
    /// of unavailable is offline; other types (subscriptions, errors) say nothing about status.
    public init?(stanza: XMLElement) {
        guard stanza.name == "presence" else { return nil }
        switch stanza[attribute: "type"] {
        case nil:
            switch stanza.child("show", namespace: ContactNamespace.client)?.text {
            case "dnd": self = .busy
            case "away", "xa": self = .away
            default: self = .online
            }
        case "unavailable": self = .offline
        default: return nil
        }
    }

    private var rank: Int { switch self { case .offline: 0; case .away: 1; case .busy: 2; case .online: 3 } }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// The presences seen, per bare JID and resource; a contact shows the most available of its resources.
public struct PresenceBoard: Sendable {
    private var byJID: [String: [String: ContactPresence]] = [:]
    public static let maximumResources = 64

    public init() {}

    /// Notes a presence stanza from `from` (a full or bare JID). Returns the contact's bare JID when it
    /// changed what is known.
    @discardableResult
    public mutating func note(_ stanza: XMLElement) -> String? {
        guard let state = ContactPresence(stanza: stanza), let fromText = stanza[attribute: "from"],
              let from = try? JID(fromText) else { return nil }
        let bare = ContactBook.foldedJID(from.bare.description)
        var resources = byJID[bare] ?? [:]
        let resource = from.resource ?? ""
        if state == .offline {
            if from.resource == nil { resources.removeAll() } else { resources[resource] = nil }
        } else if resources[resource] != nil || resources.count < Self.maximumResources {
            resources[resource] = state
        }
        byJID[bare] = resources
        return bare
    }

    public func presence(of jid: String) -> ContactPresence {
        byJID[ContactBook.foldedJID(jid)]?.values.max() ?? .offline
    }
}
