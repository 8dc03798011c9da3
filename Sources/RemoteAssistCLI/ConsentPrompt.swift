import Foundation
import Agent

/// The requester's yes/no: "Allow alice (SHA256:…) to see your screen? [y/N]". Only "y" or "yes"
/// allows; anything else, end of input, or no answer within the timeout refuses.
struct ConsentPrompt: Sendable {
    let console: Console
    let question: PendingQuestion
    let timeoutSeconds: Int
    let givenInAdvance: Bool

    /// The `AgentConfiguration.consent` policy.
    func ask(_ request: ConsentRequest, _ decide: @escaping @Sendable (Bool) -> Void) {
        if givenInAdvance {
            console.event("consent", "\(request.viewer) may see your screen (consent given in advance with --allow-view)",
                          ["viewer": request.viewer, "granted": true, "in_advance": true])
            return decide(true)
        }
        let console = console
        let timeout = timeoutSeconds
        question.ask("Allow \(request.viewer) to see your screen? [y/N]", timeoutSeconds: timeout) { line, timedOut in
            let granted = !timedOut && ConsentPrompt.isYes(line)
            let text = granted ? "allowed: capture starts now"
                : timedOut ? "no answer within \(timeout) s: not allowed" : "not allowed"
            console.event("consent", text, ["granted": granted, "timeout": timedOut])
            decide(granted)
        }
    }

    static func isYes(_ line: String?) -> Bool {
        let text = (line ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        return text == "y" || text == "yes"
    }
}
