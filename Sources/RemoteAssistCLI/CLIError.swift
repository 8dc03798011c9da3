import ArgumentParser
import PeerText

/// A failure the user can act on: printed as one line "remote-assist: <message>", exit status 1.
/// The message goes through ``PeerText`` once more when printed, as ``Console`` lines do: many messages
/// carry something a peer or the XMPP server chose (a relay's address, a reason), and the line is printed
/// straight to the terminal.
struct CLIError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { PeerText.clean(message, limit: 2048) }
}
