import ArgumentParser
import Foundation
import RFBTransport

struct Contacts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the people you trust: name, certificate fingerprint, and how to reach them.",
        discussion: """
            Through an XMPP server (after `remote-assist account NAME@SERVER`), both sides accept each other:
              alice$ remote-assist contacts add bob bob@example.org       asks bob
              bob$   remote-assist contacts requests                       lists who asked
              bob$   remote-assist contacts accept alice@example.org       pins alice, asks back
            Both then see the same six-digit pairing code: say it to each other on the phone. A \
            different code means someone between you changed the fingerprints.

            Without a server, pin the fingerprint they read you (their `remote-assist id`):
              remote-assist contacts add alice SHA256:ABCD-...-WXYZ --address alice.example.org:5500
            The fingerprint's last group is a check: a typo is refused and its group named.

              remote-assist contacts list          with an account: who is online, busy, away
              remote-assist contacts remove alice
            """,
        subcommands: [ContactsAdd.self, ContactsList.self, ContactsRemove.self, ContactsRequests.self,
                      ContactsAccept.self, ContactsDecline.self],
        defaultSubcommand: ContactsList.self)
}
