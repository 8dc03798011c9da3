import Foundation
import PeerText
import RFBTransport
import Synchronization

/// The files a session leaves: the requester's audit.log (a line when viewing starts, with who, the
/// verified fingerprint and the address, and one when it ends) and the expert's chat.log. Every line
/// is cleaned as a whole, so nothing a peer wrote can start a line of its own.
final class SessionJournal: Sendable {
    let auditLog: String?
    let chatLog: String?
    /// A write failed and was reported; reported again only after a success.
    private let failureReported = Mutex(false)
    private let report: @Sendable (String) -> Void

    init(auditLog: String?, chatLog: String?, report: @escaping @Sendable (String) -> Void) {
        self.auditLog = auditLog
        self.chatLog = chatLog
        self.report = report
    }

    static func stamp(_ date: Date = Date()) -> String { ISO8601DateFormatter().string(from: date) }

    func audit(_ text: String, at date: Date = Date()) { append("\(Self.stamp(date)) \(text)", to: auditLog) }

    func chat(from who: String, _ text: String) { append("\(Self.stamp()) <\(who)> \(text)", to: chatLog) }

    func chatNote(_ text: String) { append("\(Self.stamp()) -- \(text)", to: chatLog) }

    /// One whole line or nothing; a failure is reported once, until a line is written again.
    private func append(_ line: String, to path: String?) {
        guard let path else { return }
        let problem = LineAppender.append(PeerText.clean(line, limit: PeerText.chatLimit + 256), to: path)
        let shouldReport = failureReported.withLock { reported -> Bool in
            defer { reported = problem != nil }
            return problem != nil && !reported
        }
        if shouldReport, let problem { report(problem) }
    }
}
