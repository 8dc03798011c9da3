import Foundation
import Pixels

/// The status line (peer, state, fps, kbit/s, paused): kept in the interactive prompt every second,
/// emitted as a `status` event every 5 s with --json, and printed on `/status`.
final class StatusTicker: Sendable {
    private let console: Console
    private let lines: SessionLines
    private let statistics: @Sendable () async -> SessionStatistics?

    init(console: Console, lines: SessionLines, statistics: @escaping @Sendable () async -> SessionStatistics?) {
        self.console = console
        self.lines = lines
        self.statistics = statistics
    }

    func start(exit: ExitSignal) {
        Task {
            var last = SessionStatistics()
            var lastTime = Date()
            var tick = 0
            while !exit.isFinished {
                try? await Task.sleep(for: .seconds(1))
                tick += 1
                guard let now = await statistics() else { continue }
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
            let text = describe(now, since: SessionStatistics(), seconds: lines.secondsSinceStart)
            emit(now, text)
        }
    }

    private func emit(_ now: SessionStatistics, _ text: String) {
        console.event("status", text, ["peer": lines.peerName, "state": lines.phase, "updates": now.updates,
                                       "bytes": now.bytes, "paused": now.paused])
    }

    private func describe(_ now: SessionStatistics, since: SessionStatistics, seconds: Double) -> String {
        var parts = [lines.peerName, lines.phase]
        if lines.started { parts.append(now.rates(since: since, seconds: seconds)) }
        if now.paused || lines.paused { parts.append("paused") }
        return parts.joined(separator: " · ")
    }
}
