/// The chat line that tells a viewer the picture is paused or resumed. There is no RFB message for it:
/// the sharing side sends this text (to viewers that speak our extensions), and the viewing side reads
/// the state back from it for its record and `status.json`. It is the agent's word about its own
/// picture, nothing more: an agent that sends it falsely only misreports itself.
enum PauseNotice {
    static let pausedPrefix = "(sharing paused by "
    static let resumedPrefix = "(sharing resumed by "

    static func text(paused: Bool, by name: String) -> String {
        paused ? "\(pausedPrefix)\(name): the picture stays as it is until they resume)" : "\(resumedPrefix)\(name))"
    }

    /// True for a pause notice, false for a resume notice, nil for any other line.
    static func state(in text: String) -> Bool? {
        guard text.hasSuffix(")") else { return nil }
        if text.hasPrefix(pausedPrefix) { return true }
        if text.hasPrefix(resumedPrefix) { return false }
        return nil
    }
}
