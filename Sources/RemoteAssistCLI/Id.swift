import ArgumentParser
import RFBTransport

struct Id: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show your name, certificate fingerprint and compare code (created on first use).",
        discussion: """
            Give your fingerprint to a contact over a channel you trust (read it aloud on the phone); \
            they add you with `remote-assist contacts add NAME FINGERPRINT`. Its last group is a check: \
            a mistyped character is refused there, with the group it is probably in. The private key \
            stays in the config folder (mode 0600) and never leaves it.

            The compare code (six digits) is for comparing quickly once they have typed your fingerprint \
            in: `contacts add` and `contacts list` show it too, and both must say the same. It is only a \
            check; the full fingerprint is what is pinned, and a stranger is judged by the full fingerprint.

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
            print("name:         \(me.displayName)")
            print("fingerprint:  \(me.fingerprint)")
            print("compare code: \(me.fingerprint.comparisonCode)   (for comparing aloud; the fingerprint is the pin)")
            print("certificate:  \(me.directory)/\(Identity.certificateFileName)")
        }
    }
}
