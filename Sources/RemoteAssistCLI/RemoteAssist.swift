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

            Examples:
              remote-assist snapshot --display :0 --output desk.png   capture the screen once
            """,
        version: "0.1.0",
        subcommands: [Request.self, Listen.self, Share.self, View.self, Snapshot.self, Id.self, Contacts.self]
    )
}
