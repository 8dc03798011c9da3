import Foundation
public import SessionModel
import Synchronization
import Viewer

/// The page's side of the session model, as `SessionTerminal` is the terminal's: turns the model's
/// output into JSON messages for the pages, and the pages' commands into the model's actions. It
/// keeps no session state of its own: only what a page that connects late needs to be shown (the
/// transcript so far, the last end).
public final class PageFrontEnd: PageDelegate, SessionOutputSink {
    let server: LiveServer
    let role: SessionRole
    let localName: String
    /// What the page's End does when no session is live (the command's own quit).
    let quit: @Sendable () -> Void
    private let modelRef = Mutex<SessionModel?>(nil)
    private struct State {
        var transcript: [String] = []
        var ended: String?
    }
    private let state = Mutex(State())
    /// Lines of transcript a page that connects late gets.
    static let transcriptLimit = 300

    public init(server: LiveServer, role: SessionRole, localName: String, quit: @escaping @Sendable () -> Void) {
        self.server = server
        self.role = role
        self.localName = localName
        self.quit = quit
    }

    /// The model this page shows (made after the relay that feeds this front-end).
    public func bind(_ model: SessionModel) {
        modelRef.withLock { $0 = model }
        server.attach(self)
    }

    private var model: SessionModel? { modelRef.withLock { $0 } }

    // MARK: - Model to page

    public func render(_ output: SessionOutput) {
        switch output {
        case .notice(let notice):
            switch notice.name {
            case "chat":
                remember(PageJSON.encode(["t": "chat", "from": notice.fields["from"] as? String ?? "?",
                                          "text": notice.fields["text"] as? String ?? "", "own": false]))
            case "said":
                remember(PageJSON.encode(["t": "chat", "from": notice.fields["from"] as? String ?? localName,
                                          "text": notice.fields["text"] as? String ?? "", "own": true]))
            case "question" where notice.fields["shown"] as? Bool == true, "status":
                break
            default:
                remember(PageJSON.encode(["t": "notice", "name": notice.name, "text": notice.text]))
            }
        case .question(let question):
            server.send(Self.questionJSON(question))
        case .ended(let record, let wasLive, let liveLeft):
            if wasLive && liveLeft == 0 {
                let reason = record.endReason ?? "ended"
                let text = record.endedByPeer && !reason.hasPrefix(record.name + " ") ? "\(record.name): \(reason)" : reason
                state.withLock { $0.ended = text }
            }
        }
        server.send(stateJSON())
    }

    private func remember(_ json: String) {
        state.withLock { s in
            s.transcript.append(json)
            if s.transcript.count > Self.transcriptLimit { s.transcript.removeFirst(s.transcript.count - Self.transcriptLimit) }
        }
        server.send(json)
    }

    func stateJSON() -> String {
        guard let model else { return PageJSON.encode(["t": "state", "phase": "waiting", "peer": "", "paused": false]) }
        if let ended = state.withLock({ $0.ended }), model.live.isEmpty {
            return PageJSON.encode(["t": "state", "phase": "ended", "peer": model.peerSummary, "paused": false, "reason": ended])
        }
        let live = model.live
        let paused = role == .sharing ? model.paused : live.contains { $0.paused }
        return PageJSON.encode(["t": "state", "phase": model.phase, "peer": model.peerSummary, "paused": paused])
    }

    static func questionJSON(_ question: Question?) -> String {
        guard let question else { return #"{"id":null,"t":"question"}"# }
        let left = max(0, Int(question.deadline.timeIntervalSinceNow.rounded()))
        // The page answers with buttons: the terminal's "[y/N]" is not part of the question there.
        let text = question.text.hasSuffix(" [y/N]") ? String(question.text.dropLast(6)) : question.text
        return PageJSON.encode(["t": "question", "id": question.id, "kind": question.kind.rawValue, "text": text,
                                "who": question.who, "fingerprint": question.fingerprint ?? "", "short": question.shortFingerprint ?? "",
                                "code": question.comparisonCode ?? "", "address": question.address, "timeout": left])
    }

    // MARK: - Page to model

    public func welcome() -> [String] {
        let hello = PageJSON.encode(["t": "hello", "role": role.rawValue, "me": localName])
        let transcript = state.withLock { $0.transcript }
        var out = [hello] + transcript + [stateJSON()]
        if let question = model?.currentQuestion { out.append(Self.questionJSON(question)) }
        return out
    }

    public func received(_ command: PageCommand) {
        guard let model else { return }
        switch command {
        case .chat(let text):
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { return }
            switch model.sendChat(text, via: "page") {
            case .sent: break
            case .queued(let name):
                remember(PageJSON.encode(["t": "notice", "name": "chat_queued", "text": "<\(localName)> \(text) (sent to \(name) when the session starts)"]))
            case .notSent:
                server.send(PageJSON.encode(["t": "notice", "name": "help", "text": "no session yet: nothing sent"]))
            }
        case .snapshot:
            guard let client = model.liveControls.first as? ViewerClient else {
                return server.send(PageJSON.encode(["t": "notice", "name": "snapshot", "text": "nothing to write yet"]))
            }
            let server = server
            Task {
                let path = try? await client.snapshot()
                server.send(PageJSON.encode(["t": "notice", "name": "snapshot", "text": path.map { "wrote \($0)" } ?? "nothing to write yet"]))
            }
        case .end:
            if model.live.isEmpty && model.currentQuestion == nil { return quit() }
            if model.endAll(reason: .userQuit, text: "\(localName) ended the session") == 0 { quit() }
        case .answer(let id, let yes, let name):
            // The name question is not yes or no: its answer is the name (empty: help this once, unsaved).
            if model.currentQuestion?.id == id, model.currentQuestion?.kind == .nameContact {
                model.answer(question: id, with: yes ? (name ?? "") : "")
            } else {
                model.answer(question: id, with: yes ? "y" : "n")
            }
        case .pause(let on):
            if role == .sharing { model.setPaused(on) }
        }
    }
}
