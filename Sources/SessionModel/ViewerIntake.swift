import Foundation
import PeerText
public import RFBProtocol
public import RFBTransport
public import Viewer

/// The viewing side: the viewer's events per connection, and the expert's answer to requests.
extension SessionModel {
    public func viewerEvent(_ control: any SessionControl, _ event: ViewerEvent) {
        switch event {
        case .connected(let remote):
            let id = session(for: control, address: remote)
            notice("connected", "connection with \(record(id)?.address ?? "?")", ["remote": record(id)?.address ?? "?"], session: id)
        case .serverVerified(let description):
            let id = session(for: control)
            let (name, fingerprint) = Self.identity(description)
            update(id) { $0.name = name; $0.fingerprint = fingerprint }
            notice("verified", "verified: \(record(id)?.identity ?? name)", ["peer": name, "fingerprint": fingerprint ?? ""], session: id)
        case .requestArrived, .frame:
            break   // a frame changes nothing the person is shown (the pictures go to the snapshot writer)
        case .sessionStarted(let rawName, let width, let height, let encoding):
            let id = session(for: control)
            let name = PeerText.clean(rawName, limit: PeerText.nameLimit)
            update(id) { $0.phase = .live; $0.startedAt = Date(); $0.width = width; $0.height = height; $0.desktopName = name }
            if let record = record(id) {
                status?.update { s in
                    s.connected = true
                    s.paused = false
                    s.peer = record.name
                    s.fingerprint = record.fingerprint
                    s.width = width
                    s.height = height
                }
            }
            journal.chatNote("session started with \(record(id)?.identity ?? "?"): \"\(name)\" \(width)x\(height)")
            notice("started", "viewing \"\(name)\" \(width)x\(height) (\(encoding))",
                   ["name": name, "width": width, "height": height, "encoding": encoding], session: id)
            flushPendingChat()
        case .refused(let why):
            let id = session(for: control)
            let reason = named(PeerText.clean(why), id)
            notice("refused", "refused: \(reason)", ["reason": reason], session: id)
        case .resized(let width, let height):
            let id = session(for: control)
            update(id) { $0.width = width; $0.height = height }
            if record(id)?.phase == .live { status?.update { $0.width = width; $0.height = height } }
            notice("resized", "remote screen is now \(width)x\(height)", ["width": width, "height": height], session: id)
        case .chat(let text):
            let id = session(for: control)
            // The record first, so front-ends that show the line also show the new state.
            if let paused = PauseNotice.state(in: text), record(id)?.phase == .live {
                update(id) { $0.paused = paused }
                status?.update { $0.paused = paused }
            }
            chatArrived(text, from: id)
        case .file(let fileEvent):
            self.fileEvent(control, fileEvent)
        case .filesUnsupported(let path):
            filesUnsupported(control, path: path)
        case .ended(let byAgent, let reason):
            let id = session(for: control)
            let clean = named(PeerText.clean(reason), id)
            let wasLive = record(id)?.phase == .live
            let asking = state.withLock { $0.questions.waiting.contains { $0.session == id } }
            let settled = record(id)?.phase == .ended
            if wasLive || !(asking || settled) {
                notice("ended", endedText(clean, id, byPeer: byAgent),
                       ["by_peer": byAgent, "reason": clean, "was_live": wasLive], session: id)
            }
            close(id, byPeer: byAgent, reason: clean)
            if wasLive { status?.update { $0.connected = false; $0.paused = false } }
        }
    }

    /// The expert decides on a verified request ("bob (SHA256:…) asks for help from 127.0.0.1:4711.
    /// Accept? [y/N]"). An unknown requester (`--allow-new`) is asked about first, then, once accepted,
    /// a name to save them under is asked separately (at least 2 characters; Enter: this once, unsaved).
    /// `saveContact` adds a contact and throws with a reason when it cannot.
    public func decideRequest(_ request: ViewerRequest, timeoutSeconds: Int,
                              saveContact: @escaping @Sendable (_ name: String, _ fingerprint: Fingerprint) throws -> Void,
                              answer: @escaping @Sendable (RequestAnswer) -> Void) {
        let id = session(for: request.client, address: request.remoteAddress)
        let fingerprint = request.peer.map { "\($0.fingerprint)" }
        let name = request.peer?.name.map { PeerText.clean($0, limit: PeerText.nameLimit) } ?? "an unknown requester"
        update(id) { $0.name = name; $0.fingerprint = fingerprint; $0.phase = .asking }
        let address = record(id)?.address ?? "?"
        let me = localName
        let refuse: @Sendable (QuestionAnswer) -> Void = { [self] reply in
            if reply == .timedOut {
                notice("timeout", "no answer within \(timeoutSeconds) s: request refused", ["timeout": true], session: id)
            }
            if reply != .withdrawn { notice("declined", "declined \(name)'s request", ["contact": name], session: id) }
            // Settled: the status line no longer shows them waiting, and the connection's close that
            // follows is not reported again.
            update(id) { $0.phase = .ended; $0.endReason = "declined" }
            answer(.refused(reply == .timedOut ? .timeout : .declined,
                            reply == .timedOut ? "\(me) did not answer the request" : "\(me) declined the request"))
        }
        guard let peer = request.peer else { return answer(.refused(.error, "no verified certificate")) }
        guard peer.name == nil else {
            ask(.acceptRequest, session: id, text: "\(name) (\(peer.fingerprint), compare code \(peer.fingerprint.comparisonCode)) at \(address) asks for help. Accept? [y/N]",
                timeoutSeconds: timeoutSeconds) { [self] reply in
                guard reply.isYes else { return refuse(reply) }
                notice("accepted", "accepted \(name)'s request; waiting for them to allow viewing", ["contact": name], session: id)
                answer(.accepted())
            }
            return
        }
        ask(.acceptUnknown, session: id,
            text: "An unknown requester (\(peer.fingerprint)) asks for help from \(address); they are not a contact. Compare the whole fingerprint with them (read it aloud; a compare code is not enough for someone new). Accept? [y/N]",
            timeoutSeconds: timeoutSeconds) { [self] reply in
            guard reply.isYes else { return refuse(reply) }
            askName(session: id, fingerprint: peer.fingerprint, timeoutSeconds: timeoutSeconds, saveContact: saveContact) {
                answer(.accepted())
            }
        }
    }

    /// Asks for a contact name until one is valid (or Enter: not saved), then accepts.
    private func askName(session id: Int, fingerprint: Fingerprint, timeoutSeconds: Int,
                         saveContact: @escaping @Sendable (String, Fingerprint) throws -> Void,
                         accept: @escaping @Sendable () -> Void) {
        ask(.nameContact, session: id,
            text: "Accepted. Type a name to save them as a contact (2 characters or more), or press Enter to help them this once without saving:",
            timeoutSeconds: timeoutSeconds) { [self] reply in
            guard case .line(let typed) = reply else {
                notice("accepted", "accepted the request without saving the requester as a contact", [:], session: id)
                return accept()
            }
            let name = PeerText.clean(typed.trimmingCharacters(in: .whitespaces), limit: PeerText.nameLimit)
            if name.isEmpty {
                notice("accepted", "accepted the request this once; not saved as a contact", [:], session: id)
                return accept()
            }
            guard name.count >= 2 else {
                notice("name_refused", "\"\(name)\" is too short for a contact name (2 characters or more)", ["name": name], session: id)
                return askName(session: id, fingerprint: fingerprint, timeoutSeconds: timeoutSeconds, saveContact: saveContact, accept: accept)
            }
            do {
                try saveContact(name, fingerprint)
                update(id) { $0.name = name }
                notice("accepted", "added \(name) (\(fingerprint)) to your contacts and accepted", ["contact": name], session: id)
            } catch {
                notice("accepted", "could not add \(name): \(PeerText.clean("\(error)")); accepted this once", ["contact": name], session: id)
            }
            accept()
        }
    }

    /// Log-only notices of the listening viewer (connections that never reached the session).
    public func listenerNotice(_ notice: ListenerNotice) {
        switch notice {
        case .refusedAtDoor(let remote, let reason):
            self.notice("refused_at_door", "connection from \(PeerText.clean(remote)) refused at once: \(PeerText.clean(reason))",
                        ["remote": PeerText.clean(remote), "reason": PeerText.clean(reason)])
        case .closedUnverified(let remote, let reason):
            let from = PeerText.clean(remote), why = PeerText.clean(reason)
            if let stranger = Self.untrustedFingerprint(in: why) {
                // Someone who is not a contact asked: say who they are and how to let them in.
                self.notice("not_a_contact", "someone who is not one of your contacts asked for help from \(from) (\(stranger)). "
                            + "If you know them, compare the fingerprint with them, then `remote-assist contacts add NAME \(stranger)`, "
                            + "or run `remote-assist listen --allow-new`",
                            ["remote": from, "fingerprint": "\(stranger)"])
                return
            }
            self.notice("closed", "connection from \(from) closed before it was verified: \(why)", ["remote": from, "reason": why])
        case .busy(let requester, let remote):
            let who = PeerText.clean(requester, limit: PeerText.nameLimit)
            self.notice("busy", "\(who) asked for help from \(PeerText.clean(remote)) while you were busy: told them so",
                        ["requester": who, "remote": PeerText.clean(remote)])
        }
    }

    /// The fingerprint in "their certificate (SHA256:…) is not one of your contacts", checked by parsing.
    static func untrustedFingerprint(in reason: String) -> Fingerprint? {
        guard reason.contains("is not one of your contacts"), let start = reason.range(of: "SHA256:"),
              let end = reason[start.lowerBound...].firstIndex(where: { $0 == ")" || $0 == " " }) else { return nil }
        return try? Fingerprint.parse(String(reason[start.lowerBound..<end]))
    }
}
