/// Why an agent session could not go on, in words for the person at the terminal.
public enum AgentError: Error, CustomStringConvertible, Equatable, Sendable {
    case system(String)
    case capture(String)
    case viewerCannotFollowResize
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .system(let s): return s
        case .capture(let s): return "screen capture failed: \(s)"
        case .viewerCannotFollowResize: return "the screen changed size and the other side's viewer cannot follow (no DesktopSize support)"
        case .protocolViolation(let s): return "the other side broke the protocol: \(s)"
        }
    }
}
