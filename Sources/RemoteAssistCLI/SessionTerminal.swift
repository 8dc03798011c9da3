import Foundation
import RFBProtocol
import SessionModel
import Synchronization
import Viewer

/// The terminal front-end of the session model: prints its notices (a line each, or JSON), shows its
/// current question as the prompt, and turns typed lines into answers, chat and commands. It keeps no
/// session state of its own.
///
/// No closure is kept in a `Mutex` here: reading an optional closure out of one (`withLock { $0 }`)
/// writes it back re-wrapped in a reabstraction thunk each time, so a handler called once per connection
/// grew a chain of thunks until a call overflowed the stack (the agent died after ~15,000 connections,
/// ever slower before). Everything the output path needs is fixed at init.
final class SessionTerminal: Sendable {
    let console: Console
    let model: SessionModel
    /// Set by the status ticker's owner for `/status`.
    let ticker = Mutex<StatusTicker?>(nil)

    /// `ended` is called when a connection ended (after its notice was printed), with whether it had
    /// become a session and how many sessions are still live.
    init(console: Console, role: SessionRole, localName: String, peerName: String? = nil, auditLog: String? = nil, chatLog: String? = nil,
         snapshots: SnapshotWriter? = nil, relay: SessionOutputRelay? = nil,
         ended: @escaping @Sendable (SessionRecord, _ wasLive: Bool, _ liveLeft: Int) -> Void) {
        self.console = console
        let renderer = TerminalRenderer(console: console, role: role, snapshots: snapshots, ended: ended)
        // The page (when there is one) sees the output before the terminal acts on an end.
        let output: @Sendable (SessionOutput) -> Void
        if let relay {
            output = { relay.send($0); renderer.render($0) }
        } else {
            output = renderer.render
        }
        model = SessionModel(role: role, localName: localName, peerName: peerName, auditLog: auditLog, chatLog: chatLog,
                             status: snapshots?.status, output: output)
    }

    var help: String { TerminalRenderer.help(model.role) }

    /// A typed line (nil: end of input). Returns false for lines it does not handle (the caller's
    /// commands: /quit and the end of input), true otherwise.
    func typed(_ line: String?) -> Bool {
        if model.answerCurrent(line) { return true }
        guard let line else { return false }
        let command = line.trimmingCharacters(in: .whitespaces)
        switch command {
        case "": return true
        case "/quit": return false
        case "/status": ticker.withLock { $0 }?.printNow()
        case "/help": console.event("help", help)
        case "/pause" where model.role == .sharing: model.setPaused(true)
        case "/resume" where model.role == .sharing: model.setPaused(false)
        case "/snap" where model.role == .viewing: snap()
        case "/accept": model.acceptFile()
        case "/cancel":
            let model = model
            Task { _ = await model.cancelFiles() }
        case "/send": console.event("help", "/send PATH offers the file at PATH to the other side")
        default:
            if command.hasPrefix("/send ") {
                model.sendFile(Self.path(String(command.dropFirst(6)).trimmingCharacters(in: .whitespaces)))
                return true
            }
            if command == "/decline" || command.hasPrefix("/decline ") {
                let reason = String(command.dropFirst(8)).trimmingCharacters(in: .whitespaces)
                model.declineFile(reason: reason.isEmpty ? nil : reason)
                return true
            }
            if command.hasPrefix("/") { console.event("help", "unknown command \(command); \(help)"); return true }
            switch model.sendChat(line, via: "terminal") {
            case .sent:
                break   // shown by the model's "said" notice
            case .queued(let name):
                console.event("chat_queued", "<\(model.localName)> \(line)   (sent to \(name) when the session starts)", ["for": name])
            case .notSent:
                console.event("help", model.role == .sharing ? "no viewer yet: nothing sent" : "no session yet: nothing sent")
            }
        }
        return true
    }

    /// A typed path: `~/` is the home folder; quotes around the whole path are removed.
    static func path(_ typed: String) -> String {
        var path = typed
        if path.count >= 2, let first = path.first, first == "\"" || first == "'", path.last == first {
            path = String(path.dropFirst().dropLast())
        }
        if path == "~" || path.hasPrefix("~/") { path = NSHomeDirectory() + path.dropFirst() }
        return path
    }

    private func snap() {
        guard let client = model.liveControls.first as? ViewerClient else { return console.event("snapshot", "nothing to write yet") }
        let console = console
        Task {
            if let path = try? await client.snapshot() { console.event("snapshot", "wrote \(path)", ["path": path]) }
            else { console.event("snapshot", "nothing to write yet") }
        }
    }
}

/// How the model's output looks on the terminal.
struct TerminalRenderer: Sendable {
    let console: Console
    let role: SessionRole
    /// Viewing side: where pictures go (for the lines that mention them).
    let snapshots: SnapshotWriter?
    let ended: @Sendable (SessionRecord, Bool, Int) -> Void

    static func help(_ role: SessionRole) -> String {
        role == .sharing ? "type a line to chat; /pause, /resume, /send PATH, /accept, /decline [reason], /cancel, /status, /quit, /help"
                         : "type a line to chat; /snap, /send PATH, /accept, /decline [reason], /cancel, /status, /quit, /help"
    }

    func render(_ output: SessionOutput) {
        switch output {
        case .notice(let notice):
            var text = notice.text
            switch notice.name {
            case "question":
                // The prompt shows a question that is asked now; a queued one gets a line (JSON: an event).
                if !console.json, notice.fields["shown"] as? Bool == true { return }
            case "started" where role == .sharing:
                text += "; \(Self.help(role))"
            case "paused":
                // The page has its Resume button; the terminal says how.
                text += "; /resume to continue"
            case "started":
                text += "; snapshots in \(snapshots?.directory ?? "-"); \(Self.help(role))"
            case "said":
                // The person's own line, typed here or in the page. An interactive terminal shows it as
                // typed lines are; plain and JSON output do not echo what was typed here, but show
                // what was typed in the page.
                if console.terminal != nil && !console.json { return console.own(text) }
                if notice.fields["via"] as? String == "terminal" { return }
            case "file_progress":
                // At a terminal the status line shows the progress; scripts and logs get the lines.
                if console.terminal != nil && !console.json { return }
            case "ended" where role == .viewing:
                if notice.fields["was_live"] as? Bool == true, let path = snapshots?.finalPath { text += "; last picture in \(path)" }
            default:
                break
            }
            console.event(notice.name, text, notice.fields)
        case .question(let question):
            if let question { console.prompt(question.text) } else { console.questionAnswered() }
        case .ended(let record, let wasLive, let liveLeft):
            ended(record, wasLive, liveLeft)
        }
    }
}
