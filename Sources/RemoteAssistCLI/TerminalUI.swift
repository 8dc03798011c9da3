import Foundation
import Synchronization

/// The interactive terminal of a session when standard input and output are a terminal: the line
/// being typed stays on the bottom line, behind a status prompt ("[alice · viewing · 12 fps · 340
/// kbit/s] > "), and incoming chat and events are printed above it, so nothing garbles what is being
/// typed. Without a terminal (pipes, scripts) plain lines are used instead (`InputLines`).
final class TerminalUI: Sendable {
    private struct State {
        var typed: [UInt8] = []
        var status = ""
        var question: String?
        var saved: termios?
    }
    private let state = Mutex(State())

    static var isInteractive: Bool { isatty(0) == 1 && isatty(1) == 1 }

    /// Switches the terminal to character mode (Ctrl-C still sends SIGINT) and reads keys on a thread.
    func start(lines: @escaping @Sendable (String?) -> Void) {
        var original = termios()
        guard tcgetattr(0, &original) == 0 else { return }
        var raw = original
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        tcsetattr(0, TCSANOW, &raw)
        state.withLock { $0.saved = original }
        redraw()
        Thread.detachNewThread { [self] in
            var byte: UInt8 = 0
            while read(0, &byte, 1) == 1 {
                switch byte {
                case 0x0A, 0x0D:
                    let line = state.withLock { s -> String in
                        defer { s.typed = [] }
                        return String(decoding: s.typed, as: UTF8.self)
                    }
                    Console.write("\r\u{1B}[K")
                    lines(line)
                    redraw()
                case 0x04:   // Ctrl-D: end of input on an empty line
                    if state.withLock({ $0.typed.isEmpty }) { lines(nil); return }
                case 0x7F, 0x08:
                    state.withLock { s in
                        // Remove one UTF-8 character (continuation bytes are 10xxxxxx).
                        while let last = s.typed.popLast(), last & 0xC0 == 0x80 {}
                    }
                    redraw()
                case 0x15:   // Ctrl-U
                    state.withLock { $0.typed = [] }
                    redraw()
                default:
                    if byte >= 0x20 {
                        state.withLock { $0.typed.append(byte) }
                        redraw()
                    }
                }
            }
            lines(nil)
        }
    }

    /// Puts the terminal back as it was.
    func restore() {
        let saved = state.withLock { s -> termios? in defer { s.saved = nil }; return s.saved }
        guard var original = saved else { return }
        Console.write("\r\u{1B}[K")
        tcsetattr(0, TCSANOW, &original)
    }

    /// Prints a line above the one being typed.
    func printAbove(_ line: String) {
        Console.write("\r\u{1B}[K" + line)
        redraw()
    }

    func setStatus(_ status: String) {
        state.withLock { $0.status = status }
        redraw()
    }

    /// A question replaces the status prompt until it is answered.
    func setQuestion(_ question: String?) {
        state.withLock { $0.question = question }
        redraw()
    }

    private func redraw() {
        let (prompt, typed) = state.withLock { s in
            (s.question.map { $0 + " " } ?? (s.status.isEmpty ? "> " : "[\(s.status)] > "), String(decoding: s.typed, as: UTF8.self))
        }
        Console.write("\r\u{1B}[K" + prompt + typed)
    }
}
