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
        question.ask("Allow \(request.viewer) to see your screen? [y/N]", timeoutSeconds: timeoutSeconds,
                     onTimeout: "no answer within \(timeoutSeconds) s: not allowed") { line in
            let granted = ConsentPrompt.isYes(line)
            console.event("consent", granted ? "allowed: capture starts now" : "not allowed", ["granted": granted])
            decide(granted)
        }
    }

    static func isYes(_ line: String?) -> Bool {
        let text = (line ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        return text == "y" || text == "yes"
    }
}
