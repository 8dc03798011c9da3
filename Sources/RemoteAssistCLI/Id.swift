import ArgumentParser
import RFBTransport

struct Id: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show your name and certificate fingerprint (created on first use).",
        discussion: """
            Give your fingerprint to a contact over a channel you trust (read it aloud on the phone); \
            they add you with `remote-assist contacts add NAME FINGERPRINT`. The private key stays in \
            the config folder (mode 0600) and never leaves it.

            Examples:
              remote-assist id
              remote-assist id --fingerprint        the fingerprint alone, for scripts
            """)

    @OptionGroup var identity: IdentityOptions
    @Flag(name: .long, help: "Print the fingerprint alone.") var fingerprint = false

    func run() throws {
        let me = try identity.identity()
        if fingerprint {
            print(me.fingerprint)
        } else {
            print("name:        \(me.displayName)")
            print("fingerprint: \(me.fingerprint)")
            print("certificate: \(me.directory)/\(Identity.certificateFileName)")
        }
    }
}
