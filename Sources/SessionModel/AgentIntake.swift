import Foundation
public import Agent
import PeerText

/// The sharing side: the agent's events per connection, and the requester's consent questions.
extension SessionModel {
    public func agentEvent(_ control: any SessionControl, _ event: AgentEvent) {
        switch event {
        case .connected(let remote):
            let id = session(for: control, address: remote)
            let address = record(id)?.address ?? "?"
            notice("connected", "connection with \(address)", ["remote": address], session: id)
        case .viewerVerified(let description):
            let id = session(for: control)
            let (name, fingerprint) = Self.identity(description)
            update(id) { $0.name = name; $0.fingerprint = fingerprint; $0.phase = .asking }
            notice("verified", "viewer verified: \(record(id)?.identity ?? name)", ["viewer": name, "fingerprint": fingerprint ?? ""],
                   session: id)
        case .authenticationFailed(let why):
            let id = session(for: control)
            let reason = named(PeerText.clean(why), id)
            // The connection's end that follows says the same: it is not printed twice.
            update(id) { $0.endReason = reason }
            notice("auth_failed", "not let in: \(reason)", ["reason": reason], session: id)
        case .consentAsked:
            update(session(for: control)) { $0.phase = .asking }
        case .consentRefused(let why):
            let reason = named(PeerText.clean(why), session(for: control))
            notice("refused", "not shared: \(reason)", ["reason": reason], session: session(for: control))
        case .requestAnswered(let refusal):
            let id = session(for: control)
            if let refusal {
                let reason = named(PeerText.clean(refusal), id)
                notice("request_refused", reason, ["reason": reason], session: id)
            } else {
                update(id) { $0.phase = .asking }
                notice("request_accepted", "\(record(id)?.name ?? "the expert") accepted the request", [:], session: id)
            }
        case .sessionStarted(_, let width, let height):
            let id = session(for: control)
            let paused = self.paused
            update(id) { $0.phase = .live; $0.startedAt = Date(); $0.width = width; $0.height = height; $0.paused = paused }
            if paused { control.setPaused(true) }
            guard let record = record(id) else { return }
            journal.audit("session #\(id) started: \(record.identity) from \(record.address) is viewing the screen (\(width)x\(height))")
            notice("started", "\(record.identity) is now viewing your screen (\(width)x\(height))",
                   ["viewer": record.name, "fingerprint": record.fingerprint ?? "", "address": record.address,
                    "width": width, "height": height], session: id)
            flushPendingChat()
        case .chat(let text):
            chatArrived(text, from: session(for: control))
        case .chatUnsupported:
            let id = session(for: control)
            let name = record(id)?.name ?? "the viewer"
            notice("chat_unsupported", "\(name) uses a VNC viewer that cannot show chat: lines typed here do not reach them (talk on the phone)",
                   [:], session: id)
        case .file(let fileEvent):
            self.fileEvent(control, fileEvent)
        case .filesUnsupported(let path):
            filesUnsupported(control, path: path)
        case .resized(let width, let height):
            notice("resized", "screen is now \(width)x\(height)", ["width": width, "height": height])
        case .ended(let byViewer, let reason):
            let id = session(for: control)
            let clean = named(PeerText.clean(reason), id)
            notice("ended", endedText(clean, id, byPeer: byViewer), ["by_peer": byViewer, "reason": clean], session: id)
            close(id, byPeer: byViewer, reason: clean)
        case .connectionClosed(let remote, let reason):
            let id = session(for: control, address: remote)
            let clean = named(PeerText.clean(reason), id)
            let address = record(id)?.address ?? "?"
            if record(id)?.endReason != clean {
                notice("closed", "connection with \(address) closed: \(clean)", ["remote": address, "reason": clean], session: id)
            }
            close(id, byPeer: true, reason: clean)
        }
    }

    /// A chat line from a peer: cleaned, labelled by its session, shown and logged.
    func chatArrived(_ raw: String, from id: Int) {
        let text = PeerText.clean(raw, limit: PeerText.chatLimit)
        let (label, name) = state.withLock { s in (self.label(id, in: s), s.records[id]?.name ?? "?") }
        notice("chat", "<\(label)> \(text)", ["from": name, "text": text], session: id)
        journal.chat(from: label, text)
    }

    /// The requester's consent for one connection ("Allow alice (SHA256:…) from 127.0.0.1:4711 to see
    /// your screen? [y/N]"), queued behind other questions. `decide` gets true only for "y" / "yes".
    public func askConsent(_ request: ConsentRequest, timeoutSeconds: Int, decide: ConsentReply) {
        let address = PeerText.clean(request.remoteAddress, limit: PeerText.nameLimit)
        guard let id = state.withLock({ s in s.records.values.first { $0.address == address && $0.phase != .ended }?.id }) else {
            return decide(false)
        }
        let me = localName
        let who = record(id)?.identityWithCode ?? PeerText.clean(request.viewer, limit: PeerText.nameLimit)
        ask(.allowViewing, session: id, text: "Allow \(who) from \(address) to see your screen? [y/N]",
            timeoutSeconds: timeoutSeconds) { [self] answer in
            let granted = answer.isYes
            let text = granted ? "allowed: capture starts now"
                : answer == .timedOut ? "no answer within \(timeoutSeconds) s: not allowed" : "not allowed"
            notice("consent", text, ["granted": granted, "timeout": answer == .timedOut], session: id)
            // What the viewer is told, in names: "bob did not answer", not "declined by the requester".
            decide(granted, reason: granted ? nil
                   : answer == .timedOut ? "\(me) did not answer within \(timeoutSeconds) s" : "\(me) declined")
        }
    }

    /// The agent's consent policy: the queued question, or (`--allow-view`) consent given in advance.
    public func consentPolicy(givenInAdvance: Bool, timeoutSeconds: Int)
        -> @Sendable (ConsentRequest, ConsentReply) -> Void {
        { [self] request, decide in
            if givenInAdvance {
                consentGivenInAdvance(request)
                decide(true)
            } else {
                askConsent(request, timeoutSeconds: timeoutSeconds, decide: decide)
            }
        }
    }

    /// Consent given in advance (`--allow-view`): said once per viewer, then granted.
    public func consentGivenInAdvance(_ request: ConsentRequest) {
        let who = PeerText.clean(request.viewer, limit: PeerText.nameLimit)
        let address = PeerText.clean(request.remoteAddress, limit: PeerText.nameLimit)
        notice("consent", "\(who) from \(address) may see your screen (consent given in advance with --allow-view)",
               ["viewer": who, "address": address, "granted": true, "in_advance": true])
    }
}
