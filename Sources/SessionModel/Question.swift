public import Foundation
import RFBTransport

/// What a question asks of the person.
public enum QuestionKind: String, Sendable, Equatable {
    /// Expert: a contact asks for help. Accept? [y/N]
    case acceptRequest = "accept_request"
    /// Expert (`--allow-new`): someone who is not a contact asks for help. Accept? [y/N]
    case acceptUnknown = "accept_unknown"
    /// Expert: the name to save an accepted unknown requester under (Enter: this once, unsaved).
    case nameContact = "name_contact"
    /// Requester: may this person see your screen? [y/N]
    case allowViewing = "allow_viewing"
}

/// One question to the person, with its own id and time limit. Questions are queued: one is shown
/// and answered at a time, in the order they were asked.
public struct Question: Sendable, Equatable, Identifiable {
    public let id: Int
    public let kind: QuestionKind
    /// The session (connection) it is about.
    public let session: Int
    /// Who it is about: a contact's name, "a viewer with the one-time password", "an unknown requester".
    public let who: String
    public let fingerprint: String?
    public let address: String
    /// The whole question as shown ("bob (SHA256:…) asks for help from 127.0.0.1:4711. Accept? [y/N]").
    public let text: String
    public let timeoutSeconds: Int
    public let askedAt: Date

    public var deadline: Date { askedAt.addingTimeInterval(TimeInterval(timeoutSeconds)) }

    /// The fingerprint's compare code ("482 193"), for reading aloud; nil without a fingerprint.
    public var comparisonCode: String? { fingerprint.flatMap { Fingerprint($0) }?.comparisonCode }

    /// The fingerprint's short form for a dialog: its algorithm and first two groups ("SHA256:VV7M-6U4J…").
    public var shortFingerprint: String? {
        guard let fingerprint else { return nil }
        let groups = fingerprint.split(separator: "-", omittingEmptySubsequences: false)
        return groups.count > 2 ? groups.prefix(2).joined(separator: "-") + "…" : fingerprint
    }
}

/// How a question ended.
public enum QuestionAnswer: Sendable, Equatable {
    /// The line the person typed (or the button they pressed, as "y" / "n").
    case line(String)
    case timedOut
    /// The connection it was about went away, or the person's input ended.
    case withdrawn

    /// Only "y" or "yes" (any case, spaces around) is yes.
    public var isYes: Bool {
        guard case .line(let text) = self else { return false }
        let answer = text.trimmingCharacters(in: .whitespaces).lowercased()
        return answer == "y" || answer == "yes"
    }
}

/// The waiting questions, oldest first; the first is the one shown. Pure bookkeeping.
struct QuestionQueue: Sendable {
    private(set) var waiting: [Question] = []

    var current: Question? { waiting.first }

    /// Adds a question; true when it is shown at once (nothing else was waiting).
    mutating func add(_ question: Question) -> Bool {
        waiting.append(question)
        return waiting.count == 1
    }

    /// Removes a question; `currentChanged` is true when it was the one shown.
    mutating func remove(id: Int) -> (removed: Question?, currentChanged: Bool) {
        guard let index = waiting.firstIndex(where: { $0.id == id }) else { return (nil, false) }
        return (waiting.remove(at: index), index == 0)
    }

    /// Removes every question about `session`.
    mutating func remove(session: Int) -> (removed: [Question], currentChanged: Bool) {
        let wasCurrent = current?.session == session
        let removed = waiting.filter { $0.session == session }
        waiting.removeAll { $0.session == session }
        return (removed, wasCurrent && !removed.isEmpty)
    }
}
