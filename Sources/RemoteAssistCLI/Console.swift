import Foundation
import PeerText
import Synchronization

/// The terminal of a session command: status and chat lines with the time, or one JSON object per
/// event (`--json`), and the lines the person types, read on a background thread.
final class Console: Sendable {
    let json: Bool
    private let lock = Mutex(())
    /// The interactive terminal, when standard input and output are one (and not --json).
    let terminal: TerminalUI?

    init(json: Bool) {
        self.json = json
        terminal = !json && TerminalUI.isInteractive ? TerminalUI() : nil
    }

    /// Reads typed lines: through the interactive terminal when there is one, else plain lines.
    /// With nothing on standard input (`</dev/null`, nohup, systemd) nothing is read, and the person
    /// running it is told that chat input is off and how the command ends.
    func startInput(_ handler: @escaping @Sendable (String?) -> Void) {
        guard StandardInput.current != .none else {
            event("input_off", "\(StandardInput.noneDescription): chat input is off; Ctrl-C or `kill \(getpid())` ends it",
                  ["pid": Int(getpid())])
            return
        }
        if let terminal { terminal.start(lines: handler) } else { InputLines(handler: handler).start() }
    }

    func finish() { terminal?.restore() }

    /// A human line (`12:01:02 text`) or, in JSON mode, `{"event": name, ...fields}`. The text and
    /// every string field pass through ``PeerText`` once more: whatever a caller forgot, no control
    /// character, escape or line break reaches the terminal or the JSON stream from here.
    func event(_ name: String, _ raw: String, _ rawFields: [String: any Sendable] = [:]) {
        let text = Self.clean(raw)
        var fields = rawFields
        for (key, value) in rawFields { if let string = value as? String { fields[key] = Self.clean(string) } }
        lock.withLock { _ in
            if json {
                var object: [String: Any] = ["event": name, "time": ISO8601DateFormatter().string(from: Date())]
                for (k, v) in fields { object[k] = v }
                if object["message"] == nil { object["message"] = text }
                if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
                   let line = String(data: data, encoding: .utf8) {
                    Self.write(line + "\n")
                }
            } else if let terminal {
                terminal.printAbove("\(Self.clock()) \(text)\n")
            } else {
                Self.write("\(Self.clock()) \(text)\n")
            }
        }
    }

    static func clean(_ text: String) -> String { PeerText.clean(text, limit: PeerText.chatLimit + 512) }

    /// A question on the terminal (stderr in JSON mode, so stdout stays machine-readable).
    func prompt(_ raw: String) {
        let text = Self.clean(raw)
        lock.withLock { _ in
            if json {
                FileHandle.standardError.write(Data((text + "\n").utf8))
            } else if let terminal {
                // The question (name, fingerprint, address) is wider than most terminals: it is printed
                // once as a line, and the prompt under it stays short, so redrawing it every second
                // (the status ticker) does not repeat a wrapped question down the screen.
                terminal.printAbove("\(Self.clock()) \(text)\n")
                terminal.setQuestion(text.hasSuffix("[y/N]") ? "answer [y/N] >" : "answer >")
            } else {
                Self.write(text + " ")
            }
        }
    }

    /// Unbuffered: stdio's locks would make a writer wait for the thread blocked reading stdin.
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }


    /// Our own chat line, shown in the transcript on an interactive terminal (a plain terminal
    /// already echoed it as it was typed).
    func own(_ raw: String) {
        guard let terminal, !json else { return }
        let text = Self.clean(raw)
        lock.withLock { _ in terminal.printAbove("\(Self.clock()) \(text)\n") }
    }

    /// The question is answered: back to the status prompt.
    func questionAnswered() { terminal?.setQuestion(nil) }

    /// The status shown in the interactive prompt; printed as a line on `/status` otherwise.
    func status(_ text: String) { terminal?.setStatus(Self.clean(text)) }


    static func clock() -> String {
        let f = DateFormatter()
        f.dateFormat = "HH:mm:ss"
        return f.string(from: Date())
    }
}

/// Lines typed on standard input, and its end (nil), delivered on a background thread.
final class InputLines: Sendable {
    private let handler: @Sendable (String?) -> Void

    init(handler: @escaping @Sendable (String?) -> Void) {
        self.handler = handler
    }

    func start() {
        let handler = handler
        let thread = Thread {
            while let line = readLine(strippingNewline: true) { handler(line) }
            handler(nil)
        }
        thread.name = "remote-assist input"
        thread.start()
    }
}

/// SIGINT and SIGTERM as events (the default action, dying mid-write, is replaced).
final class Signals: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []

    init(handler: @escaping @Sendable (Int32) -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { handler(sig) }
            source.resume()
            sources.append(source)
        }
    }
}
