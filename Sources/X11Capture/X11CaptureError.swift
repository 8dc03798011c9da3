/// Everything that can go wrong while reading an X display, as one Swift error with a sentence a person
/// can act on.
public enum X11CaptureError: Error, CustomStringConvertible, Equatable {
    case cannotOpenDisplay(String)
    case unsupportedVisual(String)
    case protocolError(request: Int, minor: Int, code: Int, text: String)
    case connectionLost(String)
    case sharedMemory(String)

    public var description: String {
        switch self {
        case .cannotOpenDisplay(let name):
            return "cannot open X display '\(name)': is an X server running there, and are DISPLAY and XAUTHORITY right?"
        case .unsupportedVisual(let why):
            return "unsupported X visual: \(why)"
        case .protocolError(let request, let minor, let code, let text):
            return "X protocol error \(code) (\(text)) in request \(request).\(minor)"
        case .connectionLost(let name):
            return "the connection to X display '\(name)' was lost (the X server went away)"
        case .sharedMemory(let why):
            return "MIT-SHM unavailable: \(why)"
        }
    }
}
