import Foundation
import Agent
import PeerText
public import RFBProtocol
import RFBTransport
import Synchronization
public import Viewer

/// The one source of truth about the sessions of this process, on either side: a record per
/// connection (peer, verified identity, address, start, pause, end reason), the queue of questions
/// for the person (each with its own id and time limit, answered one at a time), chat labelled by
/// the session it came from, and the audit and chat logs. Front-ends (the terminal, a page) only
/// display what it outputs and pass on what the person answers or types.
///
/// Everything a peer sent is cleaned (``PeerText``) as it enters, before any record, notice or log
/// line is made of it.
public final class SessionModel: Sendable {
    public let role: SessionRole
    public let localName: String
    let peerName: String?
    let journal: SessionJournal
    let output: @Sendable (SessionOutput) -> Void
    /// Viewing side: `status.json` beside the pictures (connected, paused, peer, size), told of every
    /// start, pause, resume, resize and end of a live session.
    let status: StatusFile?

    struct State {
        var records: [Int: SessionRecord] = [:]
        var controls: [Int: any SessionControl] = [:]
        var byConnection: [ObjectIdentifier: Int] = [:]
        var nextSession = 1
        var questions = QuestionQueue()
        var answers: [Int: @Sendable (QuestionAnswer) -> Void] = [:]
        var nextQuestion = 1
        var paused = false
        /// Chat typed while a session is being set up (the expert accepted, the requester not yet asked
        /// or answering): sent when it starts, dropped with a notice if it never does.
        var pendingChat: [(text: String, via: String)] = []
        /// Files offered or moving, and the peers' offers waiting for an answer.
        var files = FileLedger()
    }
    /// At most this many lines wait for a session to start.
    static let pendingChatLimit = 20
    let state = Mutex(State())

    /// `peerName`: who the connections are with when this side dialled a known contact (`request`), so
    /// that a failure before the peer is verified still names them.
    public init(role: SessionRole, localName: String, peerName: String? = nil, auditLog: String? = nil, chatLog: String? = nil,
                status: StatusFile? = nil, output: @escaping @Sendable (SessionOutput) -> Void) {
        self.role = role
        self.localName = localName
        self.peerName = peerName.map { PeerText.clean($0, limit: PeerText.nameLimit) }
        self.output = output
        self.status = status
        journal = SessionJournal(auditLog: auditLog, chatLog: chatLog) { problem in
            output(.notice(SessionNotice("log_failed", "\(problem); the lines written so far stay", ["reason": problem])))
        }
    }

    func notice(_ name: String, _ text: String, _ fields: [String: any Sendable] = [:], session: Int? = nil) {
        output(.notice(SessionNotice(name, text, fields, session: session)))
    }

    // MARK: - State for front-ends

    public var records: [SessionRecord] { state.withLock { $0.records.values.sorted { $0.id < $1.id } } }
    public var live: [SessionRecord] { records.filter { $0.phase == .live } }
    public var currentQuestion: Question? { state.withLock { $0.questions.current } }
    public var waitingQuestions: [Question] { state.withLock { $0.questions.waiting } }
    public var paused: Bool { state.withLock { $0.paused } }

    /// The controls of the live sessions, oldest first.
    public var liveControls: [any SessionControl] {
        state.withLock { s in
            s.records.values.filter { $0.phase == .live }.sorted { $0.id < $1.id }.compactMap { s.controls[$0.id] }
        }
    }

    /// "waiting", "asking", "sharing" / "viewing", "ended".
    public var phase: String {
        let all = records
        if all.contains(where: { $0.phase == .live }) { return role.rawValue }
        if all.contains(where: { $0.phase == .asking }) { return "asking" }
        return "waiting"
    }

    /// Who the status line names: the live peers, else the one being asked about.
    public var peerSummary: String {
        let all = records
        let live = all.filter { $0.phase == .live }.map(\.name)
        if !live.isEmpty { return live.count == 1 ? live[0] : live.joined(separator: ", ") }
        return all.first { $0.phase == .asking }?.name ?? "no one yet"
    }

    /// How a peer's chat is labelled: its name, with the session number when more than one is live.
    func label(_ id: Int, in s: State) -> String {
        let name = s.records[id]?.name ?? "?"
        let liveCount = s.records.values.filter { $0.phase == .live }.count
        return liveCount > 1 ? "\(name) #\(id)" : name
    }

    /// A reason from the connection layer in names: "the other side" (the layer below does not know
    /// who it is) becomes the record's name, so the person reads "bob closed the connection".
    func named(_ reason: String, _ id: Int) -> String {
        guard let name = record(id)?.name, reason.contains("the other side") else { return reason }
        return reason.replacingOccurrences(of: "the other side", with: name)
    }

    /// "session ended: bob ended the session", or "session with bob ended: the connection was reset".
    func endedText(_ reason: String, _ id: Int, byPeer: Bool) -> String {
        let name = record(id)?.name ?? "?"
        return !byPeer || reason.hasPrefix(name + " ") ? "session ended: \(reason)" : "session with \(name) ended: \(reason)"
    }

    // MARK: - Records

    /// The record of a connection, made on first sight.
    func session(for control: any SessionControl, address: String? = nil) -> Int {
        state.withLock { s in
            if let id = s.byConnection[control.connectionID] { return id }
            let id = s.nextSession
            s.nextSession += 1
            s.byConnection[control.connectionID] = id
            s.controls[id] = control
            s.records[id] = SessionRecord(id: id, name: peerName ?? (role == .sharing ? "a viewer" : "the requester"),
                                          address: address.map { PeerText.clean($0, limit: PeerText.nameLimit) } ?? "?")
            return id
        }
    }

    func update(_ id: Int, _ change: (inout SessionRecord) -> Void) {
        state.withLock { s in
            guard var record = s.records[id] else { return }
            change(&record)
            s.records[id] = record
        }
    }

    func record(_ id: Int) -> SessionRecord? { state.withLock { $0.records[id] } }

    /// "alice (SHA256:…)" from a verified peer's description (a contact's name is ours; an unknown
    /// peer is its fingerprint alone).
    static func identity(_ description: String) -> (name: String, fingerprint: String?) {
        let clean = PeerText.clean(description, limit: PeerText.nameLimit + 80)
        if let cut = clean.range(of: " (SHA256:"), clean.hasSuffix(")") {
            return (String(clean[..<cut.lowerBound]), String(clean[clean.index(after: clean.index(after: cut.lowerBound))..<clean.index(before: clean.endIndex)]))
        }
        if clean.hasPrefix("SHA256:") { return ("an unknown peer", clean) }
        return (clean, nil)
    }

    /// The connection ended: the record is closed, its questions withdrawn, the audit line written.
    func close(_ id: Int, byPeer: Bool, reason: String) {
        let closed = state.withLock { s -> (record: SessionRecord, wasLive: Bool, withdrawn: [Question], changed: Bool, left: Int)? in
            guard var record = s.records.removeValue(forKey: id) else { return nil }
            let wasLive = record.phase == .live
            record.phase = .ended
            record.endReason = reason
            record.endedByPeer = byPeer
            s.controls[id] = nil
            s.byConnection = s.byConnection.filter { $0.value != id }
            let (removed, changed) = s.questions.remove(session: id)
            return (record, wasLive, removed, changed, s.records.values.filter { $0.phase == .live }.count)
        }
        guard let (record, wasLive, withdrawn, currentChanged, liveLeft) = closed else { return }
        dropFiles(id)
        for question in withdrawn {
            notice("withdrawn", "\(record.name) went away before you answered (\(reason))",
                   ["question": question.id, "reason": reason], session: id)
            answer(question.id, .withdrawn)
        }
        if currentChanged { output(.question(currentQuestion)) }
        if wasLive, role == .sharing {
            let by = byPeer ? record.name : "you"
            let verified = record.fingerprint.map { "\($0), " } ?? ""
            journal.audit("session #\(id) ended: \(record.name) viewed the screen for \(record.seconds()) s (\(verified)from \(record.address)); ended by \(by): \(reason)")
        }
        if wasLive, role == .viewing { journal.chatNote("session ended: \(reason)") }
        if !wasLive { dropPendingChat(reason) }
        output(.ended(record, wasLive: wasLive, liveLeft: liveLeft))
    }

    // MARK: - Questions

    /// Queues a question; `done` gets its answer exactly once (typed, timed out, or withdrawn).
    @discardableResult
    func ask(_ kind: QuestionKind, session: Int, text: String, timeoutSeconds: Int,
             done: @escaping @Sendable (QuestionAnswer) -> Void) -> Int {
        let record = record(session)
        let (question, shown) = state.withLock { s -> (Question, Bool) in
            let q = Question(id: s.nextQuestion, kind: kind, session: session, who: record?.name ?? "?",
                             fingerprint: record?.fingerprint, address: record?.address ?? "?", text: text,
                             timeoutSeconds: timeoutSeconds, askedAt: Date())
            s.nextQuestion += 1
            s.answers[q.id] = done
            return (q, s.questions.add(q))
        }
        notice("question", shown ? text : "\(text) (waiting: another question is being answered)",
               ["question": question.id, "kind": kind.rawValue, "who": question.who, "fingerprint": question.fingerprint ?? "",
                "address": question.address, "timeout": timeoutSeconds, "shown": shown], session: session)
        if shown { output(.question(question)) }
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(timeoutSeconds)) { [self] in
            expire(question.id)
        }
        return question.id
    }

    private func expire(_ id: Int) {
        let (removed, changed) = state.withLock { $0.questions.remove(id: id) }
        guard removed != nil else { return }
        answer(id, .timedOut)
        if changed { output(.question(currentQuestion)) }
    }

    private func answer(_ id: Int, _ answer: QuestionAnswer) {
        let done = state.withLock { $0.answers.removeValue(forKey: id) }
        done?(answer)
    }

    /// The person answered the question shown (nil: their input ended). False when none was shown.
    @discardableResult
    public func answerCurrent(_ line: String?) -> Bool {
        let (question, _) = state.withLock { s -> (Question?, Bool) in
            guard let current = s.questions.current else { return (nil, false) }
            return s.questions.remove(id: current.id)
        }
        guard let question else { return false }
        answer(question.id, line.map { .line($0) } ?? .withdrawn)
        output(.question(currentQuestion))
        return true
    }

    /// Answers a given question (a page's buttons name the question they answer). False when it is
    /// not waiting any more.
    @discardableResult
    public func answer(question id: Int, with line: String) -> Bool {
        let (removed, changed) = state.withLock { $0.questions.remove(id: id) }
        guard removed != nil else { return false }
        answer(id, .line(line))
        if changed { output(.question(currentQuestion)) }
        return true
    }

    // MARK: - What the person does

    /// Sends a chat line to every live session; while one is being set up (nothing asked of this side
    /// any more) the line waits for it to start. `via` names the front-end it was typed in: every
    /// front-end is told of a sent line (notice "said"), so what is typed in one shows in the others.
    @discardableResult
    public func sendChat(_ text: String, via: String = "terminal") -> ChatDelivery {
        let controls = liveControls
        guard controls.isEmpty else {
            // The transcript first: whatever happens to this process after sending, the line is recorded.
            journal.chat(from: localName, text)
            for control in controls { control.sendChat(text) }
            let shown = PeerText.clean(text, limit: PeerText.chatLimit)
            notice("said", "<\(localName)> \(shown)", ["from": localName, "text": shown, "via": via])
            return .sent
        }
        let waitingFor = state.withLock { s -> String? in
            let answered = s.records.values.filter { r in r.phase == .asking && !s.questions.waiting.contains { $0.session == r.id } }
            guard let record = answered.min(by: { $0.id < $1.id }), s.pendingChat.count < Self.pendingChatLimit else { return nil }
            s.pendingChat.append((text, via))
            return record.name
        }
        return waitingFor.map { .queued(for: $0) } ?? .notSent
    }

    /// A session started: the lines typed while it was being set up go out now.
    func flushPendingChat() {
        let lines = state.withLock { s -> [(text: String, via: String)] in defer { s.pendingChat = [] }; return s.pendingChat }
        for line in lines { _ = sendChat(line.text, via: line.via) }
    }

    /// No session is being set up any more: lines still waiting are dropped, and the person told.
    func dropPendingChat(_ why: String) {
        let dropped = state.withLock { s -> Int in
            guard !s.records.values.contains(where: { $0.phase == .asking || $0.phase == .live }) else { return 0 }
            defer { s.pendingChat = [] }
            return s.pendingChat.count
        }
        if dropped > 0 {
            notice("chat_dropped", "\(dropped == 1 ? "1 line" : "\(dropped) lines") typed while waiting not sent: \(why)", ["lines": dropped])
        }
    }

    /// Pauses or resumes the picture of every live session (sharing side), and tells the viewers.
    public func setPaused(_ paused: Bool) {
        let controls = liveControls
        state.withLock { s in
            s.paused = paused
            for id in s.records.keys where s.records[id]?.phase == .live { s.records[id]?.paused = paused }
        }
        for control in controls {
            control.setPaused(paused)
            control.sendChat(PauseNotice.text(paused: paused, by: localName))
        }
        notice(paused ? "paused" : "resumed",
               paused ? "sharing paused (the viewer keeps the last picture)" : "sharing resumed")
    }

    /// Ends every connection that is live or being asked about; returns how many.
    @discardableResult
    public func endAll(reason: SessionEnd.Reason, text: String) -> Int {
        let controls = state.withLock { s in s.records.values.filter { $0.phase != .connecting }.compactMap { s.controls[$0.id] } }
        for control in controls { control.end(reason: reason, text: text) }
        return controls.count
    }
}
