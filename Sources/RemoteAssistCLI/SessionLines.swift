import Agent
import Foundation
import RFBProtocol
import RFBTransport
import Synchronization
import Viewer

/// The chat and status lines of a session on either side, and the typed commands.
final class SessionLines: Sendable {
    let console: Console
    let localName: String
    /// Requester: who viewed, when and for how long is appended here.
    let auditLog: String?
    /// Viewer: the chat transcript is appended here.
    let chatLog: String?
    private struct State {
        var started = false
        var ended = false
        /// Sessions running now (a listening agent may serve more than one).
        var live = 0
        /// A log write failed and was reported; reported again only after a success.
        var logFailureReported = false
        var paused = false
        var peer = "the peer"
        var since: Date?
    }
    private let state = Mutex(State())

    /// Listening: a request that ends before its session started does not end the command.
    let listening: Bool
    /// Agent: called instead of ending the command when the last running session ended (`share --keep-listening`).
    let afterLastSession: (@Sendable () -> Void)?

    init(console: Console, localName: String, auditLog: String? = nil, chatLog: String? = nil, listening: Bool = false,
         afterLastSession: (@Sendable () -> Void)? = nil) {
        self.listening = listening
        self.afterLastSession = afterLastSession
        self.console = console
        self.localName = localName
        self.auditLog = auditLog
        self.chatLog = chatLog
    }

    var started: Bool { state.withLock { $0.started } }
    var paused: Bool { state.withLock { $0.paused } }
    private var peer: String { state.withLock { $0.peer } }
    var peerName: String { peer }
    /// "waiting", "sharing" / "viewing", "ended".
    var phase: String {
        let sharing = auditLog != nil
        return state.withLock { s in s.ended ? "ended" : (s.started ? (sharing ? "sharing" : "viewing") : "waiting") }
    }
    var secondsSinceStart: Double { state.withLock { $0.since.map { Date().timeIntervalSince($0) } ?? 0 } }
    /// Set by the status ticker's owner for `/status`.
    let ticker = Mutex<StatusTicker?>(nil)

    /// "alice (SHA256:…)" → "alice"; an unnamed peer keeps its fingerprint.
    static func shortName(_ peer: String) -> String {
        guard let cut = peer.range(of: " (SHA256:") else { return peer }
        return String(peer[..<cut.lowerBound])
    }

    /// Appends one whole line (or nothing); a failure is reported once, until a line is written again.
    private func append(_ line: String, to path: String?) {
        guard let path else { return }
        let problem = LineAppender.append(line, to: path)
        let report = state.withLock { s -> Bool in
            defer { s.logFailureReported = problem != nil }
            return problem != nil && !s.logFailureReported
        }
        if report, let problem {
            console.event("log_failed", "\(problem); the lines written so far stay", ["reason": problem])
        }
    }

    private static func stamp(_ date: Date = Date()) -> String { ISO8601DateFormatter().string(from: date) }

    /// Records a chat line in the transcript.
    func logChat(from who: String, _ text: String) {
        append("\(Self.stamp()) <\(who)> \(text)", to: chatLog)
    }

    static let help = "type a line to chat; /pause, /resume (requester), /snap (viewer), /status, /quit, /help"

    // MARK: Agent side

    func agentEvent(_ event: AgentEvent, exit: ExitSignal) {
        switch event {
        case .connected(let remote):
            console.event("connected", "connection with \(remote)", ["remote": remote])
        case .viewerVerified(let who):
            console.event("verified", "viewer verified: \(who)", ["viewer": who])
        case .authenticationFailed(let why):
            console.event("auth_failed", "authentication failed: \(why)", ["reason": why])
        case .consentAsked:
            break
        case .consentRefused(let why):
            console.event("refused", "not shared: \(why)", ["reason": why])
        case .requestAnswered(let refusal):
            if let refusal { console.event("request_refused", refusal, ["reason": refusal]) }
            else { console.event("request_accepted", "the expert accepted the request", [:]) }
        case .sessionStarted(let viewer, let width, let height):
            state.withLock { $0.started = true; $0.ended = false; $0.live += 1; $0.peer = Self.shortName(viewer); $0.since = Date() }
            console.event("started", "\(viewer) is now viewing your screen (\(width)x\(height)); \(Self.help)",
                          ["viewer": viewer, "width": width, "height": height])
        case .chat(let text):
            console.event("chat", "<\(peer)> \(text)", ["from": peer, "text": text])
            logChat(from: peer, text)
        case .resized(let width, let height):
            console.event("resized", "screen is now \(width)x\(height)", ["width": width, "height": height])
        case .ended(let byViewer, let reason):
            // Only sessions that started end with `.ended`; connections that never did are `.connectionClosed`.
            let (left, who, since) = state.withLock { s in
                s.live = max(0, s.live - 1)
                if s.live == 0 { s.ended = true }
                return (s.live, s.peer, s.since)
            }
            console.event("ended", byViewer ? "session ended by \(who): \(reason)" : "session ended: \(reason)",
                          ["by_peer": byViewer, "reason": reason])
            if let since {
                let seconds = Int(Date().timeIntervalSince(since).rounded())
                append("\(Self.stamp(since)) \(who) viewed the screen for \(seconds) s; ended: \(reason)", to: auditLog)
            }
            guard left == 0 else { return }
            if let afterLastSession {
                state.withLock { $0.started = false; $0.ended = false; $0.paused = false }
                afterLastSession()
            } else {
                exit.finish(0)
            }
        case .connectionClosed(let remote, let reason):
            console.event("closed", "connection with \(remote) closed: \(reason)", ["remote": remote, "reason": reason])
        }
    }

    /// A typed line on the agent side (nil: end of input), for every running session.
    func typed(_ line: String?, agents: [AgentSessionControl], exit: ExitSignal) {
        let running = started && !agents.isEmpty
        guard let line else {
            if running {
                for agent in agents { agent.end(reason: .endOfInput, text: "\(localName) ended the session (end of input)") }
                if afterLastSession != nil { exit.finish(0) }
            } else {
                exit.finish(0)
            }
            return
        }
        switch line.trimmingCharacters(in: .whitespaces) {
        case "": return
        case "/quit":
            if running {
                for agent in agents { agent.end(reason: .userQuit, text: "\(localName) ended the session") }
                if afterLastSession != nil { exit.finish(0) }
            } else {
                exit.finish(0)
            }
        case "/status":
            ticker.withLock { $0 }?.printNow()
        case "/pause":
            state.withLock { $0.paused = true }
            for agent in agents {
                agent.setPaused(true)
                agent.sendChat("(sharing paused by \(localName): the picture stays as it is until they resume)")
            }
            console.event("paused", "sharing paused (the viewer keeps the last picture); /resume to continue")
        case "/resume":
            state.withLock { $0.paused = false }
            for agent in agents {
                agent.setPaused(false)
                agent.sendChat("(sharing resumed by \(localName))")
            }
            console.event("resumed", "sharing resumed")
        case "/help":
            console.event("help", Self.help)
        default:
            if line.hasPrefix("/") { console.event("help", "unknown command \(line); \(Self.help)"); return }
            guard running else { console.event("help", "no viewer yet: nothing sent"); return }
            // The transcript first: whatever happens to this process after sending, the line is recorded.
            logChat(from: localName, line)
            for agent in agents { agent.sendChat(line) }
            console.own("<\(localName)> \(line)")
        }
    }

    // MARK: Viewer side

    func viewerEvent(_ event: ViewerEvent, exit: ExitSignal, snapshots writer: SnapshotWriter?) {
        let snapshots = writer?.directory
        switch event {
        case .connected(let remote):
            console.event("connected", "connection with \(remote)", ["remote": remote])
        case .serverVerified(let who):
            state.withLock { $0.peer = Self.shortName(who) }
            console.event("verified", "verified: \(who)", ["peer": who])
        case .requestArrived:
            break
        case .sessionStarted(let name, let width, let height, let encoding):
            state.withLock { $0.started = true; $0.since = Date() }
            console.event("started", "viewing \"\(name)\" \(width)x\(height) (\(encoding)); snapshots in \(snapshots ?? "-"); \(Self.help)",
                          ["name": name, "width": width, "height": height, "encoding": encoding])
        case .refused(let why):
            console.event("refused", "refused: \(why)", ["reason": why])
        case .frame:
            break
        case .resized(let width, let height):
            console.event("resized", "remote screen is now \(width)x\(height)", ["width": width, "height": height])
        case .chat(let text):
            console.event("chat", "<\(peer)> \(text)", ["from": peer, "text": text])
            logChat(from: peer, text)
        case .ended(let byAgent, let reason):
            let wasStarted = state.withLock { s in s.ended = s.started; return s.started }
            let final = wasStarted ? writer?.finalPath.map { "; last picture in \($0)" } ?? "" : ""
            console.event("ended", (byAgent ? "session ended by the agent: \(reason)" : "session ended: \(reason)") + final,
                          ["by_peer": byAgent, "reason": reason])
            append("\(Self.stamp()) -- session ended: \(reason)", to: wasStarted ? chatLog : nil)
            if wasStarted { exit.finish(0) } else if !listening { exit.finish(3) }
        }
    }

    func typed(_ line: String?, viewer: ViewerClient, exit: ExitSignal) {
        guard let line else {
            viewer.end(reason: .endOfInput, text: "\(localName) ended the session (end of input)")
            return
        }
        switch line.trimmingCharacters(in: .whitespaces) {
        case "": return
        case "/quit": viewer.end(reason: .userQuit, text: "\(localName) ended the session")
        case "/snap":
            Task {
                if let path = try? await viewer.snapshot() { console.event("snapshot", "wrote \(path)", ["path": path]) }
                else { console.event("snapshot", "nothing to write yet") }
            }
        case "/help": console.event("help", Self.help)
        case "/status": ticker.withLock { $0 }?.printNow()
        default:
            if line.hasPrefix("/") { console.event("help", "unknown command \(line); \(Self.help)"); return }
            logChat(from: localName, line)
            viewer.sendChat(line)
            console.own("<\(localName)> \(line)")
        }
    }
}
