import Agent
import RFBProtocol
import Synchronization
import Viewer

/// The chat and status lines of a session on either side, and the typed commands.
final class SessionLines: Sendable {
    let console: Console
    let localName: String
    private let state = Mutex<(started: Bool, peer: String, paused: Bool)>((false, "the viewer", false))

    init(console: Console, localName: String) {
        self.console = console
        self.localName = localName
    }

    var started: Bool { state.withLock { $0.started } }
    private var peer: String { state.withLock { $0.peer } }

    static let help = "type a line to chat; /pause, /resume (requester), /snap (viewer), /quit, /help"

    // MARK: Agent side

    func agentEvent(_ event: AgentEvent, exit: ExitSignal) {
        switch event {
        case .connected(let remote):
            console.event("connected", "connection from \(remote)", ["remote": remote])
        case .viewerVerified(let who):
            console.event("verified", "viewer verified: \(who)", ["viewer": who])
        case .authenticationFailed(let why):
            console.event("auth_failed", "authentication failed: \(why)", ["reason": why])
        case .consentAsked:
            break
        case .consentRefused(let why):
            console.event("refused", "not shared: \(why)", ["reason": why])
        case .sessionStarted(let viewer, let width, let height):
            state.withLock { $0.started = true; $0.peer = viewer }
            console.event("started", "\(viewer) is now viewing your screen (\(width)x\(height)); \(Self.help)",
                          ["viewer": viewer, "width": width, "height": height])
        case .chat(let text):
            console.event("chat", "<\(peer)> \(text)", ["from": peer, "text": text])
        case .resized(let width, let height):
            console.event("resized", "screen is now \(width)x\(height)", ["width": width, "height": height])
        case .ended(let byViewer, let reason):
            let wasStarted = started
            console.event("ended", byViewer ? "session ended by the viewer: \(reason)" : "session ended: \(reason)",
                          ["by_peer": byViewer, "reason": reason])
            if wasStarted { exit.finish(0) }
        }
    }

    /// A typed line on the agent side (nil: end of input).
    func typed(_ line: String?, agent: AgentSessionControl?, exit: ExitSignal) {
        guard let line else {
            if let agent, started { agent.end(reason: .endOfInput, text: "\(localName) ended the session (end of input)") }
            else { exit.finish(0) }
            return
        }
        switch line.trimmingCharacters(in: .whitespaces) {
        case "": return
        case "/quit":
            if let agent, started { agent.end(reason: .userQuit, text: "\(localName) ended the session") } else { exit.finish(0) }
        case "/pause":
            agent?.setPaused(true)
            console.event("paused", "sharing paused (the viewer keeps the last picture); /resume to continue")
        case "/resume":
            agent?.setPaused(false)
            console.event("resumed", "sharing resumed")
        case "/help":
            console.event("help", Self.help)
        default:
            if line.hasPrefix("/") { console.event("help", "unknown command \(line); \(Self.help)"); return }
            guard let agent, started else { console.event("help", "no viewer yet: nothing sent"); return }
            agent.sendChat(line)
        }
    }

    // MARK: Viewer side

    func viewerEvent(_ event: ViewerEvent, exit: ExitSignal, snapshots: String?) {
        switch event {
        case .connected(let remote):
            console.event("connected", "connected to \(remote); waiting for the requester to allow viewing", ["remote": remote])
        case .serverVerified(let who):
            state.withLock { $0.peer = who }
            console.event("verified", "agent verified: \(who)", ["agent": who])
        case .sessionStarted(let name, let width, let height, let encoding):
            state.withLock { $0.started = true }
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
        case .ended(let byAgent, let reason):
            let wasStarted = started
            let final = wasStarted && snapshots != nil ? "; last picture in \(snapshots ?? "")/final.png" : ""
            console.event("ended", (byAgent ? "session ended by the agent: \(reason)" : "session ended: \(reason)") + final,
                          ["by_peer": byAgent, "reason": reason])
            exit.finish(wasStarted ? 0 : 3)
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
        default:
            if line.hasPrefix("/") { console.event("help", "unknown command \(line); \(Self.help)"); return }
            viewer.sendChat(line)
        }
    }
}
