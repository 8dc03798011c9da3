import Foundation
import Synchronization
import TerminalEditing

/// The interactive terminal of a session when standard input and output are a terminal: the line
/// being typed stays on the bottom line, behind a status prompt ("[alice · viewing · 12 fps · 340
/// kbit/s] > "), and incoming chat and events are printed above it, so nothing garbles what is being
/// typed. Without a terminal (pipes, scripts) plain lines are used instead (`InputLines`).
///
/// The keys are interpreted by a ``LineEditor`` (arrows, Home/End, history, …) and the bottom line is
/// drawn by a ``LineView`` (scrolled sideways when longer than the terminal); printed lines wider than
/// the terminal are wrapped at spaces (``WordWrap``), continuation lines indented under the text after
/// the time. Every write to the terminal happens under the one lock, so a line printed above and a
/// redraw never interleave, and after `restore()` nothing draws the prompt again.
final class TerminalUI: Sendable {
    private struct State {
        var editor = LineEditor()
        var view = LineView()
        var status = ""
        var question: String?
        var saved: termios?
        /// Between `start` and `restore`: the prompt is drawn only then.
        var started = false
        var stopped = false
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
        let began = state.withLock { s -> Bool in
            guard !s.stopped, !s.started else { return false }
            tcsetattr(0, TCSANOW, &raw)
            s.saved = original
            s.started = true
            Self.draw(&s)
            return true
        }
        guard began else { return }
        let thread = Thread { [self] in readKeys(lines) }
        thread.name = "remote-assist keys"
        thread.start()
    }

    private func readKeys(_ lines: @Sendable (String?) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let n = read(0, &buffer, buffer.count)
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard n > 0 else { break }
            let chunk = buffer[0..<n]
            // The events are handled outside the lock: their handlers print through this terminal.
            let events = state.withLock { s -> [LineEditor.Event]? in
                guard !s.stopped else { return nil }
                s.editor.recordsHistory = s.question == nil   // answers are not chat to recall
                let events = s.editor.feed(chunk)
                Self.draw(&s)
                return events
            }
            guard let events else { return }
            for event in events {
                switch event {
                case .submit(let line): lines(line)
                case .endOfInput: lines(nil); return
                }
            }
        }
        if !state.withLock({ $0.stopped }) { lines(nil) }
    }

    /// Clears the bottom line and puts the terminal back as it was; from now on lines are printed
    /// plainly and the prompt is never drawn again.
    func restore() {
        state.withLock { s in
            guard !s.stopped else { return }
            s.stopped = true
            guard s.started, var original = s.saved else { return }
            s.saved = nil
            Console.write("\r\u{1B}[K")
            tcsetattr(0, TCSANOW, &original)
        }
    }

    /// Prints a line above the one being typed (wrapped at spaces to the terminal's width).
    func printAbove(_ line: String) {
        state.withLock { s in
            let width = Self.columns()
            let text = line.hasSuffix("\n") ? String(line.dropLast()) : line
            let wrapped = WordWrap.lines(text, width: width, indent: Self.hangingIndent(text, width: width))
            // Before start and after restore there is no prompt on the bottom line to clear or redraw.
            let live = s.started && !s.stopped
            Console.write((live ? "\r\u{1B}[K" : "") + wrapped.joined(separator: "\n") + "\n")
            if live { Self.draw(&s) }
        }
    }

    func setStatus(_ status: String) {
        state.withLock { s in
            s.status = status
            Self.draw(&s)
        }
    }

    /// A question replaces the status prompt until it is answered.
    func setQuestion(_ question: String?) {
        state.withLock { s in
            s.question = question
            Self.draw(&s)
        }
    }

    /// Draws the bottom line (prompt and the visible part of the line) and puts the cursor at the
    /// editor's cursor. Called with the lock held; draws nothing outside start…restore.
    private static func draw(_ s: inout State) {
        guard s.started && !s.stopped else { return }
        let prompt = s.question.map { $0 + " " } ?? (s.status.isEmpty ? "> " : "[\(s.status)] > ")
        let frame = s.view.frame(prompt: prompt, characters: s.editor.characters, cursor: s.editor.cursor,
                                 width: columns())
        let move = frame.cursorColumn > 0 ? "\u{1B}[\(frame.cursorColumn)C" : ""
        Console.write("\r\u{1B}[K" + frame.text + "\r" + move)
    }

    /// Continuation lines of a printed line start under its text, after the time stamp ("12:01:02 ").
    static func hangingIndent(_ text: String, width: Int) -> Int {
        guard let space = text.prefix(12).firstIndex(of: " ") else { return 0 }
        return min(DisplayWidth.of(text[...space]), width / 2)
    }

    /// The terminal's width in columns (80 when it cannot be told); asked at each use, so a resized
    /// terminal is followed.
    static func columns() -> Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }
}
