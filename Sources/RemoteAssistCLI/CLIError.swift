import ArgumentParser

/// A failure the user can act on: printed as one line "remote-assist: <message>", exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
