import Foundation

/// What one soak run measured, for the terminal and `--json`.
struct SoakReport: Codable {
    var sessions = 0
    var sessionsCompleted = 0
    var sessionsPixelExact = 0
    /// Times a session's viewer was refused before the session (all places taken) and tried again.
    var viewerRetries = 0
    var failures: [String] = []
    var hostilePeers = 0
    var hostile: [String: HostileCounts] = [:]
    /// The agent's VmRSS (kB): listening before any connection, after the first session, at the end,
    /// and the highest sample during the run.
    var rssListeningKB = 0
    var rssAfterFirstSessionKB = 0
    var rssEndKB = 0
    var rssPeakKB = 0
    /// The agent's open file descriptors: listening before any connection, and at the end.
    var fdsListening = 0
    var fdsEnd = 0
    /// The agent's threads: listening before any connection, and at the end.
    var threadsListening = 0
    var threadsEnd = 0
    var agentExitStatus: Int32?
    /// The listen phase (`--listen-idle`), if it ran.
    var listen: ListenSoakReport?
    var seconds = 0.0

    var hostileConnections: Int { hostile.values.reduce(0) { $0 + $1.connections } }

    func printed() -> String {
        var lines = [
            "sessions: \(sessionsCompleted)/\(sessions) completed, \(sessionsPixelExact)/\(sessions) pixel-exact, "
                + "\(viewerRetries) viewer connections refused and tried again",
            "hostile: \(hostilePeers) peers at once, \(hostileConnections) connections",
        ]
        for (kind, c) in hostile.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(kind): \(c.connections) connections, \(c.closedByAgent) closed by the agent, "
                         + "\(c.refusedAtOnce) refused at once, \(c.unexpected) unexpected")
        }
        lines.append("agent RSS: \(rssListeningKB / 1024) MB listening, \(rssAfterFirstSessionKB / 1024) MB after the first session, "
                     + "\(rssEndKB / 1024) MB at the end (peak \(rssPeakKB / 1024) MB)")
        lines.append("agent fds: \(fdsListening) listening, \(fdsEnd) at the end; threads: \(threadsListening) listening, \(threadsEnd) at the end")
        lines.append("agent exit status: \(agentExitStatus.map(String.init) ?? "still running"); \(format(seconds)) s")
        for failure in failures.prefix(10) { lines.append("failure: \(failure)") }
        if let listen { lines.append(listen.printed()) }
        return lines.joined(separator: "\n")
    }
}

/// /proc figures of one process.
enum ProcFigures {
    static func residentKB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }

    static func threads(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Threads:") }) else { return nil }
        return Int(line.split(separator: "\t").last ?? "")
    }

    static func openFDs(_ pid: Int32) -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
    }
}
