import Foundation
import Pixels
import SessionModel

/// The status line (peer, state, fps, kbit/s, paused): kept in the interactive prompt every second,
/// emitted as a `status` event every 5 s with --json, and printed on `/status`. It reads the session
/// model; the numbers come from the oldest live session.
final class StatusTicker: Sendable {
    private let console: Console
    private let model: SessionModel

    init(console: Console, model: SessionModel) {
        self.console = console
        self.model = model
    }

    private func statistics() async -> SessionStatistics? { await model.liveControls.first?.statistics() }

    func start(exit: ExitSignal) {
        Task {
            var last = SessionStatistics()
            var lastTime = Date()
            var tick = 0
            while !exit.isFinished {
                try? await Task.sleep(for: .seconds(1))
                tick += 1
                let now = await statistics() ?? SessionStatistics()
                let text = describe(now, since: last, seconds: Date().timeIntervalSince(lastTime))
                console.status(text)
                if console.json && tick % 5 == 0 { emit(now, text) }
                last = now
                lastTime = Date()
            }
        }
    }

    /// `/status`: the line now, with rates over the whole session.
    func printNow() {
        Task {
            let now = await statistics() ?? SessionStatistics()
            let seconds = Double(model.live.first?.seconds() ?? 0)
            emit(now, describe(now, since: SessionStatistics(), seconds: seconds))
        }
    }

    private func emit(_ now: SessionStatistics, _ text: String) {
        console.event("status", text, ["peer": model.peerSummary, "state": model.phase, "updates": now.updates,
                                       "bytes": now.bytes, "paused": now.paused || model.paused,
                                       "sessions": model.live.count, "questions": model.waitingQuestions.count])
    }

    private func describe(_ now: SessionStatistics, since: SessionStatistics, seconds: Double) -> String {
        var parts = [model.peerSummary, model.phase]
        let rates = now.rates(since: since, seconds: seconds)
        if !model.live.isEmpty, !rates.isEmpty { parts.append(rates) }
        if now.paused || model.paused { parts.append("paused") }
        let waiting = model.waitingQuestions.count
        if waiting > 1 { parts.append("\(waiting) questions waiting") }
        if let files = model.fileStatus { parts.append(files) }
        let offers = model.waitingOffers.count
        if offers > 0 { parts.append(offers == 1 ? "1 file offer: /accept or /decline" : "\(offers) file offers: /accept or /decline") }
        return parts.joined(separator: " · ")
    }
}
