import Agent
import Foundation
import Synchronization

/// The requester's yes/no at the terminal: "Allow alice (SHA256:…) to see your screen? [y/N]".
/// Only "y" or "yes" allows; anything else, end of input, or no answer within the timeout refuses.
final class ConsentPrompt: Sendable {
    private let pending = Mutex<(@Sendable (Bool) -> Void)?>(nil)
    private let console: Console
    private let timeout: Int
    private let inAdvance: Bool

    init(console: Console, timeoutSeconds: Int, givenInAdvance: Bool) {
        self.console = console
        timeout = timeoutSeconds
        inAdvance = givenInAdvance
    }

    /// The `AgentConfiguration.consent` policy.
    func ask(_ request: ConsentRequest, _ decide: @escaping @Sendable (Bool) -> Void) {
        if inAdvance {
            console.event("consent", "\(request.viewer) may see your screen (consent given in advance with --allow-view)",
                          ["viewer": request.viewer, "granted": true, "in_advance": true])
            decide(true)
            return
        }
        let once = Mutex(false)
        let answer: @Sendable (Bool) -> Void = { granted in
            guard once.withLock({ done in defer { done = true }; return !done }) else { return }
            decide(granted)
        }
        pending.withLock { $0 = answer }
        console.prompt("Allow \(request.viewer) from \(request.remoteAddress) to see your screen? [y/N]")
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(timeout)) { [self] in
            let stillPending = pending.withLock { p -> Bool in
                guard p != nil else { return false }
                p = nil
                return true
            }
            if stillPending {
                console.event("consent", "no answer within \(timeout) s: not allowed", ["granted": false, "timeout": true])
                answer(false)
            }
        }
    }

    /// A typed line: true when it answered a pending question (then it is not chat).
    func take(_ line: String?) -> Bool {
        guard let decide = pending.withLock({ p -> (@Sendable (Bool) -> Void)? in defer { p = nil }; return p }) else {
            return false
        }
        let text = (line ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let granted = text == "y" || text == "yes"
        console.event("consent", granted ? "allowed" : "not allowed", ["granted": granted])
        decide(granted)
        return true
    }
}
