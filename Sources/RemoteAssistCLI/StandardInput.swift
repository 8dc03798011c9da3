import Foundation

/// What standard input can be for a session command: a person at a terminal, a script that writes
/// lines (a pipe or a file), or nothing at all (`</dev/null`, `nohup`, a systemd service, a closed
/// descriptor), in which case nobody can answer a question or type a chat line.
enum StandardInput: Equatable {
    case terminal
    case script
    case none

    static var current: StandardInput { classify(descriptor: 0) }

    static func classify(descriptor fd: Int32) -> StandardInput {
        if isatty(fd) == 1 { return .terminal }
        let flags = fcntl(fd, F_GETFL)
        // Closed, or opened for writing only (GNU nohup reopens a terminal stdin as /dev/null, O_WRONLY).
        guard flags >= 0, flags & O_ACCMODE != O_WRONLY else { return .none }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .none }
        // A character device that is not a terminal: /dev/null (systemd's default, `</dev/null`).
        if info.st_mode & S_IFMT == S_IFCHR { return .none }
        return .script
    }

    /// How it was started, in words, for the line that says chat input is off.
    static let noneDescription = "standard input is not a terminal (/dev/null or closed, as under nohup or systemd)"

    /// A command that needs someone to answer (consent, or accepting a request) refuses to start when
    /// nobody can; `fix` says what to do instead. With `--web` the page answers (its dialog), so a
    /// command started from a desktop launcher or a service with nothing on standard input may run.
    static func requireAnswerer(_ question: String, fix: String, page: Bool = false) throws {
        guard current == .none, !page else { return }
        throw CLIError("nobody can answer \(question): \(noneDescription). \(fix)")
    }
}
