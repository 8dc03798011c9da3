import ArgumentParser

@main
struct RemoteAssist: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote-assist",
        abstract: "Remote assistance for Linux/X11: let a trusted contact see your screen, and chat.",
        discussion: """
            The requester shares an X11 desktop; the expert sees it as PNG snapshots and chats. Nothing \
            leaves the requester's machine before the requester consents, and either side can end the \
            session at any time.

            Once, exchange fingerprints with the person you trust (read them aloud):
              remote-assist id                  your name and fingerprint
              remote-assist contacts add alice SHA256:… --address HOST:5500

            Then, each time (the expert first):
              alice$ remote-assist listen         wait for requests
              bob$   remote-assist request alice  ask; alice accepts; bob allows

            Behind two home routers, use an XMPP server instead of addresses:
              remote-assist account alice@example.org            once, each side
              remote-assist contacts add bob bob@example.org     asks bob; he accepts
              remote-assist contacts list                        who is online, busy, away
              remote-assist chat bob                             chat outside a session

            Either side types to chat; /quit or Ctrl-C ends the session for both.
            Also: `share` / `view HOST` (the requester listens), `snapshot`.
            """,
        version: "0.1.0",
        subcommands: [Request.self, Listen.self, Share.self, View.self, Snapshot.self, Id.self, Contacts.self, Account.self, Chat.self]
    )
}
