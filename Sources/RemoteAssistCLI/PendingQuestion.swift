import Foundation
import Synchronization

/// A question on the terminal answered by the next typed line (or by end of input, or a timeout);
/// while one is pending, typed lines answer it instead of going to the chat.
final class PendingQuestion: Sendable {
    private let pending = Mutex<(@Sendable (String?) -> Void)?>(nil)
    private let console: Console

    init(console: Console) {
        self.console = console
    }

    /// Asks `text`; `answer` gets the line, or nil on end of input or after `timeoutSeconds` (then
    /// `timedOut` is true).
    func ask(_ text: String, timeoutSeconds: Int, answer: @escaping @Sendable (_ line: String?, _ timedOut: Bool) -> Void) {
        let once = Mutex(false)
        let reply: @Sendable (String?, Bool) -> Void = { line, timedOut in
            guard once.withLock({ done in defer { done = true }; return !done }) else { return }
            answer(line, timedOut)
        }
        pending.withLock { $0 = { reply($0, false) } }
        console.prompt(text)
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(timeoutSeconds)) { [self] in
            let stillPending = pending.withLock { p -> Bool in
                guard p != nil else { return false }
                p = nil
                return true
            }
            if stillPending {
                console.questionAnswered()
                reply(nil, true)
            }
        }
    }

    /// A typed line (nil: end of input): true when it answered a pending question.
    func take(_ line: String?) -> Bool {
        guard let reply = pending.withLock({ p -> (@Sendable (String?) -> Void)? in defer { p = nil }; return p }) else {
            return false
        }
        console.questionAnswered()
        reply(line)
        return true
    }
}
